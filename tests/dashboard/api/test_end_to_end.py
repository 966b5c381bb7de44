"""The loop across areas, below the pixels: detection's case sink raises a camera problem → the workflow
auto-accepts and dispatches it → a demo responder reports rectification with the camera photo → the sink's
camera re-check compares real pixels with the case's reference crops and closes it (or, when the fix was not
done, sends it back as 返工) → the four documents download through the API, the 销号单 with 整改前/整改后
crops."""
from __future__ import annotations

import time
from itertools import count
from types import SimpleNamespace

import cv2
import numpy as np

from models.cases import Case
from models.config import DemoResponders
from models.detection.evidence import EvidenceStore
from models.detection.recheck_refs import crop
from models.detection.sinks import CaseSink
from models.workflow.demo import demo_rectifications, run_demo_responders
from models.workflow.machine import PROJECTION_FIELDS, replay_case


_problem_ids = count(1)
SCENE = "/usr/share/doc/opencv-doc/examples/data/building.jpg"  # a real photo as the camera's view


def _scenes(box):
    clean = cv2.resize(cv2.imread(SCENE), (256, 144), interpolation=cv2.INTER_AREA)
    dirty = clean.copy()
    h, w = clean.shape[:2]
    x1, y1, x2, y2 = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    dirty[y1:y2, x1:x2] = (20, 20, 200)  # "garbage" in front of the building
    cv2.rectangle(dirty, (x1 + 4, y1 + 4), (x2 - 5, y2 - 5), (30, 60, 90), 2)
    return clean, dirty


def _problem(ptype, box):
    frame = np.full((72, 128, 3), 90, np.uint8)
    frame[40:60, 20:50] = (20, 20, 200)  # "garbage" on the sidewalk
    return SimpleNamespace(type=SimpleNamespace(id=ptype, code="PT01", name="暴露垃圾"), zone="人行道", box=box,
                           score=0.9, first_frame=frame, first_box=box, first_seen=time.time() - 60,
                           id=next(_problem_ids), confirmed_at=None, type_unconfirmed=False)


def test_detected_problem_is_dispatched_rectified_rechecked_and_closed_or_reworked(ctx, api):
    sink = CaseSink(ctx.sessions, EvidenceStore(ctx.config.path(ctx.config.detection.evidence_dir), min_free_mb=0))
    box = [0.15, 0.55, 0.4, 0.85]
    t = time.time()
    clean, dirty = _scenes(box)
    fixed_id = sink.raise_problem("CAM-0001", _problem(api.city_ids["types"]["暴露垃圾"], box), t,
                                  image=dirty, background=clean)
    broken_id = sink.raise_problem("CAM-0002", _problem(api.city_ids["types"]["暴露垃圾"], box), t,
                                   image=dirty, background=clean)
    with ctx.sessions() as s:
        case = s.get(Case, fixed_id)
        assert case.state == "dispatched" and case.unit_id == api.units["U-XC-NQ"]
        assert {e.kind for e in case.evidence} == {"first_sight", "confirmation", "ref_problem", "ref_clean"}
    # the simulated units report both fixed; the camera will find the object still there at CAM-0002
    cfg = DemoResponders(min_delay_s=0, max_delay_s=0, fail_share=0, overdue_share=0)
    with ctx.sessions.begin() as s:
        assert run_demo_responders(s, cfg) == {"rectified": 2, "not_fixed": 0, "verified": 0}
    with ctx.sessions() as s:
        feed = {f["case_id"]: f for f in demo_rectifications(s)}
    assert feed[fixed_id]["fixed"] and feed[fixed_id]["box"] == box
    detail = api.get(f"/api/v1/cases/{fixed_id}").get_json()
    # a simulated unit has no photo: the camera's before-frame is NOT passed off as the rectification photo
    assert detail["timeline"][-1]["action"] == "rectify" and "attachments" not in detail["timeline"][-1]["data"]
    assert sink.recheck_cameras() == {"CAM-0001", "CAM-0002"}
    # camera re-check: the scene is clean at CAM-0001, the object is still there at CAM-0002
    for i in range(6):
        sink.recheck("CAM-0001", clean, t + 120 + i)
        sink.recheck("CAM-0002", dirty, t + 120 + i)
    with ctx.sessions() as s:
        fixed, broken = s.get(Case, fixed_id), s.get(Case, broken_id)
        assert fixed.state == "closed" and [x.action for x in fixed.transitions][-2:] == ["verify", "close"]
        assert broken.state == "dispatched" and broken.rework_count == 1
        assert broken.transitions[-1].action == "rework" and broken.transitions[-1].actor == "camera"
        for c in (fixed, broken):
            assert replay_case(c.transitions) == {f: getattr(c, f) for f in PROJECTION_FIELDS}
        # the frames the camera decided on are kept as 复核 evidence with both verdicts
        assert {"recheck", "recheck_crop"} <= {e.kind for e in fixed.evidence}
        assert {"recheck", "recheck_crop"} <= {e.kind for e in broken.evidence}
        verify = next(x for x in fixed.transitions if x.action == "verify")
        assert set(verify.data["attachments"]) == {e.id for e in fixed.evidence if e.kind.startswith("recheck")}
        ids = {e.kind: e.id for e in fixed.evidence}
    for kind in ("problem_list", "dispatch", "rectification", "closure"):
        for fmt in ("html", "xlsx"):
            assert api.get(f"/api/v1/cases/{fixed_id}/documents/{kind}.{fmt}").status_code == 200
    closure = api.get(f"/api/v1/cases/{fixed_id}/documents/closure.html").get_data(as_text=True)
    assert "摄像机自动复核：连续3次抽样无问题" in closure
    # 整改前 = the problem crop kept at confirmation, 整改后 = the camera re-check's crop (never the before frame)
    assert f'src="/api/v1/evidence/{ids["ref_problem"]}"' in closure and "整改前" in closure
    assert f'src="/api/v1/evidence/{ids["recheck_crop"]}"' in closure and "整改后（摄像机复核）" in closure
    assert f'src="/api/v1/evidence/{ids["confirmation"]}"' not in closure
    rect = api.get(f"/api/v1/cases/{fixed_id}/documents/rectification.html").get_data(as_text=True)
    assert "整改后（摄像机复核）" in rect and f'src="/api/v1/evidence/{ids["confirmation"]}"' not in rect
    crop_png = api.get(f"/api/v1/evidence/{ids['recheck_crop']}")
    assert crop_png.status_code == 200
    after = cv2.imdecode(np.frombuffer(crop_png.get_data(), np.uint8), cv2.IMREAD_COLOR)
    assert after is not None  # the clean place, not the garbage
    def near(a, b):
        return float(np.abs(a.astype(int) - cv2.resize(b, a.shape[1::-1]).astype(int)).mean())
    assert near(after, crop(clean, box)) < 10 < near(after, crop(dirty, box))
    assert api.get(f"/api/v1/cases/{broken_id}/documents/closure.html").status_code == 409
