"""Open311 GeoReport v2 (``/open311/v2``): the problem types as services, cases as service requests.

So existing citizen apps can submit and follow reports. Every route answers ``.json`` and ``.xml`` (the
same content; XML with the spec's element names, see ``open311_format``). Coordinates are WGS-84 (``lat``/``long``
as the standard expects; stored as GCJ-02 and converted both ways). Public status is ``open``/``closed``;
``expected_datetime`` is the case deadline. A POST creates a citizen case in the moderation queue, like
the 随手拍 form; ``media_url`` is never fetched (no network), photos come as multipart ``media`` files.
Errors are the standard list ``[{"code": 400, "description": "…"}]`` (``<errors><error>`` in XML).

Also per the spec: ``discovery``; service definitions (``services/<code>``) for types with attributes (the
one attribute is ``zone_kind``, where the problem is — for types with zone kinds; POST
``attribute[zone_kind]``); ``address_string`` kept as typed, or reverse-geocoded to the nearest monitoring
point/road of the registry when only coordinates came (``models.reverse_geocode``); ``status_notes`` is the
latest public step of the case log (``models.public_notes``: no names, notes or phone numbers); the list
takes ``start_date``/``end_date`` (at most 90 days apart; the last 90 days by default) and ``page``/
``page_size`` (1-based; at most ``LIST_LIMIT`` a page).

What is public: the list (``requests.json``) holds only cases a moderator accepted (立案 and later), of every
source — a report awaiting moderation, or rejected, is not listed at all (it may hold a phone number or a
home address typed into the description). One request (``requests/<id>.json``) answers by its tracking code
(the submitter's secret, any state, like the 随手拍 status page) or by its case code once it is public.
Errors are the standard list ``[{"code": 400, "description": "…"}]``.
"""
from __future__ import annotations

import hmac
import os
import re
from datetime import datetime, timedelta

import flask
from flask import Blueprint, request
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from models.cases import Case, CaseSource
from models.citizen_reports import (
    OPEN_STATES, UNMODERATED_STATES, ReportError, ReportInput, find_case, public_status, submit,
)
from models.clock import LOCAL_TZ, as_utc, utcnow
from models.coords import gcj02_to_wgs84
from models.public_notes import public_note
from models.registry import ProblemType

from ..access import public
from ..text.registry import ZONE_KINDS
from .open311_format import render, requested_format
from .public_report import allow_body, client_address, nul_field, services, uploaded

blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")

LIST_LIMIT = 1000
DEFAULT_DAYS = 90  # also the longest start_date..end_date span the spec allows
FMT = "<any(json, xml):fmt>"
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-05T00:00:00+08:00"  # when this server's Open311 interface last changed
# every case is public once a moderator confirmed it (立案), never before (models.citizen_reports.is_public)
_UNCONFIRMED = UNMODERATED_STATES


def o311_error(status: int, description: str):
    return render(requested_format(), [{"code": status, "description": description}], "errors", status=status)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return o311_error(413, "request body too large: at most 3 photos of 10 MB each")


@blueprint.before_request
def _refuse_nul_in_url():
    """NUL in the query or path is a 400 (PostgreSQL text refuses it); form bodies are checked in the view,
    after its body limit is set."""
    for key, value in list(request.args.items(multi=True)) + list((request.view_args or {}).items()):
        if "\x00" in key or "\x00" in str(value):
            return o311_error(400, f"{key.replace(chr(0), '')[:40] or 'field'}: contains a NUL character")
    return None


def _jurisdiction_ok() -> bool:
    j = request.values.get("jurisdiction_id")
    return not j or j == services().config.open311_jurisdiction


def _iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def service_json(t: ProblemType) -> dict:
    return {"service_code": t.code, "service_name": t.name, "description": t.description or t.name,
            "metadata": bool(t.zone_kinds), "type": "realtime", "keywords": t.major_class, "group": t.major_class}


def service_attributes(t: ProblemType) -> list[dict]:
    """The attributes a request of this type may carry (spec: service definition)."""
    if not t.zone_kinds:
        return []
    return [{"variable": True, "code": "zone_kind", "datatype": "singlevaluelist", "required": False,
             "datatype_description": None, "order": 1, "description": "问题所在位置类型",
             "values": [{"key": k, "name": ZONE_KINDS.get(k, k)} for k in t.zone_kinds]}]


