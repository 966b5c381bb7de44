"""通知 page: staff see the outbox (dead letters first, with their error); only admins requeue a dead letter;
units and viewers cannot open it; the reporter appears as 举报人."""
from __future__ import annotations

import json

from sqlalchemy import select

from models.notifications import Notification
from tests.dashboard.desktop_helpers import callback_key, dash_call, login, pattern_clicks


def test_dead_letters_listed_and_requeued_by_admins(desk):  # noqa: F811
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    from models.clock import utcnow

    now = utcnow()
    with ctx.sessions.begin() as s:
        for i, (event, status, recipient) in enumerate([("dispatch", "dead", "13800000001"),
                                                        ("citizen_closed", "sent", "13912345678")]):
            s.add(Notification(dedupe_key=f"k{i}", case_code=seeded.cases["nq_dispatched"], event=event,
                               channel="robot", recipient=recipient, recipient_label="南坑街道 · 李联络", subject="s",
                               body="b", payload={}, status=status, attempts=8, last_error="HTTP 503",
                               created_at=now, next_attempt_at=now))
    key = callback_key(app, "notifypage-table")

    def show(client, status, **kw):
        r = dash_call(client, app, key, {"notifypage-status.value": status, **kw.get("inputs", {})},
                      triggered=kw.get("trig"))
        return r.status_code, json.dumps(r.get_json(), ensure_ascii=False) if r.status_code == 200 else ""

    sup = app.server.test_client()
    login(sup, "sup1")
    code, page = show(sup, "dead")
    assert code == 200 and "南坑街道 · 李联络" in page and "HTTP 503" in page and "已停止重试" in page
    assert "notifypage-retry" not in page  # supervisors see, admins requeue
    code, page = show(sup, "")
    assert "举报人" in page and "13912345678" not in page
    for name in ("op_nq", "viewer1"):
        c = app.server.test_client()
        login(c, name)
        assert c.get("/notifications").status_code == 403
        assert show(c, "dead")[0] == 403

    admin = app.server.test_client()
    login(admin, "admin1")
    with ctx.sessions() as s:
        dead_id = s.scalar(select(Notification.id).where(Notification.status == "dead"))
    pattern = [d for d in app.callback_map[key]["inputs"] if d["id"].startswith("{")][0]
    inputs, trig = pattern_clicks(f"{pattern['id']}.n_clicks", "notifypage-retry", "id", dead_id)
    code, page = show(sup, "dead", inputs=inputs, trig=trig)
    assert "只有管理员" in page
    code, page = show(admin, "dead", inputs=inputs, trig=trig)
    assert "已重新排队" in page
    with ctx.sessions() as s:
        assert s.get(Notification, dead_id).status == "pending"
