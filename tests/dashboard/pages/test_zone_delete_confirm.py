"""Issue 18 defect 10: deleting a camera zone asks for confirmation first (the delete button sits in a confirm
dialog; only the confirmed dialog deletes)."""
from __future__ import annotations

import flask
from sqlalchemy import select

from dashboard import access
from models.registry import Camera
from tests.dashboard.desktop_helpers import dash_call, login, page_module


def _find(component, cid):
    if getattr(component, "id", None) == cid:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            found = _find(child, cid)
            if found is not None:
                return found
    return None


def test_zone_delete_needs_confirmation(desk):
    app, _ = desk
    ctx = app.server.config["CIVICWATCH"]
    with ctx.sessions() as s:
        cam = s.scalars(select(Camera).order_by(Camera.id)).first()
        code, before = cam.code, [z["name"] for z in cam.zones]
    assert before
    camera = page_module("camera_detail")
    with app.server.test_request_context(f"/cameras/{code}"):
        flask.g.principal = access.Principal(kind="user", name="sup1", role="supervisor", id=2)
        page = camera.layout(code=code)
    confirm = _find(page, "cameras-edit-delete-confirm")
    assert confirm is not None and "确定删除" in confirm.message
    assert _find(confirm, "cameras-edit-delete") is not None  # the button opens the dialog
    key = [k for k in app.callback_map if k.startswith("..cameras-edit-msg.children")][0]
    inputs = {d["id"] + "." + d["property"] for d in app.callback_map[key]["inputs"]}
    assert "cameras-edit-delete-confirm.submit_n_clicks" in inputs and "cameras-edit-delete.n_clicks" not in inputs
    c = app.server.test_client()
    login(c, "sup1")
    r = dash_call(c, app, key, {"cameras-edit-delete-confirm.submit_n_clicks": 1},
                  {"cameras-edit-view.data": {"selected": "0"}, "cameras-code.data": code},
                  triggered="cameras-edit-delete-confirm.submit_n_clicks")
    assert r.status_code == 200, r.data
    with ctx.sessions() as s:
        after = [z["name"] for z in s.scalar(select(Camera).where(Camera.code == code)).zones]
    assert after == before[1:]
