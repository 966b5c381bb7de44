"""End to end on a small simulated city: scripted problems → frames → detection → cases via the workflow,
scored against the script; a restart does not re-raise; a rectified problem disappears and the camera
re-check closes its case, while a case reported fixed whose object stays goes back (返工) — also when the
product restarted while it awaited 复核 and its background model re-learnt the unfixed object."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from feeds.base import CameraSourceSpec
from feeds.registry import make_adapter
from feeds.scene.scoring import CameraRun, Raised, score
from feeds.scene.script import ScriptParams, day_start, ground_truth, visible_at
from models.detection.problems import iou
from feeds.simulated import REMOVED, link_city
from models.cases import Case, Evidence, Observation
from models.context import AppContext
from models.detection.service import DetectionService
from models.detection.sources import registry_from_db
from models.frames import FrameEvent
from models.migrate import upgrade
from models.workflow import apply
from models.workflow.recheck import RECHECK_DIRTY_GRACE, reset_recheck_runs
from tests.conftest import make_config
from tests.factories import make_registry

SIM = {"seed": 11, "problems_per_camera_day": 96, "faults_per_camera_day": 0}
CAMERAS = ["CAM-0001", "CAM-0003"]
START = day_start(1795000000.0) + 10 * 3600  # 10:00 local
SECONDS = 2400


@pytest.fixture
def city_ctx(tmp_path, sqlite_url):
    ctx = AppContext.from_config(make_config(tmp_path, sqlite_url, simulator=SIM))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    yield ctx
    ctx.stop()
    for code in CAMERAS:
        REMOVED.pop(code, None)


def _adapters(ctx, clock):
    with ctx.sessions() as s:
        _book, zones = registry_from_db(s)
    out = {}
    for code in CAMERAS:
        spec = CameraSourceSpec(kind="simulated", width=320, height=180,
                                options={"zones": zones[code], **SIM})
        a = make_adapter(code, spec, clock=clock)
        a.open()
        out[code] = a
    return out, zones


def _feed(svc, adapters, clock_t, t0, t1, seq=[0]):
    t = t0
    while t < t1:
        clock_t[0] = t
        for code, a in adapters.items():
            img, media_t = a.read()
            seq[0] += 1
            svc.handle(FrameEvent(code, datetime.fromtimestamp(t, timezone.utc), img, seq[0], media_time_s=media_t))
        t += 2.0


def test_scripted_problems_become_cases_scored_against_the_script(city_ctx):
    ctx = city_ctx
    clock_t = [START]
    adapters, zones = _adapters(ctx, lambda: clock_t[0])
    svc = DetectionService(ctx)
    _feed(svc, adapters, clock_t, START, START + SECONDS)
    svc.sink.flush()
    params = ScriptParams(seed=SIM["seed"], problems_per_camera_day=SIM["problems_per_camera_day"],
                          faults_per_camera_day=0)
    with ctx.sessions() as s:
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        assert cases, "no case was opened"
        assert all(c.source == "camera" and c.box and c.zone for c in cases)
        assert all(c.state in ("accepted", "dispatched", "found") for c in cases)
        assert all(len(c.transitions) >= 1 for c in cases)
        kinds = {e.kind for e in s.scalars(select(Evidence))}
        assert {"first_sight", "confirmation"} <= kinds
        assert s.scalar(select(func.count()).select_from(Observation)) > 0
        book, _ = registry_from_db(s)
        runs = []
        for code in CAMERAS:
            run = CameraRun(code, t0=START, t1=START + SECONDS, warmup_s=120)
            run.truth, run.faults = ground_truth(code, zones[code], START, START + SECONDS, params)
            run.raised = [Raised(code, c.problem_type.code, c.zone, tuple(c.box), c.found_at.timestamp(),
                                 c.found_at.timestamp()) for c in cases if c.camera.code == code]
            runs.append(run)
    result = score(runs, zones, book)
    assert result["detectable"] >= 2, result
    assert result["precision"] >= 0.9, result
    assert result["recall"] >= 0.75, result

    # restart: open cases are reloaded, the same objects are not raised again
    n_cases = len(cases)
    svc2 = DetectionService(ctx)
    _feed(svc2, adapters, clock_t, START + SECONDS, START + SECONDS + 300)
    with ctx.sessions() as s:
        again = s.scalars(select(Case).where(Case.id > cases[-1].id)).all()
        # anything new must be a new scripted object, not one already raised
        for c in again:
            assert all(not (o.zone == c.zone and o.box == c.box) for o in cases)
    assert svc2.sink.cases_opened == len(again)

    # a case whose object is on screen is reported fixed while it is not (the simulator leaves the object),
    # and the product restarts while it awaits 复核: the new background model learns the unfixed object in its
    # learning phase, so only the reference crops kept at confirmation can tell — it must go back (返工) within
    # the re-check window, never close. Then it is really fixed and the restarted re-check closes it.
    t_fix = START + SECONDS + 300
    with ctx.sessions.begin() as s:
        def on_screen(c):
            visible, _ = visible_at(c.camera.code, zones[c.camera.code], t_fix, params)
            return any(iou(p.box, c.box) > 0.3 for p in visible)
        candidates = [c for c in s.scalars(select(Case).where(Case.state == "dispatched").order_by(Case.id))
                      if on_screen(c)]
        assert candidates, "no dispatched case whose object is still there"
        case = candidates[0]
        assert {e.kind for e in case.evidence} >= {"ref_problem", "ref_clean"}
        apply(s, case, "rectify", actor="unit", actor_role="system", note="已清理（实际未清理）",
              data={"demo": {"fixed": False}})
        case_id = case.id
    ctx.config.simulator.time_scale = 1.0
    link = link_city(ctx, poll_s=3600)
    import feeds.simulated as sim_mod

    def poll(at, removed):
        clock_t[0] = at
        real_time = sim_mod.time.time
        sim_mod.time.time = lambda: clock_t[0]
        try:
            assert link.poll_once() == removed
        finally:
            sim_mod.time.time = real_time

    poll(t_fix, 0)  # reported, not removed
    reset_recheck_runs()  # a restart forgets the running counts too
    svc3 = DetectionService(ctx)  # restart: new background models, nothing in memory
    svc3.housekeeping_once()
    # longer than the background's learning phase (120 s), after which a re-learnt model sees nothing there
    _feed(svc3, adapters, clock_t, t_fix, t_fix + 300)
    n = ctx.config.workflow.recheck_clean_samples + RECHECK_DIRTY_GRACE
    with ctx.sessions() as s:
        unfixed = s.get(Case, case_id)
        actions = [t.action for t in unfixed.transitions]
        assert "verify" not in actions and "close" not in actions, actions
        assert unfixed.state == "dispatched" and unfixed.rework_count == 1, actions
        rework = unfixed.transitions[-1]
        assert rework.action == "rework" and rework.actor == "camera"
        # returned within the re-check window: the first N + grace samples after the restart were all dirty
        assert rework.data["recheck"]["dirty_run"] == n and rework.data["recheck"]["samples"] == n
        assert {"recheck", "recheck_crop"} <= {e.kind for e in unfixed.evidence}  # the frames it decided on

    # now really fixed: the object goes, the (restarted) re-check closes the case
    t_fix2 = t_fix + 300
    with ctx.sessions.begin() as s:
        apply(s, s.get(Case, case_id), "rectify", actor="unit", actor_role="system", note="已清理",
              data={"demo": {"fixed": True}})
    poll(t_fix2, 1)
    svc3.housekeeping_once()
    _feed(svc3, adapters, clock_t, t_fix2, t_fix2 + 100)
    with ctx.sessions() as s:
        closed = s.get(Case, case_id)
        assert closed.state == "closed", [t.action for t in closed.transitions]
        verify = next(t for t in closed.transitions if t.action == "verify")
        assert verify.actor == "camera" and verify.data["recheck"]["clean_run"] >= 3
    assert n_cases >= 2
