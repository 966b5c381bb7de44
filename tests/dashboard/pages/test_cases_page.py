"""The case grid's callbacks (/cases): rows per role, unit scope, saved filters, XLSX export; the case page's
actions through the workflow."""
from __future__ import annotations

import io
import time

from openpyxl import load_workbook
from sqlalchemy import select

from models.cases import Case
from tests.dashboard.desktop_helpers import callback_key, dash_call, login, pattern_clicks


def _rows(app, client, filt=None, sort=None):
    r = dash_call(client, app, callback_key(app, "cases-count"),
                  {"cases-grid.getRowsRequest": {"startRow": 0, "endRow": 100, "sortModel": sort or []}},
                  {"cases-filter.data": filt or {}})
    assert r.status_code == 200, r.data
    resp = r.get_json()["response"]
    return resp["cases-grid"]["getRowsResponse"], resp["cases-count"]["children"]


def test_grid_rows_for_supervisor_and_scoped_for_unit(desk):
    app, seeded = desk
    sup = app.server.test_client()
    login(sup, "sup1")
    data, count = _rows(app, sup)
    assert data["rowCount"] == 4 and count == "共 4 件"
    assert any(seeded.cases["lw_dispatched"] in row["code"] for row in data["rowData"])
    data, _ = _rows(app, sup, {"overdue": True})
    assert [row["overdue"] for row in data["rowData"]] == ["是"]
    op = app.server.test_client()
    login(op, "op_lw")
    data, count = _rows(app, op)
    assert count == "共 1 件"
    assert seeded.cases["lw_dispatched"] in data["rowData"][0]["code"]
    # a unit operator asking for another unit's cases still gets only their own (none here)
    data, count = _rows(app, op, {"unit_ids": [seeded.unit_ids["U-XC-NQ"]]})
    assert data["rowCount"] == 0 and count == "共 0 件"


def test_bad_filter_shows_message_not_rows(desk):
    app, _ = desk
    c = app.server.test_client()
    login(c, "sup1")
    r = dash_call(c, app, callback_key(app, "cases-count"),
                  {"cases-grid.getRowsRequest": {"startRow": 0, "endRow": 100}}, {"cases-filter.data": {"states": ["x"]}})
    resp = r.get_json()["response"]
    assert resp["cases-grid"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}
    assert "出错了" in str(resp["cases-empty"]["children"])


def test_saved_filters_per_user(desk):
    app, _ = desk
    c = app.server.test_client()
    login(c, "sup1")
    key = callback_key(app, "cases-saved-msg")
    key = [k for k in app.callback_map if k.startswith("..cases-saved.data")][0]
    r = dash_call(c, app, key, {"cases-save.n_clicks": 1}, {"cases-save-name.value": "超期案件",
                                                               "cases-filter.data": {"overdue": True}},
                  triggered="cases-save.n_clicks")
    resp = r.get_json()["response"]
    assert resp["cases-saved"]["data"] == [{"value": "超期案件", "label": "超期案件"}]
    # loading it fills the filter store
    set_key = [k for k in app.callback_map if k.startswith("..cases-filter.data")][0]
    r = dash_call(c, app, set_key, {"cases-saved.value": "超期案件"}, triggered="cases-saved.value")
    assert r.get_json()["response"]["cases-filter"]["data"]["overdue"] is True
    # another user does not see it
    other = app.server.test_client()
    login(other, "viewer1")
    r = dash_call(other, app, set_key, {"cases-saved.value": "超期案件"}, triggered="cases-saved.value")
    assert r.status_code == 204 or "cases-filter" not in (r.get_json() or {}).get("response", {})
    # a name is required
    r = dash_call(c, app, key, {"cases-save.n_clicks": 2}, {"cases-save-name.value": " ", "cases-filter.data": {}},
                  triggered="cases-save.n_clicks")
    assert "请先填写筛选名称" in str(r.get_json()["response"]["cases-saved-msg"]["children"])


def test_export_xlsx_with_progress_and_owner_only_download(desk):
    app, seeded = desk
    c = app.server.test_client()
    login(c, "sup1")
    key = [k for k in app.callback_map if k.startswith("..cases-export-job.data")][0]
    r = dash_call(c, app, key, {"cases-export.n_clicks": 1},
                  {"cases-filter.data": {"unit_ids": [seeded.unit_ids["U-XC-NQ"]]}, "cases-sort.data": []},
                  triggered="cases-export.n_clicks")
    job = r.get_json()["response"]["cases-export-job"]["data"]
    assert job
    for _ in range(100):
        r = dash_call(c, app, key, {"cases-export-tick.n_intervals": 1}, {"cases-export-job.data": job},
                      triggered="cases-export-tick.n_intervals")
        status = str(r.get_json()["response"]["cases-export-status"]["children"])
        if "/api/v1/cases/exports/" in status:
            break
        time.sleep(0.1)
    assert "已导出 2 行" in status
    # one click: the finished export is handed to the browser to download at once (issue 18 #10)
    assert r.get_json()["response"]["cases-export-url"]["data"] == f"/api/v1/cases/exports/{job}"
    other = app.server.test_client()
    login(other, "viewer1")
    assert other.get(f"/api/v1/cases/exports/{job}").status_code == 403
    resp = c.get(f"/api/v1/cases/exports/{job}")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号"
    assert {r[0] for r in rows[1:]} == {seeded.cases["nq_dispatched"], seeded.cases["nq_overdue"]}


