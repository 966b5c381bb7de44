"""Creation indicators with their owner units, targets and progress — 创建指标进度.

Each :class:`~models.registry.IndicatorAssignment` carries a unit's progress towards the indicator's target
(the assignment's own ``target`` when set, else the indicator's), in the indicator's measure (%, 分, 个 …).

- **completion** of an assignment = min(progress / target, 1) × 100 (percent, 1 decimal);
- an indicator's completion is the mean of its assignments' completions (``None`` when unassigned);
- an assignment is **met** (达标) when progress ≥ target.

Edits go through :func:`update_assignment` / :func:`assign` / :func:`unassign`, which validate the values
and record who changed what and when (``updated_by``, ``updated_at``, and an entry in the full history of
:mod:`models.indicator_history`). Indicators with an ``auto_rule`` are measured from the cases
(:mod:`models.indicator_measures`) and refuse hand edits.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cases import Case
from .clock import as_utc, utcnow
from .indicator_history import record
from .indicator_measures import computed_progress
from .kpi import OPEN
from .registry import Indicator, IndicatorAssignment, ResponsibleUnit, problem_type_indicators
from .reports import local_today, period_of

CREATION_CLASSES = ("文明城市", "文明单位", "文明村镇", "文明校园")
MAX_EVIDENCE = 2000


class IndicatorError(ValueError):
    """An indicator edit is invalid; the message names the field and what is expected."""


def completion(progress: float | None, target: float | None) -> float:
    """Percent of target reached, capped at 100 (1 decimal); a target ≤ 0 counts as met."""
    if not target or target <= 0:
        return 100.0
    return round(min(max(progress or 0.0, 0.0) / target, 1.0) * 100, 1)


def _assignment_row(a: IndicatorAssignment, unit_name: str, ind_target: float,
                    measured: dict | None = None) -> dict[str, Any]:
    """One owner's row; ``measured`` (from the cases, auto indicators only) replaces the hand-entered value."""
    target = a.target if a.target is not None else ind_target
    progress = a.progress or 0.0
    if measured is not None:
        progress = measured.get("value") or 0.0
    return {"unit_id": a.unit_id, "unit": unit_name, "target": target, "own_target": a.target,
            "progress": progress, "completion": completion(progress, target),
            "met": progress >= target, "evidence": a.evidence or "", "updated_at": a.updated_at,
            "updated_by": a.updated_by or "", "source": "cases" if measured is not None else "manual",
            "measured_cases": (measured or {}).get("cases", 0)}


def open_cases_by_indicator(session: Session) -> dict[int, int]:
    """Open cases (not closed, not invalid) of the problem types linked to each indicator."""
    q = (select(problem_type_indicators.c.indicator_id, func.count(Case.id))
         .join(Case, Case.problem_type_id == problem_type_indicators.c.problem_type_id)
         .where(Case.state.in_(OPEN)).group_by(problem_type_indicators.c.indicator_id))
    return dict(session.execute(q).all())


