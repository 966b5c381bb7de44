"""Open311 GeoReport v2: services, POST a request, GET the list (filters) and one request; bad input."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from models.cases import Case
from models.coords import distance_m, wgs84_to_gcj02
from models.workflow import apply
from tests.conftest import make_config
from tests.dashboard.report.helpers import GPS_WGS84, bomb_png, photo, seed_city, shared_app, snapshot


@pytest.fixture
def client(ctx):
    from dashboard.app import create_app

    seed_city(ctx)
    app = create_app(ctx)
    return app.server.test_client()


def post(client, **fields):
    files = fields.pop("files", [])
    data = {k: v for k, v in fields.items()}
    if files:
        data["media"] = [(io.BytesIO(b), f"p{i}.jpg") for i, b in enumerate(files)]
    return client.post("/open311/v2/requests.json", data=data, content_type="multipart/form-data")


def test_services_are_the_problem_types(client):
    r = client.get("/open311/v2/services.json")
    assert r.status_code == 200
    services = {s["service_code"]: s for s in r.get_json()}
    assert set(services) == {"PT01", "PT02", "PT03", "PT04"}
    assert services["PT04"]["service_name"] == "不文明养宠" and services["PT04"]["metadata"] is False
    assert services["PT01"]["group"] == "市容环境"


def test_post_then_follow_a_request_to_closed(client, ctx):
    lon, lat = 117.6555, 24.5110
    r = post(client, service_code="PT01", lat=str(lat), long=str(lon), description="路口垃圾", phone="13912345678")
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()[0]["service_request_id"]
    assert rid.startswith("SP")
    one = client.get(f"/open311/v2/requests/{rid}.json").get_json()[0]
    assert one["status"] == "open" and one["service_code"] == "PT01" and one["description"] == "路口垃圾"
    assert abs(one["lat"] - lat) < 1e-5 and abs(one["long"] - lon) < 1e-5  # WGS-84 out as in
    assert "13912345678" not in str(one) and "phone" not in one
    with ctx.sessions() as s:
        case = s.scalar(select(Case).where(Case.external_ref == rid))
        glon, glat = wgs84_to_gcj02(lon, lat)
        assert distance_m(case.lon, case.lat, glon, glat) < 0.5 and case.state == "found"
        assert case.reporter_contact == "13912345678"
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.external_ref == rid))
        apply(s, case, "accept", actor="sup", actor_role="supervisor")
        apply(s, case, "dispatch", actor="sup", actor_role="supervisor")
        deadline = case.deadline_at
    one = client.get(f"/open311/v2/requests/{rid}.json").get_json()[0]
    assert one["status"] == "open" and one["expected_datetime"] is not None
    from datetime import datetime

    assert datetime.fromisoformat(one["expected_datetime"]) == deadline.replace(microsecond=0)
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.external_ref == rid))
        for action in ("rectify", "verify", "close"):
            apply(s, case, action, actor="sup", actor_role="supervisor")
    one = client.get(f"/open311/v2/requests/{rid}.json").get_json()[0]
    assert one["status"] == "closed" and one["status_notes"].startswith("已解决")
    assert [x["service_request_id"] for x in client.get("/open311/v2/requests.json?status=closed").get_json()] == [rid]
    assert client.get("/open311/v2/requests.json?status=open").get_json() == []


def test_list_filters_and_photo_upload(client, ctx):
    a = post(client, service_code="PT01", description="照片定位", files=[photo(GPS_WGS84)])
    assert a.status_code == 201, a.get_json()
    b = post(client, service_code="PT02", lat="24.52", long="117.66", description="摆摊")
    assert b.status_code == 201
    ida, idb = a.get_json()[0]["service_request_id"], b.get_json()[0]["service_request_id"]
    assert client.get("/open311/v2/requests.json").get_json() == []  # listed once a moderator accepts them
    with ctx.sessions.begin() as s:
        for case in s.scalars(select(Case).where(Case.external_ref.in_([ida, idb]))):
            apply(s, case, "accept", actor="sup", actor_role="supervisor")
    all_ids = {x["service_request_id"] for x in client.get("/open311/v2/requests.json").get_json()}
    assert all_ids == {ida, idb}
    only = client.get("/open311/v2/requests.json?service_code=PT02").get_json()
    assert [x["service_request_id"] for x in only] == [idb]
    assert client.get("/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z").get_json() == []
    assert len(client.get("/open311/v2/requests.json?start_date=2020-01-01T00:00:00+08:00").get_json()) == 2
    one = client.get(f"/open311/v2/requests/{ida}.json").get_json()[0]
    assert abs(one["lat"] - GPS_WGS84[1]) < 1e-5 and abs(one["long"] - GPS_WGS84[0]) < 1e-5


def test_unconfirmed_camera_detections_are_not_public(client, ctx):
    from models.workflow import open_case
    from models.clock import utcnow

    with ctx.sessions.begin() as s:
        from models.registry import ProblemType

        pt = s.scalar(select(ProblemType).where(ProblemType.code == "PT04"))
        c = open_case(s, source="inspector", problem_type=pt, found_at=utcnow(), actor="x", actor_role="supervisor",
                      lon=117.65, lat=24.51)
        code = c.code
    assert client.get(f"/open311/v2/requests/{code}.json").status_code == 404
    assert client.get("/open311/v2/requests.json").get_json() == []


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    live = shared_app(tmp_path_factory, "open311-bad")
    yield live
    live.ctx.stop()


@pytest.mark.parametrize("fields, status, words", [
    ({"lat": "24.51", "long": "117.65", "description": "x"}, 400, "service_code"),
    ({"service_code": "NOPE", "lat": "24.51", "long": "117.65", "description": "x"}, 400, "problem_type"),
    ({"service_code": "PT01", "description": "x"}, 400, "lat/long"),
    ({"service_code": "PT01", "lat": "north", "long": "117.65", "description": "x"}, 400, "lat"),
    ({"service_code": "PT01", "lat": "31.23", "long": "121.47", "description": "x"}, 422, "漳州"),
    ({"service_code": "PT01", "lat": "24.51", "long": "117.65", "description": "x", "files": [b"<html>"]}, 400,
     "图片"),
    ({"service_code": "PT01", "lat": "24.51", "long": "117.65", "description": "x", "files": [bomb_png()]}, 400,
     "像素"),
])
def test_bad_posts_are_refused_with_the_standard_error_list(shared, fields, status, words):
    client, ctx = shared.client, shared.ctx
    before = snapshot(ctx)
    r = post(client, **fields)
    assert r.status_code == status
    body = r.get_json()
    assert body[0]["code"] == status and words in body[0]["description"]
    assert snapshot(ctx) == before


def test_api_key_when_configured(tmp_path, sqlite_url, monkeypatch):
    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade

    monkeypatch.setenv("TEST_OPEN311_KEY", "s3cret-key")
    ctx = AppContext.from_config(make_config(tmp_path, sqlite_url, reporting={"open311_api_key_env":
                                                                              "TEST_OPEN311_KEY"}))
    upgrade(ctx.engine)
    try:
        seed_city(ctx)
        c = create_app(ctx).server.test_client()
        fields = {"service_code": "PT01", "lat": "24.51", "long": "117.65", "description": "x"}
        assert post(c, **fields).status_code == 403
        assert post(c, api_key="wrong", **fields).status_code == 403
        assert post(c, api_key="s3cret-key", **fields).status_code == 201
        assert c.get("/open311/v2/services.json").status_code == 200  # reading needs no key
    finally:
        ctx.stop()
