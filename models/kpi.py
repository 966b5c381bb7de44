"""Headline figures (``GET /api/v1/summary``, the wall display) computed by SQL over the cases.

Definitions (the same in :mod:`models.kpi_report` and the log-replay check :mod:`models.kpi_replay`):

- **dispatched** 派发数: cases first dispatched (交办) in the period, not invalidated (作废) since;
- **handled** 已处理数: of those, cases whose rectification has been *accepted*: state ``verified``
  (复核通过) or ``closed`` (销号). A rectification report awaiting re-check is not yet handled, and a case sent
  back by 返工 is not handled until it passes re-check;
- **rectification_rate** 整改率 = handled / dispatched × 100 (percent, 2 decimals; 0.0 with nothing dispatched);
- **open**: cases not closed and not invalid; **overdue** 超期: dispatched (at the unit) with the deadline passed.

The seed's 2024 headline "派发问题清单2832个，已处理2828个，整改率达99.86%" is 2828 / 2832 = 99.86 %.
"""
from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from .cases import Case, CaseState
from .clock import LOCAL_TZ, as_utc, utcnow
from .registry import Camera, Indicator, MonitoringPoint, ProblemType, ResponsibleUnit

OPEN = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value, CaseState.RECTIFIED.value,
        CaseState.VERIFIED.value)
HANDLED = (CaseState.VERIFIED.value, CaseState.CLOSED.value)


def rate(numerator: int, denominator: int) -> float:
    """Percent with 2 decimals (0.0 when the denominator is 0)."""
    return round(100.0 * numerator / denominator, 2) if denominator else 0.0


def local_midnight(now: datetime, *, year_start: bool = False) -> datetime:
    local = as_utc(now).astimezone(LOCAL_TZ)
    day = local.date().replace(month=1, day=1) if year_start else local.date()
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


def _count(model, *where):
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def summary(session: Session, now: datetime | None = None) -> dict:
    """The wall/summary figures: registry counts, year-to-date dispatched/handled/rate, open, overdue, today.

    One SELECT of indexed scalar sub-queries (fast at 100,000 cases). Year and day boundaries are
    Asia/Shanghai midnights.
    """
    now = as_utc(now or utcnow())
    year0 = local_midnight(now, year_start=True)
    day0 = local_midnight(now)
    in_year = and_(Case.dispatched_at >= year0, Case.dispatched_at <= now)
    not_done = (CaseState.ACCEPTED.value, CaseState.DISPATCHED.value, CaseState.RECTIFIED.value)
    overdue = and_(Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now)
    # handled = dispatched this year − invalidated − still open; only the first count scans the year's range
    row = session.execute(select(
        _count(MonitoringPoint).label("points"),
        _count(Camera).label("cameras"),
        _count(Camera, Camera.health == "online").label("cameras_online"),
        _count(ResponsibleUnit).label("units"),
        _count(Indicator).label("indicators"),
        _count(ProblemType).label("problem_types"),
        _count(Case, in_year).label("in_year"),
        _count(Case, Case.state == CaseState.INVALID.value, in_year).label("invalid_in_year"),
        _count(Case, Case.state.in_(not_done), in_year).label("open_in_year"),
        _count(Case, Case.state.in_(OPEN)).label("open"),
        _count(Case, overdue).label("overdue"),
        _count(Case, Case.found_at >= day0, Case.found_at <= now).label("found_today"),
        _count(Case, Case.dispatched_at >= day0, Case.dispatched_at <= now).label("dispatched_today"),
        _count(Case, Case.handled_at >= day0, Case.handled_at <= now).label("rectified_today"),
        _count(Case, overdue, Case.deadline_at >= day0).label("overdue_today"),
    )).one()._mapping
    dispatched = row["in_year"] - row["invalid_in_year"]
    handled = dispatched - row["open_in_year"]
    return {
        "points": row["points"], "cameras": row["cameras"], "cameras_online": row["cameras_online"],
        "units": row["units"], "indicators": row["indicators"], "problem_types": row["problem_types"],
        "dispatched": dispatched, "handled": handled, "rectification_rate": rate(handled, dispatched),
        "open": row["open"], "overdue": row["overdue"],
        "today": {"found": row["found_today"], "dispatched": row["dispatched_today"],
                  "rectified": row["rectified_today"], "overdue": row["overdue_today"]},
        "as_of": now.isoformat(),
    }
