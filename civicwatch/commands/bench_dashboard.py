"""``civicwatch bench dashboard``: the wall's per-tick snapshot at city scale.

Fills a fresh database (SQLite in a temporary directory; PostgreSQL in a private database created and
dropped on the server given by ``--pg-url``) with the synthetic city, 100,000 cases (with their transition
logs) and 1,000,000 observations over three years, using bulk inserts (executemany / COPY). Then it times
the per-tick snapshot computation as served (the slow year/30-day sections refresh in their own thread every
15 s; their time is reported as ``slow_sections_p50_ms``), wall-clock and CPU of the computing thread (the
machine may be shared: compare the CPU figures and ``loadavg``), and measures one tick's update payload
after a new problem. Prints ONE JSON object on stdout; progress goes to stderr.
"""
from __future__ import annotations

import json
import statistics
import sys
import time

import click

from .bench_support import database_options, loadavg, on_databases, percentile
from .groups import bench


def _measure(url: str, data_dir: str, *, cases: int, observations: int, years: float, runs: int) -> dict:
    from tqdm import tqdm

    from dashboard.wall.snapshot import WallSnapshotService
    from dashboard.wall.synthetic import fill
    from dashboard.wall.update import build_update, client_state, payload_bytes
    from models import kpi
    from models.clock import utcnow
    from models.config import parse_config
    from models.context import AppContext
    from models.migrate import upgrade
    from models.workflow import open_case

    ctx = AppContext.from_config(parse_config({"data_dir": data_dir, "database": {"url": url}}))
    try:
        upgrade(ctx.engine)
        dialect = ctx.engine.dialect.name
        total = cases * 2 + cases * 5 + observations  # cases + ~5 transitions each + observations (estimate)
        t0 = time.perf_counter()
        with tqdm(total=total, desc=f"fill {dialect}", unit="rows", file=sys.stderr, leave=False) as bar:
            city = fill(ctx.engine, cases=cases, observations=observations, years=years, progress=bar.update)
        fill_s = time.perf_counter() - t0
        with ctx.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # fresh statistics, as autovacuum / a maintained SQLite would have
        svc = WallSnapshotService(ctx)  # slow sections refresh in their own thread every 15 s, as served
        svc._compute()  # warm caches (registry, statement cache)
        times, cpu, kpi_times = [], [], []
        for _ in tqdm(range(runs), desc=f"snapshot {dialect}", file=sys.stderr, leave=False):
            t, c = time.perf_counter(), time.thread_time()
            snap = svc._compute()
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            with ctx.sessions() as s:
                t = time.perf_counter()
                kpi.summary(s, utcnow())
                kpi_times.append((time.perf_counter() - t) * 1000)
        slow = []
        for _ in range(3):
            t = time.perf_counter()
            svc.refresh_slow()
            slow.append((time.perf_counter() - t) * 1000)
        reg = snap["_reg"]
        state = client_state(snap)
        thumb = lambda i: f"/api/v1/wall/thumb/{i}"  # noqa: E731
        # a typical tick: a new problem was just found (events, KPIs, flow, map, types change)
        with ctx.sessions.begin() as s:
            open_case(s, source="camera", problem_type=city["types"][0], found_at=utcnow(), actor="bench",
                      actor_role="system", point=city["points"][0])
        tick = build_update(svc._compute(), state, reg, thumb)
        quiet = build_update(svc._compute(), client_state(svc._compute()), reg, thumb)
        first = build_update(snap, None, reg, thumb)
        return {
            "snapshot_p50_ms": percentile(times, 50, digits=2),
            "snapshot_p95_ms": percentile(times, 95, digits=2),
            "snapshot_mean_ms": round(statistics.fmean(times), 2),
            "snapshot_cpu_p50_ms": percentile(cpu, 50, digits=2),
            "snapshot_cpu_p95_ms": percentile(cpu, 95, digits=2),
            "slow_sections_p50_ms": percentile(slow, 50, digits=2),
            "kpi_summary_p50_ms": percentile(kpi_times, 50, digits=2),
            "kpi_summary_p95_ms": percentile(kpi_times, 95, digits=2),
            "payload_bytes": payload_bytes(tick), "payload_quiet_tick_bytes": payload_bytes(quiet),
            "payload_full_bytes": payload_bytes(first),
            "rows": city["rows"], "fill_s": round(fill_s, 1), "runs": runs,
        }
    finally:
        ctx.stop()


@bench.command("dashboard")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the only output format).")
@click.option("--cases", default=100_000, show_default=True, help="Cases over the period.")
@click.option("--observations", default=1_000_000, show_default=True, help="Observations over the period.")
@click.option("--years", default=3.0, show_default=True, help="Length of the period, ending now.")
@click.option("--runs", default=100, show_default=True, help="Snapshot computations timed per database.")
@database_options
def bench_dashboard(as_json: bool, cases: int, observations: int, years: float, runs: int, databases: str,
                    pg_url: str) -> None:
    """Wall snapshot time (p50/p95) and update payload on SQLite and PostgreSQL at city scale."""
    result: dict = {"cases": cases, "observations": observations, "years": years,
                    "loadavg_before": loadavg()}
    result.update(on_databases(databases, pg_url, "wall", lambda url, data_dir: _measure(
        url, data_dir, cases=cases, observations=observations, years=years, runs=runs)))
    result["loadavg_after"] = loadavg()
    result["targets"] = {"snapshot_p95_ms": 100, "payload_bytes": 50_000}
    click.echo(json.dumps(result, ensure_ascii=False))

