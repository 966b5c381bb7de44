"""Issue 18 defect 4: refused actions and bad input are said in Chinese on pages (never the workflow's or the
validators' English), and a unit operator opening a page of another role gets a Chinese 403 page with links to
their start page and their own unit page — never ``{"error": "forbidden"}``."""
from __future__ import annotations

import re

from sqlalchemy import select

from models.cases import Case
from models.registry import IndicatorAssignment
from models.workflow import apply
from tests.dashboard.desktop_helpers import callback_key, dash_call, login

LATIN_WORDS = re.compile(r"[A-Za-z]{4,}")


def test_refused_task_action_is_said_in_chinese(desk):
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    code = seeded.cases["nq_dispatched"]
    c = app.server.test_client()
    login(c, "op_nq")
    # the supervisor closes the case meanwhile (the operator's page is stale)
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        for action in ("rectify", "verify", "close"):
            apply(s, case, action, actor="sup1", actor_role="supervisor" if action != "rectify" else "admin")
    r = dash_call(c, app, callback_key(app, "tasks-location"), {"tasks-submit.n_clicks": 1},
                  {"tasks-case.value": code, "tasks-mode.value": "request_extension", "tasks-note.value": "需要协调",
                   "tasks-photo.contents": None, "tasks-hours.value": 24})
    shown = r.get_json()["response"]["tasks-result"]["children"]
    text = shown["props"]["children"] if isinstance(shown, dict) else str(shown)
    assert "不能申请延期" in str(text) and "销号" in str(text)
    assert "cannot" not in str(text) and code not in str(text) and not LATIN_WORDS.search(str(text))


def test_refused_case_page_action_is_said_in_chinese(desk):
    app, seeded = desk
    code = seeded.cases["accepted"]
    c = app.server.test_client()
    login(c, "sup1")
    perform = [k for k in app.callback_map if k.startswith("..casepage-location.href")][0]
    r = dash_call(c, app, perform, {"casepage-confirm.n_clicks": 1},
                  {"casepage-pending.data": "close", "casepage-code.data": code})
    text = str(r.get_json()["response"]["casepage-result"]["children"])
    assert "不能销号" in text
    assert "cannot" not in text and "state" not in text


def test_indicator_save_bad_number_is_said_in_chinese(desk):
    app, _ = desk
    ctx = app.server.config["CIVICWATCH"]
    with ctx.sessions() as s:
        a = s.scalars(select(IndicatorAssignment)).first()
        sel = {"indicator_id": a.indicator_id, "unit_id": a.unit_id}
    c = app.server.test_client()
    login(c, "sup1")
    r = dash_call(c, app, callback_key(app, "indicators-edit-msg"), {"indicators-form-save.n_clicks": 1},
                  {"indicators-form-sel.data": sel, "indicators-form-progress.value": -5},
                  triggered="indicators-form-save.n_clicks")
    text = str(r.get_json()["response"]["indicators-edit-msg"]["children"]["props"]["children"])
    assert text == "未保存：进度：不能为负数"


def test_unit_operator_gets_a_chinese_403_page_with_their_unit(desk):
    app, _ = desk
    c = app.server.test_client()
    login(c, "op_nq")
    for path in ("/units", "/points", "/reports"):
        r = c.get(path)
        assert r.status_code == 403, path
        assert r.mimetype == "text/html", path
        body = r.get_data(as_text=True)
        assert "无权访问" in body and '"error"' not in body
        assert 'href="/tasks"' in body                        # their start page
        assert 'href="/units/U-XC-NQ"' in body and "南坑街道办事处" in body  # their own unit page
        assert c.get("/units/U-XC-NQ").status_code == 200    # … which they may open
    # the API keeps answering JSON (for programs)
    api = c.get("/api/v1/metrics")
    assert api.status_code == 403 and api.is_json


def test_unit_operator_nav_links_their_unit(desk):
    import flask

    from dashboard import access
    from dashboard.shell import header

    app, seeded = desk
    with app.server.test_request_context("/tasks"):
        flask.g.principal = access.Principal(kind="user", name="op_nq", role="unit",
                                             unit_id=seeded.unit_ids["U-XC-NQ"], id=4)
        html = str(header("tasks"))
    assert "/units/U-XC-NQ" in html and "本单位" in html