def indicator_rows(session: Session, unit_id: int | None = None, period=None,
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """Every indicator (or those assigned to ``unit_id``) with its assignments and completion, by class,
    category, subcategory and code. Indicators with an ``auto_rule`` show the progress measured from the
    cases of ``period`` (default: this local year; :mod:`models.indicator_measures`)."""
    measured = computed_progress(session, period or period_of("year", local_today(now)), now)
    units = dict(session.execute(select(ResponsibleUnit.id, ResponsibleUnit.name)).all())
    by_ind: dict[int, list[IndicatorAssignment]] = defaultdict(list)
    q = select(IndicatorAssignment)
    if unit_id is not None:
        q = q.where(IndicatorAssignment.unit_id == unit_id)
    for a in session.scalars(q):
        by_ind[a.indicator_id].append(a)
    open_counts = open_cases_by_indicator(session)
    order = {c: i for i, c in enumerate(CREATION_CLASSES)}
    rows = []
    for ind in session.scalars(select(Indicator)):
        if unit_id is not None and ind.id not in by_ind:
            continue
        assigned = sorted((_assignment_row(a, units.get(a.unit_id, str(a.unit_id)), ind.target,
                                           measured.get((ind.id, a.unit_id), {}) if ind.auto_rule else None)
                           for a in by_ind.get(ind.id, [])), key=lambda r: r["unit"])
        comp = round(sum(r["completion"] for r in assigned) / len(assigned), 1) if assigned else None
        rows.append({"id": ind.id, "code": ind.code, "name": ind.name, "creation_class": ind.creation_class,
                     "category": ind.category, "subcategory": ind.subcategory or "", "target": ind.target,
                     "measure": ind.measure or "", "description": ind.description or "",
                     "auto_rule": ind.auto_rule,
                     "assignments": assigned, "completion": comp,
                     "met": bool(assigned) and all(r["met"] for r in assigned),
                     "open_cases": open_counts.get(ind.id, 0)})
    rows.sort(key=lambda r: (order.get(r["creation_class"], 99), r["creation_class"], r["category"],
                             r["subcategory"], r["code"]))
    return rows


def class_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per creation class (文明城市 / 单位 / 村镇 / 校园) and category: indicators, assigned, met, mean completion."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["creation_class"], r["category"])].append(r)
    out = []
    for (cls, cat), items in groups.items():
        comps = [r["completion"] for r in items if r["completion"] is not None]
        out.append({"creation_class": cls, "category": cat, "indicators": len(items),
                    "assigned": sum(1 for r in items if r["assignments"]), "met": sum(1 for r in items if r["met"]),
                    "completion": round(sum(comps) / len(comps), 1) if comps else None})
    order = {c: i for i, c in enumerate(CREATION_CLASSES)}
    out.sort(key=lambda r: (order.get(r["creation_class"], 99), r["creation_class"], r["category"]))
    return out


def _number(value: Any, field: str, *, allow_none: bool = False, positive: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise IndicatorError(f"{field}: a number is required")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise IndicatorError(f"{field}: {value!r} is not a number") from None
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise IndicatorError(f"{field}: expected a {'positive' if positive else 'non-negative'} number, got {value!r}")
    if x > 1e9:
        raise IndicatorError(f"{field}: {value!r} is too large")
    return x


def update_assignment(session: Session, indicator_id: int, unit_id: int, *, progress: Any, actor: str,
                      target: Any = None, evidence: str | None = None,
                      now: datetime | None = None) -> IndicatorAssignment:
    """Set a unit's progress (and optional own target and evidence note) on an indicator, recording who/when.

    Raises :class:`IndicatorError` naming the bad field; nothing is changed then.
    """
    a = session.get(IndicatorAssignment, (indicator_id, unit_id))
    if a is None:
        raise IndicatorError(f"indicator {indicator_id} is not assigned to unit {unit_id}; assign it first")
    value = _number(progress, "progress")
    own_target = _number(target, "target", allow_none=True, positive=True)
    if evidence is not None and len(evidence) > MAX_EVIDENCE:
        raise IndicatorError(f"evidence: at most {MAX_EVIDENCE} characters, got {len(evidence)}")
    if not actor or len(actor) > 64:
        raise IndicatorError("actor: the editor's user name is required (1–64 characters)")
    a.progress = value
    a.target = own_target
    if evidence is not None:
        a.evidence = evidence.strip() or None
    ind = session.get(Indicator, indicator_id)
    if ind is not None and ind.auto_rule:
        raise IndicatorError(f"progress: indicator {ind.code} is measured from the cases ({ind.auto_rule}); "
                             "it cannot be set by hand")
    a.updated_by = actor
    a.updated_at = as_utc(now or utcnow())
    record(session, indicator_id, unit_id, value=value, target=own_target, note=a.evidence, actor=actor,
           at=a.updated_at)
    session.flush()
    return a


def assign(session: Session, indicator_id: int, unit_id: int, *, actor: str,
           now: datetime | None = None) -> IndicatorAssignment:
    """Make ``unit_id`` an owner of the indicator (progress 0), recording who/when."""
    if session.get(Indicator, indicator_id) is None:
        raise IndicatorError(f"indicator: unknown indicator id {indicator_id}")
    if session.get(ResponsibleUnit, unit_id) is None:
        raise IndicatorError(f"unit: unknown responsible unit id {unit_id}")
    if session.get(IndicatorAssignment, (indicator_id, unit_id)) is not None:
        raise IndicatorError("unit: this unit already owns the indicator")
    a = IndicatorAssignment(indicator_id=indicator_id, unit_id=unit_id, progress=0.0, updated_by=actor,
                            updated_at=as_utc(now or utcnow()))
    session.add(a)
    record(session, indicator_id, unit_id, value=0.0, target=None, note=None, actor=actor, at=a.updated_at,
           kind="assign")
    session.flush()
    return a


def unassign(session: Session, indicator_id: int, unit_id: int) -> None:
    """Remove a unit from the indicator's owners."""
    a = session.get(IndicatorAssignment, (indicator_id, unit_id))
    if a is None:
        raise IndicatorError(f"indicator {indicator_id} is not assigned to unit {unit_id}")
    session.delete(a)
    session.flush()


def class_progress(rows: list[dict[str, Any]], district_of: dict[int, int | None] | None = None) -> dict:
    """Mean completion per creation class for each unit (``district_of`` given: for each district, over its
    units' assignments), from :func:`indicator_rows`: ``{key: {creation_class: percent}}``."""
    values: dict[Any, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for a in r["assignments"]:
            key = a["unit_id"] if district_of is None else district_of.get(a["unit_id"])
            if key is not None:
                values[key][r["creation_class"]].append(a["completion"])
    return {k: {cls: round(sum(v) / len(v), 1) for cls, v in by_cls.items()} for k, by_cls in values.items()}
