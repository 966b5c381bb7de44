"""``civicwatch bench pipeline`` in one process: every offered frame is decoded and analysed, and the JSON has the
figures issue 4 names (no speed is asserted: benchmarks measure, tests check they work)."""
from __future__ import annotations

import json
import os

from click.testing import CliRunner

from civicwatch.cli import cli


def test_bench_pipeline_offers_exactly_the_schedule_and_reports_throughput(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'var'}\nregistry_seed_dir: {os.path.abspath('assets/registry')}\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "bench", "pipeline", "--cameras", "4", "--seconds", "2",
                                      "--rate", "40", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["frames_offered"] == 80  # 2 s at 40 frames/s: the whole schedule, no fencepost loss
    assert out["frames_processed"] + out["frames_dropped"] == 80
    assert 0 < out["frames_per_s"] <= 40.5
    if out["kept_up"]:
        assert out["frames_processed"] == 80 and out["frames_dropped"] == 0
    assert out["ms_per_frame"] > 0 and out["floor_ms_per_frame"] > 0
    # the printed ratio is computed before ms_per_frame and the floor are rounded to 3 decimals
    assert abs(out["ratio_to_floor"] - out["ms_per_frame"] / out["floor_ms_per_frame"]) < 0.011
    assert out["latency_p95_ms"] >= out["latency_p50_ms"] > 0
    assert set(out["targets"]) == {"frames_per_s>=210", "ratio_to_floor<=2"}
