"""A small, hand-checked set of cases for the report, hot-spot and page tests (rows written directly, as the
workflow's projection would leave them)."""
from __future__ import annotations

from datetime import datetime

from models.cases import Case
from models.clock import LOCAL_TZ, as_utc
from tests.factories import make_registry

# "now" of these tests: 2026-03-15 12:00 Asia/Shanghai
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=LOCAL_TZ)


def local(m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return as_utc(datetime(2026, m, d, h, mi, tzinfo=LOCAL_TZ))


def add_case(s, city, code, unit, point, ptype, found, dispatched=None, deadline=None, handled=None,
             state="dispatched", rework=0, ext=0, prev=None, source="camera"):
    c = Case(code=code, source=source, state=state, problem_type_id=city.type(ptype).id,
             point_id=point.id if point is not None else None, district_id=point.district_id if point else None,
             unit_id=unit.id if unit is not None else None, found_at=found, accepted_at=found,
             dispatched_at=dispatched, deadline_at=deadline, handled_at=handled,
             verified_at=handled if state in ("verified", "closed") else None,
             closed_at=handled if state == "closed" else None, rework_count=rework, extension_count=ext,
             return_count=0, escalated=False, last_seq=1, updated_at=found,
             previous_case_id=prev.id if prev is not None else None)
    s.add(c)
    s.flush()
    return c


def make_report_data(s):
    """Registry + cases. Unit A = 南坑街道办事处 (units[2]), unit B = 龙文区人民政府 (units[3]).

    March 2026 (month of NOW), by dispatch:
      A: c1 closed on time (6 h), c2 verified late + reworked (54 h), c3 open overdue, c4 open not due (extended),
         c5 invalid (ignored)  → dispatched 4, handled 2, due 3, on time 1, reworked 1, overdue 1, extended 0
      B: c6 closed on time, extended (3 h) → dispatched 1, handled 1, due 1, on time 1, extended 1
    February 2026: A: c8 open overdue (score 30.0); B: c7 handled late (score 80.0).
    """
    city = make_registry(s)
    A, B = city.units[2], city.units[3]
    p1, p2, p3 = city.points
    c1 = add_case(s, city, "C1", A, p1, "暴露垃圾", local(3, 2, 8), local(3, 2, 9), local(3, 3, 9), local(3, 2, 15),
                  "closed")
    c2 = add_case(s, city, "C2", A, p1, "暴露垃圾", local(3, 5, 8), local(3, 5, 9), local(3, 6, 9), local(3, 7, 15),
                  "verified", rework=1, prev=c1)
    c3 = add_case(s, city, "C3", A, p1, "暴露垃圾", local(3, 10, 8), local(3, 10, 9), local(3, 11, 9), None,
                  "dispatched", prev=c2)
    c4 = add_case(s, city, "C4", A, p2, "占道经营", local(3, 14, 19), local(3, 14, 20), local(3, 20, 9), None,
                  "dispatched", ext=1)
    c5 = add_case(s, city, "C5", A, p2, "占道经营", local(3, 3, 19), local(3, 3, 20), local(3, 4, 9), None, "invalid")
    c6 = add_case(s, city, "C6", B, p3, "违规悬挂横幅", local(3, 8, 8), local(3, 8, 9), local(3, 9, 9),
                  local(3, 8, 12), "closed", ext=1)
    c7 = add_case(s, city, "C7", B, p3, "违规悬挂横幅", local(2, 10, 8), local(2, 10, 9), local(2, 11, 9),
                  local(2, 12, 9), "closed")
    c8 = add_case(s, city, "C8", A, p2, "占道经营", local(2, 5, 19), local(2, 5, 20), local(2, 6, 9), None,
                  "dispatched")
    # found but never dispatched (waiting in the supervisors' queue) in March, at p2 at 19:xx
    c9 = add_case(s, city, "C9", None, p2, "占道经营", local(3, 12, 19, 30), state="found", source="citizen")
    return city, dict(c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, c7=c7, c8=c8, c9=c9)