def test_case_page_dispatch_needs_confirmation_and_reason_rules(desk):
    app, seeded = desk
    code = seeded.cases["accepted"]
    c = app.server.test_client()
    login(c, "sup1")
    ask = [k for k in app.callback_map if k.startswith("..casepage-modal.opened")][0]
    perform = [k for k in app.callback_map if k.startswith("..casepage-location.href")][0]
    # invalidate without a reason: no confirmation, a message
    pattern = [d for d in app.callback_map[ask]["inputs"] if d["id"].startswith("{")][0]
    pkey = f"{pattern['id']}.n_clicks"
    inputs, trig = pattern_clicks(pkey, "casepage-action", "action", "invalidate")
    r = dash_call(c, app, ask, inputs, {"casepage-code.data": code, "casepage-note.value": ""}, triggered=trig)
    resp = r.get_json()["response"]
    assert resp["casepage-modal"]["opened"] is False
    assert "必须填写理由" in str(resp["casepage-result"]["children"])
    inputs, trig = pattern_clicks(pkey, "casepage-action", "action", "dispatch")
    r = dash_call(c, app, ask, inputs, {"casepage-code.data": code, "casepage-note.value": ""}, triggered=trig)
    resp = r.get_json()["response"]
    assert resp["casepage-modal"]["opened"] is True and resp["casepage-pending"]["data"] == "dispatch"
    perform_resp = dash_call(c, app, perform, {"casepage-confirm.n_clicks": 1},
                             {"casepage-pending.data": "dispatch", "casepage-code.data": code,
                              "casepage-unit.value": str(seeded.unit_ids["U-LW"])})
    assert perform_resp.get_json()["response"]["casepage-location"]["href"] == f"/cases/{code}?done=dispatch"
    ctx = app.server.config["CIVICWATCH"]
    with ctx.sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        assert case.state == "dispatched" and case.unit_id == seeded.unit_ids["U-LW"]
        assert case.transitions[-1].actor == "sup1" and case.transitions[-1].action == "dispatch"
    # a viewer cannot act (gate), a unit operator of another unit cannot act (page check + workflow)
    v = app.server.test_client()
    login(v, "viewer1")
    assert dash_call(v, app, perform, {"casepage-confirm.n_clicks": 1},
                     {"casepage-pending.data": "close", "casepage-code.data": code}).status_code == 403
    op = app.server.test_client()
    login(op, "op_nq")
    r = dash_call(op, app, perform, {"casepage-confirm.n_clicks": 1},
                  {"casepage-pending.data": "return", "casepage-code.data": code, "casepage-note.value": "不归我们"})
    assert "没有权限" in str(r.get_json()["response"]["casepage-result"]["children"])
    with ctx.sessions() as s:
        assert s.scalar(select(Case).where(Case.code == code)).state == "dispatched"


def test_type_unconfirmed_filter_mark_and_accept_with_the_chosen_type(desk):
    from models.clock import utcnow
    from models.registry import ProblemType
    from models.workflow import open_case

    app, _seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    with ctx.sessions.begin() as s:
        garbage = s.scalar(select(ProblemType).where(ProblemType.name == "暴露垃圾"))
        stalls = s.scalar(select(ProblemType).where(ProblemType.name == "占道经营"))
        case = open_case(s, source="camera", problem_type=garbage, found_at=utcnow(), actor="detection",
                         actor_role="system", camera=1, type_unconfirmed=True)
        code, stalls_id = case.code, stalls.id
    c = app.server.test_client()
    login(c, "sup1")
    data, count = _rows(app, c, {"type_unconfirmed": True})
    assert count == "共 1 件" and code in data["rowData"][0]["code"]
    assert data["rowData"][0]["type"] == "暴露垃圾（待确认）"
    data, count = _rows(app, c)
    assert count == "共 5 件"
    page = c.get(f"/cases/{code}")
    assert page.status_code == 200
    perform = [k for k in app.callback_map if k.startswith("..casepage-location.href")][0]
    r = dash_call(c, app, perform, {"casepage-confirm.n_clicks": 1},
                  {"casepage-pending.data": "accept", "casepage-code.data": code, "casepage-type.value": str(stalls_id)})
    assert r.get_json()["response"]["casepage-location"]["href"] == f"/cases/{code}?done=accept"
    with ctx.sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        assert case.state == "accepted" and case.problem_type_id == stalls_id and not case.type_unconfirmed
        assert case.transitions[-1].actor == "sup1" and case.transitions[-1].data["problem_type_id"] == stalls_id
