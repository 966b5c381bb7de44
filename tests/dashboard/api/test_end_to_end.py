"""The loop across areas, below the pixels: detection's case sink raises a camera problem → the workflow
auto-accepts and dispatches it → a demo responder reports rectification with the camera photo → the sink's
camera re-check samples close it (or, when the fix was not done, send it back as 返工) → the four documents
download through the API."""
from __future__ import annotations

import time
from itertools import count
from types import SimpleNamespace

import numpy as np

from models.cases import Case
from models.config import DemoResponders
from models.detection.evidence import EvidenceStore
from models.detection.sinks import CaseSink
from models.workflow.demo import demo_rectifications, run_demo_responders
from models.workflow.machine import PROJECTION_FIELDS, replay_case


_problem_ids = count(1)


def _problem(ptype, box):
    frame = np.full((72, 128, 3), 90, np.uint8)
    frame[40:60, 20:50] = (20, 20, 200)  # "garbage" on the sidewalk
    return SimpleNamespace(type=SimpleNamespace(id=ptype, code="PT01", name="暴露垃圾"), zone="人行道", box=box,
                           score=0.9, first_frame=frame, first_box=box, first_seen=time.time() - 60,
                           id=next(_problem_ids), confirmed_at=None)


def test_detected_problem_is_dispatched_rectified_rechecked_and_closed_or_reworked(ctx, api):
    sink = CaseSink(ctx.sessions, EvidenceStore(ctx.config.path(ctx.config.detection.evidence_dir), min_free_mb=0))
    box = [0.15, 0.55, 0.4, 0.85]
    t = time.time()
    fixed_id = sink.raise_problem("CAM-0001", _problem(api.city_ids["types"]["暴露垃圾"], box), t,
                                  image=np.zeros((72, 128, 3), np.uint8))
    broken_id = sink.raise_problem("CAM-0002", _problem(api.city_ids["types"]["暴露垃圾"], box), t)
    with ctx.sessions() as s:
        case = s.get(Case, fixed_id)
        assert case.state == "dispatched" and case.unit_id == api.units["U-XC-NQ"]
        assert {e.kind for e in case.evidence} == {"first_sight", "confirmation"}
        photo = max(e.id for e in case.evidence)
    # the simulated units report both fixed; the camera will find the object still there at CAM-0002
    cfg = DemoResponders(min_delay_s=0, max_delay_s=0, fail_share=0, overdue_share=0)
    with ctx.sessions.begin() as s:
        assert run_demo_responders(s, cfg) == {"rectified": 2, "not_fixed": 0, "verified": 0}
    with ctx.sessions() as s:
        feed = {f["case_id"]: f for f in demo_rectifications(s)}
    assert feed[fixed_id]["fixed"] and feed[fixed_id]["box"] == box
    detail = api.get(f"/api/v1/cases/{fixed_id}").get_json()
    assert detail["timeline"][-1]["data"]["attachments"] == [photo]  # the latest camera image as the photo
    assert sink.recheck_cameras() == {"CAM-0001", "CAM-0002"}
    # camera re-check: the scene is clean at CAM-0001, the object is still there at CAM-0002
    for i in range(6):
        sink.recheck("CAM-0001", lambda b: (True, 0.0), t + 120 + i)
        sink.recheck("CAM-0002", lambda b: (False, 0.8), t + 120 + i)
    with ctx.sessions() as s:
        fixed, broken = s.get(Case, fixed_id), s.get(Case, broken_id)
        assert fixed.state == "closed" and [x.action for x in fixed.transitions][-2:] == ["verify", "close"]
        assert broken.state == "dispatched" and broken.rework_count == 1
        assert broken.transitions[-1].action == "rework" and broken.transitions[-1].actor == "camera"
        for c in (fixed, broken):
            assert replay_case(c.transitions) == {f: getattr(c, f) for f in PROJECTION_FIELDS}
    for kind in ("problem_list", "dispatch", "rectification", "closure"):
        for fmt in ("html", "xlsx"):
            assert api.get(f"/api/v1/cases/{fixed_id}/documents/{kind}.{fmt}").status_code == 200
    closure = api.get(f"/api/v1/cases/{fixed_id}/documents/closure.html").get_data(as_text=True)
    assert "摄像机自动复核：连续3次抽样无问题" in closure
    assert api.get(f"/api/v1/cases/{broken_id}/documents/closure.html").status_code == 409
