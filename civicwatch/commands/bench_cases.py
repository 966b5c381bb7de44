"""``civicwatch bench cases``: the case grid's filtered page query at city scale.

Fills a fresh database (SQLite in a temporary directory; PostgreSQL in a private database created and
dropped on ``--pg-url``) with the synthetic city and 100,000 cases (bulk inserts), then times what the
grid does for one block: one page of 100 rows (filtered, sorted, LIMIT/OFFSET) plus the filtered count,
over a mix of filters, sorts and offsets. Prints ONE JSON object on stdout; progress goes to stderr.
"""
from __future__ import annotations

import json
import random
import sys
import time
from datetime import timedelta

import click

from .bench_support import database_options, loadavg, on_databases, percentile
from .groups import bench

TARGET_P95_MS = 300


def _mix(city: dict, rng: random.Random, today) -> list[tuple[str, dict, list, int, int | None]]:
    """(name, filter, sort, offset, scope) — what supervisors and operators typically ask for."""
    unit = rng.choice(city["units"])
    return [
        ("all_newest", {}, [], 0, None),
        ("dispatched", {"states": ["dispatched"]}, [], 0, None),
        ("overdue", {"overdue": True}, [{"colId": "deadline_at", "sort": "asc"}], 0, None),
        ("district", {"district_ids": [rng.choice(sorted(city["street_by_district"]))]}, [], 0, None),
        ("unit_open", {"unit_ids": [unit], "states": ["dispatched", "rectified"]}, [], 0, None),
        ("type_last_30d", {"type_ids": [rng.choice(city["types"])],
                           "date_from": (today - timedelta(days=30)).isoformat()}, [], 0, None),
        ("citizen_source", {"sources": ["citizen"]}, [], 0, None),
        ("code_prefix", {"text": "AJ2025"}, [], 0, None),
        ("sort_type_deep", {}, [{"colId": "type", "sort": "asc"}], rng.randrange(0, 5000, 100), None),
        ("sort_unit_name", {"states": ["closed"]}, [{"colId": "unit", "sort": "desc"}], 0, None),
        ("date_range_page5", {"date_from": (today - timedelta(days=365)).isoformat(),
                              "date_to": today.isoformat()}, [], 400, None),
        ("operator_scope", {}, [], 0, unit),
    ]


def _measure(url: str, data_dir: str, *, cases: int, rounds: int) -> dict:
    from tqdm import tqdm

    from dashboard.wall.synthetic import fill
    from models.case_queries import CaseFilter, case_count, case_page
    from models.clock import to_local, utcnow
    from models.config import parse_config
    from models.context import AppContext
    from models.migrate import upgrade

    ctx = AppContext.from_config(parse_config({"data_dir": data_dir, "database": {"url": url}}))
    try:
        upgrade(ctx.engine)
        dialect = ctx.engine.dialect.name
        t0 = time.perf_counter()
        with tqdm(total=cases * 6, desc=f"fill {dialect}", unit="rows", file=sys.stderr, leave=False) as bar:
            city = fill(ctx.engine, cases=cases, observations=0, progress=bar.update)
        fill_s = time.perf_counter() - t0
        with ctx.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        rng = random.Random(11)
        today = to_local(utcnow()).date()
        times: list[float] = []
        per_kind: dict[str, list[float]] = {}
        with ctx.sessions() as s:  # warm-up (statement cache, pages in memory)
            case_page(s, CaseFilter(), limit=100)
        for _ in tqdm(range(rounds), desc=f"queries {dialect}", file=sys.stderr, leave=False):
            for name, fdict, sort, offset, scope in _mix(city, rng, today):
                f = CaseFilter.from_dict(fdict)
                with ctx.sessions() as s:
                    t = time.perf_counter()
                    rows = case_page(s, f, offset=offset, limit=100, sort=sort, scope_unit_id=scope)
                    total = case_count(s, f, scope_unit_id=scope)
                    ms = (time.perf_counter() - t) * 1000
                assert total >= len(rows)
                times.append(ms)
                per_kind.setdefault(name, []).append(ms)
        return {
            "p50_ms": percentile(times, 50, digits=2), "p95_ms": percentile(times, 95, digits=2),
            "max_ms": round(max(times), 2), "min_ms": round(min(times), 2),
            "queries": len(times), "fill_s": round(fill_s, 1), "rows": city["rows"],
            "by_query_p95_ms": {k: percentile(v, 95, digits=2) for k, v in per_kind.items()},
            "by_query_min_ms": {k: round(min(v), 2) for k, v in per_kind.items()},  # floor: least disturbed run
        }
    finally:
        ctx.stop()


@bench.command("cases")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the only output format).")
@click.option("--cases", default=100_000, show_default=True, help="Cases in the database.")
@click.option("--rounds", default=20, show_default=True, help="Rounds of the query mix (12 queries each).")
@database_options
def bench_cases(as_json: bool, cases: int, rounds: int, databases: str, pg_url: str) -> None:
    """Case grid: one filtered page (100 rows) + count, p50/p95 ms, on SQLite and PostgreSQL."""
    result: dict = {"cases": cases, "page_rows": 100, "loadavg_before": loadavg()}
    result.update(on_databases(databases, pg_url, "cases",
                               lambda url, data_dir: _measure(url, data_dir, cases=cases, rounds=rounds)))
    result["loadavg_after"] = loadavg()
    result["target_p95_ms"] = TARGET_P95_MS
    click.echo(json.dumps(result, ensure_ascii=False))

