"""Who may see the wall, its callbacks and thumbnails; the wall's status on /healthz."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashboard.wall.synthetic import fill
from models.accounts import Role
from models.cases import Case
from models.security import create_token

from .conftest import add_evidence

ROUTER_OUTPUT = ""  # the id Dash gives its page-routing callback (read from the app)


@pytest.fixture
def wall_app(sqlite_ctx):
    from dashboard.app import create_app

    fill(sqlite_ctx.engine, cases=120, observations=0, years=0.5)
    with sqlite_ctx.sessions.begin() as s:
        wall, _ = create_token(s, Role.WALL.value, name="wall", days=1)
        edge, _ = create_token(s, Role.EDGE.value, name="edge", days=1)
        case = s.scalars(select(Case).order_by(Case.id.desc())).first()
        camera_ev = add_evidence(sqlite_ctx, s, case).id
        citizen = add_evidence(sqlite_ctx, s, case, seed=2)
        citizen.kind = "citizen"
        citizen_ev = citizen.id
    app = create_app(sqlite_ctx)
    global ROUTER_OUTPUT
    app.server.test_client().get("/_dash-dependencies")  # Dash registers the router's callback on first use
    ROUTER_OUTPUT = next(k for k in app.callback_map if "_pages_content" in k)
    return app.server, wall, edge, camera_ev, citizen_ev


def _tick_body():
    outputs = [{"id": "wall-kpi-points", "property": "children"}]
    return {"output": "wall-kpi-points.children", "outputs": outputs,
            "inputs": [{"id": "wall-interval", "property": "n_intervals", "value": 1}],
            "changedPropIds": ["wall-interval.n_intervals"], "state": []}


def _layout(client):
    """What Dash's router asks when a browser opens /wall."""
    return client.post("/_dash-update-component", json={
        "output": ROUTER_OUTPUT,
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/wall"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": []})


def test_wall_page_needs_a_wall_token_or_login(wall_app):
    server, wall, edge, _cam, _cit = wall_app
    anon = server.test_client()
    r = anon.get("/wall")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert anon.post("/_dash-update-component", json=_tick_body()).status_code == 401
    assert server.test_client().get(f"/wall?token={edge}").status_code == 302  # an edge token is no wall token

    kiosk = server.test_client()
    r = kiosk.get(f"/wall?token={wall}")
    assert r.status_code == 302 and r.headers["Location"] == "/wall"  # token kept in the session, not the URL
    assert kiosk.get("/wall").status_code == 200  # the token is remembered in the session
    layout = _layout(kiosk)
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert "wall-canvas" in text and "wall-kpi-points" in text


def test_thumbnails_are_role_checked_and_never_citizen_photos(wall_app):
    server, wall, edge, camera_ev, citizen_ev = wall_app
    c = server.test_client()
    assert c.get(f"/api/v1/wall/thumb/{camera_ev}").status_code == 401
    assert c.get(f"/api/v1/wall/thumb/{camera_ev}",
                 headers={"Authorization": f"Bearer {edge}"}).status_code == 403
    ok = c.get(f"/api/v1/wall/thumb/{camera_ev}", headers={"Authorization": f"Bearer {wall}"})
    assert ok.status_code == 200 and ok.mimetype == "image/jpeg" and len(ok.data) < 30_000
    from io import BytesIO

    from PIL import Image

    assert max(Image.open(BytesIO(ok.data)).size) <= 240
    assert c.get(f"/api/v1/wall/thumb/{citizen_ev}", headers={"Authorization": f"Bearer {wall}"}).status_code == 404
    assert c.get("/api/v1/wall/thumb/999999", headers={"Authorization": f"Bearer {wall}"}).status_code == 404


def test_healthz_lists_the_wall_snapshot_service(wall_app):
    server, wall, *_ = wall_app
    with server.config["CIVICWATCH"].sessions.begin() as s:
        viewer, _ = create_token(s, Role.VIEWER.value, name="monitoring", days=1)
    monitor = {"Authorization": f"Bearer {viewer}"}  # the details are for staff and monitoring only
    c = server.test_client()
    body = json.loads(c.get("/healthz", headers=monitor).get_data(as_text=True))
    assert body["services"]["wall"]["computations"] == 0
    c.get(f"/wall?token={wall}")
    assert _layout(c).status_code == 200
    wall_status = json.loads(c.get("/healthz", headers=monitor).get_data(as_text=True))["services"]["wall"]
    assert wall_status["ok"] is True and wall_status["computations"] >= 1
    assert wall_status["pipeline"] == "not_running"  # no feeds in this app: the wall says so


def test_layout_without_the_database_is_a_wall_with_a_banner_not_a_blank_page(wall_app, monkeypatch):
    from plotly.utils import PlotlyJSONEncoder

    import dash

    from dashboard.text import wall as T
    from dashboard.wall.snapshot import WallSnapshotService

    def down(self):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(WallSnapshotService, "get", down)
    monkeypatch.setattr(WallSnapshotService, "registry", down)
    from flask import g

    from dashboard.access import Principal

    with wall_app[0].test_request_context("/wall"):
        g.principal = Principal("token", "wall", "wall")  # the layout checks its caller itself
        # the page module as Dash loaded it (importing it again under another name would register /wall twice)
        layout = next(p for p in dash.page_registry.values() if p["path"] == "/wall")["layout"]
        out = json.dumps(layout().to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False)
    assert T.BANNER_DB in out and "wall-canvas" in out and "wall-interval" in out
