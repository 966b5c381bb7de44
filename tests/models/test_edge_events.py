"""Edge-device alarms: type mapping, zone, de-duplication onto open cases, idempotency on the event id."""
from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from models.cases import Case, CaseTransition, Evidence, Observation
from models.clock import utcnow
from models.config.reporting import EdgeConfig
from models.edge_events import EdgeError, EdgeEvent, ingest, iou, zone_of_box
from models.photo_intake import PhotoStore
from models.workflow import apply
from tests.factories import STREET_ZONES

CFG = EdgeConfig(type_map={"garbage": "暴露垃圾", "vendor_stall": "PT02"})


def image_b64(color="gray") -> str:
    b = io.BytesIO()
    Image.new("RGB", (640, 360), color).save(b, "JPEG")
    return base64.b64encode(b.getvalue()).decode()


def alarm(event_id="E1", **kw):
    body = {"event_id": event_id, "device_code": "BOX-01", "camera_code": "CAM-0001",
            "time": (utcnow() - timedelta(minutes=1)).isoformat(), "type": "garbage",
            "box": [0.10, 0.58, 0.20, 0.70], "score": 0.9, "image": image_b64()}
    body.update(kw)
    return body


def counts(ctx):
    with ctx.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Case, CaseTransition, Observation, Evidence, EdgeEvent))


def test_alarm_opens_a_case_and_a_replay_creates_nothing(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    r1 = ingest(city.sessions, store, alarm(), CFG)
    assert r1.status == "created"
    after_first = counts(city)
    files = sorted(p for p in store.root.rglob("*") if p.is_file())
    r2 = ingest(city.sessions, store, alarm(), CFG)
    assert (r2.status, r2.case_id) == ("replay", r1.case_id)
    assert counts(city) == after_first
    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == files
    with city.sessions() as s:
        case = s.get(Case, r1.case_id)
        assert case.source == "edge" and case.problem_type.name == "暴露垃圾" and case.zone == "人行道"
        assert case.camera.code == "CAM-0001" and case.external_ref == "E1"
        assert case.state == "dispatched"  # 暴露垃圾 is auto-accepted and routed, like a camera detection


def test_overlapping_alarm_joins_the_open_case_and_a_new_one_after_closure(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    first = ingest(city.sessions, store, alarm("E1"), CFG)
    same = ingest(city.sessions, store, alarm("E2", box=[0.11, 0.59, 0.21, 0.71]), CFG)
    assert (same.status, same.case_id) == ("attached", first.case_id)
    elsewhere = ingest(city.sessions, store, alarm("E3", box=[0.70, 0.58, 0.80, 0.70]), CFG)
    other_cam = ingest(city.sessions, store, alarm("E4", camera_code="CAM-0002"), CFG)
    other_type = ingest(city.sessions, store, alarm("E5", type="占道经营"), CFG)
    assert len({first.case_id, elsewhere.case_id, other_cam.case_id, other_type.case_id}) == 4
    with city.sessions.begin() as s:
        case = s.get(Case, first.case_id)
        n_obs = s.scalar(select(func.count()).select_from(Observation).where(Observation.case_id == case.id))
        assert n_obs == 2
        apply(s, case, "invalidate", actor="sup", actor_role="supervisor", note="误报")
    again = ingest(city.sessions, store, alarm("E6"), CFG)
    assert again.status == "created" and again.case_id != first.case_id


def test_pixel_boxes_multipart_image_and_epoch_time(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    b = io.BytesIO()
    Image.new("RGB", (1000, 500), "white").save(b, "PNG")
    payload = alarm("E9", box=[100, 300, 200, 350], time=int(utcnow().timestamp() * 1000) - 5000, type="PT01")
    payload.pop("image")
    r = ingest(city.sessions, store, payload, CFG, image=b.getvalue())
    with city.sessions() as s:
        case = s.get(Case, r.case_id)
        assert case.box == [0.1, 0.6, 0.2, 0.7]
        ev = s.scalars(select(Evidence).where(Evidence.case_id == case.id)).one()
        assert ev.kind == "edge" and Image.open(ev.path).format == "JPEG"


@pytest.mark.parametrize("change, field, status", [
    ({"event_id": None}, "event_id", 400),
    ({"camera_code": None, "device_code": None}, "camera_code", 400),
    ({"camera_code": "CAM-9999"}, "camera_code", 422),
    ({"type": "unicorn"}, "type", 422),
    ({"type": None}, "type", 400),
    ({"time": "yesterday"}, "time", 400),
    ({"time": (utcnow() + timedelta(hours=2)).isoformat()}, "time", 422),
    ({"box": [0.5, 0.5, 0.4, 0.6]}, "box", 400),
    ({"box": "0,0,1,1"}, "box", 400),
    ({"score": 7}, "score", 400),
    ({"score": "high"}, "score", 400),
    ({"image": "!!notbase64!!"}, "image", 400),
    ({"image": base64.b64encode(b"GIF89a not really").decode()}, "image", 400),
    ({"image": None}, "image", 400),
])
def test_bad_alarms_are_refused_and_nothing_is_stored(sqlite_city, change, field, status):
    city, store = sqlite_city
    before = counts(city)
    body = alarm()
    for k, v in change.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    with pytest.raises(EdgeError) as exc:
        ingest(city.sessions, store, body, CFG)
    assert exc.value.field == field and exc.value.status == status
    assert counts(city) == before and not store.root.exists()


def test_geometry_helpers():
    assert iou([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0 and iou([0, 0, 0.1, 0.1], [0.5, 0.5, 0.6, 0.6]) == 0.0
    assert zone_of_box(STREET_ZONES, [0.1, 0.8, 0.2, 0.9])["name"] == "机动车道"
    assert zone_of_box(STREET_ZONES + [{"name": "遮挡", "kind": "mask", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
                       [0.1, 0.8, 0.2, 0.9])["kind"] == "mask"
    assert zone_of_box([], [0.1, 0.1, 0.2, 0.2]) is None