def request_json(session: Session, case: Case) -> dict:
    st = public_status(session, case)
    lon, lat = (gcj02_to_wgs84(st.lon, st.lat) if st.lon is not None and st.lat is not None else (None, None))
    notes = public_note(session, case)
    return {
        "service_request_id": st.code, "status": "open" if st.open else "closed", "status_notes": notes,
        "service_name": st.type_name, "service_code": st.type_code, "description": st.description,
        "agency_responsible": None, "service_notice": None,
        "requested_datetime": _iso(st.submitted_at), "updated_datetime": _iso(st.updated_at),
        "expected_datetime": _iso(st.expected_at), "address": st.address, "address_id": None, "zipcode": None,
        "lat": None if lat is None else round(lat, 6), "long": None if lon is None else round(lon, 6),
        "media_url": None,
    }


def _parse_date(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    raw = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw.strip())  # an unencoded '+' of the offset arrives as ' '
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(name, "bad_date", f"{name}: not an ISO 8601 date-time: {raw[:40]!r}") from None
    try:
        return as_utc(value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ))
    except OverflowError:  # a date at the very edge of the calendar, shifted out of it by its offset
        raise ReportError(name, "bad_date", f"{name}: out of range: {raw[:40]!r}") from None


def _page() -> tuple[int, int]:
    """(page, page_size) from the query: whole numbers, page ≥ 1, 1 ≤ page_size ≤ LIST_LIMIT."""
    out = []
    for name, default, top in (("page", 1, 10**6), ("page_size", LIST_LIMIT, LIST_LIMIT)):
        raw = request.args.get(name, "").strip()
        if not raw:
            out.append(default)
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            raise ReportError(name, "bad_page", f"{name}: expected a whole number from 1 to {top}, got {raw[:20]!r}")
        out.append(int(raw))
    return out[0], out[1]


def _date_range() -> tuple[datetime | None, datetime | None]:
    """start_date/end_date as the spec says: both given, at most 90 days apart; end_date alone means the 90 days
    before it; start_date alone, everything since."""
    start, end = _parse_date("start_date"), _parse_date("end_date")
    span = timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None:
        if end < start:
            raise ReportError("end_date", "bad_date", "end_date: before start_date")
        if end - start > span:
            raise ReportError("end_date", "bad_date", f"end_date: more than {DEFAULT_DAYS} days after start_date")
    elif end is not None:
        start = end - span
    return start, end


