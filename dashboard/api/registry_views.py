"""Registry JSON for the desktop pages and integrations: ``/api/v1/registry/points``, ``…/points/<code>``,
``…/cameras``, ``…/cameras/<code>``, ``…/cameras/<code>/snapshot.jpg`` (latest frame), ``…/units`` and
``…/indicators``. Read-only; every view is role-checked (snapshots may show people: staff and viewers only).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, send_file
from sqlalchemy import select

from models.cases import Evidence
from models.indicator_progress import indicator_rows
from models.latest_frames import store_for
from models.point_status import point_rows
from models.registry import Camera, MonitoringPoint, ResponsibleUnit

from ..access import require_roles
from .responses import error

blueprint = Blueprint("registry_api", __name__, url_prefix="/api/v1/registry")
READERS = ("admin", "supervisor", "viewer", "unit")
SNAPSHOT_ROLES = ("admin", "supervisor", "viewer")


def _ctx():
    from ..app import current_ctx

    return current_ctx()


def _iso(v):
    return v.isoformat() if v is not None else None


def camera_json(c: Camera, with_zones: bool = False) -> dict:
    d = {"code": c.code, "name": c.name, "point": c.point.code if c.point else None, "source_kind": c.source_kind,
         "sample_every_s": c.sample_every_s, "enabled": c.enabled, "health": c.health,
         "health_since": _iso(c.health_since), "last_frame_at": _iso(c.last_frame_at), "zones": len(c.zones or [])}
    if with_zones:
        d["zones"] = c.zones or []
    return d


@blueprint.get("/points")
@require_roles(*READERS)
def points():
    """Every monitoring point with cameras, online cameras, open/overdue cases, 30-day cases and state."""
    with _ctx().sessions() as s:
        rows = point_rows(s)
    for r in rows:
        r.pop("id", None)
        r.pop("district_id", None)
    return jsonify(rows)


@blueprint.get("/points/<code>")
@require_roles(*READERS)
def point(code: str):
    with _ctx().sessions() as s:
        p = s.scalar(select(MonitoringPoint).where(MonitoringPoint.code == code))
        if p is None:
            error(404, f"point {code!r} not found", "code")
        row = next(r for r in point_rows(s) if r["code"] == code)
        row.pop("id", None)
        row.pop("district_id", None)
        row["units"] = [u.code for u in p.units]
        row["camera_list"] = [camera_json(c) for c in sorted(p.cameras, key=lambda c: c.code)]
        return jsonify(row)


@blueprint.get("/cameras")
@require_roles(*READERS)
def cameras():
    with _ctx().sessions() as s:
        return jsonify([camera_json(c) for c in s.scalars(select(Camera).order_by(Camera.code))])


@blueprint.get("/cameras/<code>")
@require_roles(*READERS)
def camera(code: str):
    with _ctx().sessions() as s:
        c = s.scalar(select(Camera).where(Camera.code == code))
        if c is None:
            error(404, f"camera {code!r} not found", "code")
        return jsonify(camera_json(c, with_zones=True))


def latest_evidence_path(ctx, camera_id: int) -> Path | None:
    """The newest evidence image of a camera that exists on disk (stored under the evidence root)."""
    from models.images import evidence_root

    root = evidence_root(ctx.config).resolve()
    with ctx.sessions() as s:
        rows = s.execute(select(Evidence.path).where(Evidence.camera_id == camera_id)
                         .order_by(Evidence.id.desc()).limit(5)).scalars().all()
    for rel in rows:
        path = (root / rel).resolve() if not Path(rel).is_absolute() else Path(rel).resolve()
        if path.is_file() and (root in path.parents):
            return path
    return None


@blueprint.get("/cameras/<code>/snapshot.jpg")
@require_roles(*SNAPSHOT_ROLES)
def snapshot(code: str):
    """The camera's latest frame (live store), else its newest evidence image; 404 when there is none.
    Header ``X-Snapshot-Source``: ``live`` or ``evidence``; ``X-Captured-At``: ISO time of the live frame."""
    ctx = _ctx()
    with ctx.sessions() as s:
        cam_id = s.scalar(select(Camera.id).where(Camera.code == code))
    if cam_id is None:
        error(404, f"camera {code!r} not found", "code")
    frame = store_for(ctx).get(code)
    if frame is not None:
        resp = Response(frame.jpeg, mimetype="image/jpeg")
        resp.headers["X-Snapshot-Source"] = "live"
        resp.headers["X-Captured-At"] = frame.captured_at.isoformat()
    else:
        path = latest_evidence_path(ctx, cam_id)
        if path is None:
            error(404, f"camera {code!r} has no frame yet", "code")
        resp = send_file(path, mimetype="image/jpeg", max_age=0)
        resp.headers["X-Snapshot-Source"] = "evidence"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@blueprint.get("/units")
@require_roles(*READERS)
def units():
    with _ctx().sessions() as s:
        rows = s.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code)).all()
        parents = {u.id: u.code for u in rows}
        return jsonify([{"code": u.code, "name": u.name, "kind": u.kind, "parent": parents.get(u.parent_id),
                         "district": u.district.name if u.district else None} for u in rows])


@blueprint.get("/indicators")
@require_roles(*READERS)
def indicators():
    """Indicators with owner units, targets, progress, completion and evidence notes."""
    with _ctx().sessions() as s:
        rows = indicator_rows(s)
    for r in rows:
        for a in r["assignments"]:
            a["updated_at"] = _iso(a["updated_at"])
    return jsonify(rows)
