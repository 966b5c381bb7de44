"""Issue 18 defect 9: a period with no dispatched case has no rates — 上期 shows "—" and 变化 nothing, not
0.00 % and "+100.00"."""
from __future__ import annotations

from datetime import timedelta

from models.briefing import build_briefing
from models.clock import to_local, utcnow
from models.workflow import apply, open_case
from tests.factories import make_registry


def test_rates_of_an_empty_previous_period_are_missing_not_zero(ctx):
    now = utcnow()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        unit = next(u for u in city.units if u.code == "U-XC-NQ")
        c = open_case(s, source="inspector", problem_type=city.type("暴露垃圾"), found_at=now - timedelta(minutes=30),
                      actor="sup1", actor_role="supervisor", point=city.points[0])
        if c.state == "found":
            apply(s, c, "accept", actor="sup1", actor_role="supervisor")
        if c.state == "accepted":
            apply(s, c, "dispatch", actor="sup1", actor_role="supervisor", data={"unit_id": unit.id})
        apply(s, c, "rectify", actor="op", actor_role="unit", actor_unit_id=unit.id)
    with ctx.sessions() as s:
        b = build_briefing(s, "day", to_local(now).date(), now)
    k = {row["key"]: row for row in b["kpis"]}
    assert k["dispatched"]["current"] == 1 and k["dispatched"]["previous"] == 0 and k["dispatched"]["change"] == 1
    assert k["rectification_rate"]["current"] is not None  # this period dispatched: its rate exists
    assert k["rectification_rate"]["previous"] is None and k["rectification_rate"]["change"] is None
    assert k["avg_handle_hours"]["previous"] is None
