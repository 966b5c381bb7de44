"""``GET /api/v1/cases/exports/<job>``: download a finished case export (only by the user who started it)."""
from __future__ import annotations

from flask import Blueprint, abort, send_file

from ..access import current_principal, require_roles
from ..case_export import get_job

blueprint = Blueprint("case_exports", __name__, url_prefix="/api/v1/cases/exports")


@blueprint.get("/<job_id>")
@require_roles("admin", "supervisor", "viewer", "unit")
def download(job_id: str):
    job = get_job(job_id)
    p = current_principal()
    if job is None or not job.finished or job.path is None:
        abort(404)
    if job.owner_id != p.id or job.owner_name != p.name:
        abort(403)
    return send_file(job.path, as_attachment=True, download_name=f"案件导出-{job.total}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
