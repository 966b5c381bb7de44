"""The Dash app is fully set up before it serves: no first-request race between server threads."""
from __future__ import annotations

from dashboard.app import create_app


def test_callbacks_and_router_are_registered_before_any_request(sqlite_ctx):
    # Dash does this in before_request hooks on the first request and sets its "done" flag first: a second
    # thread arriving meanwhile found no callback for its output (KeyError → HTTP 500, seen under load).
    app = create_app(sqlite_ctx)
    assert app._got_first_request == {"pages": True, "setup_server": True}
    keys = list(app.callback_map)
    assert any("_pages_content.children" in k for k in keys)  # the pages router
    assert any("wall-kpi-points.children" in k for k in keys)  # the wall's tick
    with app.server.test_client() as client:  # the hooks are idempotent: a request afterwards changes nothing
        client.get("/healthz")
    assert list(app.callback_map) == keys
