"""A small city with cases in 2023 and 2024 for the incentive and funding tests (built through the workflow).

2024: 南坑街道 handles 6 of 6 (one late, one reworked); 龙文区人民政府 5 of 5 on time; 市城市管理局 only 2 cases.
2023: 南坑街道 handled 3 of 5 (two left overdue)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.workflow import apply, open_case
from tests.factories import make_registry

T24 = datetime(2024, 3, 4, 2, 0, tzinfo=timezone.utc)
T23 = datetime(2023, 6, 5, 2, 0, tzinfo=timezone.utc)
NOW = datetime(2025, 1, 10, 2, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
SUP = dict(actor="sup", actor_role="supervisor")


def _case(s, city, unit, point, t0, deadline_h=4):
    c = open_case(s, source="citizen", problem_type=city.type("不文明养宠"), found_at=t0 - 10 * timedelta(minutes=1),
                  actor="市民", actor_role="citizen", point=point, description="x")
    apply(s, c, "accept", **SUP, at=t0 - timedelta(minutes=5))
    apply(s, c, "dispatch", **SUP, at=t0, data={"unit_id": unit.id, "deadline": (t0 + deadline_h * H).isoformat()})
    return c


def _walk(s, c, unit, t0, *steps):
    op = dict(actor="op", actor_role="unit", actor_unit_id=unit.id)
    for action, h, *extra in steps:
        apply(s, c, action, **(op if action == "rectify" else SUP), at=t0 + h * H, note="说明",
              data=extra[0] if extra else None)


def scenario(s):
    city = make_registry(s)
    street, lw_gov, bureau = city.units[2], city.units[3], city.units[0]
    p_xc, p_lw = city.points[0], city.points[2]
    # 2024: the street office handles all 6, one late, one reworked
    for _ in range(4):
        _walk(s, _case(s, city, street, p_xc, T24), street, T24, ("rectify", 1), ("verify", 2), ("close", 2))
    _walk(s, _case(s, city, street, p_xc, T24), street, T24, ("rectify", 5), ("verify", 6), ("close", 6))
    _walk(s, _case(s, city, street, p_xc, T24), street, T24, ("rectify", 1),
          ("rework", 2, {"deadline": (T24 + 6 * H).isoformat()}), ("rectify", 3), ("verify", 3))
    # 2023: the street office handled 3 of 5, two left overdue
    for _ in range(3):
        _walk(s, _case(s, city, street, p_xc, T23), street, T23, ("rectify", 1), ("verify", 2), ("close", 2))
    for _ in range(2):
        _case(s, city, street, p_xc, T23)
    # 2024: 龙文区人民政府 handles 5 of 5 on time (no indicator assigned, no 2023 cases)
    for _ in range(5):
        _walk(s, _case(s, city, lw_gov, p_lw, T24), lw_gov, T24, ("rectify", 1), ("verify", 1), ("close", 1))
    # 2024: the city bureau has only 2 cases — below the minimum volume
    for _ in range(2):
        _walk(s, _case(s, city, bureau, p_xc, T24), bureau, T24, ("rectify", 1), ("verify", 1), ("close", 1))
    return city
