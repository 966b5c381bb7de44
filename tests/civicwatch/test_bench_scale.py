"""``civicwatch bench pipeline --workers 1,2`` runs over real Redis/Celery worker processes and PostgreSQL and
prints the figures issue 9 names (no speed is asserted: benchmarks measure, tests check they work)."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from civicwatch.cli import cli
from tests.conftest import PG_ADMIN_URL, pg_available

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_bench_pipeline_over_celery_prints_scaling_and_province(tmp_path):
    if not pg_available():
        pytest.skip("PostgreSQL not reachable (required in CI)")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'var'}\nregistry_seed_dir: {os.path.abspath('assets/registry')}\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "bench", "pipeline", "--workers", "1,2", "--cameras", "4",
                                      "--rounds", "2", "--redis-url", "redis://127.0.0.1:6379/14",
                                      "--pg-url", PG_ADMIN_URL, "--timeout", "120"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert [r["workers"] for r in out["runs"]] == [1, 2]
    for run in out["runs"]:
        assert run["complete"] and run["frames_done"] == run["frames"] == 8
        assert run["frames_per_s"] > 0 and run["latency_p95_ms"] >= run["latency_p50_ms"] > 0
        assert sum(run["frames_per_worker"]) == 8 and len(run["frames_per_worker"]) == run["workers"]
    assert out["scaling_ratio"] > 0 and out["loadavg"]
    prov = out["province"]
    assert prov["cameras"] == 1900 and prov["workers_needed_1s"] >= prov["workers_needed_2s"] >= 1
