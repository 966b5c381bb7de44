"""``GET /api/v1/me``: who is calling (name, role, unit) and, for browser sessions, the CSRF token that
writes to the API must carry in ``X-CSRF-Token``."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..access import csrf_token, current_principal, require_roles

blueprint = Blueprint("session_info_api", __name__, url_prefix="/api/v1")


@blueprint.get("/me")
@require_roles("admin", "supervisor", "viewer", "unit", "wall", "edge")
def me():
    p = current_principal()
    out = {"name": p.name, "role": p.role, "unit_id": p.unit_id, "kind": p.kind}
    if p.kind == "user":
        out["csrf_token"] = csrf_token()
    return jsonify(out)
