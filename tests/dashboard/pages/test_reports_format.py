"""统计报表 table cells: rates, scores and hours always with two decimals (100.00 next to 66.67), counts as is."""
from __future__ import annotations

from tests.dashboard.desktop_helpers import page_module


def test_table_numbers_read_alike(sqlite_ctx):
    from dashboard.app import create_app

    create_app(sqlite_ctx)  # registers the pages
    reports = page_module("reports")

    assert [reports._fmt(v) for v in (100.0, 66.666, 0.0, 12, None, "市城管局")] == [
        "100.00", "66.67", "0.00", "12", "—", "市城管局"]
    assert [reports._change(v) for v in (33.333, -100.0, 0.0, 5, -3, 0, None)] == [
        "+33.33", "-100.00", "0.00", "+5", "-3", "0", "—"]
