"""Period KPIs by grouping (unit, district, problem type, point, source), trends and unit rankings — the
figures of the 责任单位 page and the 通报/简报 (daily, weekly, monthly briefings).

Definitions (the same as :mod:`models.kpi`; rates are percent with 2 decimals):

- **cohort**: cases first dispatched (交办) in the period, not invalidated (作废); attributed to the case's
  current unit, district, type, point and source;
- **dispatched** 派发: the cohort's size; **handled** 已处理: cohort cases in state 复核通过 or 销号;
- **due** 应办结: cohort cases handled, or whose deadline has passed by ``now`` (open overdue cases count
  here, so an on-time rate cannot hide them);
- 整改率 = handled / dispatched; 按期处置率 = handled with ``handled_at ≤ deadline_at`` / due;
  返工率 = due cases reworked at least once / due; 延期率 = due cases extended at least once / due;
  超期待处置率 = cohort cases still at the unit (交办) with the deadline passed / due;
  平均处置时长 = mean(handled_at − dispatched_at) over handled cases, in hours;
- **score** 综合得分 = 100 × (0.3 处置率 + 0.2 按期处置率 + 0.2 (1 − 返工率) + 0.2 (1 − 超期待处置率)
  + 0.1 (1 − 延期率)), with 处置率 = handled / due; ``None`` when nothing was due.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from .cases import Case, CaseState
from .clock import LOCAL_TZ, as_utc, to_local, utcnow
from .kpi import HANDLED, rate
from .registry import District, MonitoringPoint, ProblemType, ResponsibleUnit

PERIOD_KINDS = ("day", "week", "month", "year", "custom")
GROUPS = ("unit", "district", "type", "point", "source")
SCORE_WEIGHTS = {"handle": 0.3, "on_time": 0.2, "no_rework": 0.2, "no_overdue": 0.2, "no_extension": 0.1}
_GROUP_COLUMNS = {"unit": Case.unit_id, "district": Case.district_id, "type": Case.problem_type_id,
                  "point": Case.point_id, "source": Case.source}


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start, end)`` in UTC whose boundaries are Asia/Shanghai midnights."""

    kind: str
    first_day: date  # local, inclusive
    last_day: date   # local, inclusive

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _midnight(self.last_day + timedelta(days=1))

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


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


def local_today(now: datetime | None = None) -> date:
    return to_local(now or utcnow()).date()


def period_of(kind: str, day: date, last_day: date | None = None) -> Period:
    """The day / week (Monday–Sunday) / month / year containing local date ``day``; ``custom`` runs from
    ``day`` to ``last_day`` inclusive."""
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period("week", first, first + timedelta(days=6))
    if kind == "month":
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return Period("month", day.replace(day=1), nxt - timedelta(days=1))
    if kind == "year":
        return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))
    if kind == "custom":
        if last_day is None or last_day < day:
            raise ValueError(f"custom period: the end date {last_day} must be on or after the start date {day}")
        if (last_day - day).days > 3 * 366:
            raise ValueError("custom period: at most three years")
        return Period("custom", day, last_day)
    raise ValueError(f"period kind {kind!r}: expected one of {', '.join(PERIOD_KINDS)}")


def _empty() -> dict[str, Any]:
    return {"dispatched": 0, "handled": 0, "due": 0, "on_time": 0, "reworked": 0, "extended": 0,
            "overdue_open": 0, "_hours": []}


def _finish(acc: dict[str, Any]) -> dict[str, Any]:
    hours = acc.pop("_hours")
    d, due = acc["dispatched"], acc["due"]
    acc["rectification_rate"] = rate(acc["handled"], d)
    acc["on_time_rate"] = rate(acc["on_time"], due)
    acc["rework_rate"] = rate(acc["reworked"], due)
    acc["extension_rate"] = rate(acc["extended"], due)
    acc["overdue_rate"] = rate(acc["overdue_open"], due)
    acc["avg_handle_hours"] = round(sum(hours) / len(hours), 1) if hours else None
    acc["score"] = unit_score(acc)
    return acc


