"""Re-check samples that cannot be compared (unsure) wait, and a long run of them hands the case to a person
(转人工复核); a case without reference crops is handed over at once. Never a pass from an unsure sample."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from models.cases import Case
from models.detection.evidence import EvidenceStore
from models.detection.sinks import CaseSink
from models.workflow import (
    WorkflowForbidden, apply, awaiting_person, cases_awaiting_recheck, open_case, replay_case,
    report_recheck_sample,
)
from models.workflow.machine import PROJECTION_FIELDS
from models.workflow.recheck import RECHECK_DIRTY_GRACE, reset_recheck_runs
from tests.factories import make_registry

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _rectified(s, city):
    cam = city.cameras[0]
    c = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="CAM-0001",
                  actor_role="system", camera=cam, box=[0.2, 0.5, 0.3, 0.6])
    apply(s, c, "rectify", actor="op", actor_role="unit", actor_unit_id=c.unit_id, at=T0 + timedelta(hours=1),
          note="已清理")
    return c, cam


def test_unsure_samples_wait_then_go_to_a_person_and_never_pass(ctx):
    reset_recheck_runs()
    limit = ctx.config.workflow.recheck_unsure_samples
    n = ctx.config.workflow.recheck_clean_samples
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        case, cam = _rectified(s, city)
        t = T0 + timedelta(hours=2)
        # clean samples broken by unsure ones never add up to a pass
        for i in range(3 * limit // 2):
            clean = True if i % n != n - 1 else None
            report_recheck_sample(s, case, clean, t + timedelta(seconds=i), reason="遮挡")
            assert case.state == "rectified"
        # unsure samples do not reset a dirty run: the thing seen between passers-by still goes back
        reset_recheck_runs()
        for i in range(n + RECHECK_DIRTY_GRACE):
            report_recheck_sample(s, case, False, t + timedelta(minutes=5, seconds=2 * i))
            report_recheck_sample(s, case, None, t + timedelta(minutes=5, seconds=2 * i + 1), reason="遮挡")
        assert case.state == "dispatched" and case.rework_count == 1
        apply(s, case, "rectify", actor="op", actor_role="unit", actor_unit_id=case.unit_id,
              at=t + timedelta(minutes=10), note="再次清理")
        for i in range(limit):
            assert awaiting_person(case) is None
            report_recheck_sample(s, case, None, t + timedelta(minutes=11, seconds=i),
                                  reason="光照与参考图差异过大（如昼夜不同）")
        manual = awaiting_person(case)
        assert case.state == "rectified" and manual is not None and manual.actor == "camera"
        assert "光照与参考图差异过大" in manual.note and manual.data["recheck"]["unsure_run"] == limit
        assert cases_awaiting_recheck(s, cam.id) == []  # the camera leaves it to a person
        # more clean samples change nothing: the camera may not decide it any more, a supervisor does
        for i in range(n + 1):
            assert report_recheck_sample(s, case, True, t + timedelta(minutes=20, seconds=i)) is None
        assert case.state == "rectified" and awaiting_person(case) is manual
        with pytest.raises(WorkflowForbidden, match="recheck_manual"):
            apply(s, case, "recheck_manual", actor="sup", actor_role="supervisor", note="x")
        apply(s, case, "verify", actor="sup", actor_role="supervisor", note="现场核查已清理")
        apply(s, case, "close", actor="sup", actor_role="supervisor")
        assert [x.action for x in case.transitions][-3:] == ["recheck_manual", "verify", "close"]
        assert replay_case(case.transitions) == {f: getattr(case, f) for f in PROJECTION_FIELDS}


def test_a_case_without_reference_crops_goes_to_a_person_at_once(ctx, tmp_path):
    reset_recheck_runs()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        case, cam = _rectified(s, city)  # opened by hand: no reference crops
        case_id = case.id
    sink = CaseSink(ctx.sessions, EvidenceStore(tmp_path / "ev", min_free_mb=0))
    closed = sink.recheck("CAM-0001", np.zeros((180, 320, 3), np.uint8), (T0 + timedelta(hours=2)).timestamp())
    assert closed == []
    with ctx.sessions() as s:
        case = s.get(Case, case_id)
        manual = awaiting_person(case)
        assert case.state == "rectified" and manual is not None and "没有复核参考图" in manual.note
        assert s.scalar(select(Case.id).where(Case.state == "closed")) is None


def test_demo_supervisor_decides_camera_hand_overs(ctx):
    from models.config import DemoResponders
    from models.workflow import hand_to_person
    from models.workflow.demo import run_demo_responders

    reset_recheck_runs()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        cam = city.cameras[0]
        cases = []
        for fixed in (True, False):
            c = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="CAM-0001",
                          actor_role="system", camera=cam, box=[0.2, 0.5, 0.3, 0.6])
            apply(s, c, "rectify", actor="演示责任单位", actor_role="system", at=T0 + timedelta(hours=1),
                  note="已整改", data={"demo": {"fixed": fixed}})
            cases.append(c)
        waiting = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="CAM-0001",
                            actor_role="system", camera=cam, box=[0.5, 0.5, 0.6, 0.6])
        apply(s, waiting, "rectify", actor="演示责任单位", actor_role="system", at=T0 + timedelta(hours=1),
              note="已整改", data={"demo": {"fixed": True}})
        for c in cases:
            hand_to_person(s, c, "光照与参考图差异过大", T0 + timedelta(hours=2))
        cfg = DemoResponders(min_delay_s=0, max_delay_s=0, fail_share=0, overdue_share=0)
        run_demo_responders(s, cfg, now=T0 + timedelta(hours=3))
        assert cases[0].state == "closed" and cases[0].transitions[-2].actor == "演示督查员"
        assert cases[1].state == "dispatched" and cases[1].rework_count == 1
        assert waiting.state == "rectified"  # still the camera's to re-check: not decided by the demo
