"""Reporting periods, period KPIs by grouping (unit, district, problem type, point, source), trends and unit
rankings — the figures of the 责任单位 page and the 通报/简报 (daily, weekly, monthly briefings).

The KPI definitions, SQL and calendar are :mod:`models.kpi_report`'s (cohort = cases first dispatched in the
period, not invalidated; rates over what was due, open overdue cases included; unit score with the configured
weights; local midnights and the first day of a week/month/year; what is overdue). This module adds
reporting periods (Asia/Shanghai day / week / month / year / custom, with the previous period for
improvement), trends, rankings and open-case lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cases import Case, CaseState
from .clock import as_utc, to_local, utcnow
from .kpi import OPEN
from .kpi_report import COUNT_KEYS, case_kpis, finish, first_day, local_day_start, overdue_open
from .registry import MonitoringPoint, ProblemType, ResponsibleUnit

PERIOD_KINDS = ("day", "week", "month", "year", "custom")
GROUPS = ("unit", "district", "type", "point", "source")
_GROUP_KEYS = {"unit": "unit", "district": "district", "type": "problem_type", "point": "point",
               "source": "source"}


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start, end)`` in UTC whose boundaries are Asia/Shanghai midnights."""

    kind: str
    first_day: date  # local, inclusive
    last_day: date   # local, inclusive

    @property
    def start(self) -> datetime:
        return local_day_start(self.first_day)

    @property
    def end(self) -> datetime:
        return local_day_start(self.last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.first_day:%Y年%m月%d日}"
        if self.kind == "month":
            return f"{self.first_day:%Y年%m月}"
        if self.kind == "year":
            return f"{self.first_day:%Y年}"
        return f"{self.first_day:%Y年%m月%d日}—{self.last_day:%m月%d日}" if self.first_day.year == self.last_day.year \
            else f"{self.first_day:%Y年%m月%d日}—{self.last_day:%Y年%m月%d日}"

    def previous(self) -> "Period":
        """The period of the same kind and length just before this one."""
        if self.kind == "month":
            last = self.first_day - timedelta(days=1)
            return Period("month", last.replace(day=1), last)
        if self.kind == "year":
            return Period("year", date(self.first_day.year - 1, 1, 1), date(self.first_day.year - 1, 12, 31))
        return Period(self.kind, self.first_day - timedelta(days=self.days), self.first_day - timedelta(days=1))


def local_today(now: datetime | None = None) -> date:
    return to_local(now or utcnow()).date()


def period_of(kind: str, day: date, last_day: date | None = None) -> Period:
    """The day / week (Monday–Sunday) / month / year containing local date ``day``; ``custom`` runs from
    ``day`` to ``last_day`` inclusive."""
    if kind in ("day", "week", "month", "year"):
        first = first_day(kind, day)
        if kind == "day":
            last = first
        elif kind == "week":
            last = first + timedelta(days=6)
        elif kind == "month":
            last = first_day("month", first + timedelta(days=31)) - timedelta(days=1)
        else:
            last = date(first.year, 12, 31)
        return Period(kind, first, last)
    if kind == "custom":
        if last_day is None or last_day < day:
            raise ValueError(f"custom period: the end date {last_day} must be on or after the start date {day}")
        if (last_day - day).days > 3 * 366:
            raise ValueError("custom period: at most three years")
        return Period("custom", day, last_day)
    raise ValueError(f"period kind {kind!r}: expected one of {', '.join(PERIOD_KINDS)}")


def group_kpis(session: Session, period: Period, by: str = "unit", now: datetime | None = None,
               unit_id: int | None = None, weights=None) -> dict[Any, dict[str, Any]]:
    """KPIs of the period's cohort per group key (unit id, district id, type id, point id or source), from
    :func:`models.kpi_report.case_kpis` (same SQL as the API). Each row also has ``name``."""
    if by not in _GROUP_KEYS:
        raise ValueError(f"group {by!r}: expected one of {', '.join(GROUPS)}")
    now = as_utc(now or utcnow())
    rows = case_kpis(session, start=period.start, end=period.end, group_by=_GROUP_KEYS[by], now=now,
                     unit_id=unit_id, weights=weights)
    for r in rows:
        r["name"] = r["label"]
    return {r["key"]: r for r in rows}


def overall_kpis(session: Session, period: Period, now: datetime | None = None, unit_id: int | None = None,
                 weights=None) -> dict[str, Any]:
    """KPIs of the whole cohort of the period (optionally of one unit), plus ``found`` (cases found)."""
    now = as_utc(now or utcnow())
    rows = case_kpis(session, start=period.start, end=period.end, group_by="all", now=now, unit_id=unit_id,
                     weights=weights)
    out = rows[0] if rows else finish({k: 0 for k in COUNT_KEYS})
    where = [Case.unit_id == unit_id] if unit_id is not None else []
    out["found"] = session.scalar(select(func.count()).select_from(Case).where(
        Case.found_at >= period.start, Case.found_at < min(period.end, now), *where)) or 0
    return out


