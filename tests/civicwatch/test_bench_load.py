"""``civicwatch bench load`` at tiny scale: the product starts, walls/supervisors/edge boxes run, one JSON
object comes out with the figures, and every alarm sent (in batches) is stored exactly once."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_load_tiny_scale_prints_figures_and_stores_every_alarm(pg_database):
    proc = subprocess.run(
        [sys.executable, "-m", "civicwatch.cli", "bench", "load", "--seconds", "3", "--walls", "2", "--supervisors", "1",
         "--edge-rate", "20", "--edge-threads", "2", "--edge-batch", "5", "--warmup-s", "1", "--think-s", "0.2",
         "--sim-size", "320x180",
         "--pg-url", pg_database.replace("postgresql+psycopg://", "postgresql://")],
        capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout  # one JSON object on stdout, progress on stderr
    out = json.loads(lines[0])
    assert "load for 3 s" in proc.stderr
    assert out["benchmark"] == "load" and out["database"] == "postgresql" and out["cameras"] == 210
    for cls in ("wall", "supervisor", "edge"):
        assert out[cls]["requests"] > 0 and out[cls]["p50_ms"] is not None and out[cls]["p95_ms"] >= out[cls]["p50_ms"]
        assert out[cls]["errors"] == 0, out["error_examples"]
    assert out["errors_total"] == 0
    edge = out["edge"]
    assert edge["sent"] > 0 and edge["stored"] == edge["sent"] == edge["accepted"] and edge["stored_equals_sent"]
    assert out["edge_batch"] == 5 and edge["refused"] == 0 and edge["stored_per_s"] > 0
    assert out["edge_rate_achieved"] > 0 and len(out["loadavg"]) == 3
    assert set(out["supervisor"]["by_kind"]) >= {"cases"}
