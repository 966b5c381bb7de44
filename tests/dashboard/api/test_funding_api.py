"""Incentive scores and the funding ledger over HTTP: supervisor proposes from the suggestion, admin approves,
viewer reads the ledger, XLSX and 表扬通报; roles, CSRF of browser sessions and bad input are refused."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dashboard.access import token_cache
from models.security import create_token
from tests.models.incentive_city import scenario


@pytest.fixture
def funding_api(ctx):
    from dashboard.app import create_app

    token_cache.clear()
    tokens = {}
    with ctx.sessions.begin() as s:
        city = scenario(s)
        for who, role in [("admin", "admin"), ("admin2", "admin"), ("supervisor", "supervisor"),
                          ("viewer", "viewer"), ("wall", "wall")]:
            tokens[who], _ = create_token(s, role, name=who)
        lw_id = city.units[3].id
    client = create_app(ctx).server.test_client()

    def call(method, url, who, **kw):
        return getattr(client, method)(url, headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)
    yield call, lw_id
    token_cache.clear()


def test_propose_approve_round_trip(funding_api):
    call, lw_id = funding_api
    scores = call("get", "/api/v1/incentives?period=2024&level=unit", "viewer").get_json()
    assert scores["advanced"][0]["key"] == lw_id and "lagging" not in scores
    sug = call("get", "/api/v1/funding/suggestion?period=2024&level=unit&total=900000", "supervisor").get_json()
    lines = sug["lines"]
    assert sum(x["amount_yuan"] for x in lines) == 900_000
    lines[0]["amount_yuan"] += 100  # edited by the supervisor
    lines.append({"recipient_kind": "village", "recipient_name": "@SUM(A1)村", "amount_yuan": 20000,
                  "purpose": "文明村镇创建"})
    r = call("post", "/api/v1/funding/proposals", "supervisor",
             json={"period": "2024", "title": "2024年度创建经费补助", "lines": lines})
    assert r.status_code == 201, r.get_json()
    prop = r.get_json()
    assert prop["status"] == "pending" and prop["total_yuan"] == 920_100
    assert prop["lines"][0]["suggested_yuan"] == prop["lines"][0]["amount_yuan"] - 100
    pid = prop["id"]
    assert call("get", f"/api/v1/funding/proposals/{pid}/commendation.html", "viewer").status_code == 409
    assert call("post", f"/api/v1/funding/proposals/{pid}/decision", "supervisor",
                json={"decision": "approved"}).status_code == 403
    bad = call("post", f"/api/v1/funding/proposals/{pid}/decision", "admin", json={"decision": "yes"})
    assert bad.status_code == 400 and "decision" in bad.get_json()["message"]
    ok = call("post", f"/api/v1/funding/proposals/{pid}/decision", "admin", json={"decision": "approved",
                                                                                  "note": "同意"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    again = call("post", f"/api/v1/funding/proposals/{pid}/decision", "admin2", json={"decision": "rejected"})
    assert again.status_code == 409
    ledger = call("get", "/api/v1/funding/proposals", "viewer").get_json()
    assert ledger["proposals"][0]["decided_by"] == "admin"
    html = call("get", f"/api/v1/funding/proposals/{pid}/commendation.html", "viewer")
    assert html.status_code == 200 and "表扬" in html.get_data(as_text=True)
    xlsx = call("get", "/api/v1/funding/ledger.xlsx", "viewer")
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(min_row=2, values_only=True))
    assert [r[5] for r in rows][-1] == "'@SUM(A1)村" and rows[-1][8] == 20000


def test_own_proposal_and_bad_bodies_refused(funding_api):
    call, lw_id = funding_api
    line = {"recipient_kind": "unit", "recipient_id": lw_id, "amount_yuan": 1000, "purpose": "补助"}
    r = call("post", "/api/v1/funding/proposals", "admin", json={"period": "2024", "title": "t", "lines": [line]})
    assert r.status_code == 201
    own = call("post", f"/api/v1/funding/proposals/{r.get_json()['id']}/decision", "admin",
               json={"decision": "approved"})
    assert own.status_code == 409 and "four-eyes" in own.get_json()["message"]
    for body, field in [({"title": "t", "lines": [line]}, "period"),
                        ({"period": "2024-13", "title": "t", "lines": [line]}, "period"),
                        ({"period": "2024", "title": "t", "lines": "x"}, "lines"),
                        ({"period": "2024", "title": "t", "lines": [dict(line, amount_yuan=0)]}, "lines[0].amount_yuan"),
                        ({"period": "2024", "title": "", "lines": [line]}, "title")]:
        bad = call("post", "/api/v1/funding/proposals", "supervisor", json=body)
        assert bad.status_code == 400 and bad.get_json()["field"] == field, (body, bad.get_json())
    assert call("post", "/api/v1/funding/proposals", "viewer",
                json={"period": "2024", "title": "t", "lines": [line]}).status_code == 403
    assert call("get", "/api/v1/funding/proposals", "wall").status_code == 403
    assert call("get", "/api/v1/funding/suggestion?total=abc", "supervisor").status_code == 400
    assert call("get", "/api/v1/incentives?level=street", "viewer").status_code == 400
    assert call("get", "/api/v1/funding/proposals/99999/commendation.html", "viewer").status_code == 404
