"""Unit performance indicators (考核指标) for any period and grouping, by SQL over the cases.

Population: the cases first dispatched (交办) in ``[start, end)``, not invalidated (作废); their status is
taken as of ``now``. Per group:

- ``dispatched`` 派发数 — the population;
- ``handled`` 已处理数 — rectification accepted: state verified/closed (see :mod:`models.kpi`);
- ``closed`` — state closed (销号);
- ``due`` — what was due by ``now``: handled, or with its deadline passed. Open overdue cases are in it, so
  an on-time rate cannot hide them;
- ``handled_on_time`` / ``closed_on_time`` — handled (last report) / closed no later than the deadline
  (the deadline in force, i.e. after approved extensions and re-work);
- ``reworked`` / ``extended`` — due cases with at least one 返工 / approved 延期;
- ``overdue_open`` 超期待处置数 — at the unit (dispatched) with the deadline passed;
- ``handle_hours_sum`` — sum over handled cases of (handled_at − dispatched_at) in hours.

Rates (:func:`finish`, percent with 2 decimals): 整改率 ``rectification_rate`` = handled/dispatched;
结案率 ``close_rate`` = closed/due; 按期处置率 ``on_time_handle_rate`` = handled_on_time/due;
按期结案率 ``on_time_close_rate`` = closed_on_time/due; 返工率, 延期率, 超期待处置率 = …/due;
平均处置时长 ``avg_handle_hours``; unit score ``score`` = 100 × Σ wᵢ·rateᵢ / Σ wᵢ over 处置率 (handled/due),
按期处置率, 1−返工率, 1−超期待处置率, 1−延期率 (weights ``workflow.score_weights``; DOMAIN.md).
:mod:`models.kpi_replay` recomputes the same counts from the transition log alone.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case as when, func, literal, or_, select
from sqlalchemy.orm import Session

from .cases import Case, CaseSource, CaseState
from .clock import LOCAL_TZ, as_utc, utcnow
from .config import ScoreWeights
from .kpi import HANDLED, local_midnight, rate  # noqa: F401 - local_midnight: imported from here by the CLI
from .registry import District, Indicator, IndicatorAssignment, MonitoringPoint, ProblemType, ResponsibleUnit

GROUPINGS = ("all", "unit", "district", "problem_type", "point", "source")
PERIODS = ("today", "week", "month", "quarter", "ytd", "year", "all")
COUNT_KEYS = ("dispatched", "handled", "closed", "due", "handled_on_time", "closed_on_time", "reworked",
              "extended", "overdue_open", "handle_hours_sum")
SOURCE_LABELS = {CaseSource.CAMERA.value: "视频监控", CaseSource.CITIZEN.value: "公众举报",
                 CaseSource.INSPECTOR.value: "监督员上报", CaseSource.EDGE.value: "AI边缘设备",
                 CaseSource.ASSIGNED.value: "上级交办"}
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


class KpiError(ValueError):
    """A bad period or grouping; the message names it."""


def period_bounds(period: str = "ytd", now: datetime | None = None, start: str | None = None,
                  end: str | None = None) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC for a named period (Asia/Shanghai calendar) or explicit ISO dates/times."""
    now = as_utc(now or utcnow())
    if start or end:
        return (_parse_bound(start, "start") if start else EPOCH,
                _parse_bound(end, "end") if end else now + timedelta(seconds=1))
    kinds = {"today": "day", "week": "week", "month": "month", "quarter": "quarter", "ytd": "year", "year": "year"}
    if period == "all":
        s = EPOCH
    elif period in kinds:
        s = local_day_start(first_day(kinds[period], now.astimezone(LOCAL_TZ).date()))
    else:
        raise KpiError(f"period: unknown period {period!r}; expected one of {', '.join(PERIODS)} or start/end")
    return s, now + timedelta(seconds=1)


def first_day(kind: str, day: date) -> date:
    """The first local date of the day / week (Monday–Sunday) / month / quarter / year containing ``day``."""
    if kind == "day":
        return day
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if kind == "year":
        return date(day.year, 1, 1)
    raise KpiError(f"period: unknown calendar unit {kind!r}")


def local_day_start(day: date) -> datetime:
    """The Asia/Shanghai midnight that starts local date ``day``, in UTC."""
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


def overdue_open(now: datetime):
    """SQL condition 超期待处置: at the unit (交办) with the deadline passed at ``now``."""
    return and_(Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now)


def _parse_bound(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise KpiError(f"{name}: not an ISO date or date-time: {value!r}") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_TZ)).astimezone(timezone.utc)


def finish(counts: dict, weights: ScoreWeights | None = None) -> dict:
    """Add the rates, mean handling time and score to a dict of counts (shared by SQL and log replay)."""
    w = weights or ScoreWeights()
    c = {k: counts.get(k) or 0 for k in COUNT_KEYS}
    due = c["due"]
    out = dict(counts)
    out.update(
        rectification_rate=rate(c["handled"], c["dispatched"]),
        close_rate=rate(c["closed"], due),
        on_time_handle_rate=rate(c["handled_on_time"], due),
        on_time_close_rate=rate(c["closed_on_time"], due),
        rework_rate=rate(c["reworked"], due),
        extension_rate=rate(c["extended"], due),
        overdue_rate=rate(c["overdue_open"], due),
        avg_handle_hours=round(c["handle_hours_sum"] / c["handled"], 2) if c["handled"] else None,
    )
    out["handle_hours_sum"] = round(float(c["handle_hours_sum"]), 4)
    if due:
        parts = [(w.handled_rate, c["handled"] / due), (w.on_time_rate, c["handled_on_time"] / due),
                 (w.rework_free, 1 - c["reworked"] / due), (w.not_overdue, 1 - c["overdue_open"] / due),
                 (w.not_extended, 1 - c["extended"] / due)]
        total = sum(x for x, _ in parts)
        out["score"] = round(100 * sum(x * v for x, v in parts) / total, 2) if total else None
    else:
        out["score"] = None
    return out


