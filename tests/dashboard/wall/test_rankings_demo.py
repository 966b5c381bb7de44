"""On the demo city the wall's 进步最快 fills from the demo history: with history on both sides of New Year the
counties' year-on-year 进步 list is not empty (the old 30-days-vs-previous-30-days rate compared a cohort still
being handled with a finished one, so it never showed a gain), and it is the incentive 进步 list."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dashboard.wall.snapshot import RANK_ROWS, compute_slow, load_registry
from models.config import DemoHistory
from models.incentives import parse_period, score_period
from models.registry_io import import_registry
from models.workflow.demo_history import write_history

REGISTRY = Path(__file__).resolve().parents[3] / "assets" / "registry"
NOW = datetime(2026, 2, 10, 6, 0, tzinfo=UTC)


def test_demo_history_fills_the_most_improved_list(sqlite_ctx):
    import_registry(sqlite_ctx.sessions, REGISTRY)
    write_history(sqlite_ctx.sessions, DemoHistory(), days=100, now=NOW)
    cfg = sqlite_ctx.config.incentives
    with sqlite_ctx.sessions() as s:
        rank = compute_slow(s, NOW, load_registry(s), "sqlite", cfg)["rank"]
        expected = score_period(s, parse_period("2026"), "district", NOW, cfg)
    assert rank["improved"], "进步最快 stays empty on a city with history before and after New Year"
    assert [(r["name"], r["gain"]) for r in rank["improved"]] == [
        (r["name"], r["improvement"]) for r in expected["improved"][:RANK_ROWS]]
    assert all(r["gain"] > 0 for r in rank["improved"])
    assert len(rank["districts"]) == RANK_ROWS and len(rank["units"]) == RANK_ROWS
