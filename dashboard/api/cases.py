"""Cases API (/api/v1/cases …): list/filter/sort/page, detail with timeline and evidence, every workflow
action, manual case opening, the four documents (四单) and evidence images.

Unit operators see and act on their own unit's cases only (403 otherwise); the workflow checks the
roles of every action again (``models.workflow``). Errors are JSON: 400 names the bad field, 404, 403,
409 for an action the case's state does not allow.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, request, send_file
from sqlalchemy.exc import IntegrityError
from models.case_queries import MAX_PAGE, SORTABLE, CaseFilter, FilterError, case_count, case_page
from models.cases import CaseSource, Evidence
from models.clock import utcnow
from models.documents import DocumentError, render_document
from models.images import evidence_root
from models.registry import MonitoringPoint, ProblemType
from models.workflow import RULES, WorkflowError, WorkflowForbidden, apply, open_case
from models.workflow.settings import bind

from ..access import current_principal, require_roles
from .responses import (
    API_ROLES, DOC_KINDS, MAX_ID, case_json, case_or_404, check_csrf, error, id_value, iso, json_body,
    transition_json,
)

blueprint = Blueprint("cases_api", __name__, url_prefix="/api/v1")
ACTORS = ("admin", "supervisor", "unit")


def _ctx():
    from ..app import current_ctx

    ctx = current_ctx()
    bind(ctx)
    return ctx


def _list_arg(name: str) -> list[str]:
    raw = request.args.get(name, "")
    return [v for v in (x.strip() for x in raw.split(",")) if v]


def _id_list(name: str) -> list[str]:
    values = _list_arg(name)
    for v in values:
        if not v.isdigit() or not 0 < int(v) <= MAX_ID:
            error(400, f"{name}: expected a comma list of ids, got {v!r}", name)
    return values


def _filter_from_args() -> CaseFilter:
    data = {"states": _list_arg("state"), "sources": _list_arg("source"), "type_ids": _id_list("type_id"),
            "district_ids": _id_list("district_id"), "unit_ids": _id_list("unit_id"),
            "date_from": request.args.get("date_from"), "date_to": request.args.get("date_to"),
            "overdue": request.args.get("overdue", "").lower() in ("1", "true", "yes"),
            "type_unconfirmed": request.args.get("type_unconfirmed", "").lower() in ("1", "true", "yes"),
            "text": request.args.get("q", "")}
    try:
        return CaseFilter.from_dict(data)
    except FilterError as exc:
        field = str(exc).split(":", 1)[0]
        field = {"states": "state", "sources": "source", "type_ids": "type_id", "district_ids": "district_id",
                 "unit_ids": "unit_id", "text": "q"}.get(field, field)
        error(400, f"{field}: {str(exc).split(':', 1)[-1].strip()}", field)


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        error(400, f"{name}: expected an integer, got {raw!r}", name)
    if not lo <= value <= hi:
        error(400, f"{name}: must be between {lo} and {hi}, got {value}", name)
    return value


@blueprint.get("/cases")
@require_roles(*API_ROLES)
def list_cases():
    """Cases, filtered (state, source, type_id, district_id, unit_id: comma lists; date_from, date_to,
    overdue, type_unconfirmed (类型待确认), q), sorted (``sort=-found_at``) and paged (page, per_page ≤ 500)."""
    p = current_principal()
    f = _filter_from_args()
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", 50, 1, MAX_PAGE)
    sort_arg = request.args.get("sort", "-found_at")
    col = sort_arg.lstrip("-+")
    if col not in SORTABLE:
        error(400, f"sort: unknown column {col!r}; expected one of {', '.join(SORTABLE)}", "sort")
    sort = [{"colId": col, "sort": "desc" if sort_arg.startswith("-") else "asc"}]
    scope = p.unit_id if p.role == "unit" else None
    if p.role == "unit" and scope is None:
        error(403, "unit operator without a unit")
    now = utcnow()
    with _ctx().sessions() as s:
        total = case_count(s, f, now=now, scope_unit_id=scope)
        rows = case_page(s, f, offset=(page - 1) * per_page, limit=per_page, sort=sort, now=now,
                         scope_unit_id=scope)
    for r in rows:
        r["found_at"], r["deadline_at"] = iso(r["found_at"]), iso(r["deadline_at"])
        r["overdue"] = bool(r["overdue"])
        r["type_unconfirmed"] = bool(r["type_unconfirmed"])
    return jsonify(total=total, page=page, per_page=per_page, items=rows)


@blueprint.get("/cases/<int:case_id>")
@require_roles(*API_ROLES)
def case_detail(case_id: int):
    p = current_principal()
    with _ctx().sessions() as s:
        case = case_or_404(s, case_id, p)
        return jsonify(case_json(s, case, p, detail=True))


@blueprint.post("/cases/<int:case_id>/actions/<action>")
@require_roles(*ACTORS)
def case_action(case_id: int, action: str):
    """Perform one workflow action. Body: ``{"note": str, "data": {...}}`` (see models.workflow.apply)."""
    p = current_principal()
    check_csrf(p)
    if action not in RULES or action == "open":
        error(404, f"unknown action {action!r}; expected one of {', '.join(a for a in RULES if a != 'open')}")
    body = json_body()
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        error(400, "note: expected a text of at most 2000 characters", "note")
    data = body.get("data") or {}
    if not isinstance(data, dict):
        error(400, "data: expected a JSON object", "data")
    try:
        with _ctx().sessions.begin() as s:
            case = case_or_404(s, case_id, p, lock=True)
            try:
                t = apply(s, case, action, actor=p.name, actor_role=p.role, note=note, data=data,
                          actor_unit_id=p.unit_id)
            except WorkflowForbidden as exc:
                error(403, str(exc))
            except WorkflowError as exc:
                msg = str(exc)
                field = _field_of(msg)
                error(400 if field else 409, msg, field)
            out = {"transition": transition_json(t), "case": case_json(s, case, p)}
    except IntegrityError:  # another transition was appended to this case at the same moment
        error(409, f"case {case_id} was changed at the same time by someone else; reload and try again")
    return jsonify(out), 201


def _field_of(message: str) -> str | None:
    """The bad field named by a workflow message ("<code>: <field>: …"), if the error is about input."""
    parts = message.split(": ")
    if len(parts) >= 3 and parts[1] in ("note", "unit_id", "deadline", "hours", "attachments", "at", "actor",
                                        "problem_type_id"):
        return parts[1]
    return None


@blueprint.post("/cases")
@require_roles("admin", "supervisor")
def create_case():
    """Open a case by hand (监督员上报 / 上级交办). Body: problem_type_id, point_id?, description, source?, lon?,
    lat?. It starts as 发现 and is accepted/dispatched by the usual actions."""
    p = current_principal()
    check_csrf(p)
    body = json_body()
    source = body.get("source", CaseSource.INSPECTOR.value)
    if source not in (CaseSource.INSPECTOR.value, CaseSource.ASSIGNED.value):
        error(400, "source: expected inspector or assigned", "source")
    desc = body.get("description")
    if not isinstance(desc, str) or not desc.strip() or len(desc) > 2000:
        error(400, "description: required text of at most 2000 characters", "description")
    for name, limit in (("lon", 180), ("lat", 90)):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not -limit <= value <= limit):
            error(400, f"{name}: expected a number between -{limit} and {limit}", name)
    with _ctx().sessions.begin() as s:
        ptype_id = body.get("problem_type_id")
        if id_value(ptype_id) is None or s.get(ProblemType, ptype_id) is None:
            error(400, f"problem_type_id: unknown problem type {str(ptype_id)[:40]!r}", "problem_type_id")
        point_id = body.get("point_id")
        if point_id is not None and (id_value(point_id) is None or s.get(MonitoringPoint, point_id) is None):
            error(400, f"point_id: unknown monitoring point {str(point_id)[:40]!r}", "point_id")
        case = open_case(s, source=source, problem_type=ptype_id, found_at=utcnow(), actor=p.name,
                         actor_role=p.role, point=point_id, lon=body.get("lon"), lat=body.get("lat"),
                         description=desc.strip())
        return jsonify(case_json(s, case, p, detail=True)), 201


@blueprint.get("/cases/<int:case_id>/documents/<kind>.<fmt>")
@require_roles(*API_ROLES)
def case_document(case_id: int, kind: str, fmt: str):
    """One of the four documents (四单) as printable HTML or XLSX."""
    p = current_principal()
    if kind not in DOC_KINDS:
        error(404, f"unknown document {kind!r}; expected one of {', '.join(DOC_KINDS)}")
    if fmt not in ("html", "xlsx"):
        error(404, f"unknown format {fmt!r}; expected html or xlsx")
    ctx = _ctx()
    with ctx.sessions() as s:
        case = case_or_404(s, case_id, p)
        try:
            doc = render_document(s, case, kind, fmt, ctx.config.workflow.documents)
        except DocumentError as exc:
            error(409, str(exc))
    resp = Response(doc.content, mimetype=doc.mimetype)
    disposition = "inline" if fmt == "html" else "attachment"
    from urllib.parse import quote

    resp.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(doc.filename)}"
    return resp


@blueprint.get("/evidence/<int:evidence_id>")
@require_roles(*API_ROLES)
def evidence_image(evidence_id: int):
    """An evidence JPEG at full size; unit operators only for their own unit's cases.

    Not for the wall token: the wall shows small thumbnails of the evidence on its event list only
    (``/api/v1/wall/thumb/<id>``), never full-size pictures and never citizens' photos."""
    p = current_principal()
    ctx = _ctx()
    with ctx.sessions() as s:
        ev = s.get(Evidence, evidence_id) if 0 < evidence_id <= MAX_ID else None
        if ev is None:
            error(404, f"evidence {evidence_id} not found")
        if p.role == "unit":
            if ev.case_id is None:
                error(403, "evidence not attached to a case of your unit")
            case_or_404(s, ev.case_id, p)
        path_text = ev.path
    root = evidence_root(ctx.config).resolve()
    path = Path(path_text)
    path = (path if path.is_absolute() else root / path).resolve()
    if not (path.is_relative_to(root) or path.is_relative_to(ctx.config.data_path.resolve())) or not path.is_file():
        error(404, f"evidence {evidence_id}: image file missing")
    return send_file(path, mimetype="image/jpeg", max_age=3600)
