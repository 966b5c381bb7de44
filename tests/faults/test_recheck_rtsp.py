"""The camera re-check on a real RTSP camera (GStreamer's test server with its still box) across a product
restart — the way issue 15 reproduced a false 销号.

The real runtime pieces run (feeds service with the rtsp adapter, detection service with its CaseSink) on a
database. The box appears, detection opens a case and keeps its reference crops. The unit reports it
fixed without removing it; the product restarts while the case awaits 复核 (new context, new background
models that learn the box as part of the view, no running counts):

- the re-check sends it back (返工) and never closes it — also when it is reported fixed again after the new
  background model has absorbed the box (the old background-model re-check closed it then);
- the box is taken away (SIGUSR2) and reported fixed: the camera closes the case, keeps the frame it decided
  on, and the 销号单 shows 整改前/整改后 crops.
"""
from __future__ import annotations

import signal

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from feeds.service import start_feeds
from models.cases import Case
from models.context import AppContext
from models.detection.service import start_detection
from models.documents import render_document
from models.migrate import upgrade
from models.workflow import apply
from models.workflow.recheck import reset_recheck_runs
from tests.conftest import make_config
from tests.feeds.sources import RtspServer, wait_for

from .city import make_fault_city

pytestmark = pytest.mark.rtsp
RTSP = "CAM-RTSP"
BOX_AT = (0.6, 0.62, 0.725, 0.745)  # where the server draws its box (relative), see rtsp_test_server.py


def _start(cfg):
    ctx = AppContext.from_config(cfg)
    svc = start_detection(ctx)
    svc.engine.learn_s = 8.0  # the background is learnt in 8 s instead of 2 minutes
    start_feeds(ctx)
    return ctx, svc


def _learnt(svc):
    pipe = svc.engine.pipelines.get(RTSP)
    return pipe is not None and pipe.bg.ready and pipe.last_t is not None and not pipe.bg.learning(pipe.last_t)


def _case(ctx, case_id=None):
    with ctx.sessions() as s:
        if case_id is None:
            return s.scalars(select(Case)).all()
        c = s.get(Case, case_id)
        return c.state, c.rework_count, [t.action for t in c.transitions]


def _rectify(ctx, case_id):
    with ctx.sessions.begin() as s:
        apply(s, s.get(Case, case_id), "rectify", actor="测试街道", actor_role="system", note="已清理")


def test_rtsp_camera_restart_cannot_close_an_unfixed_case(tmp_path):
    rtsp = RtspServer(extra_args=("--object", "hidden")).start()
    cfg = make_config(tmp_path, f"sqlite:///{tmp_path}/civicwatch.db",
                      feeds={"cameras": [{"code": RTSP, "kind": "rtsp",
                                          "options": {"open_timeout_s": 5, "read_timeout_s": 2}}]},
                      detection={"evidence_min_free_mb": 0})
    ctx = AppContext.from_config(cfg)
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_fault_city(s, [(RTSP, "rtsp", rtsp.url, 0.5)])
    ctx.stop()
    ctx, svc = _start(cfg)
    try:
        wait_for(lambda: _learnt(svc), 60, interval=0.2, what="background learnt")
        rtsp.proc.send_signal(signal.SIGUSR1)  # something is left in the street
        wait_for(lambda: _case(ctx), 90, interval=0.3, what="detection opening a case")
        (case,) = _case(ctx)
        case_id = case.id
        assert case.state == "dispatched"
        with ctx.sessions() as s:
            assert {"ref_problem", "ref_clean"} <= {e.kind for e in s.get(Case, case_id).evidence}
        _rectify(ctx, case_id)  # reported fixed; the box is still there

        # the product restarts while the case awaits 复核
        ctx.stop()
        reset_recheck_runs()
        ctx, svc = _start(cfg)
        svc.housekeeping_once()
        wait_for(lambda: _case(ctx, case_id)[1] == 1, 60, interval=0.3, what="返工 after the restart")
        state, _, actions = _case(ctx, case_id)
        assert state == "dispatched" and actions[-1] == "rework" and "close" not in actions, actions

        # the new background model has learnt the box as part of the view: a re-check asking it would pass
        wait_for(lambda: _learnt(svc), 60, interval=0.2, what="new background learnt")
        pipe = svc.engine.pipelines[RTSP]
        H, W = pipe.bg.static_fg.shape
        x1, y1, x2, y2 = (int(BOX_AT[0] * W), int(BOX_AT[1] * H), int(BOX_AT[2] * W), int(BOX_AT[3] * H))
        assert float(pipe.bg.static_fg[y1:y2, x1:x2].mean()) < 0.1  # the trap is armed
        _rectify(ctx, case_id)
        svc.housekeeping_once()
        wait_for(lambda: _case(ctx, case_id)[1] == 2, 60, interval=0.3, what="返工 again")
        state, _, actions = _case(ctx, case_id)
        assert state == "dispatched" and "verify" not in actions and "close" not in actions, actions

        # now really cleared up: the camera closes it, with the frames it decided on
        rtsp.proc.send_signal(signal.SIGUSR2)
        _rectify(ctx, case_id)
        svc.housekeeping_once()
        wait_for(lambda: _case(ctx, case_id)[0] == "closed", 60, interval=0.3, what="closed after the fix")
        with ctx.sessions() as s:
            c = s.get(Case, case_id)
            ev = {e.kind: e for e in c.evidence}
            assert {"recheck", "recheck_crop"} <= set(ev)
            closure = render_document(s, c, "closure", "html").content.decode()
        assert f'src="/api/v1/evidence/{ev["ref_problem"].id}"' in closure and "整改前" in closure
        assert f'src="/api/v1/evidence/{ev["recheck_crop"].id}"' in closure and "整改后（摄像机复核）" in closure
        before, after = cv2.imread(ev["ref_problem"].path), cv2.imread(ev["recheck_crop"].path)
        def orange(img):
            return float(((img[..., 2] > 180) & (img[..., 1] > 90) & (img[..., 1] < 170) & (img[..., 0] < 80)).mean())
        assert orange(before) > 0.1 and orange(after) < 0.01, (orange(before), orange(after))
        assert np.abs(before.astype(int) - cv2.resize(after, before.shape[1::-1]).astype(int)).mean() > 5
    finally:
        ctx.stop()
        rtsp.stop()
