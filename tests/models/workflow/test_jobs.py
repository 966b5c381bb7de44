"""Deadline jobs (reminders, 督办), demo responders, the append-only guard and the service start/stop."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from models.cases import Case
from models.config import DemoResponders
from models.registry import RoutingRule
from models.workflow import open_case, replay_case, report_recheck_sample
from models.workflow.demo import demo_rectifications, plan, run_demo_responders
from models.workflow.guard import install_log_guard
from models.workflow.jobs import check_deadlines
from models.workflow.service import start_workflow_jobs
from tests.factories import make_registry

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def test_reminder_before_and_escalation_after_the_deadline_once_each(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        street = next(u for u in city.units if u.code == "U-XC-NQ")
        s.add(RoutingRule(problem_type_id=city.type("占道经营").id, point_id=city.points[1].id, unit_id=street.id))
        case = open_case(s, source="camera", problem_type=city.type("占道经营"), found_at=T0, actor="c",
                         actor_role="system", camera=city.cameras[2])  # 2 hours
        assert check_deadlines(s, T0 + timedelta(minutes=30)) == {"reminded": 0, "escalated": 0}
        assert check_deadlines(s, T0 + timedelta(minutes=70)) == {"reminded": 1, "escalated": 0}
        assert check_deadlines(s, T0 + timedelta(minutes=80)) == {"reminded": 0, "escalated": 0}
        assert check_deadlines(s, T0 + timedelta(hours=3)) == {"reminded": 0, "escalated": 1}
        assert check_deadlines(s, T0 + timedelta(hours=4)) == {"reminded": 0, "escalated": 0}
        esc = case.transitions[-1]
        assert esc.action == "escalate" and case.escalated
        assert case.unit_id == street.id  # the point rule wins over the type default
        assert esc.data["notify"]["units"] == [street.id, street.parent_id]
        assert "supervisor" in esc.data["notify"]["roles"]
        assert replay_case(case.transitions)["escalated"] is True


def test_demo_plan_shares_and_responders_close_the_loop(ctx):
    cfg = DemoResponders(min_delay_s=10, max_delay_s=20, fail_share=0.2, overdue_share=0.1)
    outcomes = [plan(i, 0, cfg)[1] for i in range(2000)]
    assert 0.08 < outcomes.count("ignore") / 2000 < 0.12
    assert 0.17 < outcomes.count("not_fixed") / 2000 < 0.23
    assert all(plan(i, 1, cfg)[1] == "fixed" for i in range(50))  # after 返工 the fix is real
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        cases = [open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="c",
                           actor_role="system", camera=city.cameras[0]) for _ in range(30)]
        counts = run_demo_responders(s, cfg, now=T0 + timedelta(seconds=5))
        assert counts == {"rectified": 0, "not_fixed": 0, "verified": 0}  # before the shortest delay
        counts = run_demo_responders(s, cfg, now=T0 + timedelta(seconds=30))
        expected = [plan(c.id, 0, cfg)[1] for c in cases]
        feed = demo_rectifications(s)
        assert [f["case_id"] for f in feed] == [c.id for c, o in zip(cases, expected) if o != "ignore"]
        assert all(f["camera_code"] == "CAM-0001" for f in feed)
        assert [f["fixed"] for f in feed] == [o == "fixed" for o in expected if o != "ignore"]
        assert demo_rectifications(s, after_id=feed[-1]["transition_id"]) == []
        assert counts["rectified"] == expected.count("fixed") and counts["not_fixed"] == expected.count("not_fixed")
        for c, outcome in zip(cases, expected):
            if outcome == "ignore":
                assert c.state == "dispatched"
                continue
            assert c.transitions[-1].data["demo"] == {"fixed": outcome == "fixed"}
            for i in range(6):  # the simulated scene: clean when fixed, object still there otherwise
                report_recheck_sample(s, c, outcome == "fixed", T0 + timedelta(seconds=40 + i))
            assert c.state == ("closed" if outcome == "fixed" else "dispatched")


def test_transition_log_is_append_only_in_the_database(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="c",
                  actor_role="system", camera=city.cameras[0])
    install_log_guard(ctx.engine)
    install_log_guard(ctx.engine)  # idempotent
    for sql in ("UPDATE case_transitions SET note = 'x'", "DELETE FROM case_transitions"):
        with pytest.raises(DBAPIError, match="append-only"):
            with ctx.engine.begin() as conn:
                conn.execute(text(sql))
    with ctx.sessions() as s:
        assert len(s.query(Case).one().transitions) == 3


def test_service_starts_publishes_status_and_stops(sqlite_ctx):
    scheduler = start_workflow_jobs(sqlite_ctx)
    assert scheduler.running
    st = sqlite_ctx.status["workflow"]()
    assert st["demo_responders"] is True and st["recheck_clean_samples"] == 3
    sqlite_ctx.stop()
    assert not scheduler.running
