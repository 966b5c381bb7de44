"""Periodic deadline work: reminders (催办提醒) before a deadline and 督办 (escalation) after it.

Run by the scheduler (:mod:`.service`) or directly in tests: :func:`check_deadlines` is idempotent — a case is
reminded once per deadline and escalated once per deadline (a new deadline after 延期 or 返工 re-arms both).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases import Case, CaseState
from ..clock import as_utc, utcnow
from .core import apply
from .machine import SYSTEM
from .settings import settings_for

BATCH = 500


def check_deadlines(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Remind cases due within ``remind_before_deadline_h``; escalate overdue ones. Returns the counts."""
    now = as_utc(now or utcnow())
    cfg = settings_for(session).config
    soon = now + timedelta(hours=cfg.remind_before_deadline_h)
    reminded = escalated = 0
    overdue = session.scalars(
        select(Case).where(Case.state == CaseState.DISPATCHED.value, Case.deadline_at < now,
                           Case.escalated.is_(False)).order_by(Case.deadline_at).limit(BATCH)
        .with_for_update(skip_locked=True))
    for case in list(overdue):
        hours = (now - as_utc(case.deadline_at)).total_seconds() / 3600
        apply(session, case, "escalate", actor="deadline-job", actor_role=SYSTEM, at=max(now, case.updated_at),
              note=f"已超期{hours:.1f}小时，督办", data={"overdue_hours": round(hours, 2)})
        escalated += 1
    if cfg.remind_before_deadline_h > 0:
        due_soon = session.scalars(
            select(Case).where(Case.state == CaseState.DISPATCHED.value, Case.deadline_at >= now,
                               Case.deadline_at <= soon).order_by(Case.deadline_at).limit(BATCH)
            .with_for_update(skip_locked=True))
        for case in list(due_soon):
            deadline = as_utc(case.deadline_at).isoformat()
            if any(t.action == "remind" and (t.data or {}).get("deadline") == deadline for t in case.transitions):
                continue
            apply(session, case, "remind", actor="deadline-job", actor_role=SYSTEM, at=max(now, case.updated_at),
                  note="即将到期，请及时处置", data={"deadline": deadline})
            reminded += 1
    return {"reminded": reminded, "escalated": escalated}
