"""Workflow commands: ``civicwatch workflow audit`` (case rows and KPIs recomputed from the log),
``civicwatch workflow check-deadlines`` (one reminder/督办 pass) and ``civicwatch bench workflow``."""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

import click

from .groups import bench
from .opened_database import opened_database


@click.group()
def workflow() -> None:
    """The case workflow (案件流转): audit the log, run deadline checks."""


@workflow.command("audit")
@click.pass_obj
def audit(obj) -> None:
    """Replay every case's transition log; compare with the stored case rows and the SQL KPIs. Exit 1 on any
    difference (and print the first ones)."""
    from sqlalchemy import select
    from tqdm import tqdm

    from models.cases import Case
    from models.clock import utcnow
    from models.kpi import summary
    from models.kpi_replay import load_log, summary_from_log
    from models.kpi_report import local_midnight
    from models.workflow.machine import PROJECTION_FIELDS, replay_case

    with opened_database(obj) as ctx, ctx.sessions() as s:
        now = utcnow()
        static, log = load_log(s)
        bad = []
        cols = [getattr(Case, f) for f in PROJECTION_FIELDS]
        rows = s.execute(select(Case.id, Case.code, *cols).execution_options(yield_per=2000))
        for row in tqdm(rows, total=len(static), desc="replay", unit="cases", file=sys.stderr):
            stored = dict(zip(PROJECTION_FIELDS, row[2:]))
            p = replay_case(log.get(row.id, []))
            diff = {f: (stored[f], p[f]) for f in PROJECTION_FIELDS if stored[f] != p[f]}
            if diff:
                bad.append((row.code, diff))
        head = summary(s, now)
        again = summary_from_log(static, log, year0=local_midnight(now, year_start=True), now=now)
        kpi_diff = {k: (head[k], v) for k, v in again.items() if head[k] != v}
    result = {"cases": len(static), "mismatched_cases": len(bad), "summary_differences": kpi_diff,
              "examples": [{"code": c, "diff": {k: [str(a), str(b)] for k, (a, b) in d.items()}} for c, d in bad[:5]]}
    click.echo(json.dumps(result, ensure_ascii=False))
    if bad or kpi_diff:
        sys.exit(1)


@workflow.command("check-deadlines")
@click.pass_obj
def check_deadlines_cmd(obj) -> None:
    """Send due reminders and escalate (督办) overdue cases once, now."""
    from models.workflow.jobs import check_deadlines
    from models.workflow.settings import bind

    with opened_database(obj) as ctx:
        bind(ctx)
        with ctx.sessions.begin() as s:
            click.echo(json.dumps(check_deadlines(s)))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))], 2)


@bench.command("workflow")
@click.option("--cases", default=100_000, show_default=True, help="Synthetic cases (with logs) in the database.")
@click.option("--cycles", default=300, show_default=True, help="Full case cycles (open → close) timed.")
@click.option("--runs", default=30, show_default=True, help="Timed runs of each query.")
def bench_workflow(cases: int, cycles: int, runs: int) -> None:
    """SQLite: kpi.summary and KPIs by unit at city scale, and full workflow cycles per second."""
    from tqdm import tqdm

    from dashboard.wall.synthetic import fill
    from models.clock import utcnow
    from models.config import parse_config
    from models.context import AppContext
    from models.kpi import summary
    from models.kpi_report import case_kpis, period_bounds
    from models.migrate import upgrade
    from models.workflow import apply, open_case

    result: dict = {"cases": cases, "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="cw-bench-wf-") as tmp:
        ctx = AppContext.from_config(parse_config({"data_dir": tmp, "database": {"url": f"sqlite:///{tmp}/b.db"}}))
        try:
            upgrade(ctx.engine)
            with tqdm(total=cases * 7, desc="fill", unit="rows", file=sys.stderr, leave=False) as bar:
                city = fill(ctx.engine, cases=cases, observations=0, progress=bar.update)
            with ctx.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            s_times, k_times = [], []
            with ctx.sessions() as s:
                summary(s)
                start, end = period_bounds("all")
                for _ in tqdm(range(runs), desc="queries", file=sys.stderr, leave=False):
                    t = time.perf_counter()
                    summary(s)
                    s_times.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    case_kpis(s, start=start, end=end, group_by="unit")
                    k_times.append((time.perf_counter() - t) * 1000)
            t0 = time.perf_counter()
            for i in tqdm(range(cycles), desc="cycles", file=sys.stderr, leave=False):
                with ctx.sessions.begin() as s:
                    case = open_case(s, source="camera", problem_type=city["types"][i % len(city["types"])],
                                     found_at=utcnow(), actor="bench", actor_role="system",
                                     point=city["points"][i % len(city["points"])])
                    if case.state == "accepted":
                        apply(s, case, "dispatch", actor="bench", actor_role="system",
                              data={"unit_id": city["units"][0]})
                    for action in ("rectify", "verify", "close"):
                        apply(s, case, action, actor="bench", actor_role="system", note="bench")
            cycle_s = time.perf_counter() - t0
        finally:
            ctx.stop()
    result.update(
        summary_p50_ms=_pct(s_times, 50), summary_p95_ms=_pct(s_times, 95),
        summary_mean_ms=round(statistics.fmean(s_times), 2),
        kpi_by_unit_p50_ms=_pct(k_times, 50), kpi_by_unit_p95_ms=_pct(k_times, 95),
        cycles=cycles, cycles_per_s=round(cycles / cycle_s, 1), transitions_per_s=round(cycles * 6 / cycle_s, 1),
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
    )
    click.echo(json.dumps(result, ensure_ascii=False))


def register(cli: click.Group) -> None:
    cli.add_command(workflow)
