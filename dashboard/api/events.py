"""``POST /api/v1/events``: alarms from AI edge devices (device token, role ``edge``, ``Authorization: Bearer``).

Body: JSON ``{event_id, device_code?, camera_code, time, type, box, score, image (base64)}``, or multipart
with the same fields (or one ``event`` field holding that JSON) and the picture as file ``image``.
Answers: ``201`` a new case was opened; ``200`` the alarm joined an open case (``attached``) or is a replay
of an event already received (``replay``: the same case id, nothing stored); ``4xx`` with
``{"error", "message", "field"}`` naming what is wrong.
"""
from __future__ import annotations

import json

import flask
from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from models.edge_events import EdgeError, ingest

from ..access import current_principal, require_roles
from .public_report import allow_body, error_response, services
from .responses import bad_json_value

blueprint = Blueprint("edge_events", __name__, url_prefix="/api/v1")

_NUMERIC = ("score",)
_JSON_FIELDS = ("box",)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return error_response(413, "too_large", "body: larger than one 10 MB image plus the alarm", "body")


def _multipart_payload() -> dict:
    form = request.form
    if form.get("event"):
        try:
            payload = json.loads(form["event"])
        except (ValueError, RecursionError):
            raise EdgeError("event", "not valid JSON (or nested too deeply)") from None
        return payload
    payload: dict = {k: v for k, v in form.items()}
    for k in _JSON_FIELDS:
        if k in payload:
            try:
                payload[k] = json.loads(payload[k])
            except (ValueError, RecursionError):
                raise EdgeError(k, "not valid JSON (expected [x1, y1, x2, y2])") from None
    for k in _NUMERIC:
        if k in payload:
            try:
                payload[k] = float(payload[k])
            except ValueError:
                raise EdgeError(k, f"not a number: {payload[k][:20]!r}") from None
    return payload


@blueprint.post("/events")
@require_roles("edge")
def receive_event():
    svc = services()
    allow_body(1)
    image = None
    try:
        if request.mimetype == "application/json":
            try:
                payload = request.get_json(silent=True)
            except RecursionError:
                raise EdgeError("body", "JSON nested too deeply") from None
            if not isinstance(payload, dict):
                raise EdgeError("body", "expected a JSON object")
        elif request.mimetype == "multipart/form-data":
            payload = _multipart_payload()
            f = request.files.get("image")
            if f is not None:
                image = f.read()
            if not isinstance(payload, dict):
                raise EdgeError("event", "expected a JSON object")
        else:
            return error_response(415, "unsupported_media_type",
                                  "Content-Type: expected application/json or multipart/form-data", "Content-Type")
        bad = bad_json_value(payload)
        if bad is not None:
            raise EdgeError(bad[0], bad[1])
        p = current_principal()
        ctx = flask.current_app.config["CIVICWATCH"]
        result = ingest(ctx.sessions, svc.store, payload, svc.config.edge, image=image,
                        token_id=p.id if p.kind == "token" else None,
                        token_name=p.name if p.kind == "token" else None)
    except EdgeError as exc:
        kind = {400: "bad_request", 403: "forbidden"}.get(exc.status, "unprocessable")
        return error_response(exc.status, kind, exc.message, exc.field)
    body = {"case_id": result.case_id, "case_code": result.case_code, "status": result.status,
            "observation_id": result.observation_id, "event_id": result.event_id, "device_code": result.device_code}
    return jsonify(body), 201 if result.status == "created" else 200