@blueprint.get(f"/discovery.{FMT}")
@public
def discovery(fmt: str):
    base = request.url_root.rstrip("/") + blueprint.url_prefix + "/"
    return render(fmt, {
        "changeset": CHANGESET, "contact": "漳州市精神文明建设平台", "key_service": "POST 需要 api_key 时向平台管理员申请",
        "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }, root="discovery")


@blueprint.get(f"/services.{FMT}")
@public
def services_list(fmt: str):
    if not _jurisdiction_ok():
        return o311_error(404, "jurisdiction_id: unknown jurisdiction")
    ctx = flask.current_app.config["CIVICWATCH"]
    with ctx.sessions() as s:
        types = s.scalars(select(ProblemType).order_by(ProblemType.code)).all()
        return render(fmt, [service_json(t) for t in types], "services")


@blueprint.get(f"/services/<code>.{FMT}")
@public
def service_definition(code: str, fmt: str):
    if not _jurisdiction_ok():
        return o311_error(404, "jurisdiction_id: unknown jurisdiction")
    ctx = flask.current_app.config["CIVICWATCH"]
    with ctx.sessions() as s:
        t = s.scalar(select(ProblemType).where(ProblemType.code == code))
        if t is None:
            return o311_error(404, f"service_code: no service {code[:40]!r}")
        return render(fmt, {"service_code": t.code, "attributes": service_attributes(t)}, root="service_definition")


@blueprint.get(f"/requests.{FMT}")
@public
def requests_list(fmt: str):
    if not _jurisdiction_ok():
        return o311_error(404, "jurisdiction_id: unknown jurisdiction")
    ctx = flask.current_app.config["CIVICWATCH"]
    try:
        start, end = _date_range()
        page, page_size = _page()
    except ReportError as exc:
        return o311_error(400, exc.message)
    statuses = {v.strip() for v in request.args.get("status", "").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        return o311_error(400, "status: expected open, closed or both (comma-separated)")
    codes = [v.strip() for v in request.args.get("service_code", "").split(",") if v.strip()]
    ids = [v.strip() for v in request.args.get("service_request_id", "").split(",") if v.strip()]
    if start is None and end is None and not ids:
        start = utcnow() - timedelta(days=DEFAULT_DAYS)
    q = select(Case).where(Case.state.not_in(_UNCONFIRMED))
    if start is not None:
        q = q.where(Case.found_at >= start)
    if end is not None:
        q = q.where(Case.found_at <= end)
    if statuses == {"open"}:
        q = q.where(Case.state.in_(OPEN_STATES))
    elif statuses == {"closed"}:
        q = q.where(Case.state.not_in(OPEN_STATES))
    with ctx.sessions() as s:
        if codes:
            q = q.join(ProblemType, Case.problem_type_id == ProblemType.id).where(ProblemType.code.in_(codes))
        if ids:
            q = q.where(or_(and_(Case.source == CaseSource.CITIZEN.value, Case.external_ref.in_(ids)),
                            Case.code.in_(ids)))
        cases = s.scalars(q.order_by(Case.found_at.desc(), Case.id.desc())
                          .offset((page - 1) * page_size).limit(page_size)).all()
        return render(fmt, [request_json(s, c) for c in cases], "requests")


@blueprint.get(f"/requests/<code>.{FMT}")
@public
def request_one(code: str, fmt: str):
    if not _jurisdiction_ok():
        return o311_error(404, "jurisdiction_id: unknown jurisdiction")
    ctx = flask.current_app.config["CIVICWATCH"]
    with ctx.sessions() as s:
        case = find_case(s, code)  # by case code only once public; by tracking code (a secret) always
        if case is None:
            return o311_error(404, f"service_request_id: no request {code[:40]!r}")
        return render(fmt, [request_json(s, case)], "requests")


def _api_key_ok() -> tuple[bool, tuple | None]:
    env_name = services().config.open311_api_key_env
    if not env_name:
        return True, None
    expected = os.environ.get(env_name, "")
    if not expected:
        return False, o311_error(503, "POST is disabled: the Open311 api_key is not configured on this server")
    sent = request.values.get("api_key", "")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        return False, o311_error(403, "api_key: missing or invalid")
    return True, None


@blueprint.post(f"/requests.{FMT}")
@public
def request_create(fmt: str):
    svc = services()
    allow_body(svc.config.max_photos)
    if not _jurisdiction_ok():
        return o311_error(404, "jurisdiction_id: unknown jurisdiction")
    ok, refusal = _api_key_ok()
    if not ok:
        return refusal
    form = request.form
    bad = nul_field()
    if bad is not None:
        return o311_error(400, f"{bad}: contains a NUL character")
    if not form.get("service_code"):
        return o311_error(400, "service_code: missing")
    if not (form.get("lat") and form.get("long")) and not request.files.getlist("media"):
        return o311_error(400, "lat/long: missing (a location is required; address_string is not geocoded)")
    extra = {k for k in form if k.startswith("attribute[")} - {"attribute[zone_kind]"}
    if extra:
        return o311_error(400, f"{min(extra)[:40]}: unknown attribute (see services/<code>.json)")
    try:
        photos = uploaded("media", svc.config.max_photos)
        report = ReportInput(
            problem_type=form.get("service_code"), description=form.get("description"), phone=form.get("phone"),
            lon=form.get("long"), lat=form.get("lat"), datum="wgs84", photos=photos,
            client_address=client_address(), channel="open311", address=form.get("address_string") or None,
            zone_kind=form.get("attribute[zone_kind]") or None,
            notify_consent=(form.get("notify_consent") or "").lower() in ("1", "true", "on", "yes"),
        )
        ctx = flask.current_app.config["CIVICWATCH"]
        receipt = submit(ctx.sessions, svc.store, report, svc.config, svc.limits)
    except ReportError as exc:
        resp, status = o311_error(exc.status, f"{exc.field}: {exc.message}")
        if exc.retry_after_s is not None:
            resp.headers["Retry-After"] = str(max(1, int(exc.retry_after_s)))
        return resp, status
    notice = "已受理，待核实后立案" + ("；附近已有同类问题：" + "、".join(d.code for d in receipt.duplicates)
                                 if receipt.duplicates else "")
    if form.get("media_url"):
        notice += "；media_url 未下载（请以 media 上传照片）"
    return render(fmt, [{"service_request_id": receipt.tracking_code, "service_notice": notice,
                         "account_id": None}], "requests", status=201)
