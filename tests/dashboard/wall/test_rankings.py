"""The wall's rankings are the year's incentive scores (models.incentives): the same rows, order and 进步 list as
``score_period`` for the same period and config. Only districts and units with enough due cases (handled or
past the deadline) are ranked: one whose dispatched cases are all still within their deadline is left out."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboard.text import wall as T
from dashboard.wall.layout import rank_children
from dashboard.wall.snapshot import RANK_ROWS, compute_slow, load_registry
from models.cases import Case
from models.clock import utcnow
from models.config import IncentiveConfig
from models.incentives import parse_period, score_period
from tests.factories import make_registry
from tests.models.incentive_city import scenario


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


def _rank(ctx, now=None, cfg=None):
    with ctx.sessions() as s:
        reg = load_registry(s)
        return compute_slow(s, now or utcnow(), reg, ctx.engine.dialect.name, cfg)["rank"]


def test_nothing_due_is_not_ranked_and_the_empty_text_shows(ctx):
    now = utcnow()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = next(u for u in city.units if u.code == "U-XC-NQ")
        # six dispatched cases, all within their deadline: nothing to judge the unit on yet
        _add_cases(s, city, street, city.points[0], [("dispatched", now + timedelta(days=2))] * 6, now)
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
        _add_cases(s, city, street, city.points[0], [("dispatched", now + timedelta(days=2))] * 6, now)
        # 龙文: one handled in time, two past their deadline, three not yet due → 3 due of 6: ranked
        _add_cases(s, city, lw_gov, city.points[2], [("closed", now + timedelta(days=1))]
                   + [("dispatched", now - timedelta(hours=1))] * 2
                   + [("dispatched", now + timedelta(days=1))] * 3, now)
    rank = _rank(ctx)
    assert [(r["name"], r["handled"], r["dispatched"]) for r in rank["districts"]] == [("龙文区", 1, 6)]
    assert [(r["name"], r["rate"]) for r in rank["units"]] == [("龙文区人民政府", 16.67)]
    texts = _texts(rank_children(rank))
    assert "芗城区" not in texts and "南坑街道办事处" not in texts
    assert "龙文区人民政府" in texts


NOW24 = datetime(2024, 12, 20, 2, 0, tzinfo=timezone.utc)


def _pairs(rows, key="score"):
    return [(r["name"], r[key]) for r in rows]


def test_the_wall_ranks_by_the_incentive_scores_of_the_year(ctx):
    """先进 = the top incentive scores, 进步最快 = the counties' 进步 list, for the same period and config."""
    with ctx.sessions.begin() as s:
        scenario(s)
    for cfg in (IncentiveConfig(), IncentiveConfig(min_dispatched=1, min_due=1, show_lagging=True)):
        rank = _rank(ctx, NOW24, cfg)
        with ctx.sessions() as s:
            units = score_period(s, parse_period("2024"), "unit", NOW24, cfg)
            districts = score_period(s, parse_period("2024"), "district", NOW24, cfg)
        assert rank["period"] == "2024年" == districts["period"]
        assert _pairs(rank["units"]) == _pairs(units["advanced"][:RANK_ROWS])
        assert _pairs(rank["districts"]) == _pairs(districts["advanced"][:RANK_ROWS])
        assert _pairs(rank["improved"], "gain") == _pairs(districts["improved"][:RANK_ROWS], "improvement")
        assert "lagging" not in rank  # positive only, whatever the config
        texts = _texts(rank_children(rank))
        for r in rank["districts"] + rank["units"][:3]:
            assert f"{r['score']:.2f}" in texts
    # the scenario: 芗城区 improved on 2023 (3 of 5 handled then, 5 of 6 now); the city bureau's 2 cases are
    # below the default minimum volume and are ranked only with the lower one
    assert [r["name"] for r in _rank(ctx, NOW24)["improved"]] == ["芗城区"]
    assert _rank(ctx, NOW24)["improved"][0]["gain"] > 0
    assert "市城市管理局" not in [r["name"] for r in _rank(ctx, NOW24)["units"]]
    assert "市城市管理局" in [r["name"] for r in rank["units"]]
