"""``GET /api/v1/metrics``: Prometheus text format (scrape with a bearer token of role admin or viewer)."""
from __future__ import annotations

import flask
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..access import require_roles

blueprint = flask.Blueprint("metrics_api", __name__, url_prefix="/api/v1")


@blueprint.get("/metrics")
@require_roles("admin", "viewer")
def metrics():
    registry = flask.current_app.config["CIVICWATCH_METRICS"]
    return flask.Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
