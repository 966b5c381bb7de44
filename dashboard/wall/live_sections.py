"""The wall's per-tick sections: headline KPIs, open cases by point/district/stage, newest events, cameras.

Cheap queries (the open cases are few and read once per tick, then counted in Python); the year/30-day
aggregates are in :mod:`dashboard.wall.slow_sections`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from models.cases import Case, Evidence
from models.clock import as_utc, fmt_local
from models.registry import Camera, District, MonitoringPoint, ProblemType
from models.types import UTCDateTime

from .definitions import DUE_STATES, FAULTY_HEALTH, FLOW_STATES, OPEN_STATES, STUCK_AFTER, local_day_start
from .registry import Registry

EVENT_ROWS = 7


def kpi_figures(session: Session, now: datetime) -> dict[str, Any]:
    from models.kpi import summary  # the one definition of the headline figures (GET /api/v1/summary)

    return summary(session, now)


@dataclass
class OpenCases:
    """The open cases (few: most cases are closed), read once per tick and counted in Python."""

    rows: list[tuple]  # (point_id, district_id, state, overdue, stuck, how many)


def _open_cases_sql(dialect: str):
    # SQLite's statistics only know that the average state is common, so it scans the whole table for
    # ``state IN (…)``; open cases are rare: tell it to use the state index. (PostgreSQL knows the skew.)
    # Times are compared in SQL: parsing two timestamps per row in Python cost more than the query.
    c = Case.__table__.c
    return text(
        "SELECT point_id, district_id, state, overdue, stuck, count(*) AS n FROM ("
        "SELECT point_id, district_id, state, "
        "CASE WHEN state IN :due AND deadline_at < :now THEN 1 ELSE 0 END AS overdue, "
        "CASE WHEN updated_at < :stuck THEN 1 ELSE 0 END AS stuck "
        + ("FROM cases INDEXED BY ix_cases_state" if dialect == "sqlite" else "FROM cases")
        + " WHERE state IN :states) AS o "
        "GROUP BY point_id, district_id, state, overdue, stuck"
    ).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("stuck", type_=UTCDateTime()),
                 bindparam("due", value=list(DUE_STATES), expanding=True),
                 bindparam("states", value=list(OPEN_STATES), expanding=True)).columns(
        c.point_id, c.district_id, c.state)


def open_cases(session: Session, now: datetime) -> OpenCases:
    rows = session.execute(_open_cases_sql(session.get_bind().dialect.name),
                           {"now": now, "stuck": now - STUCK_AFTER}).all()
    return OpenCases([(pid, did, state, bool(od), bool(st), int(n)) for pid, did, state, od, st, n in rows])


def point_states(session: Session, reg: Registry, cases: OpenCases) -> tuple[list[str], dict[str, int]]:
    open_by_point: dict[int, list[int]] = {}
    for pid, _did, _state, overdue, _stuck, n in cases.rows:
        if pid is not None:
            acc = open_by_point.setdefault(pid, [0, 0])
            acc[0] += n
            acc[1] += n if overdue else 0
    faulty: set[int] = set()
    for pid, health, enabled in session.execute(select(Camera.point_id, Camera.health, Camera.enabled)):
        if health in ("offline",) + FAULTY_HEALTH or not enabled:
            faulty.add(pid)
    states = []
    for pid in reg.point_ids:
        n, od = open_by_point.get(pid, (0, 0))
        states.append("overdue" if od else "open" if n else "offline" if pid in faulty else "normal")
    counts = {k: states.count(k) for k in ("normal", "open", "overdue", "offline")}
    return states, counts


def district_open(reg: Registry, cases: OpenCases) -> list[int]:
    by: dict[int, int] = defaultdict(int)
    for _pid, did, _state, _overdue, _stuck, n in cases.rows:
        by[did] += n
    return [by.get(did, 0) for did in reg.district_ids]


def reached(session: Session, since: datetime, until: datetime | None = None) -> list[int]:
    """How many cases found since ``since`` (and before ``until``) reached each stage 发现 → … → 销号."""
    q = (select(func.count(), func.count(Case.accepted_at), func.count(Case.dispatched_at),
                func.count(Case.handled_at), func.count(Case.verified_at), func.count(Case.closed_at))
         .where(Case.found_at >= since))
    if until is not None:
        q = q.where(Case.found_at < until)
    row = session.execute(q).one()
    return [int(v or 0) for v in row]


def flow_now(cases: OpenCases) -> dict[str, list[int]]:
    """Per stage: cases sitting there now, of them stuck (> 24 h without a step) and overdue."""
    by = {s: [0, 0, 0] for s in FLOW_STATES}
    for _pid, _did, state, overdue, stuck, n in cases.rows:
        if state in by:
            by[state][0] += n
            by[state][1] += n if stuck else 0
            by[state][2] += n if overdue else 0
    return {
        "now": [by[s][0] for s in FLOW_STATES[:-1]] + [0],
        "stuck": [by[s][1] for s in FLOW_STATES[:-1]] + [0],
        "overdue": [by[s][2] for s in FLOW_STATES[:-1]] + [0],
    }


def type_unconfirmed(session: Session) -> int:
    """Open cases whose type is still to be confirmed (类型待确认: found by a camera, no type rule took it)."""
    return int(session.scalar(select(func.count(Case.id)).where(
        Case.type_unconfirmed.is_(True), Case.state.in_(list(OPEN_STATES)))) or 0)


def events(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Case.id, Case.code, Case.state, Case.found_at, Case.deadline_at, ProblemType.name,
               MonitoringPoint.name, District.name)
        .join(ProblemType, ProblemType.id == Case.problem_type_id)
        .outerjoin(MonitoringPoint, MonitoringPoint.id == Case.point_id)
        .outerjoin(District, District.id == Case.district_id)
        .where(Case.demo_history.is_(False))  # 实时发现 lists live detections only, never the demo's history
        .order_by(Case.id.desc())
        .limit(EVENT_ROWS)
    ).all()
    ids = [r[0] for r in rows]
    thumbs: dict[int, int] = {}
    if ids:
        thumbs = dict(session.execute(
            select(Evidence.case_id, func.min(Evidence.id)).where(Evidence.case_id.in_(ids), Evidence.kind != "citizen")
            .group_by(Evidence.case_id)
        ).all())
    out = []
    for cid, code, state, found_at, deadline, type_name, point, district in rows:
        overdue = state in DUE_STATES and deadline is not None and as_utc(deadline) < now
        out.append({
            "id": cid, "code": code, "state": "overdue" if overdue else state, "type": type_name,
            "point": point or district or "", "district": district or "",
            "time": fmt_local(found_at, "%H:%M:%S") if found_at and as_utc(found_at) >= local_day_start(now)
            else fmt_local(found_at, "%m-%d %H:%M"),
            "evidence": thumbs.get(cid),
        })
    return out



def cameras(session: Session) -> dict[str, int]:
    out = {"online": 0, "offline": 0, "faulty": 0, "unknown": 0, "total": 0}
    for health, enabled, n in session.execute(
        select(Camera.health, Camera.enabled, func.count()).group_by(Camera.health, Camera.enabled)
    ):
        out["total"] += n
        if not enabled or health == "offline":
            out["offline"] += n
        elif health == "online":
            out["online"] += n
        elif health in FAULTY_HEALTH:
            out["faulty"] += n
        else:
            out["unknown"] += n
    return out


def last_frame_db(session: Session) -> datetime | None:
    value = session.scalar(select(func.max(Camera.last_frame_at)))
    return None if value is None else as_utc(value)

