"""``POST /api/v1/events/batch``: per-alarm results in order, idempotent replays, limits, roles, 503 on DB failure."""
from __future__ import annotations

from models.security import create_token
from tests.dashboard.api.test_events import alarm, edge  # noqa: F401 (fixture)
from tests.db_faults import failing_inserts
from tests.dashboard.report.helpers import snapshot

URL = "/api/v1/events/batch"


def test_batch_answers_each_alarm_in_order_and_a_retry_stores_nothing(edge, ctx):  # noqa: F811
    client, auth = edge
    events = [alarm("BA-1"), alarm("BA-2", box=[0.11, 0.59, 0.21, 0.71]), alarm("BA-3", time="yesterday"),
              alarm("BA-4", camera_code="CAM-0002"), alarm("bad\x00id"), 42]
    r = client.post(URL, json={"events": events}, headers=auth)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    res = body["results"]
    assert [x["index"] for x in res] == list(range(6))
    assert [x["status"] for x in res] == ["created", "attached", "error", "created", "error", "error"]
    assert res[1]["case_id"] == res[0]["case_id"] != res[3]["case_id"]
    assert res[2]["field"] == "time" and res[2]["http_status"] == 400 and res[2]["event_id"] == "BA-3"
    assert res[4]["field"] == "event_id" and res[5]["field"] == "body"
    assert (body["created"], body["attached"], body["replay"], body["errors"]) == (2, 1, 0, 3)
    after = snapshot(ctx)
    again = client.post(URL, json={"events": events}, headers=auth).get_json()
    assert [x["status"] for x in again["results"][:4]] == ["replay", "replay", "error", "replay"]
    assert [x.get("case_id") for x in again["results"][:2]] == [res[0]["case_id"]] * 2
    assert snapshot(ctx) == after
    single = client.post("/api/v1/events", json=alarm("BA-1"), headers=auth)
    assert single.status_code == 200 and single.get_json()["status"] == "replay"


def test_batch_refusals_name_the_field(edge, ctx):  # noqa: F811
    client, auth = edge
    before = snapshot(ctx)
    too_many = client.post(URL, json={"events": [alarm(f"X{i}", image=None) for i in range(501)]}, headers=auth)
    assert too_many.status_code == 413 and too_many.get_json()["field"] == "events"
    assert client.post(URL, json={"events": {"a": 1}}, headers=auth).get_json()["field"] == "events"
    assert client.post(URL, json=[alarm()], headers=auth).status_code == 400
    r = client.post(URL, data="events=1", headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.get_json()["field"] == "Content-Type"
    assert snapshot(ctx) == before


def test_batch_needs_the_edge_role(edge, ctx):  # noqa: F811
    client, _auth = edge
    with ctx.sessions.begin() as s:
        wall, _ = create_token(s, "supervisor", name="sup", days=1)
    assert client.post(URL, json={"events": [alarm()]}, headers={"Authorization": f"Bearer {wall}"}).status_code == 403
    assert client.post(URL, json={"events": [alarm()]}).status_code in (401, 403)


def test_database_failure_answers_503_and_stores_nothing(edge, ctx):  # noqa: F811
    client, auth = edge
    before = snapshot(ctx)
    with failing_inserts(ctx.engine, "edge_events"):
        r = client.post(URL, json={"events": [alarm("D1"), alarm("D2", camera_code="CAM-0002")]}, headers=auth)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert snapshot(ctx) == before
    ok = client.post(URL, json={"events": [alarm("D1"), alarm("D2", camera_code="CAM-0002")]}, headers=auth)
    assert [x["status"] for x in ok.get_json()["results"]] == ["created", "created"]
