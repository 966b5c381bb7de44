"""``POST /api/v1/public/reports``: the 随手拍 form's submit endpoint (no login; multipart with up to 3 photos).

Also the shared plumbing of the public intake routes (Open311, edge events): the per-app submission limits and
photo store, the client address, reading uploaded files, and JSON errors that carry a Chinese message.
"""
from __future__ import annotations

from typing import Any

import flask
from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from models.citizen_reports import Receipt, ReportError, ReportInput, submit
from models.images import MAX_BYTES, evidence_root
from models.photo_intake import PhotoStore
from models.ratelimit import SubmissionLimits

from .. import rate_limits
from ..access import public
from ..text import report as T

blueprint = Blueprint("public_report", __name__, url_prefix="/api/v1/public")

FORM_OVERHEAD = 1024 * 1024


class Services:
    """Per-app intake services: the submission limits (on the app's Flask-Limiter storage: memory or Redis)
    and the evidence photo store."""

    def __init__(self, ctx):
        cfg = ctx.config.reporting
        self.config = cfg
        self.limits = SubmissionLimits(cfg.rate_limit, rate_limits.strategy())
        self.store = PhotoStore(evidence_root(ctx.config))


def services() -> Services:
    app = flask.current_app
    svc = app.extensions.get("civicwatch_reporting")
    if svc is None:
        svc = app.extensions["civicwatch_reporting"] = Services(app.config["CIVICWATCH"])
    return svc


def client_address() -> str:
    """The submitter's address for the limits: the TCP peer, or behind ``server.trusted_proxies`` what the
    outermost trusted proxy saw (ProxyFix) — never an X-Forwarded-For entry the client wrote."""
    return rate_limits.client_address()


def nul_field() -> str | None:
    """The name of the first query or form field whose name or value holds a NUL character (None: none).

    PostgreSQL text columns refuse NUL, so such input is answered with a 400 before it reaches a query."""
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if "\x00" in (key or "") or "\x00" in (value if isinstance(value, str) else ""):
                return key.replace("\x00", "")[:40] or "field"
    return None


def allow_body(photos: int) -> None:
    """Raise this request's body limit to ``photos`` full-size photos plus the form (413 beyond)."""
    request.max_content_length = max(1, photos) * MAX_BYTES + FORM_OVERHEAD


def uploaded(field: str, limit: int) -> list[bytes]:
    """The non-empty files posted under ``field`` (more than ``limit`` is an error)."""
    files = [f for f in request.files.getlist(field) if f and (f.filename or f.content_length)]
    if len(files) > limit:
        raise ReportError(field, "too_many_photos", T.TOO_MANY_PHOTOS.format(n=limit))
    out = []
    for f in files:
        data = f.read(MAX_BYTES + 1)
        if data:
            out.append(data)
    return out


def error_response(status: int, code: str, message: str, field: str | None = None, retry_after: float | None = None):
    body: dict[str, Any] = {"error": code, "message": message}
    if field:
        body["field"] = field
    resp = jsonify(body)
    resp.status_code = status
    if retry_after is not None:
        resp.headers["Retry-After"] = str(max(1, int(retry_after)))
    return resp


def report_error_response(exc: ReportError):
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.retry_after_s)


def receipt_json(r: Receipt) -> dict[str, Any]:
    return {
        "tracking_code": r.tracking_code, "status_url": f"/report/{r.tracking_code}", "status": "received",
        "status_label": "已受理", "lon": round(r.lon, 6), "lat": round(r.lat, 6), "datum": "gcj02",
        "location_source": r.location_source, "photos": r.photos,
        "duplicates": [{"code": d.code, "distance_m": d.distance_m, "status_label": d.status_label,
                        "status_url": f"/report/{d.code}"} for d in r.duplicates],
    }


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return error_response(413, "too_large", T.BODY_TOO_LARGE)


@blueprint.post("/reports")
@public
def create_report():
    svc = services()
    allow_body(svc.config.max_photos)
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return error_response(415, "unsupported_media_type", T.NEED_FORM)
    form = request.form
    bad = nul_field()
    if bad is not None:
        return error_response(400, "bad_character", T.BAD_CHARACTER.format(field=bad), bad)
    try:
        photos = uploaded("photos", svc.config.max_photos)
        report = ReportInput(
            problem_type=form.get("problem_type"), description=form.get("description"), phone=form.get("phone"),
            lon=form.get("lon"), lat=form.get("lat"), datum=form.get("datum") or "wgs84", photos=photos,
            client_address=client_address(), channel="web",
            notify_consent=(form.get("notify_consent") or "").lower() in ("1", "true", "on", "yes"),
        )
        ctx = flask.current_app.config["CIVICWATCH"]
        receipt = submit(ctx.sessions, svc.store, report, svc.config, svc.limits)
    except ReportError as exc:
        return report_error_response(exc)
    return jsonify(receipt_json(receipt)), 201
