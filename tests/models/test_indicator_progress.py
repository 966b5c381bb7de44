"""Indicator progress (models.indicator_progress): completion, class summary, edits recorded with who/when."""
from __future__ import annotations

import pytest

from models.indicator_progress import (
    IndicatorError, assign, class_summary, completion, indicator_rows, unassign, update_assignment,
)
from models.registry import IndicatorAssignment
from tests.models.report_data import NOW, make_report_data


def test_rows_and_summary(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        rows = indicator_rows(s)
        assert [r["code"] for r in rows] == ["IND-001", "IND-002", "IND-003"]  # 文明城市 before 文明校园
        r1 = rows[0]
        assert r1["assignments"][0]["unit"] == "南坑街道办事处"
        assert r1["completion"] == round(60 / 95 * 100, 1) and r1["met"] is False
        assert rows[2]["assignments"] == [] and rows[2]["completion"] is None
        # IND-001 is linked to all four problem types: open cases = C2 (verified), C3, C4, C8, C9
        assert r1["open_cases"] == 5 and rows[1]["open_cases"] == 0
        summ = class_summary(rows)
        assert [(x["creation_class"], x["category"], x["indicators"], x["assigned"]) for x in summ] == [
            ("文明城市", "城市管理", 2, 2), ("文明校园", "校园环境", 1, 0)]
        assert summ[0]["completion"] == round((round(60 / 95 * 100, 1) + round(40 / 90 * 100, 1)) / 2, 1)
        assert [r["code"] for r in indicator_rows(s, unit_id=city.units[2].id)] == ["IND-001", "IND-002"]


def test_update_records_who_and_when(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        ind, unit = city.indicators[0], city.units[2]
        update_assignment(s, ind.id, unit.id, progress="96", target="", evidence=" 台账 2026-03 ", actor="alice",
                          now=NOW)
    with ctx.sessions() as s:
        a = s.get(IndicatorAssignment, (ind.id, unit.id))
        assert (a.progress, a.target, a.evidence, a.updated_by) == (96.0, None, "台账 2026-03", "alice")
        assert a.updated_at == NOW
        row = indicator_rows(s)[0]
        assert row["met"] is True and row["completion"] == 100.0


def test_invalid_edits_change_nothing(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        ind, unit = city.indicators[0], city.units[2]
        for kwargs, msg in [({"progress": "abc"}, "progress: 'abc' is not a number"),
                            ({"progress": -1}, "non-negative"),
                            ({"progress": 5, "target": 0}, "target: expected a positive"),
                            ({"progress": 5, "evidence": "x" * 2001}, "evidence: at most 2000")]:
            with pytest.raises(IndicatorError, match=msg):
                update_assignment(s, ind.id, unit.id, actor="bob", **kwargs)
        assert s.get(IndicatorAssignment, (ind.id, unit.id)).progress == 60.0
        with pytest.raises(IndicatorError, match="not assigned"):
            update_assignment(s, city.indicators[2].id, unit.id, progress=1, actor="bob")
        assign(s, city.indicators[2].id, unit.id, actor="bob", now=NOW)
        with pytest.raises(IndicatorError, match="already owns"):
            assign(s, city.indicators[2].id, unit.id, actor="bob")
        unassign(s, city.indicators[2].id, unit.id)
        assert s.get(IndicatorAssignment, (city.indicators[2].id, unit.id)) is None


def test_completion():
    assert completion(50, 200) == 25.0 and completion(300, 200) == 100.0 and completion(5, 0) == 100.0
