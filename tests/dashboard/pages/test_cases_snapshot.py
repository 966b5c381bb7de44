"""Issue 18 defect 2: while cases arrive, the scrolled case grid shows every case once — its blocks are read
against one snapshot (LIMIT/OFFSET no longer shifts under new rows), rows are identified by the case code,
and the new cases are offered as 刷新."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.clock import utcnow
from models.registry import MonitoringPoint, ProblemType
from models.workflow import open_case
from tests.dashboard.desktop_helpers import callback_key, dash_call, login


def _add_cases(ctx, n, hours_ago):
    with ctx.sessions.begin() as s:
        ptype = s.scalars(select(ProblemType).order_by(ProblemType.id)).first()
        point = s.scalars(select(MonitoringPoint).order_by(MonitoringPoint.id)).first()
        for i in range(n):
            open_case(s, source="inspector", problem_type=ptype, point=point, actor="sup1", actor_role="supervisor",
                      found_at=utcnow() - timedelta(hours=hours_ago, minutes=i), description=f"新增 {i}")


def _block(app, client, start, end, snapshot):
    r = dash_call(client, app, callback_key(app, "cases-count"),
                  {"cases-grid.getRowsRequest": {"startRow": start, "endRow": end,
                                                 "sortModel": [{"colId": "found_at", "sort": "desc"}]}},
                  {"cases-filter.data": {}, "cases-snapshot.data": snapshot})
    assert r.status_code == 200, r.data
    return r.get_json()["response"]["cases-grid"]["getRowsResponse"]


def test_scrolled_grid_shows_each_case_once_while_cases_arrive(desk, sqlite_ctx):
    app, _ = desk
    _add_cases(sqlite_ctx, 8, hours_ago=10)  # 12 cases in all
    sup = app.server.test_client()
    login(sup, "sup1")
    r = dash_call(sup, app, callback_key(app, "cases-snapshot"), {"cases-filter.data": {}})
    snapshot = r.get_json()["response"]["cases-snapshot"]["data"]
    first = _block(app, sup, 0, 5, snapshot)
    assert first["rowCount"] == 12
    _add_cases(sqlite_ctx, 3, hours_ago=0)  # arrive while the supervisor scrolls; newest first in this sort
    rows = first["rowData"] + _block(app, sup, 5, 10, snapshot)["rowData"] + _block(app, sup, 10, 15, snapshot)["rowData"]
    codes = [row["case"] for row in rows]
    assert len(codes) == len(set(codes)) == 12
    assert all(row["case"] in row["code"] for row in rows)  # the grid's row id is the case code
    # the new cases are announced, and 刷新 (a new snapshot) lists all 15
    r = dash_call(sup, app, callback_key(app, "cases-new"), {"cases-new-tick.n_intervals": 1},
                  {"cases-filter.data": {}, "cases-snapshot.data": snapshot})
    assert r.get_json()["response"]["cases-new"]["children"] == "有 3 件新案件，点击刷新列表"
    r = dash_call(sup, app, callback_key(app, "cases-snapshot"), {"cases-new.n_clicks": 1},
                  triggered="cases-new.n_clicks")
    fresh = r.get_json()["response"]["cases-snapshot"]["data"]
    assert _block(app, sup, 0, 100, fresh)["rowCount"] == 15


def test_unit_operator_new_cases_count_stays_in_scope(desk, sqlite_ctx):
    """The 新案件 notice counts only the operator's own unit's cases (the others arrive undispatched)."""
    app, _ = desk
    op = app.server.test_client()
    login(op, "op_lw")
    r = dash_call(op, app, callback_key(app, "cases-snapshot"), {"cases-filter.data": {}})
    snapshot = r.get_json()["response"]["cases-snapshot"]["data"]
    _add_cases(sqlite_ctx, 2, hours_ago=0)
    r = dash_call(op, app, callback_key(app, "cases-new"), {"cases-new-tick.n_intervals": 1},
                  {"cases-filter.data": {}, "cases-snapshot.data": snapshot})
    assert r.get_json()["response"]["cases-new"]["style"] == {"display": "none"}

