"""JSON helpers of the /api/v1 case and KPI routes: errors (400 naming the field, 403, 404, 409), the
case scope of unit operators, and the JSON shape of cases and transitions."""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from flask import abort, jsonify, make_response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cases import Case, Evidence
from models.registry import District, MonitoringPoint, ProblemType, ResponsibleUnit
from models.workflow import RULES, STATE_LABELS

from ..access import Principal, csrf_ok

API_ROLES = ("admin", "supervisor", "viewer", "unit")
MAX_ID = 2**31 - 1  # INTEGER primary keys
DOC_KINDS = ("problem_list", "dispatch", "rectification", "closure")


def error(status: int, message: str, field: str | None = None):
    body: dict[str, Any] = {"error": {400: "bad_request", 403: "forbidden", 404: "not_found",
                                      409: "conflict"}.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    abort(make_response(jsonify(body), status))


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 for anything else, for NUL characters and for NaN/Infinity."""
    if not request.data:
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        error(400, "body: JSON nested too deeply", "body")
    if not isinstance(body, dict):
        error(400, "body: expected a JSON object", "body")
    bad = bad_json_value(body)
    if bad:
        error(400, f"{bad[0]}: {bad[1]}", bad[0])
    return body


def bad_json_value(value: Any, field: str = "body") -> tuple[str, str] | None:
    """(field, problem) of the first NUL character or non-finite number in a parsed JSON value."""
    if isinstance(value, str):
        return (field, "must not contain NUL characters") if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (field, "numbers must be finite (no NaN or Infinity)")
    if isinstance(value, dict):
        for k, v in value.items():
            sub = k if field == "body" else field
            found = bad_json_value(k, sub) or bad_json_value(v, sub)
            if found:
                return found
    if isinstance(value, list):
        for v in value:
            found = bad_json_value(v, field)
            if found:
                return found
    return None


def id_value(value: Any) -> int | None:
    """``value`` if it is a possible row id (a JSON integer within INTEGER range), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def check_csrf(p: Principal) -> None:
    """Browser sessions must send their CSRF token (``X-CSRF-Token``) with writes; bearer tokens need not."""
    if p.kind == "user" and not request.headers.get("Authorization") and not csrf_ok():
        error(403, "X-CSRF-Token: missing or wrong CSRF token for this session", "X-CSRF-Token")


def case_or_404(session: Session, case_id: int, p: Principal, *, lock: bool = False) -> Case:
    """The case, or 404; a unit operator gets 403 for another unit's case."""
    if not 0 < case_id <= MAX_ID:
        error(404, f"case {case_id} not found")
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        error(404, f"case {case_id} not found")
    if p.role == "unit" and (p.unit_id is None or case.unit_id != p.unit_id):
        # a case returned by the unit (退回) is no longer theirs
        error(403, f"case {case.code} belongs to another unit")
    return case


def allowed_actions(case: Case, p: Principal) -> list[str]:
    out = []
    for name, rule in RULES.items():
        if name == "open" or case.state not in rule.sources or p.role not in rule.roles:
            continue
        if p.role == "unit" and case.unit_id != p.unit_id:
            continue
        out.append(name)
    return out


def transition_json(t) -> dict[str, Any]:
    rule = RULES.get(t.action)
    return {"seq": t.seq, "action": t.action, "label": rule.label if rule else t.action,
            "from_state": t.from_state, "to_state": t.to_state, "actor": t.actor, "actor_role": t.actor_role,
            "at": iso(t.at), "note": t.note, "data": t.data or {}}


def _name(session: Session, model, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    return session.scalar(select(model.name).where(model.id == row_id))


def case_json(session: Session, case: Case, p: Principal, *, detail: bool = False) -> dict[str, Any]:
    out = {
        "id": case.id, "code": case.code, "source": case.source, "state": case.state,
        "state_label": STATE_LABELS.get(case.state, case.state),
        "problem_type_id": case.problem_type_id, "problem_type": _name(session, ProblemType, case.problem_type_id),
        "type_unconfirmed": bool(case.type_unconfirmed),
        "point_id": case.point_id, "point": _name(session, MonitoringPoint, case.point_id),
        "district_id": case.district_id, "district": _name(session, District, case.district_id),
        "unit_id": case.unit_id, "unit": _name(session, ResponsibleUnit, case.unit_id),
        "camera_id": case.camera_id, "zone": case.zone, "box": case.box, "lon": case.lon, "lat": case.lat,
        "description": case.description, "score": case.score, "external_ref": case.external_ref,
        "previous_case_id": case.previous_case_id,
        "found_at": iso(case.found_at), "accepted_at": iso(case.accepted_at),
        "dispatched_at": iso(case.dispatched_at), "deadline_at": iso(case.deadline_at),
        "handled_at": iso(case.handled_at), "verified_at": iso(case.verified_at), "closed_at": iso(case.closed_at),
        "rework_count": case.rework_count, "extension_count": case.extension_count,
        "return_count": case.return_count, "escalated": case.escalated, "updated_at": iso(case.updated_at),
    }
    if p.is_staff:
        out["reporter_contact"] = case.reporter_contact  # personal data: supervisors/admins only
    if detail:
        out["timeline"] = [transition_json(t) for t in case.transitions]
        out["evidence"] = [{"id": e.id, "kind": e.kind, "url": f"/api/v1/evidence/{e.id}", "width": e.width,
                            "height": e.height, "created_at": iso(e.created_at)}
                           for e in session.scalars(select(Evidence).where(Evidence.case_id == case.id)
                                                    .order_by(Evidence.id))]
        out["allowed_actions"] = allowed_actions(case, p)
        out["documents"] = {k: {fmt: f"/api/v1/cases/{case.id}/documents/{k}.{fmt}" for fmt in ("html", "xlsx")}
                            for k in DOC_KINDS}
    return out
