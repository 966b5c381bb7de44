"""Issue 16 #12: an edge token posts alarms only for its own cameras, and its event ids are its own.

Before: any edge token could post alarms for every camera, and the replay key (device, event id) was chosen
by the sender, so one device could claim another's event ids (its alarms then came back as "replays" of a
case they have nothing to do with, and were dropped).
"""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from models.clock import utcnow
from models.security import create_token
from tests.conftest import make_config
from tests.dashboard.report.helpers import photo, seed_city

SCOPE = {"box-lw": ["CAM-0001"], "box-all": ["*"], "box-pattern": ["CAM-000[23]"]}


def _edge_app(tmp_path, **config):
    from dashboard.access import token_cache
    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade

    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/edge.db", **config))
    upgrade(ctx.engine)
    seed_city(ctx)
    tokens = {}
    with ctx.sessions.begin() as s:
        for name in (*SCOPE, "box-unlisted"):
            tokens[name], _ = create_token(s, "edge", name=name)
    token_cache.clear()
    client = create_app(ctx).server.test_client()
    return ctx, client, {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}


@pytest.fixture
def edge_app(tmp_path):
    ctx, client, auth = _edge_app(tmp_path, reporting={"edge": {"token_cameras": SCOPE, "require_token_scope": True}})
    yield client, auth
    ctx.stop()


@pytest.fixture
def unscoped_app(tmp_path):
    """Default config: no camera scopes (replay keys are per token all the same)."""
    ctx, client, auth = _edge_app(tmp_path)
    yield client, auth
    ctx.stop()


def alarm(camera="CAM-0001", event_id="EV-1", device="BOX-01"):
    return {"event_id": event_id, "device_code": device, "camera_code": camera,
            "time": (utcnow() - timedelta(seconds=30)).isoformat(), "type": "暴露垃圾",
            "box": [0.10, 0.58, 0.20, 0.70], "score": 0.88, "image": base64.b64encode(photo()).decode()}


def test_a_token_reports_only_for_its_cameras(edge_app):
    client, auth = edge_app
    r = client.post("/api/v1/events", json=alarm("CAM-0002"), headers=auth["box-lw"])
    assert r.status_code == 403 and r.get_json()["field"] == "camera_code", r.get_json()
    assert "box-lw" in r.get_json()["message"]
    assert client.post("/api/v1/events", json=alarm("CAM-0001"), headers=auth["box-lw"]).status_code == 201
    assert client.post("/api/v1/events", json=alarm("CAM-0003", "EV-P"), headers=auth["box-pattern"]).status_code \
        == 201
    r = client.post("/api/v1/events", json=alarm("CAM-0001", "EV-U"), headers=auth["box-unlisted"])
    assert r.status_code == 403  # require_token_scope: a token without cameras reports for none
    r = client.post("/api/v1/events/batch", json={"events": [alarm("CAM-0002", "EV-B1"), alarm("CAM-0001", "EV-B2")]},
                    headers=auth["box-lw"])
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert results[0]["status"] == "error" and results[0]["http_status"] == 403
    assert results[1]["status"] in ("created", "attached")


@pytest.mark.parametrize("url", ["/api/v1/events", "/api/v1/events/batch"])
def test_another_token_cannot_claim_an_event_id(unscoped_app, url):
    client, auth = unscoped_app

    def send(who, camera):
        body = alarm(camera, "EV-SHARED", "BOX-01")
        r = client.post(url, json=body if url.endswith("events") else {"events": [body]}, headers=auth[who])
        out = r.get_json() if url.endswith("events") else r.get_json()["results"][0]
        return r.status_code, out

    _, first = send("box-lw", "CAM-0001")
    assert first["status"] == "created"
    _, other = send("box-all", "CAM-0002")  # same device code and event id, another token
    assert other["status"] == "created" and other["case_id"] != first["case_id"]
    assert other["device_code"] == "BOX-01"
    _, again = send("box-lw", "CAM-0001")  # the first token's replay still finds its own case
    assert again["status"] == "replay" and again["case_id"] == first["case_id"]


def test_scope_is_documented_config():
    from models.config.reporting import EdgeConfig

    cfg = EdgeConfig(token_cameras={"a": ["CAM-1"]})
    assert cfg.require_token_scope is False  # existing installations keep working; production turns it on
