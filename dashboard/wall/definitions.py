"""What the wall counts: open, due and handled case states, stuck cases, faulty cameras; local day and year.

The same meaning as ``models.kpi``: open = not closed and not invalid; overdue = at the unit (dispatched)
with the deadline passed; handled = rectification accepted (复核通过 / 销号).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.cases import CaseState
from models.clock import LOCAL_TZ

OPEN_STATES = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value,
               CaseState.RECTIFIED.value, CaseState.VERIFIED.value)
DUE_STATES = (CaseState.DISPATCHED.value,)
HANDLED_STATES = (CaseState.VERIFIED.value, CaseState.CLOSED.value)
FLOW_STATES = ("found", "accepted", "dispatched", "rectified", "verified", "closed")
FAULTY_HEALTH = ("frozen", "black", "faulty", "error", "blurred", "tampered", "moved", "degraded")
STUCK_AFTER = timedelta(hours=24)


def local_day_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def local_year_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
