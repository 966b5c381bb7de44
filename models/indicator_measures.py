"""Creation-indicator progress measured from the cases (指标进度自动计算) for indicators linked to problem types.

An indicator whose ``auto_rule`` is set (registry data, :class:`models.registry.Indicator`) takes its progress,
per owner unit and period, from the cases of its linked problem types (``problem_types.indicator_codes``)
that were first dispatched to that unit in the period (the KPI cohort of :mod:`models.kpi_report`):

- ``on_time`` 按期整改率 = handled on time / due (``on_time_handle_rate``);
- ``recheck_passed`` 复核一次通过率 = 100 − 返工率 (due cases without 返工 / due);
- ``no_recurrence`` 不复发率 = closed cases whose problem did not come back (no later case linked to it by
  ``previous_case_id`` found within ``auto_days`` days of closing, default 30) / closed cases.

The value is a percent (0–100) compared with the indicator's target like a hand-entered one. With no case
due (or closed) in the period the value is ``None`` (no evidence yet). Indicators without ``auto_rule`` keep
the progress entered by hand (:mod:`models.indicator_progress`, history in :mod:`models.indicator_history`).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import Case, CaseState
from .clock import as_utc, utcnow
from .kpi import rate
from .kpi_report import case_kpis
from .registry import Indicator, problem_type_indicators
from .reports import Period

AUTO_RULES = {
    "on_time": "按期整改率（按期处理 ÷ 到期）",
    "recheck_passed": "复核一次通过率（100 − 返工率）",
    "no_recurrence": "不复发率（销号后 N 天内未再发生 ÷ 已销号）",
}
DEFAULT_RECURRENCE_DAYS = 30


class MeasureError(ValueError):
    """An indicator's rule is unknown; the message names the indicator and the rule."""


def linked_types(session: Session) -> dict[int, list[int]]:
    """Problem type ids linked to each indicator id."""
    out: dict[int, list[int]] = defaultdict(list)
    for type_id, ind_id in session.execute(select(problem_type_indicators.c.problem_type_id,
                                                  problem_type_indicators.c.indicator_id)):
        out[ind_id].append(type_id)
    return dict(out)


def _no_recurrence(session: Session, period: Period, type_ids: list[int], days: int) -> dict[int, tuple[float, int]]:
    q = (select(Case.unit_id, Case.id, Case.closed_at)
         .where(Case.problem_type_id.in_(type_ids), Case.state == CaseState.CLOSED.value,
                Case.dispatched_at >= period.start, Case.dispatched_at < period.end, Case.unit_id.is_not(None)))
    closed = list(session.execute(q))
    closed_at = {cid: as_utc(at) for _u, cid, at in closed}
    came_back = set()
    for prev, found_at in session.execute(select(Case.previous_case_id, Case.found_at)
                                          .where(Case.previous_case_id.in_(list(closed_at) or [0]))):
        if as_utc(found_at) <= closed_at[prev] + timedelta(days=days):
            came_back.add(prev)
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, cid, _at in closed:
        per[unit_id][0] += cid not in came_back
        per[unit_id][1] += 1
    return {u: (rate(ok, n), n) for u, (ok, n) in per.items()}


def computed_progress(session: Session, period: Period, now: datetime | None = None) -> dict[tuple[int, int], dict]:
    """``{(indicator_id, unit_id): {"value": percent | None, "cases": n, "rule": rule}}`` for every indicator
    with an ``auto_rule`` and every unit that had cases of its linked types in the period."""
    now = as_utc(now or utcnow())
    types = linked_types(session)
    out: dict[tuple[int, int], dict] = {}
    for ind in session.scalars(select(Indicator).where(Indicator.auto_rule.is_not(None))):
        if ind.auto_rule not in AUTO_RULES:
            raise MeasureError(f"indicator {ind.code}: unknown auto_rule {ind.auto_rule!r}; expected one of "
                               f"{', '.join(AUTO_RULES)}")
        type_ids = types.get(ind.id, [])
        if not type_ids:
            continue
        if ind.auto_rule == "no_recurrence":
            for unit_id, (value, n) in _no_recurrence(session, period, type_ids,
                                                      ind.auto_days or DEFAULT_RECURRENCE_DAYS).items():
                out[(ind.id, unit_id)] = {"value": value, "cases": n, "rule": ind.auto_rule}
            continue
        for row in case_kpis(session, start=period.start, end=period.end, group_by="unit", now=now,
                             problem_type_ids=type_ids):
            if row["key"] is None:
                continue
            value = None
            if row["due"]:
                value = row["on_time_handle_rate"] if ind.auto_rule == "on_time" else round(100 - row["rework_rate"], 2)
            out[(ind.id, row["key"])] = {"value": value, "cases": row["due"], "rule": ind.auto_rule}
    return out