def unit_score(k: dict[str, Any]) -> float | None:
    """综合得分 (0–100, 1 decimal) from the counts of :func:`group_kpis`; ``None`` when nothing was due."""
    due = k["due"]
    if not due:
        return None
    w = SCORE_WEIGHTS
    s = (w["handle"] * k["handled"] / due + w["on_time"] * k["on_time"] / due
         + w["no_rework"] * (1 - k["reworked"] / due) + w["no_overdue"] * (1 - k["overdue_open"] / due)
         + w["no_extension"] * (1 - k["extended"] / due))
    return round(100 * s, 1)


def _cohort(session: Session, period: Period, now: datetime, extra: Iterable[Any] = (), key=None):
    end = min(period.end, now)
    cols = [Case.state, Case.dispatched_at, Case.deadline_at, Case.handled_at, Case.rework_count,
            Case.extension_count]
    if key is not None:
        cols.insert(0, key)
    return session.execute(select(*cols).where(
        Case.dispatched_at >= period.start, Case.dispatched_at < end, Case.state != CaseState.INVALID.value,
        *extra))


def _accumulate(acc: dict[str, Any], state, dispatched_at, deadline_at, handled_at, reworks, extensions,
                now: datetime) -> None:
    acc["dispatched"] += 1
    handled = state in HANDLED
    deadline = as_utc(deadline_at) if deadline_at is not None else None
    overdue = deadline is not None and deadline < now
    if handled:
        acc["handled"] += 1
        if handled_at is not None:
            acc["_hours"].append((as_utc(handled_at) - as_utc(dispatched_at)).total_seconds() / 3600)
    if handled or (deadline is not None and deadline <= now):
        acc["due"] += 1
        if handled and (deadline is None or (handled_at is not None and as_utc(handled_at) <= deadline)):
            acc["on_time"] += 1
        if reworks:
            acc["reworked"] += 1
        if extensions:
            acc["extended"] += 1
        if state == CaseState.DISPATCHED.value and overdue:
            acc["overdue_open"] += 1


def group_kpis(session: Session, period: Period, by: str = "unit", now: datetime | None = None,
               where: Iterable[Any] = ()) -> dict[Any, dict[str, Any]]:
    """KPIs of the period's cohort per group key (unit id, district id, type id, point id or source)."""
    if by not in _GROUP_COLUMNS:
        raise ValueError(f"group {by!r}: expected one of {', '.join(GROUPS)}")
    now = as_utc(now or utcnow())
    accs: dict[Any, dict[str, Any]] = defaultdict(_empty)
    for key, *rest in _cohort(session, period, now, where, key=_GROUP_COLUMNS[by]):
        _accumulate(accs[key], *rest, now=now)
    return {k: _finish(v) for k, v in accs.items()}


def overall_kpis(session: Session, period: Period, now: datetime | None = None,
                 where: Iterable[Any] = ()) -> dict[str, Any]:
    """KPIs of the whole cohort of the period (optionally filtered, e.g. ``[Case.unit_id == 3]``)."""
    now = as_utc(now or utcnow())
    acc = _empty()
    for row in _cohort(session, period, now, where):
        _accumulate(acc, *row, now=now)
    out = _finish(acc)
    end = min(period.end, now)
    out["found"] = session.scalar(select(func.count()).select_from(Case).where(
        Case.found_at >= period.start, Case.found_at < end, *where)) or 0
    return out


def overdue_now(session: Session, now: datetime | None = None, where: Iterable[Any] = ()) -> int:
    """Cases at a unit (交办) whose deadline has passed, right now (超期待处置数, any period)."""
    now = as_utc(now or utcnow())
    return session.scalar(select(func.count()).select_from(Case).where(
        Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now, *where)) or 0


def trend(session: Session, period: Period, now: datetime | None = None, where: Iterable[Any] = (),
          bucket: str | None = None) -> list[dict[str, Any]]:
    """Found / dispatched / handled (rectification reported) counts per local day (per month for a year)."""
    now = as_utc(now or utcnow())
    bucket = bucket or ("month" if period.days > 62 else "day")
    keys: list[date] = []
    d = period.first_day
    while d <= period.last_day:
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


