"""Fixtures of the notification tests: the mini city with unit contacts and a notification config."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models.config import NotifyConfig
from models.notifications import UnitContact
from models.notify.settings import bind, effective
from models.registry import ProblemType, ResponsibleUnit
from models.workflow import apply, open_case
from tests.factories import make_registry

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Zhangzhou


def configure(ctx, **kw) -> NotifyConfig:
    """Set ``ctx.config.notify`` from keyword arguments and bind it to ``ctx.sessions``."""
    ctx.config.notify = NotifyConfig(**kw)
    return bind(ctx.sessions, effective(ctx.config))


@pytest.fixture
def ncity(ctx):
    """``ctx`` with the mini registry, and contacts: the street office (联络员 by webhook + e-mail) and its
    parent district government's leader."""
    return with_contacts(ctx)


@pytest.fixture
def sqlite_ncity(sqlite_ctx):
    """:func:`ncity` on SQLite only."""
    return with_contacts(sqlite_ctx)


def with_contacts(ctx):
    with ctx.sessions.begin() as s:
        make_registry(s)
        street = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == "U-XC-NQ"))
        s.add_all([UnitContact(unit_id=street.id, role="contact", name="李联络", channel="robot", address="13800000001"),
                   UnitContact(unit_id=street.id, role="contact", name="李联络", channel="mail", address="nq@example.org"),
                   UnitContact(unit_id=street.parent_id, role="leader", name="王区长", channel="robot",
                               address="13800000002")])
    return ctx


def new_dispatched(ctx, *, at=T0, source="inspector", contact=None, deadline=None, type_code="PT04"):
    """Open a case at 胜利路 and dispatch it to 南坑街道 (one transaction); returns its code."""
    with ctx.sessions.begin() as s:
        ptype = s.scalar(select(ProblemType).where(ProblemType.code == type_code))
        street = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == "U-XC-NQ"))
        from models.registry import MonitoringPoint

        point = s.scalar(select(MonitoringPoint).where(MonitoringPoint.code == "P-001"))
        case = open_case(s, source=source, problem_type=ptype, found_at=at, actor="insp", actor_role="inspector",
                         point=point, description="张三 13912345678 门口堆物", reporter_contact=contact)
        apply(s, case, "accept", actor="sup", actor_role="supervisor", at=at)
        data = {"unit_id": street.id}
        if deadline is not None:
            data["deadline"] = deadline.isoformat()
        apply(s, case, "dispatch", actor="sup", actor_role="supervisor", at=at, data=data)
        return case.code
