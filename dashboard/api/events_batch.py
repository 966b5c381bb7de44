"""``POST /api/v1/events/batch``: many alarms from an AI edge gateway in one request (role ``edge``, Bearer token).

Body: JSON ``{"events": [alarm, …]}``, each alarm the object ``POST /api/v1/events`` takes (``image`` base64,
optional when ``reporting.edge.require_image`` is off), at most ``reporting.edge.max_batch`` of them.
Answer ``200`` ``{"results": [...], "created", "attached", "replay", "errors"}``: one result per alarm in
order — ``{"index", "event_id", "status": "created"|"attached"|"replay", "case_id", "case_code",
"observation_id", "device_code"}`` or ``{"index", "event_id", "status": "error", "error", "http_status",
"message", "field"}``. The valid alarms are stored in one transaction; a refused alarm is skipped. If the
database fails nothing of the batch is stored and the answer is ``503`` (retry: replays are idempotent).
``400``/``413``/``415`` refuse the whole request, naming the field.
"""
from __future__ import annotations

import logging

import flask
from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from models.edge_batch import EdgeBatchUnavailable, count_by_status, ingest_batch
from models.edge_events import EdgeError

from ..access import current_principal, require_roles
from .public_report import allow_body, error_response, services
from .responses import bad_json_value

blueprint = Blueprint("edge_events_batch", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return error_response(413, "too_large", "body: larger than the upload limit (one 10 MB image plus the form); "
                                            "send fewer or smaller images per batch", "body")


@blueprint.post("/events/batch")
@require_roles("edge")
def receive_batch():
    svc = services()
    allow_body(1)
    if request.mimetype != "application/json":
        return error_response(415, "unsupported_media_type", "Content-Type: expected application/json", "Content-Type")
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        return error_response(400, "bad_request", "body: JSON nested too deeply", "body")
    if not isinstance(payload, dict):
        return error_response(400, "bad_request", "body: expected a JSON object {\"events\": [...]}", "body")
    events = payload.get("events")
    if not isinstance(events, list):
        return error_response(400, "bad_request", "events: expected a list of alarms", "events")
    limit = svc.config.edge.max_batch
    if len(events) > limit:
        return error_response(413, "too_many_events", f"events: {len(events)} alarms, at most {limit} per batch "
                                                      f"(reporting.edge.max_batch)", "events")
    refused = {}
    for i, event in enumerate(events):
        bad = bad_json_value(event)
        if bad is not None:
            refused[i] = EdgeError(bad[0], bad[1])
    p = current_principal()
    ctx = flask.current_app.config["CIVICWATCH"]
    try:
        items = ingest_batch(ctx.sessions, svc.store, events, svc.config.edge,
                             token_id=p.id if p.kind == "token" else None, refused=refused,
                             token_name=p.name if p.kind == "token" else None)
    except EdgeBatchUnavailable as exc:
        log.warning("edge batch of %d alarms not stored: %s", len(events), exc)
        return error_response(503, "unavailable", "database unavailable: nothing of this batch was stored, "
                                                  "send it again", "events", retry_after=1)
    counts = count_by_status(items)
    return jsonify({"results": [i.as_dict() for i in items], "created": counts["created"],
                    "attached": counts["attached"], "replay": counts["replay"], "errors": counts["error"]}), 200