def _hours(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _group_column(group_by: str):
    cols = {"all": literal("all"), "unit": Case.unit_id, "district": Case.district_id,
            "problem_type": Case.problem_type_id, "point": Case.point_id, "source": Case.source}
    if group_by not in cols:
        raise KpiError(f"group_by: unknown grouping {group_by!r}; expected one of {', '.join(GROUPINGS)}")
    return cols[group_by]


def case_kpis(session: Session, *, start: datetime, end: datetime, group_by: str = "all",
              now: datetime | None = None, weights: ScoreWeights | None = None,
              unit_id: int | None = None, problem_type_ids: list[int] | None = None) -> list[dict]:
    """KPI rows (one per group, with ``key`` and ``label``) for cases dispatched in ``[start, end)``
    (optionally only one unit's, only cases of ``problem_type_ids``)."""
    now = as_utc(now or utcnow())
    key = _group_column(group_by).label("key")
    handled = Case.state.in_(HANDLED)
    closed = Case.state == CaseState.CLOSED.value
    due = or_(handled, and_(Case.deadline_at.is_not(None), Case.deadline_at <= now))

    def n(cond):
        return func.coalesce(func.sum(when((cond, 1), else_=0)), 0)

    stmt = (
        select(
            key,
            func.count().label("dispatched"),
            n(handled).label("handled"),
            n(closed).label("closed"),
            n(due).label("due"),
            n(and_(handled, Case.handled_at <= Case.deadline_at)).label("handled_on_time"),
            n(and_(closed, Case.closed_at <= Case.deadline_at)).label("closed_on_time"),
            n(and_(due, Case.rework_count > 0)).label("reworked"),
            n(and_(due, Case.extension_count > 0)).label("extended"),
            n(overdue_open(now)).label("overdue_open"),
            func.coalesce(func.sum(when((handled, _hours(session, Case.handled_at, Case.dispatched_at)),
                                        else_=0.0)), 0.0).label("handle_hours_sum"),
        )
        .where(Case.dispatched_at >= as_utc(start), Case.dispatched_at < as_utc(end),
               Case.state != CaseState.INVALID.value)
        .group_by(key)
    )
    if unit_id is not None:
        stmt = stmt.where(Case.unit_id == unit_id)
    if problem_type_ids is not None:
        stmt = stmt.where(Case.problem_type_id.in_(problem_type_ids))
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    labels = group_labels(session, group_by, [r["key"] for r in rows])
    out = []
    for r in rows:
        r["handle_hours_sum"] = float(r["handle_hours_sum"] or 0.0)
        row = finish(r, weights)
        row["label"] = labels.get(r["key"], "（未派单位）" if r["key"] is None else str(r["key"]))
        out.append(row)
    out.sort(key=lambda r: (-r["dispatched"], str(r["key"])))
    return out


def group_labels(session: Session, group_by: str, keys: list) -> dict:
    """Chinese names of group keys (unit/district/type/point names, source labels)."""
    ids = [k for k in keys if isinstance(k, int)]
    model = {"unit": ResponsibleUnit, "district": District, "problem_type": ProblemType,
             "point": MonitoringPoint}.get(group_by)
    if group_by == "source":
        return {k: SOURCE_LABELS.get(k, k) for k in keys}
    if group_by == "all":
        return {"all": "全部"}
    if model is None or not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def indicator_progress(session: Session, unit_id: int | None = None) -> list[dict]:
    """Per unit and creation class (文明城市/文明单位/文明村镇/文明校园): assigned indicators, how many reached
    their target, and mean progress as percent of target."""
    target = func.coalesce(IndicatorAssignment.target, Indicator.target)
    stmt = (
        select(IndicatorAssignment.unit_id, ResponsibleUnit.name, Indicator.creation_class,
               func.count().label("assigned"),
               func.sum(when((IndicatorAssignment.progress >= target, 1), else_=0)).label("reached"),
               func.avg(when((target > 0, 100.0 * IndicatorAssignment.progress / target), else_=100.0))
               .label("progress_pct"))
        .join(Indicator, Indicator.id == IndicatorAssignment.indicator_id)
        .join(ResponsibleUnit, ResponsibleUnit.id == IndicatorAssignment.unit_id)
        .group_by(IndicatorAssignment.unit_id, ResponsibleUnit.name, Indicator.creation_class)
        .order_by(IndicatorAssignment.unit_id, Indicator.creation_class)
    )
    if unit_id is not None:
        stmt = stmt.where(IndicatorAssignment.unit_id == unit_id)
    return [{"unit_id": u, "unit": name, "creation_class": cls, "assigned": a, "reached": int(r or 0),
             "progress_pct": round(min(float(p or 0.0), 100.0), 2)}
            for u, name, cls, a, r, p in session.execute(stmt)]
