"""The one Flask server with the Dash pages and the JSON API."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import dash
import flask
from flask import jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from models.context import AppContext

from . import api
from .access import current_principal, init_access
from .callback_gate import refuse_bad_callback_input
from .health import DETAIL_ROLES, health_report, public_health
from .metrics import init_metrics
from .rate_limits import init_rate_limits
from .security_headers import init_security_headers

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def _register_blueprints(server: flask.Flask) -> None:
    for mod in sorted(pkgutil.iter_modules(api.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{api.__name__}.{mod.name}")
        bp = getattr(module, "blueprint", None)
        if bp is not None:
            server.register_blueprint(bp)


def create_app(ctx: AppContext) -> dash.Dash:
    """Build the Dash app on a Flask server bound to ``ctx`` (config, database, live status)."""
    server = flask.Flask("civicwatch", static_folder=None)
    server.config["CIVICWATCH"] = ctx
    # Largest request body: 3 photos of ≤ 10 MB in one 随手拍 post, or one 10 MB photo sent by Dash as base64
    # (≈ 13.4 MB). Each image is still checked against its own 10 MB limit (models/images.py).
    server.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    proxies = ctx.config.server.trusted_proxies
    if proxies:
        # request.remote_addr/scheme/host become what the outermost of the N trusted proxies saw; entries a
        # client put in X-Forwarded-For itself are left of those and ignored
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    init_access(server, ctx)
    init_rate_limits(server, ctx)
    init_metrics(server, ctx)
    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(Path(__file__).with_name("pages")),
        assets_folder=str(ASSETS_DIR / "web"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="漳州精神文明建设平台",
        update_title=None,
        on_error=refuse_bad_callback_input,
    )
    app.layout = dash.page_container
    server.extensions["civicwatch_dash"] = app  # the role gate checks callbacks against app.callback_map

    @server.get("/healthz")
    def healthz():
        """Overall status for anyone; the details for staff and monitoring (viewer token) only."""
        report = health_report(ctx)
        status = 200 if report["status"] == "ok" else 503
        if current_principal().role not in DETAIL_ROLES:
            report = public_health(report)
        return jsonify(report), status

    _register_blueprints(server)
    _finish_dash_setup(app, server)
    init_security_headers(server, app, ctx.config)
    return app


def _finish_dash_setup(app: dash.Dash, server: flask.Flask) -> None:
    """Run Dash's first-request setup now, once, before the server takes requests.

    Dash registers its callbacks and the pages router in ``before_request`` hooks on the FIRST request, and
    each hook sets its "done" flag before doing the work: a second thread (gunicorn gthread, waitress)
    arriving meanwhile skips the hook and finds no callback for its output (KeyError, HTTP 500). Seen under
    load (`civicwatch bench load`): one wall tick answered 500 right after a worker started."""
    hooks = [fn for fn in server.before_request_funcs.get(None, []) if fn.__qualname__.startswith("Dash.")]
    if not hooks:
        raise RuntimeError("Dash's first-request hooks were not found (has Dash changed how it sets up?)")
    with server.test_request_context("/"):
        for fn in hooks:
            fn()


def current_ctx() -> AppContext:
    """The AppContext of the app serving the current request."""
    return flask.current_app.config["CIVICWATCH"]
