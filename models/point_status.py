"""Per-point status for the 点位 map and list: cameras and how many are online, open and overdue cases,
cases and recurrences of the last 30 days, and one state for the marker colour.

State (most urgent first): ``offline`` — a camera of the point is not online (offline / frozen / black …,
``unknown`` = never connected counts as offline only when no camera is online); ``overdue`` — a case at a
unit past its deadline; ``open`` — an open case; else ``normal``.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cases import Case, CaseState
from .clock import as_utc, utcnow
from .kpi import OPEN
from .registry import Camera, District, MonitoringPoint

GOOD_HEALTH = ("online",)


def point_rows(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """One dict per monitoring point (ordered by code) with its figures and state."""
    now = as_utc(now or utcnow())
    since = now - timedelta(days=30)
    cams: dict[int, list[str]] = defaultdict(list)
    for pid, health in session.execute(select(Camera.point_id, Camera.health)):
        cams[pid].append(health or "unknown")
    open_n = dict(session.execute(select(Case.point_id, func.count()).where(Case.state.in_(OPEN))
                                  .group_by(Case.point_id)).all())
    overdue = dict(session.execute(select(Case.point_id, func.count()).where(
        Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now).group_by(Case.point_id)).all())
    recent = defaultdict(lambda: [0, 0])
    for pid, prev in session.execute(select(Case.point_id, Case.previous_case_id).where(
            Case.found_at >= since, Case.state != CaseState.INVALID.value)):
        recent[pid][0] += 1
        recent[pid][1] += prev is not None
    districts = dict(session.execute(select(District.id, District.name)).all())
    rows = []
    for p in session.scalars(select(MonitoringPoint).order_by(MonitoringPoint.code)):
        health = cams.get(p.id, [])
        online = sum(h in GOOD_HEALTH for h in health)
        bad = sum(h not in GOOD_HEALTH and h != "unknown" for h in health)
        if bad or (health and online == 0):
            state = "offline"
        elif overdue.get(p.id):
            state = "overdue"
        elif open_n.get(p.id):
            state = "open"
        else:
            state = "normal"
        rows.append({"id": p.id, "code": p.code, "name": p.name, "category": p.category,
                     "district": districts.get(p.district_id, ""), "district_id": p.district_id,
                     "lon": p.lon, "lat": p.lat, "address": p.address or "", "cameras": len(health),
                     "online": online, "open": open_n.get(p.id, 0), "overdue": overdue.get(p.id, 0),
                     "month": recent[p.id][0], "recur": recent[p.id][1], "state": state})
    return rows
