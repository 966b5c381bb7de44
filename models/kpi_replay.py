"""The KPIs recomputed from the transition log alone (Python), to check the SQL figures of
:mod:`models.kpi_report` and :mod:`models.kpi` (tests, audits). Same definitions; see kpi_report."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import Case, CaseState, CaseTransition
from .clock import as_utc
from .config import ScoreWeights
from .kpi import HANDLED, rate
from .kpi_report import COUNT_KEYS, finish
from .workflow.machine import replay_case


def load_log(session: Session) -> tuple[dict[int, dict], dict[int, list[dict]]]:
    """(static case fields by id, transitions by case id) read from the database."""
    static = {r.id: {"id": r.id, "source": r.source, "problem_type_id": r.problem_type_id,
                     "district_id": r.district_id, "point_id": r.point_id}
              for r in session.execute(select(Case.id, Case.source, Case.problem_type_id, Case.district_id,
                                              Case.point_id))}
    log: dict[int, list[dict]] = defaultdict(list)
    for t in session.execute(select(CaseTransition.case_id, CaseTransition.seq, CaseTransition.action,
                                    CaseTransition.to_state, CaseTransition.at, CaseTransition.data)):
        log[t.case_id].append({"seq": t.seq, "action": t.action, "to_state": t.to_state, "at": t.at,
                               "data": t.data})
    return static, dict(log)


def kpis_from_log(static: Mapping[int, Mapping[str, Any]], log: Mapping[int, Iterable[Mapping[str, Any]]], *,
                  start: datetime, end: datetime, now: datetime, group_by: str = "all",
                  weights: ScoreWeights | None = None) -> dict[Any, dict]:
    """KPI rows by group key, recomputed by replaying each case's transitions."""
    now, start, end = as_utc(now), as_utc(start), as_utc(end)
    groups: dict[Any, dict] = {}
    for case_id, transitions in log.items():
        p = replay_case(transitions)
        p.update(static[case_id])
        if p["dispatched_at"] is None or not start <= p["dispatched_at"] < end:
            continue
        if p["state"] == CaseState.INVALID.value:
            continue
        key = "all" if group_by == "all" else p[f"{group_by}_id" if group_by != "source" else "source"]
        g = groups.setdefault(key, {k: 0 for k in COUNT_KEYS} | {"key": key})
        handled = p["state"] in HANDLED
        closed = p["state"] == CaseState.CLOSED.value
        deadline = p["deadline_at"]
        due = handled or (deadline is not None and deadline <= now)
        g["dispatched"] += 1
        g["handled"] += handled
        g["closed"] += closed
        g["due"] += due
        g["handled_on_time"] += bool(handled and deadline is not None and p["handled_at"] <= deadline)
        g["closed_on_time"] += bool(closed and deadline is not None and p["closed_at"] <= deadline)
        g["reworked"] += bool(due and p["rework_count"] > 0)
        g["extended"] += bool(due and p["extension_count"] > 0)
        g["overdue_open"] += bool(p["state"] == CaseState.DISPATCHED.value and deadline is not None
                                  and deadline < now)
        if handled:
            g["handle_hours_sum"] += (p["handled_at"] - p["dispatched_at"]).total_seconds() / 3600.0
    return {k: finish(v, weights) for k, v in groups.items()}


def summary_from_log(static, log, *, year0: datetime, now: datetime) -> dict:
    """dispatched / handled / rectification_rate / open / overdue from the log (cf. :func:`models.kpi.summary`)."""
    out = {"dispatched": 0, "handled": 0, "open": 0, "overdue": 0}
    for transitions in log.values():
        p = replay_case(transitions)
        if p["state"] not in (CaseState.CLOSED.value, CaseState.INVALID.value):
            out["open"] += 1
        if p["state"] == CaseState.DISPATCHED.value and p["deadline_at"] is not None and p["deadline_at"] < now:
            out["overdue"] += 1
        if p["dispatched_at"] is not None and year0 <= p["dispatched_at"] <= now \
                and p["state"] != CaseState.INVALID.value:
            out["dispatched"] += 1
            out["handled"] += p["state"] in HANDLED
    out["rectification_rate"] = rate(out["handled"], out["dispatched"])
    return out
