"""Camera re-check (复核) on real footage that a restart cannot fool (issue 15).

vtest.avi with a pile of boxes planted on the path: detection confirms it and keeps the two reference
crops with the case; the unit reports it fixed; then the product restarts (new detection service: new
background models that re-learn whatever stands still, no running counts) while the case awaits 复核.

- object still there → 返工 within the re-check window, never closed (also in dimmer light);
- object removed → closed, with the deciding frames kept and 整改前/整改后 crops on the 销号单;
- object removed but re-checked at night (light far from both references) → not closed: the case waits,
  then is handed to a person (转人工复核) with the reason, and the camera stops re-checking it.

On SQLite and PostgreSQL (``db_url``), embedded (the detection service in the test process).
"""
from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from models.cases import Case, Evidence
from models.context import AppContext
from models.detection.recheck_refs import crop
from models.detection.service import DetectionService
from models.documents import render_document
from models.migrate import upgrade
from models.detection.problems import iou
from models.workflow import apply, awaiting_person, cases_awaiting_recheck
from models.workflow.recheck import RECHECK_DIRTY_GRACE, reset_recheck_runs
from models.workflow.settings import bind
from tests.conftest import make_config
from tests.factories import make_registry
from tests.models.detection.recheck_footage import (
    CAM, PLANT_BOX, dimmer, feed, frames, night, planted, prepare_registry,
)

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp()  # 10:00 in Zhangzhou
T_PLANT = START + 140  # after the background's 120 s learning phase
UNSURE = 6


@pytest.fixture
def rctx(tmp_path, db_url):
    ctx = AppContext.from_config(make_config(tmp_path, db_url, workflow={"recheck_unsure_samples": UNSURE}))
    upgrade(ctx.engine)
    bind(ctx)
    with ctx.sessions.begin() as s:
        make_registry(s)
        prepare_registry(s)
    reset_recheck_runs()
    yield ctx
    reset_recheck_runs()
    ctx.stop()


def _confirmed_case(ctx) -> tuple[int, float]:
    """Run detection until the planted pile is a dispatched case; returns (case id, time)."""
    svc = DetectionService(ctx)
    t = feed(svc, CAM, START, T_PLANT + 40, START, plant=lambda t: t >= T_PLANT)
    svc.sink.flush()
    with ctx.sessions() as s:
        cases = s.scalars(select(Case)).all()
        pile = [c for c in cases if iou(c.box, PLANT_BOX) > 0.3]
        assert len(pile) == 1, [(c.zone, c.box) for c in cases]
        case = pile[0]
        assert case.state == "dispatched" and case.zone == "路面"
        kinds = {e.kind for e in case.evidence}
        assert {"ref_problem", "ref_clean"} <= kinds, kinds
        return case.id, t


def _rectify_and_restart(ctx, case_id: int, t: float) -> DetectionService:
    with ctx.sessions.begin() as s:
        apply(s, s.get(Case, case_id), "rectify", actor="南坑街道", actor_role="system", note="已清理",
              at=datetime.fromtimestamp(t, UTC))
    reset_recheck_runs()  # the restart forgets the running counts …
    svc = DetectionService(ctx)  # … and the background models: the new ones learn what stands there now
    svc.housekeeping_once()
    return svc


def _actions(ctx, case_id):
    with ctx.sessions() as s:
        return [t.action for t in s.get(Case, case_id).transitions]


@pytest.mark.parametrize("light", [None, dimmer], ids=["same-light", "dimmer"])
def test_object_still_there_after_a_restart_goes_back_and_is_never_closed(rctx, light):
    case_id, t = _confirmed_case(rctx)
    svc = _rectify_and_restart(rctx, case_id, t)
    # 300 s: past the new background's learning phase, after which it has absorbed the pile
    feed(svc, CAM, t, t + 300, START, plant=lambda _t: True, light=light)
    actions = _actions(rctx, case_id)
    assert "verify" not in actions and "close" not in actions, actions
    with rctx.sessions() as s:
        case = s.get(Case, case_id)
        assert case.state == "dispatched" and case.rework_count == 1, actions
        rework = case.transitions[-1]
        assert rework.action == "rework" and rework.actor == "camera"
        n = rctx.config.workflow.recheck_clean_samples + RECHECK_DIRTY_GRACE
        assert rework.data["recheck"]["dirty_run"] == n and rework.data["recheck"]["samples"] == n
        assert rework.data["recheck"]["last"]["outcome"] == "dirty"
        kept = {e.id: e.kind for e in case.evidence}
        assert {kept[i] for i in rework.data["attachments"]} == {"recheck", "recheck_crop"}


def test_object_removed_after_a_restart_closes_with_before_and_after_crops(rctx):
    case_id, t = _confirmed_case(rctx)
    svc = _rectify_and_restart(rctx, case_id, t)
    feed(svc, CAM, t, t + 60, START, plant=None)
    with rctx.sessions() as s:
        case = s.get(Case, case_id)
        assert case.state == "closed", [x.action for x in case.transitions]
        verify = next(x for x in case.transitions if x.action == "verify")
        assert verify.actor == "camera" and verify.data["recheck"]["clean_run"] == 3
        ev = {e.kind: e for e in case.evidence}
        closure = render_document(s, case, "closure", "html").content.decode()
        rect = render_document(s, case, "rectification", "html").content.decode()
        before, after = cv2.imread(ev["ref_problem"].path), cv2.imread(ev["recheck_crop"].path)
    for doc in (closure, rect):
        assert f'src="/api/v1/evidence/{ev["ref_problem"].id}"' in doc and "整改前" in doc
        assert f'src="/api/v1/evidence/{ev["recheck_crop"].id}"' in doc and "整改后（摄像机复核）" in doc
        assert f'src="/api/v1/evidence/{ev["confirmation"].id}"' not in doc  # not the before frame as "after"
    # the pictures themselves: 整改前 shows the pile, 整改后 the bare path
    f = frames()[0]
    pile, bare = crop(planted(f), PLANT_BOX), crop(f, PLANT_BOX)
    def diff(a, b):
        return float(np.abs(a.astype(int) - cv2.resize(b, a.shape[1::-1]).astype(int)).mean())
    assert diff(before, pile) < diff(before, bare)
    assert diff(after, bare) < diff(after, pile)


def test_night_recheck_of_a_removed_object_is_never_passed_and_goes_to_a_person(rctx):
    case_id, t = _confirmed_case(rctx)
    svc = _rectify_and_restart(rctx, case_id, t)
    feed(svc, CAM, t, t + 300, START, plant=None, light=night)
    with rctx.sessions() as s:
        case = s.get(Case, case_id)
        actions = [x.action for x in case.transitions]
        assert case.state == "rectified" and "verify" not in actions and "close" not in actions, actions
        manual = awaiting_person(case)
        assert manual is not None and manual.actor == "camera" and "光照" in manual.note, manual and manual.note
        assert manual.data["recheck"]["unsure_run"] == UNSURE
        assert cases_awaiting_recheck(s, case.camera_id) == []  # the camera stops; a person decides
        assert s.scalar(select(Evidence.id).where(Evidence.case_id == case_id, Evidence.kind == "recheck"))
    # the supervisor checks and passes it through the workflow (logged like any transition)
    with rctx.sessions.begin() as s:
        case = s.get(Case, case_id)
        apply(s, case, "verify", actor="督查员", actor_role="supervisor", note="现场核查已清理")
        apply(s, case, "close", actor="督查员", actor_role="supervisor")
    assert _actions(rctx, case_id)[-3:] == ["recheck_manual", "verify", "close"]
