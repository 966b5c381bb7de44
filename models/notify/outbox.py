"""Writing outbox rows (发件箱): one per (case, event, occurrence, channel, recipient), at most once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..notifications import Notification, OutboxStatus
from .messages import Message


@dataclass(frozen=True)
class Target:
    """One recipient: a configured channel and the address on it, with a label for 通知记录."""

    channel: str
    address: str
    label: str = ""


def dedupe_key(case_id: int | None, event: str, occurrence: str, target: Target) -> str:
    key = f"{case_id if case_id is not None else '-'}:{event}:{occurrence}:{target.channel}:{target.address}"
    return key if len(key) <= 200 else key[:160] + ":" + _digest(key)


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def enqueue(session: Session, *, event: str, occurrence: str, targets: list[Target], message: Message,
            case_id: int | None = None, case_code: str | None = None, urgent: bool = False,
            at: datetime | None = None) -> list[Notification]:
    """Add one outbox row per target unless that (case, event, occurrence, recipient) already has one.

    Runs inside the caller's transaction: the rows commit or roll back with the change that caused them.
    """
    at = at or utcnow()
    rows = []
    seen = set()
    for target in targets:
        key = dedupe_key(case_id, event, occurrence, target)
        if key in seen or _exists(session, key):
            continue
        seen.add(key)
        row = Notification(dedupe_key=key, case_id=case_id, case_code=case_code, event=event,
                           channel=target.channel, recipient=target.address, recipient_label=target.label[:120],
                           urgent=urgent, subject=message.subject[:200], body=message.body,
                           payload=dict(message.payload), status=OutboxStatus.PENDING, attempts=0,
                           created_at=at, next_attempt_at=min(at, utcnow()))
        session.add(row)
        rows.append(row)
    return rows


def _exists(session: Session, key: str) -> bool:
    if any(isinstance(o, Notification) and o.dedupe_key == key for o in session.new):
        return True
    with session.no_autoflush:
        return session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None
