"""Events become outbox rows in the transition's own transaction: who is told, exactly once, with what."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.cases import Case
from models.notifications import Notification, ReporterConsent
from models.notify.sweep import deadline_soon
from models.workflow import apply
from models.workflow.jobs import check_deadlines

from .conftest import T0, configure, new_dispatched

CHANNELS = [{"name": "robot", "kind": "webhook", "url": "http://127.0.0.1:9/x"},
            {"name": "mail", "kind": "email", "smtp_host": "127.0.0.1", "starttls": False},
            {"name": "sms", "kind": "log"}]


def rows(ctx, code=None, event=None):
    with ctx.sessions() as s:
        q = select(Notification).order_by(Notification.id)
        if code:
            q = q.where(Notification.case_code == code)
        if event:
            q = q.where(Notification.event == event)
        return list(s.scalars(q))


def test_dispatch_tells_the_units_contacts_without_personal_data(ncity):
    configure(ncity, channels=CHANNELS, base_url="https://cw.example.gov.cn")
    code = new_dispatched(ncity)
    got = rows(ncity, code)
    assert [(r.event, r.channel, r.recipient) for r in got] == [
        ("dispatch", "robot", "13800000001"), ("dispatch", "mail", "nq@example.org")]
    msg = got[0]
    assert code in msg.body and "不文明养宠" in msg.body and "胜利路" in msg.body
    assert f"https://cw.example.gov.cn/tasks/{code}" in msg.body
    assert "处置期限" in msg.body and "—" not in msg.body.split("处置期限：")[1].splitlines()[0]
    for r in got:  # the inspector's description held a name and a phone: neither reaches the unit
        assert "13912345678" not in r.body + r.subject and "张三" not in r.body


def test_rolled_back_transition_leaves_no_message(ncity):
    configure(ncity, channels=CHANNELS)
    with pytest.raises(RuntimeError):
        with ncity.sessions.begin():
            raise RuntimeError("boom")  # nothing
    code = new_dispatched(ncity)
    with pytest.raises(RuntimeError):
        with ncity.sessions.begin() as s:
            case = s.scalar(select(Case).where(Case.code == code))
            apply(s, case, "escalate", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=1))
            assert s.scalar(select(func.count()).select_from(Notification).where(Notification.event == "escalate"))
            raise RuntimeError("the transaction fails after the transition")
    assert rows(ncity, code, "escalate") == []


def test_escalation_reaches_the_parent_units_leader_and_is_urgent(ncity):
    configure(ncity, channels=CHANNELS)
    code = new_dispatched(ncity)
    with ncity.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        apply(s, case, "escalate", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=1))
    got = rows(ncity, code, "escalate")
    assert sorted(r.recipient for r in got) == ["13800000001", "13800000002", "nq@example.org"]
    assert all(r.urgent for r in got)
    assert any("芗城区人民政府" in r.recipient_label for r in got)


def test_deadline_soon_once_per_window_and_overdue(ncity):
    configure(ncity, channels=CHANNELS, deadline_soon_fraction=0.75)
    code = new_dispatched(ncity, deadline=T0 + timedelta(hours=8))
    with ncity.sessions.begin() as s:  # 50 % of the time: nothing yet
        assert deadline_soon(s, ncity.config.notify, T0 + timedelta(hours=4)) == 0
    with ncity.sessions.begin() as s:  # 75 %: reminded
        assert deadline_soon(s, ncity.config.notify, T0 + timedelta(hours=6)) == 2
    with ncity.sessions.begin() as s:  # again (with or without the sweep's memory), and the workflow's own
        # 催办提醒: no second reminder
        done = set()
        assert deadline_soon(s, ncity.config.notify, T0 + timedelta(hours=6, minutes=30), done) == 0
        assert len(done) == 1
        assert deadline_soon(s, ncity.config.notify, T0 + timedelta(hours=6, minutes=31), done) == 0
        check_deadlines(s, T0 + timedelta(hours=7, minutes=30))
    assert len(rows(ncity, code, "deadline_soon")) == 2
    with ncity.sessions.begin() as s:
        assert check_deadlines(s, T0 + timedelta(hours=9))["escalated"] == 1
    overdue = rows(ncity, code, "overdue")
    assert len(overdue) == 3 and all(r.urgent for r in overdue)
    with ncity.sessions.begin() as s:  # an approved extension opens a new window: one more reminder
        case = s.scalar(select(Case).where(Case.code == code))
        apply(s, case, "request_extension", actor="u", actor_role="unit", actor_unit_id=case.unit_id,
              at=T0 + timedelta(hours=9), note="材料未到", data={"hours": 8})
        apply(s, case, "approve_extension", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=9))
        assert deadline_soon(s, ncity.config.notify, T0 + timedelta(hours=13)) == 0
        assert deadline_soon(s, ncity.config.notify, T0 + timedelta(hours=15)) == 2
    assert [r.event for r in rows(ncity, code)].count("extension_approved") == 2


def test_return_goes_to_the_center_and_rework_to_the_unit(ncity):
    configure(ncity, channels=CHANNELS, center=[{"channel": "robot", "address": "", "label": "指挥中心"}])
    code = new_dispatched(ncity)
    with ncity.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        apply(s, case, "return", actor="u", actor_role="unit", actor_unit_id=case.unit_id, note="非本单位职责",
              at=T0 + timedelta(hours=1))
    ret = rows(ncity, code, "return")
    assert [(r.recipient_label, r.recipient) for r in ret] == [("指挥中心", "")]
    assert "非本单位职责" in ret[0].body


def test_citizen_told_only_with_consent_and_never_the_case_internals(ncity):
    configure(ncity, channels=CHANNELS, citizen_channel="sms")
    for agreed in (False, True):
        code = new_dispatched(ncity, source="citizen", contact="13912345678")
        with ncity.sessions.begin() as s:
            case = s.scalar(select(Case).where(Case.code == code))
            if agreed:
                s.add(ReporterConsent(case_id=case.id, agreed_at=T0))
            s.flush()
            apply(s, case, "rectify", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=1))
            apply(s, case, "verify", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=1))
            apply(s, case, "close", actor="sup", actor_role="supervisor", at=T0 + timedelta(hours=1))
        told = [r for r in rows(ncity, code) if r.event.startswith("citizen_")]
        if not agreed:
            assert told == []
        else:
            assert [(r.event, r.recipient) for r in told] == [("citizen_closed", "13912345678")]
            assert code not in told[0].body and "/tasks/" not in told[0].body
    # the unit's messages about the citizen's case never carry the reporter's phone
    assert not [r for r in rows(ncity) if r.channel != "sms" and "13912345678" in r.body + r.recipient]


def test_nothing_written_without_channels(ncity):
    configure(ncity)
    new_dispatched(ncity)
    assert rows(ncity) == []


def test_link_defaults_to_the_servers_public_address(ncity):
    from models.notify.settings import effective

    ncity.config.server.public_url = "https://cw.zhangzhou.gov.cn"
    configure(ncity, channels=CHANNELS)
    assert effective(ncity.config).base_url == "https://cw.zhangzhou.gov.cn"
    code = new_dispatched(ncity)
    assert f"https://cw.zhangzhou.gov.cn/tasks/{code}" in rows(ncity, code)[0].body
    ncity.config.server.public_url = None
    assert effective(ncity.config).base_url == "http://127.0.0.1:8050"
