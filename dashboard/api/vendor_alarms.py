"""``POST /api/v1/vendor/<vendor>/<device>``: alarm pushes of Hikvision (ISAPI) and Dahua cameras/NVRs.

Set the device's "alarm server / HTTP listening host" (Hikvision: 报警主机 HTTP 监听, ``httpHosts``; Dahua:
alarm upload to an HTTP server) to this URL with the device code as HTTP Basic user name and the password
held in the environment variable ``reporting.vendor_alarms.devices[].password_env`` names (use TLS).

- ``hikvision``: ``application/xml`` / ``text/xml`` body (``EventNotificationAlert``), or
  ``multipart/form-data`` with that XML as one part and the picture (``image/jpeg``) as another.
- ``dahua``: ``text/plain`` event lines (``Code=…;action=…;index=…;data={…}``), or multipart with the
  lines as one part and the picture as another.

Every event is mapped by the device's table (:mod:`models.vendor_alarms`) into the intake of
``POST /api/v1/events``. Answers: ``201`` a case was opened, ``200`` otherwise, with one entry per event
(``created``/``attached``/``replay``/``ignored`` and why); ``401`` unknown device or wrong password;
``403`` for a user session or API token (devices only); ``4xx`` with ``{"error", "message", "field"}``
naming what is wrong — nothing is stored then.
"""
from __future__ import annotations

import hmac
import os

import flask
from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from models.edge_events import EdgeError
from models.vendor_alarms import (
    VendorAlarmError,
    find_device,
    parse_dahua,
    parse_hikvision,
    receive,
)

from ..access import current_principal, public
from .public_report import allow_body, error_response, services

blueprint = Blueprint("vendor_alarms", __name__, url_prefix="/api/v1/vendor")



@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return error_response(413, "too_large", "body: larger than one 10 MB picture plus the alarm", "body")


def _unauthorised(message: str):
    resp = error_response(401, "unauthorised", message, "Authorization")
    resp.headers["WWW-Authenticate"] = 'Basic realm="civicwatch-vendor-alarms"'
    return resp


def _authorised(device) -> bool:
    auth = request.authorization
    secret = os.environ.get(device.password_env)
    if not secret or auth is None or auth.type != "basic":
        return False
    user_ok = hmac.compare_digest((auth.username or "").encode(), device.code.encode())
    pass_ok = hmac.compare_digest((auth.password or "").encode(), secret.encode())
    return user_ok and pass_ok


def _parts() -> tuple[list[bytes], bytes | None]:
    """(text parts, the picture) of a multipart push."""
    texts = [v.encode() for v in request.form.values()]
    image = None
    for f in request.files.values():
        data = f.read(11 * 1024 * 1024)
        kind = (f.mimetype or "").lower()
        if kind.startswith("image/") or data[:3] == b"\xff\xd8\xff":
            image = image or data
        else:
            texts.append(data)
    return texts, image


def _events(vendor: str):
    mimetype = request.mimetype
    image = None
    if mimetype == "multipart/form-data":
        texts, image = _parts()
    elif (vendor == "hikvision" and mimetype in ("application/xml", "text/xml")) or \
            (vendor == "dahua" and mimetype in ("text/plain", "application/octet-stream")):
        texts = [request.get_data()]
    else:
        want = "application/xml or multipart/form-data" if vendor == "hikvision" else "text/plain or multipart/form-data"
        return None, None, error_response(415, "unsupported_media_type", f"Content-Type: expected {want}",
                                          "Content-Type")
    if vendor == "hikvision":
        xml = next((t for t in texts if t.lstrip().startswith(b"<")), None)
        if xml is None:
            raise VendorAlarmError("body", "no EventNotificationAlert XML part")
        return [parse_hikvision(xml)], image, None
    text = next((t for t in texts if b"Code=" in t), None)
    if text is None:
        raise VendorAlarmError("body", "no Dahua event part (lines `Code=…;action=…;index=…`)")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise VendorAlarmError("body", "the event text is not UTF-8") from None
    return parse_dahua(decoded), image, None


@blueprint.post("/<vendor>/<device_code>")
@public  # authenticated per device (HTTP Basic against the device's own secret), not by user roles
def receive_push(vendor: str, device_code: str):
    svc = services()
    if current_principal().kind != "anonymous":  # a user session or API token: not a device
        return error_response(403, "forbidden", "Authorization: this endpoint takes a device's push credentials "
                              "(HTTP Basic), not a user or API token", "Authorization")
    cfg = svc.config.vendor_alarms
    device = find_device(cfg, vendor, device_code)
    if device is None or not _authorised(device):
        return _unauthorised("Authorization: unknown device or wrong password (HTTP Basic: device code and "
                             "its push password)")
    allow_body(1)
    try:
        events, image, refused = _events(vendor)
        if refused is not None:
            return refused
        ctx = flask.current_app.config["CIVICWATCH"]
        outcomes = receive(ctx.sessions, svc.store, device, events, image, svc.config.edge, cfg)
    except VendorAlarmError as exc:
        return error_response(exc.status, "bad_request", exc.message, exc.field)
    except EdgeError as exc:
        return error_response(exc.status, "bad_request" if exc.status == 400 else "unprocessable", exc.message,
                              exc.field)
    body = {"device": device.code, "events": [
        {"event_type": o.event_type, "channel": o.channel, "event_id": o.event_id, "status": o.status,
         **({"reason": o.reason} if o.reason else {}),
         **({"case_id": o.result.case_id, "case_code": o.result.case_code} if o.result else {})}
        for o in outcomes]}
    return jsonify(body), 201 if any(o.status == "created" for o in outcomes) else 200