def names(session: Session, by: str) -> dict[Any, str]:
    """Display names of a grouping's keys."""
    if by == "unit":
        return dict(session.execute(select(ResponsibleUnit.id, ResponsibleUnit.name)).all())
    if by == "district":
        return dict(session.execute(select(District.id, District.name)).all())
    if by == "type":
        return dict(session.execute(select(ProblemType.id, ProblemType.name)).all())
    if by == "point":
        return dict(session.execute(select(MonitoringPoint.id, MonitoringPoint.name)).all())
    if by == "source":
        from .cases import CaseSource

        labels = {"camera": "视频监控", "citizen": "公众举报", "inspector": "监督员上报", "edge": "AI 边缘设备",
                  "assigned": "上级交办"}
        return {s.value: labels.get(s.value, s.value) for s in CaseSource}
    raise ValueError(f"group {by!r}: expected one of {', '.join(GROUPS)}")


def grouped_rows(session: Session, period: Period, by: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """:func:`group_kpis` as named rows, most dispatched first (cases with no key are "未指定")."""
    label = names(session, by)
    rows = [dict(key=k, name=label.get(k, "未指定"), **v) for k, v in group_kpis(session, period, by, now).items()]
    rows.sort(key=lambda r: (-r["dispatched"], r["name"]))
    return rows


def ranking(session: Session, period: Period, now: datetime | None = None, min_due: int = 1,
            by: str = "unit") -> list[dict[str, Any]]:
    """Units (or districts) ranked by score in the period, with the change against the previous period.

    Rows: key, name, score, previous_score, improvement (score − previous_score, ``None`` without both),
    and the period KPIs. Only groups with at least ``min_due`` due cases are ranked (positive framing:
    the page shows results and improvement, not a worst list).
    """
    now = as_utc(now or utcnow())
    cur = group_kpis(session, period, by, now)
    prev = group_kpis(session, period.previous(), by, now)
    label = names(session, by)
    rows = []
    for key, k in cur.items():
        if key is None or k["due"] < min_due or k["score"] is None:
            continue
        p = prev.get(key, {}).get("score")
        rows.append(dict(key=key, name=label.get(key, str(key)), previous_score=p,
                         improvement=None if p is None else round(k["score"] - p, 1), **k))
    rows.sort(key=lambda r: (-r["score"], -r["dispatched"], r["name"]))
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    return rows


def most_improved(rows: list[dict[str, Any]], top: int = 10) -> list[dict[str, Any]]:
    """The rows of :func:`ranking` that improved most (positive improvement only)."""
    better = [r for r in rows if r["improvement"] is not None and r["improvement"] > 0]
    return sorted(better, key=lambda r: (-r["improvement"], -r["score"]))[:top]


def unit_case_filter(unit_id: int):
    return [Case.unit_id == unit_id]


def open_cases(session: Session, where: Iterable[Any], now: datetime | None = None, limit: int = 200):
    """Open cases (not closed, not invalid) matching ``where``, soonest deadline first, with an overdue flag."""
    now = as_utc(now or utcnow())
    open_states = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value,
                   CaseState.RECTIFIED.value, CaseState.VERIFIED.value)
    q = (select(Case.code, Case.state, ProblemType.name, MonitoringPoint.name, Case.found_at, Case.deadline_at)
         .join(ProblemType, ProblemType.id == Case.problem_type_id)
         .outerjoin(MonitoringPoint, MonitoringPoint.id == Case.point_id)
         .where(Case.state.in_(open_states), *where)
         .order_by(Case.deadline_at.is_(None), Case.deadline_at, Case.found_at).limit(limit))
    out = []
    for code, state, tname, pname, found_at, deadline in session.execute(q):
        overdue = state == CaseState.DISPATCHED.value and deadline is not None and as_utc(deadline) < now
        out.append({"code": code, "state": state, "type": tname, "point": pname or "", "found_at": found_at,
                    "deadline_at": deadline, "overdue": overdue})
    return out


def all_units(session: Session) -> list[ResponsibleUnit]:
    return list(session.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code)))


def recurrence_where(period: Period):
    return and_(Case.found_at >= period.start, Case.found_at < period.end)
