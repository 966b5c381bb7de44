"""The wall's rankings (成效榜): districts and units by rectification rate this year, most improved districts.

Positive framing only: the best results and the most improved, never a "worst" list.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models.cases import Case, CaseState
from models.registry import ResponsibleUnit

from .definitions import HANDLED_STATES, local_year_start
from .registry import Registry

RANK_ROWS = 5
MIN_RANK_VOLUME = 3  # a district/unit needs this many dispatched cases to be ranked


def _rate(handled: int, dispatched: int) -> float | None:
    return None if dispatched == 0 else round(100.0 * handled / dispatched, 2)


def rankings(session: Session, now: datetime, reg: Registry) -> dict[str, list[dict[str, Any]]]:
    """Positive framing only: the best results and the most improved (no "worst" list)."""
    # the same definitions as models.kpi: dispatched = first dispatched in the period and not invalid;
    # handled = rectification accepted (复核通过 / 销号); on time = handled by the deadline;
    # due = handled or its deadline passed (a unit whose cases are all still within their deadline has
    # nothing to be judged on yet and is not ranked: it would stand there with "0.00% · 0件")
    year_start = local_year_start(now)
    recent = now - timedelta(days=30)
    before = now - timedelta(days=60)
    handled = Case.state.in_(HANDLED_STATES)
    ontime = case((and_(handled, Case.deadline_at.is_not(None), Case.handled_at <= Case.deadline_at), 1), else_=0)
    due = case((or_(handled, Case.deadline_at < now), 1), else_=0)
    period = case((Case.dispatched_at >= recent, 1), (Case.dispatched_at >= before, 2), else_=0)
    in_year = case((Case.dispatched_at >= year_start, 1), else_=0)
    rows = session.execute(  # ONE pass over the period's dispatched cases
        select(Case.district_id, Case.unit_id, in_year, period, func.count(), func.sum(case((handled, 1), else_=0)),
               func.sum(ontime), func.sum(due))
        .where(Case.dispatched_at >= min(year_start, before), Case.dispatched_at <= now,
               Case.state != CaseState.INVALID.value)
        .group_by(Case.district_id, Case.unit_id, in_year, period)
    ).all()
    dist_year: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    unit_year: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    dist_period: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for did, uid, year, per, d, h, o, u in rows:
        if year:
            for acc, key in ((dist_year, did), (unit_year, uid)):
                if key is not None:
                    acc[key][0] += int(d)
                    acc[key][1] += int(h or 0)
                    acc[key][2] += int(o or 0)
                    acc[key][3] += int(u or 0)
        if did is not None and per:
            dist_period[(did, per)][0] += int(d)
            dist_period[(did, per)][1] += int(h or 0)
    names = dict(zip(reg.district_ids, reg.district_names))

    def ranked(acc: dict[int, list[int]], label) -> list[dict[str, Any]]:
        items = []
        for key, (d, h, o, u) in acc.items():
            if d >= MIN_RANK_VOLUME and u > 0:
                items.append({"name": label(key), "rate": _rate(h, d), "ontime": _rate(o, d), "handled": h,
                              "dispatched": d})
        items.sort(key=lambda x: (-(x["rate"] or 0), -(x["ontime"] or 0), -x["handled"], x["name"]))
        return items[:RANK_ROWS]

    unit_names = dict(session.execute(
        select(ResponsibleUnit.id, ResponsibleUnit.name).where(ResponsibleUnit.id.in_(list(unit_year)))
    ).all()) if unit_year else {}
    improved = []
    for did in reg.district_ids:
        d1, h1 = dist_period.get((did, 1), [0, 0])
        d2, h2 = dist_period.get((did, 2), [0, 0])
        if d1 >= MIN_RANK_VOLUME and d2 >= MIN_RANK_VOLUME:
            gain = round(_rate(h1, d1) - _rate(h2, d2), 2)
            if gain > 0:
                improved.append({"name": names.get(did, "?"), "gain": gain, "rate": _rate(h1, d1)})
    improved.sort(key=lambda x: (-x["gain"], x["name"]))
    return {
        "districts": ranked(dist_year, lambda k: names.get(k, "?")),
        "units": ranked(unit_year, lambda k: unit_names.get(k, "?")),
        "improved": improved[:RANK_ROWS],
    }
