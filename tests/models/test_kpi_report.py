"""Unit indicators on a hand-computed scenario: every count, rate, mean handling time and the score, and
creation-indicator progress by creation class."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.kpi_replay import kpis_from_log, load_log
from models.kpi_report import case_kpis, indicator_progress
from models.workflow import apply, open_case
from tests.factories import make_registry

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
SUP = dict(actor="sup", actor_role="supervisor")


def _dispatched(s, city, unit, deadline_h):
    c = open_case(s, source="citizen", problem_type=city.type("不文明养宠"), found_at=T0 - 10 * timedelta(minutes=1),
                  actor="市民", actor_role="citizen", point=city.points[0], description="x")
    apply(s, c, "accept", **SUP, at=T0 - timedelta(minutes=5))
    apply(s, c, "dispatch", **SUP, at=T0, data={"unit_id": unit.id, "deadline": (T0 + deadline_h * H).isoformat()})
    return c


def test_unit_indicators_match_hand_computed_figures(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = city.units[2]
        op = dict(actor="op", actor_role="unit", actor_unit_id=street.id)

        def walk(c, *steps):
            for action, h, *extra in steps:
                apply(s, c, action, **(op if action in ("rectify", "request_extension") else SUP), at=T0 + h * H,
                      note="说明", data=extra[0] if extra else None)

        walk(_dispatched(s, city, street, 4), ("rectify", 1), ("verify", 2), ("close", 2))            # on time
        walk(_dispatched(s, city, street, 4), ("rectify", 5), ("verify", 6), ("close", 6))            # late
        _dispatched(s, city, street, 4)                                                                # overdue
        _dispatched(s, city, street, 20)                                                               # not due
        walk(_dispatched(s, city, street, 4), ("rectify", 1), ("rework", 2, {"deadline": (T0 + 6 * H).isoformat()}),
             ("rectify", 3), ("verify", 3))                                                            # reworked
        walk(_dispatched(s, city, street, 4), ("request_extension", 1, {"hours": 24}), ("approve_extension", 2),
             ("rectify", 7), ("verify", 8), ("close", 8))                                              # extended
        walk(_dispatched(s, city, street, 4), ("invalidate", 1))                                       # excluded
        now = T0 + 10 * H
        (row,) = case_kpis(s, start=T0 - H, end=T0 + H, group_by="unit", now=now)
        assert row["key"] == street.id and row["label"] == "南坑街道办事处"
        expected = {"dispatched": 6, "handled": 4, "closed": 3, "due": 5, "handled_on_time": 3, "closed_on_time": 2,
                    "reworked": 1, "extended": 1, "overdue_open": 1, "rectification_rate": 66.67, "close_rate": 60.0,
                    "on_time_handle_rate": 60.0, "on_time_close_rate": 40.0, "rework_rate": 20.0,
                    "extension_rate": 20.0, "overdue_rate": 20.0, "avg_handle_hours": 4.0, "score": 76.0}
        assert {k: row[k] for k in expected} == expected
        static, log = load_log(s)
        again = kpis_from_log(static, log, start=T0 - H, end=T0 + H, now=now, group_by="unit")[street.id]
        assert {k: again[k] for k in expected} == expected
        # a period after the dispatches holds none of them
        assert case_kpis(s, start=T0 + H, end=T0 + 2 * H, now=now) == []


def test_indicator_progress_by_creation_class(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = city.units[2]
        (row,) = indicator_progress(s, street.id)
        assert row["creation_class"] == "文明城市" and row["assigned"] == 2 and row["reached"] == 0
        assert row["progress_pct"] == round((60 / 95 * 100 + 40 / 90 * 100) / 2, 2)
        from models.registry import IndicatorAssignment

        s.get(IndicatorAssignment, (city.indicators[0].id, street.id)).progress = 96.0
        s.flush()
        (row,) = indicator_progress(s, street.id)
        assert row["reached"] == 1
        assert indicator_progress(s, city.units[3].id) == []
