"""``POST /api/v1/vendor/<vendor>/<device>``: Hikvision ISAPI and Dahua pushes → cases, per-device auth, replays."""
from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.cases import Case, Evidence
from models.clock import LOCAL_TZ, utcnow
from tests.dashboard.report.helpers import photo, seed_city, snapshot
from tests.vendor_payloads import dahua_event, hik_alert

HIK_PW, DAHUA_PW = "hik-push-secret", "dh-push-secret"
VENDOR_CFG = {"devices": [
    {"code": "HK-NVR-1", "vendor": "hikvision", "password_env": "CW_TEST_HIK_PW", "routes": [
        {"event": "fielddetection", "channel": 1, "camera": "CAM-0001", "type": "PT02", "zone": "人行道"},
        {"event": "unattendedBaggage", "channel": 1, "camera": "CAM-0001", "type": "暴露垃圾"},
        {"event": "parking", "camera": "CAM-0002", "type": "PT02", "zone": "no-such-zone"}]},
    {"code": "DH-CAM-7", "vendor": "dahua", "password_env": "CW_TEST_DH_PW", "routes": [
        {"event": "LeftDetection", "channel": 0, "camera": "CAM-0002", "type": "PT01"}]},
]}


@pytest.fixture
def push(tmp_path, monkeypatch):
    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade
    from tests.conftest import make_config

    monkeypatch.setenv("CW_TEST_HIK_PW", HIK_PW)
    monkeypatch.setenv("CW_TEST_DH_PW", DAHUA_PW)
    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/vendor.db",
                                             reporting={"vendor_alarms": VENDOR_CFG}))
    upgrade(ctx.engine)
    seed_city(ctx)
    client = create_app(ctx).server.test_client()
    yield client, ctx
    ctx.stop()


def basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


HIK = basic("HK-NVR-1", HIK_PW)
DH = basic("DH-CAM-7", DAHUA_PW)


def recent(seconds=30) -> str:
    return (utcnow() - timedelta(seconds=seconds)).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def test_hikvision_intrusion_opens_a_case_in_the_mapped_zone_and_a_replay_stores_nothing(push):
    client, ctx = push
    body = hik_alert("fielddetection", channel=1, when=recent(), count=5)
    r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=body, content_type="application/xml", headers=HIK)
    assert r.status_code == 201, r.get_json()
    ev = r.get_json()["events"][0]
    assert ev["status"] == "created" and ev["event_type"] == "fielddetection" and ev["channel"] == 1
    with ctx.sessions() as s:
        case = s.get(Case, ev["case_id"])
        assert (case.camera.code, case.problem_type.code, case.zone, case.source) == ("CAM-0001", "PT02", "人行道", "edge")
        assert case.box == pytest.approx([0.1, 0.7, 0.4, 0.9])
    after = snapshot(ctx)
    again = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=body, content_type="application/xml", headers=HIK)
    assert again.status_code == 200 and again.get_json()["events"][0]["status"] == "replay"
    assert again.get_json()["events"][0]["case_id"] == ev["case_id"] and snapshot(ctx) == after


def test_hikvision_multipart_with_picture_stores_the_evidence(push):
    client, ctx = push
    xml = hik_alert("unattendedBaggage", channel=1, when=recent(), region=None, target_rect=(0.3, 0.6, 0.1, 0.1),
                    uuid="obj-left-1")
    data = {"unattendedBaggage": (xml, "unattendedBaggage.xml", "application/xml"),
            "unattendedBaggageImage": (photo(), "unattendedBaggageImage.jpg", "image/jpeg")}
    data = {k: (io.BytesIO(v[0]), v[1], v[2]) for k, v in data.items()}
    r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=data, content_type="multipart/form-data", headers=HIK)
    assert r.status_code == 201, r.get_json()
    ev = r.get_json()["events"][0]
    assert ev["event_id"] == "obj-left-1"
    with ctx.sessions() as s:
        case = s.get(Case, ev["case_id"])
        assert case.zone == "人行道" and case.problem_type.name == "暴露垃圾"  # the zone under the box's foot
        assert len(s.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()) == 1


