"""The wall's rankings name only districts and units with something due (handled or past its deadline):
one whose dispatched cases are all still within their deadline is left out instead of showing "0.00% · 0件"."""
from __future__ import annotations

from datetime import timedelta

from dashboard.text import wall as T
from dashboard.wall.layout import rank_children
from dashboard.wall.snapshot import compute_slow, load_registry
from models.cases import Case
from models.clock import utcnow
from tests.factories import make_registry


def _add_cases(s, city, unit, point, states_deadlines, now):
    for state, deadline in states_deadlines:
        n = s.query(Case).count() + 1
        handled = state == "closed"
        s.add(Case(code=f"AJ-T{n:04d}", source="camera", state=state, problem_type_id=city.problem_types[0].id,
                   point_id=point.id, district_id=point.district_id, unit_id=unit.id,
                   found_at=now - timedelta(minutes=3), accepted_at=now - timedelta(minutes=2),
                   dispatched_at=now - timedelta(minutes=1), deadline_at=deadline,
                   handled_at=now if handled else None, verified_at=now if handled else None,
                   closed_at=now if handled else None, updated_at=now))
    s.flush()


def _texts(component) -> list[str]:
    """Every string in a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    return _texts(getattr(component, "children", None) or [])


def _rank(ctx):
    with ctx.sessions() as s:
        reg = load_registry(s)
        return compute_slow(s, utcnow(), reg, ctx.engine.dialect.name)["rank"]


def test_nothing_due_is_not_ranked_and_the_empty_text_shows(ctx):
    now = utcnow()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = next(u for u in city.units if u.code == "U-XC-NQ")
        # three dispatched cases, all within their deadline: nothing to judge the unit on yet
        _add_cases(s, city, street, city.points[0], [("dispatched", now + timedelta(days=2))] * 3, now)
    rank = _rank(ctx)
    assert rank["districts"] == [] and rank["units"] == []
    texts = _texts(rank_children(rank))
    assert texts.count(T.RANK_EMPTY) == 3
    assert not any(t.endswith("0" + T.UNIT_JIAN) for t in texts)


def test_only_entries_with_something_due_are_ranked(ctx):
    now = utcnow()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = next(u for u in city.units if u.code == "U-XC-NQ")
        lw_gov = next(u for u in city.units if u.code == "U-LW")
        _add_cases(s, city, street, city.points[0], [("dispatched", now + timedelta(days=2))] * 3, now)
        # 龙文: one handled in time, one past its deadline, one not yet due → ranked, 1 of 3 handled
        _add_cases(s, city, lw_gov, city.points[2], [("closed", now + timedelta(days=1)),
                                                     ("dispatched", now - timedelta(hours=1)),
                                                     ("dispatched", now + timedelta(days=1))], now)
    rank = _rank(ctx)
    assert [(r["name"], r["handled"], r["dispatched"]) for r in rank["districts"]] == [("龙文区", 1, 3)]
    assert [(r["name"], r["rate"]) for r in rank["units"]] == [("龙文区人民政府", 33.33)]
    texts = _texts(rank_children(rank))
    assert "芗城区" not in texts and "南坑街道办事处" not in texts
    assert "龙文区人民政府" in texts
