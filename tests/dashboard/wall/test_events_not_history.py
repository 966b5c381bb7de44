"""The wall's 实时发现 list shows what live detection found, never the demo history (演示历史数据)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dashboard.wall.live_sections import events
from models.clock import utcnow
from models.registry import Camera, ProblemType
from models.workflow import open_case
from tests.factories import make_registry


def test_events_list_live_cases_only(sqlite_ctx):
    now = utcnow()
    with sqlite_ctx.sessions.begin() as s:
        make_registry(s)
        pt = s.scalar(select(ProblemType).where(ProblemType.code == "PT01"))
        cam = s.scalars(select(Camera)).first()
        live = open_case(s, source="camera", problem_type=pt, found_at=now - timedelta(hours=2), actor="x",
                         actor_role="system", camera=cam, zone="z", box=[0.1, 0.1, 0.2, 0.2]).id
        past = open_case(s, source="camera", problem_type=pt, found_at=now - timedelta(hours=1), actor="x",
                         actor_role="system", camera=cam, zone="z", box=[0.1, 0.1, 0.2, 0.2], demo_history=True).id
    with sqlite_ctx.sessions() as s:
        ids = [e["id"] for e in events(s, now)]
    assert live in ids and past not in ids
