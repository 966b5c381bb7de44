"""The workflow's transition writer calls :func:`on_transition` for every transition it appends: the
messages it causes go into the outbox in the same transaction (committed or rolled back together)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..cases import Case, CaseSource, CaseTransition
from .events import (
    CITIZEN_EVENTS,
    CONTACT_ROLES,
    TRANSITION_EVENTS,
    URGENT_EVENTS,
    center_targets,
    parent_leader_targets,
    reporter_target,
    unit_targets,
)
from .messages import case_message, citizen_message
from .outbox import enqueue
from .settings import notify_config


def on_transition(session: Session, case: Case, t: CaseTransition) -> int:
    """Write the outbox rows ``t`` causes; returns how many. A no-op while notifications are off."""
    cfg = notify_config(session)
    if not cfg.enabled or not cfg.channels:
        return 0
    event, occurrence, targets = _route(session, cfg, case, t)
    if event is None or not targets:
        return 0
    if event.startswith("citizen_"):
        message = citizen_message(case, event)
    else:
        message = case_message(session, case, event, cfg.base_url, note=t.note)
    rows = enqueue(session, event=event, occurrence=occurrence, targets=targets, message=message,
                   case_id=case.id, case_code=case.code, urgent=event in URGENT_EVENTS, at=t.at)
    return len(rows)


def _route(session, cfg, case: Case, t: CaseTransition):
    action, data = t.action, t.data or {}
    seq = str(t.seq)
    if action in CITIZEN_EVENTS:
        if case.source != CaseSource.CITIZEN.value:
            return None, "", []
        target = reporter_target(session, cfg, case)
        return CITIZEN_EVENTS[action], seq, [target] if target else []
    if action == "remind":
        if t.actor_role == "system":  # the deadline job: the same window as the sweep's deadline_soon
            return "deadline_soon", str(data.get("deadline") or case.deadline_at), unit_targets(session, cfg, case.unit_id)
        return "remind", seq, unit_targets(session, cfg, case.unit_id)
    if action == "escalate":
        event = "overdue" if "overdue_hours" in data else "escalate"
        targets = unit_targets(session, cfg, case.unit_id, roles=CONTACT_ROLES)
        return event, seq, targets + parent_leader_targets(session, cfg, case.unit_id)
    event = TRANSITION_EVENTS.get(action)
    if event in ("return", "extension_request"):
        return event, seq, center_targets(cfg)
    if event is not None:
        return event, seq, unit_targets(session, cfg, case.unit_id)
    return None, "", []
