"""The demo city measures its linked creation indicators from the cases: after a month of demo history the
shipped registry's measured indicators show progress from the cases of their owners, and the incentive
scores of those owners use it."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from models.config import DemoHistory
from models.incentives import indicator_completion, parse_period
from models.indicator_measures import computed_progress
from models.indicator_progress import indicator_rows
from models.registry_io import import_registry
from models.workflow.demo_history import write_history

REGISTRY = Path(__file__).resolve().parents[2] / "assets" / "registry"
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def test_demo_history_fills_the_measured_indicators(sqlite_ctx):
    import_registry(sqlite_ctx.sessions, REGISTRY)
    write_history(sqlite_ctx.sessions, DemoHistory(), days=30, now=NOW)
    period = parse_period("2026")
    with sqlite_ctx.sessions() as s:
        rows = [r for r in indicator_rows(s, period=period, now=NOW) if r["auto_rule"]]
        measured = computed_progress(s, period, NOW)
        with_cases = [(r["code"], a["unit_id"]) for r in rows for a in r["assignments"] if a["measured_cases"]]
        assert {r["auto_rule"] for r in rows if any(a["measured_cases"] for a in r["assignments"])} == {
            "on_time", "recheck_passed", "no_recurrence"}
        assert len(with_cases) >= 20
        for r in rows:
            for a in r["assignments"]:
                assert a["source"] == "cases"
                m = measured.get((r["id"], a["unit_id"]))
                assert a["measured_cases"] == (m["cases"] if m else 0)
                if m and m["value"] is not None:
                    assert a["progress"] == m["value"]
        # an owner's incentive indicator part is the mean completion over its measured (and manual) indicators
        owner = next(a["unit_id"] for r in rows for a in r["assignments"] if a["measured_cases"])
        assert owner in indicator_completion(s, "unit", period, NOW)
