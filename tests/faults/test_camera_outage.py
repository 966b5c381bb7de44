"""A real RTSP camera and a real HTTP snapshot camera go away for 2 minutes (at the same time, so the 2
minutes are paid once) while each has an open case that detection opened, and come back.

The real runtime pieces run: the feeds service (scheduler, adapters, health recorder), the detection service
(workers, housekeeping, CaseSink) on a database. Afterwards: offline was recorded (camera health and its
events), nothing crashed, sampling resumed (online, frames analysed again, the object seen again) and the
open cases are the same cases, still open, with no new case for the same thing."""
from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import select

from feeds.health import OFFLINE, ONLINE
from feeds.service import start_feeds
from models.cases import Case
from models.context import AppContext
from models.detection.service import start_detection
from models.migrate import upgrade
from models.registry import Camera, CameraHealthEvent
from tests.conftest import make_config
from tests.feeds.sources import CameraHttpServer, RtspServer, wait_for

from .city import OPEN_STATES, duplicate_open_cases, log_problems, make_fault_city, slot_box, draw_object

pytestmark = pytest.mark.rtsp

OUTAGE_S = 120.0
RTSP, HTTP = "CAM-RTSP", "CAM-HTTP"
HTTP_BOX = slot_box(5)


def test_rtsp_and_http_cameras_gone_for_two_minutes_keep_their_open_cases(tmp_path):
    rtsp = RtspServer(extra_args=("--object", "hidden")).start()
    http = CameraHttpServer(size=(320, 240)).start()
    cfg = make_config(tmp_path, f"sqlite:///{tmp_path}/civicwatch.db",
                      feeds={"health": {"offline_after_s": 4.0},
                             "backoff": {"initial_s": 0.5, "max_s": 3.0},
                             "cameras": [{"code": RTSP, "kind": "rtsp",
                                          "options": {"open_timeout_s": 5, "read_timeout_s": 2}}]},
                      detection={"evidence_min_free_mb": 0})
    ctx = AppContext.from_config(cfg)
    try:
        upgrade(ctx.engine)
        with ctx.sessions.begin() as s:
            make_fault_city(s, [(RTSP, "rtsp", rtsp.url, 0.5), (HTTP, "http_snapshot", http.url("/snap.jpg"), 0.5)])
        svc = start_detection(ctx)
        svc.engine.learn_s = 8.0  # the background is learnt in 8 s instead of 2 minutes
        sched = start_feeds(ctx)
        runner = sched.runners

        def pipe(code):
            return svc.engine.pipelines.get(code)

        for code in (RTSP, HTTP):
            wait_for(lambda: runner[code].health.state == ONLINE, 60, interval=0.2, what=f"{code} online")
            wait_for(lambda: pipe(code) is not None and pipe(code).bg.ready and pipe(code).last_t is not None
                     and not pipe(code).bg.learning(pipe(code).last_t), 60, interval=0.2,
                     what=f"{code}: background learnt")
        # something is left in both streets: an orange box appears in the RTSP picture, a box on the snapshots
        rtsp.proc.send_signal(signal.SIGUSR1)
        with http.lock:
            base = http.base.copy()
            draw_object(base, HTTP_BOX)
            http.base = base

        def open_cases(code):
            with ctx.sessions() as s:
                return [(c.id, c.state) for c in s.scalars(select(Case).join(Camera, Camera.id == Case.camera_id)
                                                           .where(Camera.code == code).order_by(Case.id))]
        for code in (RTSP, HTTP):
            wait_for(lambda: open_cases(code), 90, interval=0.3, what=f"detection opening a case on {code}")
        time.sleep(3)  # a few more samples: nothing else is raised
        before = {code: open_cases(code) for code in (RTSP, HTTP)}
        assert all(len(v) == 1 and v[0][1] in OPEN_STATES for v in before.values()), before
        frames_before = {code: runner[code].counters.frames for code in (RTSP, HTTP)}

        # both cameras lose power for 2 minutes
        gone = time.monotonic()
        rtsp.stop()
        http.stop()
        for code in (RTSP, HTTP):
            wait_for(lambda: runner[code].health.state == OFFLINE, 30, interval=0.2, what=f"{code} offline")
        while time.monotonic() - gone < OUTAGE_S:
            assert all(runner[c].health.state == OFFLINE for c in (RTSP, HTTP))  # never a false "online"
            time.sleep(1.0)
        assert all(th.is_alive() for th in svc.threads)
        back_at = time.time()
        port = rtsp.port
        rtsp = RtspServer(extra_args=("--object", "shown"))  # the thing is still there when the camera returns
        rtsp.port = port
        rtsp.start()
        http.start()
        for code in (RTSP, HTTP):
            wait_for(lambda: runner[code].health.state == ONLINE, 90, interval=0.2, what=f"{code} online again")
            # sampling resumed and detection matched the thing to its existing case
            wait_for(lambda: any(p.case_id == before[code][0][0] and p.last_seen >= back_at
                                 for p in pipe(code).tracker.problems), 60, interval=0.2,
                     what=f"{code}: the object seen again and matched to case {before[code][0][0]}")
        # well past the dwell time after the return: no new case for the same thing
        start = {code: pipe(code).frames for code in (RTSP, HTTP)}
        for code in (RTSP, HTTP):
            wait_for(lambda: pipe(code).frames >= start[code] + 20, 60, interval=0.2,
                     what=f"20 more analysed frames of {code}")
        after = {code: open_cases(code) for code in (RTSP, HTTP)}
        assert after == before
        assert all(runner[c].counters.frames > frames_before[c] for c in (RTSP, HTTP))
        assert svc.errors == 0, svc.last_error
        # offline (and back) is recorded in the database
        wait_for(lambda: _events(ctx, RTSP)[-1:] == [ONLINE] and _events(ctx, HTTP)[-1:] == [ONLINE], 30,
                 interval=0.3, what="health events flushed")
        for code in (RTSP, HTTP):
            states = _events(ctx, code)
            assert OFFLINE in states and ONLINE in states[states.index(OFFLINE):], (code, states)
            assert runner[code].counters.reconnects >= 1
        with ctx.sessions() as s:
            assert duplicate_open_cases(s) == []
            assert log_problems(s) == []
            assert {c.health for c in s.scalars(select(Camera))} == {ONLINE}
    finally:
        ctx.stop()
        rtsp.stop()
        http.stop()


def _events(ctx, code) -> list[str]:
    with ctx.sessions() as s:
        q = (select(CameraHealthEvent).join(Camera, Camera.id == CameraHealthEvent.camera_id)
             .where(Camera.code == code).order_by(CameraHealthEvent.id))
        return [e.to_state for e in s.scalars(q)]
