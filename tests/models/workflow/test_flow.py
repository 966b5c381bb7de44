"""The main path of a case and its side branches, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from models.cases import Case
from models.kpi import summary
from models.workflow import (
    WorkflowError, WorkflowForbidden, apply, cases_awaiting_recheck, open_case, replay_case, report_recheck_sample,
)
from models.workflow.machine import PROJECTION_FIELDS
from tests.factories import make_registry

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 Asia/Shanghai


def projection(case):
    return {f: getattr(case, f) for f in PROJECTION_FIELDS}


def test_camera_case_is_auto_accepted_routed_and_dispatched(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        case = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="CAM-0001",
                         actor_role="system", camera=city.cameras[0], zone="人行道", box=[0.1, 0.6, 0.2, 0.7])
        assert case.state == "dispatched"
        street = next(u for u in city.units if u.code == "U-XC-NQ")
        assert case.unit_id == street.id  # routing rule 暴露垃圾 × 芗城区 beats the type default
        assert case.point_id == city.cameras[0].point_id and case.district_id == city.districts[0].id
        # 4 working hours from Monday 09:00 local: 09:00-12:00 (3 h) + 14:30-15:30 → 15:30 local = 07:30 UTC
        assert case.deadline_at == datetime(2026, 3, 2, 7, 30, tzinfo=timezone.utc)
        assert [t.action for t in case.transitions] == ["open", "accept", "dispatch"]
        assert case.code.startswith("AJ20260302")
        case_id = case.id
    with ctx.sessions() as s:
        case = s.get(Case, case_id)
        assert replay_case(case.transitions) == projection(case)


def test_citizen_case_waits_for_supervisor_and_illegal_action_is_refused(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        case = open_case(s, source="citizen", problem_type=city.type("不文明养宠"), found_at=T0, actor="citizen",
                         actor_role="citizen", point=city.points[2], description="遛狗不牵绳")
        assert case.state == "found"
        with pytest.raises(WorkflowError, match=rf"{case.code}.*close.*found"):
            apply(s, case, "close", actor="sup", actor_role="supervisor")
        with pytest.raises(WorkflowForbidden):
            apply(s, case, "accept", actor="u", actor_role="unit", actor_unit_id=city.units[3].id)
        apply(s, case, "accept", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=5))
        apply(s, case, "dispatch", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=6),
              data={"unit_id": city.units[3].id})
        assert case.state == "dispatched" and case.unit_id == city.units[3].id
        # 3 working days of 6.5 h from Monday 09:06 local → Thursday 09:06 local
        assert case.deadline_at == datetime(2026, 3, 5, 1, 6, tzinfo=timezone.utc)
        # another unit may not touch it
        with pytest.raises(WorkflowForbidden):
            apply(s, case, "rectify", actor="op", actor_role="unit", actor_unit_id=city.units[2].id, note="x")
        # the unit returns it (with a reason) → supervisor queue
        with pytest.raises(WorkflowError, match="reason"):
            apply(s, case, "return", actor="op", actor_role="unit", actor_unit_id=city.units[3].id)
        apply(s, case, "return", actor="op", actor_role="unit", actor_unit_id=city.units[3].id,
              at=T0 + timedelta(hours=1), note="不属于本单位")
        assert case.state == "accepted" and case.unit_id is None and case.return_count == 1
        apply(s, case, "dispatch", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=2),
              data={"unit_id": city.units[2].id})
        op = dict(actor="op2", actor_role="unit", actor_unit_id=city.units[2].id)
        apply(s, case, "request_extension", **op, at=T0 + timedelta(hours=3), note="需协调", data={"hours": 24})
        with pytest.raises(WorkflowError, match="pending"):
            apply(s, case, "request_extension", **op, at=T0 + timedelta(hours=3), note="again", data={"hours": 2})
        before = case.deadline_at
        apply(s, case, "approve_extension", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=4))
        assert case.deadline_at == before + timedelta(hours=24) and case.extension_count == 1
        apply(s, case, "rectify", **op, at=T0 + timedelta(hours=5), note="已劝导")
        apply(s, case, "verify", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=6))
        apply(s, case, "close", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=6))
        assert case.state == "closed"
        assert replay_case(case.transitions) == projection(case)
        seqs = [t.seq for t in case.transitions]
        assert seqs == list(range(1, len(seqs) + 1))


def test_camera_recheck_clean_closes_and_dirty_goes_back_as_rework(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        cam = city.cameras[0]
        a = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="CAM-0001",
                      actor_role="system", camera=cam)
        b = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="CAM-0001",
                      actor_role="system", camera=cam)
        op = dict(actor="op", actor_role="unit", actor_unit_id=a.unit_id)
        apply(s, a, "rectify", **op, at=T0 + timedelta(hours=1), note="已清理")
        apply(s, b, "rectify", **op, at=T0 + timedelta(hours=1), note="已清理")
        assert {c.id for c in cases_awaiting_recheck(s, cam.id)} == {a.id, b.id}
        n = ctx.config.workflow.recheck_clean_samples
        t = T0 + timedelta(hours=1, minutes=1)
        for i in range(n):
            assert a.state == "rectified"
            report_recheck_sample(s, a, True, t + timedelta(seconds=i))
        assert a.state == "closed" and [x.action for x in a.transitions][-2:] == ["verify", "close"]
        for i in range(n + 1):
            report_recheck_sample(s, b, False, t + timedelta(seconds=i))
            assert b.state == "rectified"
        report_recheck_sample(s, b, False, t + timedelta(seconds=n + 1))
        assert b.state == "dispatched" and b.rework_count == 1
        assert cases_awaiting_recheck(s, cam.id) == []
        for c in (a, b):
            assert replay_case(c.transitions) == projection(c)


def test_summary_counts(ctx):
    now = T0 + timedelta(hours=10)
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        c1 = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="c",
                       actor_role="system", camera=city.cameras[0])
        open_case(s, source="camera", problem_type=city.type("占道经营"), found_at=T0, actor="c",
                  actor_role="system", camera=city.cameras[2])
        apply(s, c1, "rectify", actor="op", actor_role="unit", actor_unit_id=c1.unit_id, at=T0 + timedelta(hours=1))
        apply(s, c1, "verify", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=2))
        got = summary(s, now)
    assert got["points"] == 3 and got["cameras"] == 4 and got["units"] == 4 and got["problem_types"] == 4
    assert got["dispatched"] == 2 and got["handled"] == 1 and got["rectification_rate"] == 50.0
    assert got["open"] == 2 and got["overdue"] == 1  # 占道经营: 2 hours, still at the unit
    assert got["today"] == {"found": 2, "dispatched": 2, "rectified": 1, "overdue": 1}


def test_rejected_extension_keeps_the_deadline_and_invalidation_needs_a_reason(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        case = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="c",
                         actor_role="system", camera=city.cameras[0])
        op = dict(actor="op", actor_role="unit", actor_unit_id=case.unit_id)
        deadline = case.deadline_at
        with pytest.raises(WorkflowError, match="no pending extension"):
            apply(s, case, "approve_extension", actor="sup", actor_role="supervisor", at=T0)
        apply(s, case, "request_extension", **op, at=T0 + timedelta(minutes=1), note="需要吊车",
              data={"deadline": "2026-03-04T10:00:00+08:00"})
        apply(s, case, "reject_extension", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=2),
              note="时限内可完成")
        assert case.deadline_at == deadline and case.extension_count == 0
        apply(s, case, "request_extension", **op, at=T0 + timedelta(minutes=3), note="再次申请", data={"hours": 4})
        apply(s, case, "approve_extension", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=4))
        assert case.deadline_at == deadline + timedelta(hours=4) and case.extension_count == 1
        with pytest.raises(WorkflowError, match="reason"):
            apply(s, case, "invalidate", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=5))
        apply(s, case, "invalidate", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=5),
              note="重复案件")
        assert case.state == "invalid"
        with pytest.raises(WorkflowError, match="invalid"):
            apply(s, case, "rectify", **op, at=T0 + timedelta(minutes=6), note="x")
        assert replay_case(case.transitions) == projection(case)
