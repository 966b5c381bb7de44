"""``POST /api/v1/events``: edge-device alarms with a device token; replays of the same event id make one case."""
from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.cases import Case, Observation
from models.clock import utcnow
from models.edge_events import EdgeEvent
from models.security import create_token
from tests.dashboard.report.helpers import photo, seed_city, shared_app, snapshot


@pytest.fixture
def edge(ctx):
    from dashboard.app import create_app

    token = seed_city(ctx)
    app = create_app(ctx)
    return app.server.test_client(), {"Authorization": f"Bearer {token}"}


def alarm(event_id="EV-1", **kw):
    body = {"event_id": event_id, "device_code": "BOX-01", "camera_code": "CAM-0001",
            "time": (utcnow() - timedelta(seconds=30)).isoformat(), "type": "暴露垃圾",
            "box": [0.10, 0.58, 0.20, 0.70], "score": 0.88,
            "image": base64.b64encode(photo()).decode()}
    body.update(kw)
    return body


def test_alarm_creates_a_case_and_replays_return_the_same_case(edge, ctx):
    client, auth = edge
    r = client.post("/api/v1/events", json=alarm(), headers=auth)
    assert r.status_code == 201, r.get_json()
    first = r.get_json()
    assert first["status"] == "created" and first["case_code"].startswith("AJ")
    after = snapshot(ctx)
    for _ in range(3):
        again = client.post("/api/v1/events", json=alarm(), headers=auth)
        assert again.status_code == 200 and again.get_json()["case_id"] == first["case_id"]
        assert again.get_json()["status"] == "replay"
    assert snapshot(ctx) == after
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        case = s.get(Case, first["case_id"])
        assert case.source == "edge" and case.zone == "人行道" and case.camera.code == "CAM-0001"


def test_concurrent_replays_make_exactly_one_case(edge, ctx):
    client, auth = edge
    body = alarm("EV-RACE")

    def send(_):
        from dashboard.app import create_app  # noqa: F401 - same app, separate client per thread

        return client.post("/api/v1/events", json=body, headers=auth)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, range(4)))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 200, 200, 201], [r.get_json() for r in results]
    assert len({r.get_json()["case_id"] for r in results}) == 1
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(EdgeEvent)) == 1
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def test_overlapping_alarm_is_attached_and_multipart_works(edge, ctx):
    client, auth = edge
    first = client.post("/api/v1/events", json=alarm("EV-1"), headers=auth).get_json()
    data = {"event_id": "EV-2", "device_code": "BOX-01", "camera_code": "CAM-0001",
            "time": (utcnow() - timedelta(seconds=5)).isoformat(), "type": "PT01",
            "box": json.dumps([0.11, 0.59, 0.21, 0.71]), "score": "0.7",
            "image": (io.BytesIO(photo(fmt="PNG")), "alarm.png")}
    r = client.post("/api/v1/events", data=data, headers=auth, content_type="multipart/form-data")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "attached" and r.get_json()["case_id"] == first["case_id"]
    with ctx.sessions() as s:
        n = s.scalar(select(func.count()).select_from(Observation).where(Observation.case_id == first["case_id"]))
        assert n == 2


def test_only_edge_tokens_may_post(edge, ctx):
    client, auth = edge
    assert client.post("/api/v1/events", json=alarm()).status_code == 401
    with ctx.sessions.begin() as s:
        wall, _ = create_token(s, "wall", name="wall", days=1)
    assert client.post("/api/v1/events", json=alarm(), headers={"Authorization": f"Bearer {wall}"}).status_code == 403
    assert client.post("/api/v1/events", json=alarm(), headers={"Authorization": "Bearer cw_forged"}).status_code == 401


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    live = shared_app(tmp_path_factory, "edge-bad")
    yield live
    live.ctx.stop()


@pytest.mark.parametrize("change, status, field", [
    ({"event_id": None}, 400, "event_id"),
    ({"type": "飞碟"}, 422, "type"),
    ({"camera_code": "CAM-4040"}, 422, "camera_code"),
    ({"box": [0.9, 0.9, 0.1, 0.1]}, 400, "box"),
    ({"score": "very"}, 400, "score"),
    ({"time": "not a time"}, 400, "time"),
    ({"image": base64.b64encode(b"%PDF-1.4 not an image").decode()}, 400, "image"),
    ({"image": base64.b64encode(photo()[:400]).decode()}, 400, "image"),
    ({"image": None}, 400, "image"),
])
def test_bad_alarms_get_a_clear_4xx_and_store_nothing(shared, change, status, field):
    client, auth, ctx = shared.client, {"Authorization": f"Bearer {shared.token}"}, shared.ctx
    before = snapshot(ctx)
    body = alarm()
    for k, v in change.items():
        if v is None:
            body.pop(k)
        else:
            body[k] = v
    r = client.post("/api/v1/events", json=body, headers=auth)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["field"] == field and field in r.get_json()["message"]
    assert snapshot(ctx) == before


def test_wrong_content_types_are_refused(shared):
    client, auth, ctx = shared.client, {"Authorization": f"Bearer {shared.token}"}, shared.ctx
    before = snapshot(ctx)
    r = client.post("/api/v1/events", data="event_id=1", headers={**auth, "Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/v1/events", data="[1, 2]", headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["field"] == "body"
    assert snapshot(ctx) == before
