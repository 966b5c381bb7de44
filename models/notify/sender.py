"""Delivering the outbox: claim due rows, send each over its channel, record the outcome.

A row is claimed (``sending``, with a lease) in one short transaction, sent outside any transaction, and
its outcome written in another. A sender that dies after claiming leaves the row ``sending``; once the
lease (``lease_s``) has passed another run claims it again — so a message is never lost, and sent twice only
if the process dies in the instant between the provider's answer and recording it (the webhook carries an
``Idempotency-Key`` and e-mail an ``X-CivicWatch-Key`` for receivers that drop repeats).

Retries back off exponentially (``backoff_base_s`` × 2^(attempt−1), at most ``backoff_max_s``); after
``max_attempts`` tries, or at once for an error that cannot heal (bad address, rejected signature), the row
becomes a dead letter (死信, status ``dead``) listed for admins. Quiet hours defer messages on the channel
kinds in ``quiet_kinds`` (SMS) to the end of the quiet window, except urgent ones (督办/超期).
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Callable

from sqlalchemy import select

from ..clock import LOCAL_TZ, as_utc, utcnow
from ..config import NotifyConfig
from ..notifications import Notification
from ..notifications import OutboxStatus as St
from .channels import Channel, DeliveryError, OutMessage

log = logging.getLogger(__name__)
BATCH = 50


def backoff_s(cfg: NotifyConfig, attempts: int) -> float:
    return min(cfg.backoff_max_s, cfg.backoff_base_s * 2 ** max(0, attempts - 1))


def quiet_until(cfg: NotifyConfig, now: datetime) -> datetime | None:
    """The end of the quiet window ``now`` falls in (UTC), or ``None`` outside quiet hours."""
    if not cfg.quiet_hours:
        return None
    start_s, end_s = cfg.quiet_hours.split("-")
    start, end = time.fromisoformat(start_s), time.fromisoformat(end_s)
    local = as_utc(now).astimezone(LOCAL_TZ)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=LOCAL_TZ).astimezone(as_utc(now).tzinfo)


def deliver_due(sessions, cfg: NotifyConfig, channels: dict[str, Channel], now: datetime | None = None,
                limit: int = BATCH, before_send: Callable[[OutMessage], None] | None = None,
                only_ids: list[int] | None = None) -> dict[str, int]:
    """Deliver up to ``limit`` due messages (or only the rows ``only_ids``); returns counts (sent, failed,
    dead, deferred)."""
    now = as_utc(now or utcnow())
    counts = {"sent": 0, "failed": 0, "dead": 0, "deferred": 0}
    claimed = _claim(sessions, cfg, channels, now, limit, counts, only_ids)
    for row_id, message, channel_name in claimed:
        if before_send is not None:
            before_send(message)
        channel = channels.get(channel_name)
        try:
            if channel is None:
                raise DeliveryError(f"channel {channel_name!r} is not configured", retryable=False)
            channel.send(message)
            error = None
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - a channel bug is one failed attempt, never a lost message
            log.exception("channel %s failed on %s", channel_name, message.dedupe_key)
            error = DeliveryError(f"{type(exc).__name__}: {exc}"[:300])
        _record(sessions, cfg, row_id, now, error, counts)
    return counts


def _claim(sessions, cfg, channels, now, limit, counts, only_ids=None) -> list[tuple[int, OutMessage, str]]:
    out = []
    with sessions.begin() as s:
        q = select(Notification).where(Notification.status.in_((St.PENDING, St.FAILED, St.SENDING)),
                                       Notification.next_attempt_at <= now)
        if only_ids is not None:
            q = q.where(Notification.id.in_(only_ids))
        due = s.scalars(q.order_by(Notification.next_attempt_at, Notification.id).limit(limit)
                        .with_for_update(skip_locked=True)).all()
        quiet_end = quiet_until(cfg, now)
        for row in due:
            channel = channels.get(row.channel)
            if (quiet_end is not None and not row.urgent and channel is not None
                    and channel.kind in cfg.quiet_kinds):
                row.next_attempt_at = quiet_end
                counts["deferred"] += 1
                continue
            row.status = St.SENDING
            row.attempts = (row.attempts or 0) + 1
            row.next_attempt_at = now + timedelta(seconds=cfg.lease_s)
            out.append((row.id, OutMessage.from_row(row), row.channel))
    return out


def _record(sessions, cfg, row_id: int, now: datetime, error: DeliveryError | None, counts) -> None:
    with sessions.begin() as s:
        row = s.get(Notification, row_id)
        if row is None or row.status != St.SENDING:
            return
        if error is None:
            row.status, row.sent_at, row.last_error = St.SENT, now, None
            counts["sent"] += 1
            return
        row.last_error = str(error)[:1000]
        if not error.retryable or row.attempts >= cfg.max_attempts:
            row.status = St.DEAD
            counts["dead"] += 1
            log.warning("notification %s is a dead letter after %d attempt(s): %s", row.dedupe_key, row.attempts,
                        error)
        else:
            row.status = St.FAILED
            row.next_attempt_at = now + timedelta(seconds=backoff_s(cfg, row.attempts))
            counts["failed"] += 1


def retry_dead(session, ids: list[int], now: datetime | None = None) -> int:
    """Put dead letters back in the queue (an admin fixed the address or the channel)."""
    n = 0
    for row in session.scalars(select(Notification).where(Notification.id.in_(ids), Notification.status == St.DEAD)):
        row.status, row.attempts, row.next_attempt_at = St.PENDING, 0, as_utc(now or utcnow())
        n += 1
    return n


def outbox_counts(session) -> dict[tuple[str, str], int]:
    """(channel, status) → number of messages (for /api/v1/metrics)."""
    from sqlalchemy import func

    rows = session.execute(select(Notification.channel, Notification.status, func.count())
                           .group_by(Notification.channel, Notification.status))
    return {(c, st): n for c, st, n in rows}


def latest(session, limit: int = 20, case_id: int | None = None, status: str | None = None) -> list[Notification]:
    q = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if case_id is not None:
        q = q.where(Notification.case_id == case_id)
    if status is not None:
        q = q.where(Notification.status == status)
    return list(session.scalars(q))


__all__ = ["backoff_s", "deliver_due", "latest", "outbox_counts", "quiet_until", "retry_dead"]
