"""Notification outbox API (通知记录, 死信): ``GET /api/v1/notifications`` lists messages (filter by
``status``, ``case``, ``channel``; newest first) for staff; ``POST /api/v1/notifications/<id>/retry`` puts a dead
letter back in the queue (admins). A citizen reporter's phone is shown masked."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from models.citizen_reports import mask_phone
from models.notifications import Notification, OutboxStatus
from models.notify.sender import retry_dead

from ..access import require_roles
from .responses import MAX_ID, error, iso

blueprint = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 500


def _ctx():
    from ..app import current_ctx

    return current_ctx()


def item(r: Notification) -> dict:
    citizen = r.event.startswith("citizen_")
    return {"id": r.id, "created_at": iso(r.created_at), "case_code": r.case_code, "event": r.event,
            "channel": r.channel, "recipient": mask_phone(r.recipient) if citizen else r.recipient,
            "recipient_label": r.recipient_label, "status": r.status, "attempts": r.attempts,
            "next_attempt_at": iso(r.next_attempt_at), "sent_at": iso(r.sent_at), "last_error": r.last_error}


@blueprint.get("/notifications")
@require_roles("admin", "supervisor")
def list_notifications():
    """Messages, newest first: ``status`` (pending|sending|sent|failed|dead), ``case`` (code), ``channel``,
    ``limit`` (1–500, default 100)."""
    args = request.args
    status = args.get("status")
    if status is not None and status not in OutboxStatus.ALL:
        return error(400, f"status: expected one of {', '.join(OutboxStatus.ALL)}, got {status[:40]!r}", "status")
    try:
        limit = int(args.get("limit", 100))
    except ValueError:
        return error(400, "limit: not a whole number", "limit")
    if not 1 <= limit <= MAX_LIMIT:
        return error(400, f"limit: must be 1–{MAX_LIMIT}", "limit")
    q = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status:
        q = q.where(Notification.status == status)
    if args.get("case"):
        q = q.where(Notification.case_code == args["case"][:32])
    if args.get("channel"):
        q = q.where(Notification.channel == args["channel"][:40])
    with _ctx().sessions() as s:
        return jsonify({"items": [item(r) for r in s.scalars(q)]})


@blueprint.post("/notifications/<int:notification_id>/retry")
@require_roles("admin")
def retry(notification_id: int):
    """Requeue a dead letter (死信) after its contact or channel was fixed; 409 if it is not dead."""
    if notification_id > MAX_ID:
        return error(404, "no such notification")
    with _ctx().sessions.begin() as s:
        row = s.get(Notification, notification_id)
        if row is None:
            return error(404, "no such notification")
        if row.status != OutboxStatus.DEAD:
            return error(409, f"notification {notification_id} is {row.status}, not a dead letter")
        retry_dead(s, [notification_id])
        return jsonify(item(row))
