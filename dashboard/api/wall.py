"""Wall API: small evidence thumbnails for the live event stream (role-checked, cached in memory).

``GET /api/v1/wall/thumb/<evidence_id>`` → a JPEG at most 240×135 of a *camera-side* evidence image
(first sight / confirmation / re-check …). Citizen photos are not shown on the wall.
"""
from __future__ import annotations

import io
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Blueprint, Response, abort

from dashboard.access import current_principal, require_roles
from dashboard.app import current_ctx
from models.cases import Evidence

blueprint = Blueprint("wall_api", __name__, url_prefix="/api/v1/wall")


@blueprint.record_once
def _publish_wall_status(state) -> None:
    """Create the wall's snapshot service with the app, so /healthz lists ``services.wall`` from the start
    (shared between web workers through Redis when ``scale.redis_url`` is set: :mod:`dashboard.wall.cache`)."""
    from dashboard.wall.cache import install
    from dashboard.wall.snapshot import service_for

    ctx = state.app.config.get("CIVICWATCH")
    if ctx is not None:
        install(ctx)
        service_for(ctx)

THUMB_SIZE = (240, 135)
CACHE_ITEMS = 256
HIDDEN_KINDS = {"citizen"}  # personal photos of citizens stay off the public wall
_cache: OrderedDict[int, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def _resolve(ctx, stored: str) -> Path | None:
    from models.images import evidence_root

    root = evidence_root(ctx.config).resolve()
    path = Path(stored)
    path = (path if path.is_absolute() else root / path).resolve()
    allowed = (root, ctx.config.data_path.resolve())
    if not any(path == base or base in path.parents for base in allowed):
        return None
    return path if path.is_file() else None


def make_thumbnail(path: Path) -> bytes:
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail(THUMB_SIZE)
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=72, optimize=True)
    return buf.getvalue()


def shown_on_wall(evidence_id: int) -> bool:
    """Whether the wall's current snapshot shows this evidence (the thumbnail of an event on its list)."""
    from dashboard.wall.snapshot import service_for

    try:
        events = service_for(current_ctx()).get().get("events") or []
    except Exception:  # noqa: BLE001 - no snapshot (database away): the wall shows nothing
        return False
    return any(e.get("evidence") == evidence_id for e in events if isinstance(e, dict))


@blueprint.get("/thumb/<int:evidence_id>")
@require_roles("wall", "admin", "supervisor", "viewer")
def thumb(evidence_id: int):
    """A thumbnail; the wall token gets only those of the events its snapshot shows (no enumeration)."""
    if current_principal().role == "wall" and not shown_on_wall(evidence_id):
        abort(404)
    with _cache_lock:
        data = _cache.get(evidence_id)
        if data is not None:
            _cache.move_to_end(evidence_id)
    if data is None:
        ctx = current_ctx()
        with ctx.sessions() as s:
            row = s.get(Evidence, evidence_id)
            stored, kind = (row.path, row.kind) if row is not None else (None, None)
        if stored is None or kind in HIDDEN_KINDS:
            abort(404)
        path = _resolve(ctx, stored)
        if path is None:
            abort(404)
        try:
            data = make_thumbnail(path)
        except OSError:
            abort(404)
        with _cache_lock:
            _cache[evidence_id] = data
            while len(_cache) > CACHE_ITEMS:
                _cache.popitem(last=False)
    resp = Response(data, mimetype="image/jpeg")
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp
