"""``/api/v1/notifications``: staff list the outbox (dead letters for admins to act on), a reporter's phone
masked; admins requeue a dead letter; bad filters are named."""
from __future__ import annotations

from sqlalchemy import select

from dashboard.app import create_app
from models.cases import Case
from models.notifications import Notification, ReporterConsent
from models.notify.sender import deliver_due
from models.notify.service import channels_for
from models.security import create_token
from models.workflow import apply
from tests.models.notify.conftest import T0, configure, new_dispatched, with_contacts


def _h(ctx, role, unit_code=None):
    with ctx.sessions.begin() as s:
        token, _ = create_token(s, role, unit_code=unit_code)
    return {"Authorization": f"Bearer {token}"}


def test_list_and_retry_dead_letters(sqlite_ctx):
    ctx = sqlite_ctx
    with_contacts(ctx)
    configure(ctx, channels=[{"name": "robot", "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
                             {"name": "sms", "kind": "log"}], citizen_channel="sms", max_attempts=1,
              quiet_hours=None)
    code = new_dispatched(ctx, source="citizen", contact="13912345678")
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        s.add(ReporterConsent(case_id=case.id, agreed_at=T0))
        s.flush()
        apply(s, case, "invalidate", actor="sup", actor_role="supervisor", note="重复举报", at=T0)
    deliver_due(ctx.sessions, ctx.config.notify, channels_for(ctx), T0)  # port 9 refuses: dead at once
    client = create_app(ctx).server.test_client()
    sup = _h(ctx, "supervisor")
    r = client.get("/api/v1/notifications?status=dead", headers=sup)
    assert r.status_code == 200
    [dead] = r.get_json()["items"]
    assert (dead["case_code"], dead["event"], dead["channel"], dead["attempts"]) == (code, "dispatch", "robot", 1)
    everything = client.get(f"/api/v1/notifications?case={code}", headers=sup).get_json()["items"]
    citizen = [i for i in everything if i["event"] == "citizen_rejected"]
    assert [i["recipient"] for i in citizen] == ["139****5678"]  # masked
    assert client.get("/api/v1/notifications?status=lost", headers=sup).status_code == 400
    assert client.get("/api/v1/notifications?limit=0", headers=sup).status_code == 400
    assert client.get("/api/v1/notifications", headers=_h(ctx, "unit", "U-XC-NQ")).status_code == 403

    url = f"/api/v1/notifications/{dead['id']}/retry"
    assert client.post(url, headers=sup).status_code == 403  # admins only
    admin = _h(ctx, "admin")
    r = client.post(url, headers=admin)
    assert r.status_code == 200 and r.get_json()["status"] == "pending" and r.get_json()["attempts"] == 0
    assert client.post(url, headers=admin).status_code == 409  # no longer dead
    assert client.post("/api/v1/notifications/999999/retry", headers=admin).status_code == 404
    with ctx.sessions() as s:
        assert s.get(Notification, dead["id"]).status == "pending"
