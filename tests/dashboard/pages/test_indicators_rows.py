"""创建指标 grid rows without a browser: 最近更新 is the local (Asia/Shanghai) time, the person is its own field."""
from __future__ import annotations

from datetime import datetime, timezone

from tests.dashboard.desktop_helpers import page_module


def test_updated_column_is_local_time_and_who_is_separate(sqlite_ctx):
    from dashboard.app import create_app

    create_app(sqlite_ctx)  # registers the pages
    indicators = page_module("indicators")

    row = {"id": 1, "code": "IND-001", "name": "指标", "creation_class": "文明城市", "category": "c",
           "subcategory": "s", "measure": "%", "open_cases": 0, "target": 100.0,
           "assignments": [{"unit_id": 7, "unit": "市城管局", "target": 100.0, "own_target": None, "progress": 50.0,
                            "completion": 50.0, "evidence": "", "updated_by": "registry import",
                            "updated_at": datetime(2026, 11, 29, 16, 30, tzinfo=timezone.utc)}]}
    unassigned = dict(row, id=2, code="IND-002", assignments=[])
    out = indicators.grid_rows([row, unassigned])
    assert out[0]["updated"] == "2026-11-30 00:30"  # UTC+8, across midnight
    assert out[0]["updated_by"] == "registry import"
    assert out[1]["updated"] == "" and out[1]["updated_by"] == ""
    fields = [c["field"] for c in indicators.COLUMN_DEFS]
    assert fields.index("updated_by") == fields.index("updated") + 1
