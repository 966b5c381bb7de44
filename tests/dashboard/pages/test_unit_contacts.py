"""通知联系人 on the unit page: listed; added and removed by staff and by the unit's own operator; refused for
viewers and other units' operators; bad values named."""
from __future__ import annotations

import json

from sqlalchemy import select

from models.config import NotifyConfig
from models.notifications import UnitContact
from models.registry import ResponsibleUnit
from tests.dashboard.desktop_helpers import callback_key, dash_call, login, pattern_clicks


def _contacts(ctx, code):
    with ctx.sessions() as s:
        uid = s.scalar(select(ResponsibleUnit.id).where(ResponsibleUnit.code == code))
        return [(c.role, c.name, c.channel, c.address) for c in
                s.scalars(select(UnitContact).where(UnitContact.unit_id == uid).order_by(UnitContact.id))]


def test_add_list_and_remove_contacts(desk):  # noqa: F811
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    ctx.config.notify = NotifyConfig(channels=[{"name": "mail", "kind": "email", "smtp_host": "127.0.0.1",
                                                "starttls": False}, {"name": "robot", "kind": "webhook",
                                                                     "url": "http://127.0.0.1:9/"}])
    key = callback_key(app, "units-d-contacts-table")

    def add(client, code, role="contact", name="李联络", channel="mail", address="nq@example.org"):
        r = dash_call(client, app, key, {"units-d-contacts-add.n_clicks": 1},
                      {"units-d-code.data": code, "units-d-contacts-role.value": role,
                       "units-d-contacts-name.value": name, "units-d-contacts-channel.value": channel,
                       "units-d-contacts-address.value": address}, triggered="units-d-contacts-add.n_clicks")
        assert r.status_code == 200, r.status_code
        return json.dumps(r.get_json(), ensure_ascii=False)

    sup = app.server.test_client()
    login(sup, "sup1")
    assert "已添加联系人" in add(sup, "U-XC-NQ")
    assert "not an e-mail address" in add(sup, "U-XC-NQ", address="not-mail")
    assert "unknown channel" in add(sup, "U-XC-NQ", channel="fax")
    assert "role" in add(sup, "U-XC-NQ", role="boss")
    op = app.server.test_client()
    login(op, "op_nq")
    assert "已添加联系人" in add(op, "U-XC-NQ", role="duty", name="值班室", channel="robot", address="")
    assert "没有权限" in add(op, "U-LW")  # another unit's contacts
    viewer = app.server.test_client()
    login(viewer, "viewer1")
    assert "没有权限" in add(viewer, "U-XC-NQ")
    assert _contacts(ctx, "U-XC-NQ") == [("contact", "李联络", "mail", "nq@example.org"),
                                         ("duty", "值班室", "robot", "")]
    assert _contacts(ctx, "U-LW") == []

    r = dash_call(sup, app, callback_key(app, "_pages_content"),
                  {"_pages_location.pathname": "/units/U-XC-NQ", "_pages_location.search": ""})
    page = json.dumps(r.get_json(), ensure_ascii=False)
    assert "通知联系人" in page and "nq@example.org" in page and "units-d-contacts-add" in page
    r = dash_call(viewer, app, callback_key(app, "_pages_content"),
                  {"_pages_location.pathname": "/units/U-XC-NQ", "_pages_location.search": ""})
    assert "units-d-contacts-add" not in json.dumps(r.get_json())  # read-only for viewers
    with ctx.sessions() as s:
        first = s.scalar(select(UnitContact.id).order_by(UnitContact.id))
    pattern = [d for d in app.callback_map[key]["inputs"] if d["id"].startswith("{")][0]
    inputs, trig = pattern_clicks(f"{pattern['id']}.n_clicks", "units-d-contacts-remove", "id", first)
    other = app.server.test_client()
    login(other, "op_lw")
    r = dash_call(other, app, key, inputs, {"units-d-code.data": "U-XC-NQ"}, triggered=trig)
    assert "没有权限" in json.dumps(r.get_json(), ensure_ascii=False)
    r = dash_call(sup, app, key, inputs, {"units-d-code.data": "U-XC-NQ"}, triggered=trig)
    assert "已删除联系人" in json.dumps(r.get_json(), ensure_ascii=False)
    assert _contacts(ctx, "U-XC-NQ") == [("duty", "值班室", "robot", "")]
