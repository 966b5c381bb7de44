"""Indicator progress with evidence: measured from the cases of linked problem types (on_time, recheck_passed,
no_recurrence) and changing as cases close; hand-entered progress keeps its full history; the incentive score
uses the period's measured value."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models.incentives import indicator_completion, parse_period
from models.indicator_history import IndicatorProgressEntry, history
from models.indicator_measures import MeasureError, computed_progress
from models.indicator_progress import (
    IndicatorError, assign, class_progress, completion, indicator_rows, update_assignment,
)
from models.workflow import apply, open_case
from tests.factories import make_registry

T0 = datetime(2024, 4, 1, 2, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
SUP = {"actor": "sup", "actor_role": "supervisor"}
YEAR = parse_period("2024")


def _case(s, city, unit, deadline_h=4, previous=None, t0=T0):
    c = open_case(s, source="citizen", problem_type=city.type("不文明养宠"), found_at=t0 - H, actor="市民",
                  actor_role="citizen", point=city.points[0], description="x", previous_case=previous)
    apply(s, c, "accept", **SUP, at=t0 - H / 2)
    apply(s, c, "dispatch", **SUP, at=t0, data={"unit_id": unit.id, "deadline": (t0 + deadline_h * H).isoformat()})
    return c


def _do(s, c, unit, *steps, t0=T0):
    for action, h, *extra in steps:
        who = {"actor": "op", "actor_role": "unit", "actor_unit_id": unit.id} if action == "rectify" else SUP
        apply(s, c, action, **who, at=t0 + h * H, note="说明", data=extra[0] if extra else None)


def _street_row(s, city, now):
    (row,) = [r for r in indicator_rows(s, period=YEAR, now=now) if r["code"] == "IND-001"]
    return next(a for a in row["assignments"] if a["unit_id"] == city.units[2].id)


def test_on_time_progress_changes_as_cases_close(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = city.units[2]
        city.indicators[0].auto_rule = "on_time"       # IND-001 is linked to every problem type of the city
        s.flush()
        _do(s, _case(s, city, street), street, ("rectify", 1), ("verify", 2), ("close", 2))    # on time
        _do(s, _case(s, city, street), street, ("rectify", 6), ("verify", 7))                  # late
        pending = _case(s, city, street, deadline_h=48)                                        # not yet due
        now = T0 + 10 * H
        row = _street_row(s, city, now)
        assert row["source"] == "cases" and row["progress"] == 50.0 and row["measured_cases"] == 2
        assert row["completion"] == completion(50.0, 95.0)
        _do(s, pending, street, ("rectify", 11), ("verify", 12), ("close", 12))                # closes on time
        row = _street_row(s, city, T0 + 13 * H)
        assert row["progress"] == round(100 * 2 / 3, 2) and row["measured_cases"] == 3
        # a period without cases: no evidence, progress 0
        assert _street_row(s, city, now)["progress"] != 0
        (row23,) = [r for r in indicator_rows(s, period=parse_period("2023"), now=now) if r["code"] == "IND-001"]
        assert row23["assignments"][0]["progress"] == 0.0
        # measured indicators refuse hand edits; the incentive score uses the period's measured value
        with pytest.raises(IndicatorError, match="measured from the cases"):
            update_assignment(s, city.indicators[0].id, street.id, progress=99, actor="sup")
        pct = indicator_completion(s, "unit", YEAR, T0 + 13 * H)[street.id]
        assert pct == round((completion(round(100 * 2 / 3, 2), 95.0) + completion(40, 90)) / 2, 2)


def test_recheck_passed_and_no_recurrence(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = city.units[2]
        ind = city.indicators[0]
        first = _case(s, city, street)
        _do(s, first, street, ("rectify", 1), ("rework", 2, {"deadline": (T0 + 6 * H).isoformat()}),
            ("rectify", 3), ("verify", 3), ("close", 3))
        _do(s, _case(s, city, street), street, ("rectify", 1), ("verify", 1), ("close", 1))
        again = T0 + 10 * 24 * H                                   # the first problem is back 10 days later
        _case(s, city, street, previous=first, t0=again)
        now = again + H
        ind.auto_rule = "recheck_passed"
        s.flush()
        # 2 due (the recurrence is not due yet), 1 reworked: 100 − 50
        assert computed_progress(s, YEAR, now)[(ind.id, street.id)] == {"value": 50.0, "cases": 2,
                                                                         "rule": "recheck_passed"}
        assert computed_progress(s, YEAR, again + 5 * H)[(ind.id, street.id)]["value"] == round(100 - 33.33, 2)
        ind.auto_rule, ind.auto_days = "no_recurrence", 30
        s.flush()
        assert computed_progress(s, YEAR, now)[(ind.id, street.id)] == {"value": 50.0, "cases": 2,
                                                                         "rule": "no_recurrence"}
        ind.auto_days = 7                                          # back after 10 days: outside a 7-day window
        s.flush()
        assert computed_progress(s, YEAR, now)[(ind.id, street.id)]["value"] == 100.0
        ind.auto_rule = "bogus"
        s.flush()
        with pytest.raises(MeasureError, match="IND-001.*bogus"):
            computed_progress(s, YEAR, now)


def test_manual_progress_keeps_full_history(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        school = city.indicators[2]
        unit = city.units[3]
        t = datetime(2024, 5, 1, tzinfo=timezone.utc)
        assign(s, school.id, unit.id, actor="sup1", now=t)
        update_assignment(s, school.id, unit.id, progress=30, actor="sup1", evidence="第一次检查", now=t + H)
        update_assignment(s, school.id, unit.id, progress="75.5", target=80, actor="admin1", evidence="复查记录",
                          now=t + 2 * H)
        with pytest.raises(IndicatorError, match="progress"):
            update_assignment(s, school.id, unit.id, progress=-1, actor="x", now=t + 3 * H)
        h = history(s, school.id, unit.id)
        assert [(e["kind"], e["value"], e["target"], e["note"], e["actor"]) for e in h] == [
            ("assign", 0.0, None, "", "sup1"), ("update", 30.0, None, "第一次检查", "sup1"),
            ("update", 75.5, 80.0, "复查记录", "admin1")]
        assert [e["at"] for e in h] == [t, t + H, t + 2 * H]
        entry = s.scalars(select(IndicatorProgressEntry)).first()
        entry.value = 100
        with pytest.raises(RuntimeError, match="append-only"):
            s.flush()


def test_class_progress_per_unit_and_district(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street, lw_gov = city.units[2], city.units[3]
        assign(s, city.indicators[2].id, lw_gov.id, actor="sup1")              # 文明校园
        update_assignment(s, city.indicators[2].id, lw_gov.id, progress=50, actor="sup1")
        rows = indicator_rows(s, period=YEAR)
        by_unit = class_progress(rows)
        assert by_unit[street.id] == {"文明城市": round((completion(60, 95) + completion(40, 90)) / 2, 1)}
        assert by_unit[lw_gov.id] == {"文明校园": 50.0}
        by_district = class_progress(rows, {u.id: u.district_id for u in city.units})
        assert by_district == {city.districts[0].id: by_unit[street.id], city.districts[1].id: {"文明校园": 50.0}}
