"""The wall's slow sections: the year funnel, the 30-day trend and top types, the rankings.

They move slowly and cost most, so the snapshot service recomputes them every ``slow_every_s`` in a
background thread (:func:`compute_slow`), not every tick.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cases import Case
from models.clock import LOCAL_TZ
from models.config import IncentiveConfig
from models.registry import ProblemType

from .definitions import local_day_start, local_year_start
from .live_sections import reached
from .rankings import rankings
from .registry import Registry

SLOW_SECTIONS = ("flow_year", "trend", "types", "rank")


def _day_expr(col, dialect: str):
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", col), "YYYY-MM-DD")
    return func.date(col, "+8 hours")  # SQLite: stored UTC text → Asia/Shanghai date (no DST in China)


def trend(session: Session, now: datetime, dialect: str) -> dict[str, list]:
    start = local_day_start(now) - timedelta(days=29)
    days = [(start + timedelta(days=i)).astimezone(LOCAL_TZ).strftime("%Y-%m-%d") for i in range(30)]
    found_day = _day_expr(Case.found_at, dialect)
    handled_day = _day_expr(Case.handled_at, dialect)
    found = dict(session.execute(
        select(found_day, func.count()).where(Case.found_at >= start).group_by(found_day)).all())
    handled = dict(session.execute(
        select(handled_day, func.count()).where(Case.handled_at >= start).group_by(handled_day)).all())
    return {"days": [d[5:] for d in days], "found": [int(found.get(d, 0)) for d in days],
            "rectified": [int(handled.get(d, 0)) for d in days]}


def types(session: Session, now: datetime) -> dict[str, list]:
    rows = session.execute(
        select(ProblemType.name, func.count().label("n"))
        .join(Case, Case.problem_type_id == ProblemType.id)
        .where(Case.found_at >= now - timedelta(days=30))
        .group_by(ProblemType.name)
        .order_by(func.count().desc(), ProblemType.name)
        .limit(10)
    ).all()
    return {"names": [r[0] for r in rows], "counts": [int(r[1]) for r in rows]}


def compute_slow(session: Session, now: datetime, reg: Registry, dialect: str,
                 incentives: IncentiveConfig | None = None) -> dict[str, Any]:
    """The year/30-day aggregates: they move slowly, so they are recomputed every ``slow_every_s``.
    ``incentives``: the scoring config of the rankings (default: the built-in one)."""
    return {
        # the year funnel up to the start of today; the snapshot adds what was found since, counted live,
        # so 本年 and 今日 come from one moment and 本年 is never below 今日
        "flow_year": {"before": reached(session, local_year_start(now), local_day_start(now)),
                      "year_start": local_year_start(now).isoformat(), "cut": local_day_start(now).isoformat()},
        "trend": trend(session, now, dialect),
        "types": types(session, now),
        "rank": rankings(session, now, reg, incentives),
    }