def overdue_now(session: Session, now: datetime | None = None, where: Iterable[Any] = ()) -> int:
    """Cases at a unit (交办) whose deadline has passed, right now (超期待处置数, any period)."""
    now = as_utc(now or utcnow())
    return session.scalar(select(func.count()).select_from(Case).where(overdue_open(now), *where)) or 0


def trend(session: Session, period: Period, now: datetime | None = None, where: Iterable[Any] = (),
          bucket: str | None = None) -> list[dict[str, Any]]:
    """Found / dispatched / handled (rectification reported) counts per local day (per month for a year),
    up to today (a current period's days still to come are left out, not drawn as zeros)."""
    now = as_utc(now or utcnow())
    bucket = bucket or ("month" if period.days > 62 else "day")
    keys: list[date] = []
    d = period.first_day
    last = min(period.last_day, to_local(now).date())  # days still to come are not drawn as zeros
    while d <= last:
        k = d.replace(day=1) if bucket == "month" else d
        if not keys or keys[-1] != k:
            keys.append(k)
        d += timedelta(days=1)
    series = {k: {"day": k, "found": 0, "dispatched": 0, "handled": 0} for k in keys}
    end = min(period.end, now)
    for name, col in (("found", Case.found_at), ("dispatched", Case.dispatched_at), ("handled", Case.handled_at)):
        for (at,) in session.execute(select(col).where(col >= period.start, col < end,
                                                       Case.state != CaseState.INVALID.value, *where)):
            day = to_local(at).date()
            k = day.replace(day=1) if bucket == "month" else day
            if k in series:
                series[k][name] += 1
    return list(series.values())


def grouped_rows(session: Session, period: Period, by: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """:func:`group_kpis` as rows, most dispatched first."""
    rows = list(group_kpis(session, period, by, now).values())
    rows.sort(key=lambda r: (-r["dispatched"], r["name"]))
    return rows


def ranking(session: Session, period: Period, now: datetime | None = None, min_due: int = 1,
            by: str = "unit", weights=None) -> list[dict[str, Any]]:
    """Units (or districts) ranked by score in the period, with the change against the previous period.

    Rows: key, name, score, previous_score, improvement (score − previous_score, ``None`` without both),
    and the period KPIs. Only groups with at least ``min_due`` due cases are ranked (positive framing:
    the page shows results and improvement, not a worst list).
    """
    now = as_utc(now or utcnow())
    cur = group_kpis(session, period, by, now, weights=weights)
    prev = group_kpis(session, period.previous(), by, now, weights=weights)
    rows = []
    for key, k in cur.items():
        if key is None or k["due"] < min_due or k["score"] is None:
            continue
        p = prev.get(key, {}).get("score")
        rows.append(dict(k, previous_score=p, improvement=None if p is None else round(k["score"] - p, 2)))
    rows.sort(key=lambda r: (-r["score"], -r["dispatched"], r["name"]))
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    return rows


def most_improved(rows: list[dict[str, Any]], top: int = 10) -> list[dict[str, Any]]:
    """The rows of :func:`ranking` that improved most (positive improvement only)."""
    better = [r for r in rows if r["improvement"] is not None and r["improvement"] > 0]
    return sorted(better, key=lambda r: (-r["improvement"], -r["score"]))[:top]


def open_cases(session: Session, where: Iterable[Any], now: datetime | None = None, limit: int = 200):
    """Open cases (not closed, not invalid) matching ``where``, soonest deadline first, with an overdue flag."""
    now = as_utc(now or utcnow())
    q = (select(Case.code, Case.state, ProblemType.name, MonitoringPoint.name, Case.found_at, Case.deadline_at)
         .join(ProblemType, ProblemType.id == Case.problem_type_id)
         .outerjoin(MonitoringPoint, MonitoringPoint.id == Case.point_id)
         .where(Case.state.in_(OPEN), *where)
         .order_by(Case.deadline_at.is_(None), Case.deadline_at, Case.found_at).limit(limit))
    out = []
    for code, state, tname, pname, found_at, deadline in session.execute(q):
        overdue = state == CaseState.DISPATCHED.value and deadline is not None and as_utc(deadline) < now
        out.append({"code": code, "state": state, "type": tname, "point": pname or "", "found_at": found_at,
                    "deadline_at": deadline, "overdue": overdue})
    return out


def all_units(session: Session) -> list[ResponsibleUnit]:
    return list(session.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code)))


def overdue_now_by_unit(session: Session, now: datetime | None = None) -> dict[int, int]:
    """:func:`overdue_now` per unit id (units without overdue cases are absent)."""
    now = as_utc(now or utcnow())
    return dict(session.execute(select(Case.unit_id, func.count()).where(
        overdue_open(now), Case.unit_id.is_not(None)).group_by(Case.unit_id)).all())