def test_unmapped_inactive_and_heartbeat_events_are_acknowledged_and_ignored(push):
    client, ctx = push
    before = snapshot(ctx)
    for body in (hik_alert("VMD", when=recent(), region=None), hik_alert("fielddetection", channel=4, when=recent()),
                 hik_alert("fielddetection", channel=1, when=recent(), state="inactive")):
        r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=body, content_type="application/xml", headers=HIK)
        assert r.status_code == 200 and r.get_json()["events"][0]["status"] == "ignored"
        assert r.get_json()["events"][0]["reason"]
    assert snapshot(ctx) == before


@pytest.mark.parametrize("headers", [{}, basic("HK-NVR-1", "wrong"), basic("DH-CAM-7", DAHUA_PW),
                                     basic("HK-NVR-2", HIK_PW)])
def test_wrong_or_missing_credentials_are_401_and_nothing_is_stored(push, headers):
    client, ctx = push
    before = snapshot(ctx)
    for device in ("HK-NVR-1", "HK-NVR-2"):
        r = client.post(f"/api/v1/vendor/hikvision/{device}", data=hik_alert(when=recent()),
                        content_type="application/xml", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert snapshot(ctx) == before


def test_a_device_whose_password_variable_is_unset_is_refused(push, monkeypatch):
    client, _ = push
    monkeypatch.delenv("CW_TEST_HIK_PW")
    r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=hik_alert(when=recent()),
                    content_type="application/xml", headers=basic("HK-NVR-1", ""))
    assert r.status_code == 401


@pytest.mark.parametrize("body,ctype,status,field", [
    (b"<EventNotificationAlert><eventType>", "application/xml", 400, "body"),
    (b'<!DOCTYPE x [<!ENTITY a "a">]><EventNotificationAlert>&a;</EventNotificationAlert>', "application/xml", 400,
     "body"),
    (b"{}", "application/json", 415, "Content-Type"),
])
def test_bad_xml_is_a_clear_4xx_with_nothing_stored(push, body, ctype, status, field):
    client, ctx = push
    before = snapshot(ctx)
    r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=body, content_type=ctype, headers=HIK)
    assert r.status_code == status and r.get_json()["field"] == field, r.get_json()
    assert snapshot(ctx) == before


def test_mapping_errors_and_stale_times_name_the_problem(push):
    client, ctx = push
    before = snapshot(ctx)
    r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=hik_alert("parking", channel=3, when=recent()),
                    content_type="application/xml", headers=HIK)
    assert r.status_code == 422 and r.get_json()["field"] == "zone" and "no-such-zone" in r.get_json()["message"]
    old = (utcnow() - timedelta(days=30)).isoformat()
    r = client.post("/api/v1/vendor/hikvision/HK-NVR-1", data=hik_alert(when=old), content_type="application/xml",
                    headers=HIK)
    assert r.status_code == 422 and r.get_json()["field"] == "time"
    assert snapshot(ctx) == before


def test_dahua_left_object_push_opens_one_case_idempotent_on_event_id(push):
    client, ctx = push
    utc = int((utcnow() - timedelta(seconds=20)).timestamp())
    # a box whose foot (y 6000/8191 = 0.73) stands on the sidewalk
    text = dahua_event("LeftDetection", index=0, utc=utc, event_id=9001, box=(2048, 4096, 4096, 6000)) + "\r\n" + \
        dahua_event("LeftDetection", action="Stop", index=0, utc=utc, event_id=9002)
    r = client.post("/api/v1/vendor/dahua/DH-CAM-7", data=text, content_type="text/plain", headers=DH)
    assert r.status_code == 201, r.get_json()
    created, stopped = r.get_json()["events"]
    assert created["status"] == "created" and created["event_id"] == "9001" and stopped["status"] == "ignored"
    with ctx.sessions() as s:
        case = s.get(Case, created["case_id"])
        assert (case.camera.code, case.problem_type.code, case.zone) == ("CAM-0002", "PT01", "人行道")
    again = client.post("/api/v1/vendor/dahua/DH-CAM-7", data=text, content_type="text/plain", headers=DH)
    assert again.status_code == 200 and again.get_json()["events"][0]["status"] == "replay"
    bad = client.post("/api/v1/vendor/dahua/DH-CAM-7", data="Code=LeftDetection;action=Start;index=0;data={",
                      content_type="text/plain", headers=DH)
    assert bad.status_code == 400 and bad.get_json()["field"] == "data"
