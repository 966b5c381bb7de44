"""Browser sessions reach the API too: reads with the session cookie; writes need the session's CSRF token."""
from __future__ import annotations

from models.security import add_user
from models.workflow import open_case
from models.clock import utcnow
from tests.dashboard.desktop_helpers import PASSWORD, login, use_fast_hashing


def test_session_user_reads_and_writes_with_csrf(sqlite_ctx, monkeypatch):
    from tests.dashboard.api.conftest import _make_api

    use_fast_hashing(monkeypatch)
    api = _make_api(sqlite_ctx)
    with sqlite_ctx.sessions.begin() as s:
        add_user(s, "op_nq", PASSWORD, "unit", unit_code="U-XC-NQ")
        case = open_case(s, source="camera", problem_type=api.city_ids["types"]["暴露垃圾"], found_at=utcnow(),
                         actor="c", actor_role="system", camera=api.city_ids["cameras"][0])
        case_id = case.id
    client = api.client
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 401
    assert login(client, "op_nq").status_code in (302, 303)
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 200
    r = client.post(f"/api/v1/cases/{case_id}/actions/rectify", json={"note": "已清理"})
    assert r.status_code == 403 and r.get_json()["field"] == "X-CSRF-Token"
    me = client.get("/api/v1/me").get_json()
    assert me["role"] == "unit" and me["name"] == "op_nq"
    token = me["csrf_token"]
    r = client.post(f"/api/v1/cases/{case_id}/actions/rectify", json={"note": "已清理"},
                    headers={"X-CSRF-Token": token + "x"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{case_id}/actions/rectify", json={"note": "已清理"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["transition"]["actor"] == "op_nq"
    assert "csrf_token" not in api.get("/api/v1/me", "wall").get_json()  # bearer tokens need none
