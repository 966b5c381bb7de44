"""类型待确认: a camera case whose type no rule confirmed waits for a supervisor, who confirms or changes the
type at 立案 — logged in the transition, replayable, never accepted automatically."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from models.case_queries import CaseFilter, FilterError, case_count, case_page
from models.cases import Case
from models.workflow import WorkflowError, apply, open_case, replay_case
from models.workflow.machine import PROJECTION_FIELDS
from tests.factories import make_registry

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _open(s, city, unconfirmed: bool):
    return open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=T0, actor="detection",
                     actor_role="system", camera=city.cameras[0], zone="人行道", box=[0.1, 0.6, 0.2, 0.7],
                     type_unconfirmed=unconfirmed)


def test_unconfirmed_case_waits_and_supervisor_changes_the_type_at_accept(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        sure = _open(s, city, False)
        case = _open(s, city, True)
        assert sure.state == "dispatched"  # the same type, confirmed by its rule: auto-accepted and dispatched
        assert case.state == "found" and case.type_unconfirmed is True  # waits for a person
        assert [t.action for t in case.transitions] == ["open"]
        assert case.transitions[0].data["type_unconfirmed"] is True
        with pytest.raises(WorkflowError, match="problem_type_id.*类型待确认"):
            apply(s, case, "accept", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=1))
        with pytest.raises(WorkflowError, match="problem_type_id: unknown problem type 999999"):
            apply(s, case, "accept", actor="sup", actor_role="supervisor", data={"problem_type_id": 999999})
        with pytest.raises(WorkflowError, match="problem_type_id: unknown problem type True"):
            apply(s, case, "accept", actor="sup", actor_role="supervisor", data={"problem_type_id": True})
        assert case.state == "found" and case.type_unconfirmed is True  # refused actions changed nothing
        other = city.type("占道经营")
        t = apply(s, case, "accept", actor="sup", actor_role="supervisor", at=T0 + timedelta(minutes=2),
                  data={"problem_type_id": other.id})
        assert case.state == "accepted" and case.problem_type_id == other.id and case.type_unconfirmed is False
        assert t.data == {"problem_type_id": other.id, "from_problem_type_id": city.type("暴露垃圾").id}
        case_id = case.id
    with ctx.sessions() as s:
        case = s.get(Case, case_id)
        assert case.problem_type_id == other.id and not case.type_unconfirmed
        assert replay_case(case.transitions) == {f: getattr(case, f) for f in PROJECTION_FIELDS}


def test_confirming_the_same_type_clears_the_flag(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        case = _open(s, city, True)
        apply(s, case, "accept", actor="sup", actor_role="supervisor", data={"problem_type_id": case.problem_type_id})
        assert case.type_unconfirmed is False and case.problem_type_id == city.type("暴露垃圾").id


def test_case_filter_lists_only_unconfirmed_cases(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        _open(s, city, False)
        wanted = _open(s, city, True).id
    with ctx.sessions() as s:
        f = CaseFilter.from_dict({"type_unconfirmed": True})
        assert case_count(s, f) == 1 and case_count(s, CaseFilter()) == 2
        (row,) = case_page(s, f)
        assert row["id"] == wanted and row["type_unconfirmed"]
    with pytest.raises(FilterError, match="type_unconfirmed"):
        CaseFilter.from_dict({"type_unconfirmed": "yes"})
