"""Issue 18 defect 10 (task form): every missing field is named at once, the message goes when the form is
changed, and the note is labelled for the chosen way (整改说明 / 延期理由 / 退回理由)."""
from __future__ import annotations

from tests.dashboard.desktop_helpers import callback_key, dash_call, login


def test_task_form_feedback(desk):
    app, seeded = desk
    c = app.server.test_client()
    login(c, "op_nq")
    code = seeded.cases["nq_dispatched"]
    r = dash_call(c, app, callback_key(app, "tasks-location"), {"tasks-submit.n_clicks": 1},
                  {"tasks-case.value": code, "tasks-mode.value": "rectify", "tasks-note.value": "",
                   "tasks-photo.contents": None, "tasks-hours.value": None})
    text = str(r.get_json()["response"]["tasks-result"]["children"])
    assert "请填写整改说明" in text and "照片" in text  # both at once
    modes = [k for k in app.callback_map if k.startswith("..tasks-photo-box.style")][0]
    r = dash_call(c, app, modes, {"tasks-mode.value": "request_extension"})
    resp = r.get_json()["response"]
    assert resp["tasks-note"]["label"] == "延期理由"
    assert resp["tasks-hours-box"]["style"]["display"] == "block"
    r = dash_call(c, app, modes, {"tasks-mode.value": "return"})
    assert r.get_json()["response"]["tasks-note"]["label"] == "退回理由"
    clear = [k for k in app.callback_map if k.startswith("tasks-result.children@")
             and {"id": "tasks-note", "property": "value"} in app.callback_map[k]["inputs"]]
    assert clear, "no callback clears the message when the note changes"
    r = dash_call(c, app, clear[0], {"tasks-note.value": "已清运"}, triggered="tasks-note.value")
    assert r.get_json()["response"]["tasks-result"]["children"] == ""
