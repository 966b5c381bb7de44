"""Cases API: role restrictions (unit operators only their unit's cases), actions with 400/403/409, the
timeline, evidence images and the four documents."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from PIL import Image

from models.cases import Case, Evidence
from models.clock import utcnow
from models.workflow import open_case


def _open(ctx, api, type_name="暴露垃圾", camera_index=0, source="camera", with_image=False):
    with ctx.sessions.begin() as s:
        case = open_case(s, source=source, problem_type=api.city_ids["types"][type_name],
                         found_at=utcnow() - timedelta(minutes=30), actor="CAM", actor_role="system",
                         camera=api.city_ids["cameras"][camera_index], description="人行道有垃圾")
        if with_image:
            root = ctx.config.path(ctx.config.detection.evidence_dir)
            root.mkdir(parents=True, exist_ok=True)
            path = root / "ab" / "first.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (32, 24), (200, 30, 30)).save(path, "JPEG")
            s.add(Evidence(sha256="0" * 64, path=str(path), kind="first_sight", case_id=case.id,
                           camera_id=case.camera_id, width=32, height=24, created_at=utcnow()))
        return case.id, case.unit_id


def test_unit_operator_sees_and_acts_only_on_own_unit_cases(ctx, api):
    case_id, unit_id = _open(ctx, api)  # routed to 南坑街道 by the routing rule
    assert unit_id == api.units["U-XC-NQ"]
    assert api.get(f"/api/v1/cases/{case_id}", "unit_nq").status_code == 200
    resp = api.get(f"/api/v1/cases/{case_id}", "unit_lw")
    assert resp.status_code == 403 and resp.get_json()["error"] == "forbidden"
    assert api.post(f"/api/v1/cases/{case_id}/actions/rectify", "unit_lw", {"note": "x"}).status_code == 403
    assert api.get("/api/v1/cases", "unit_lw").get_json()["total"] == 0
    assert api.get("/api/v1/cases", "unit_nq").get_json()["total"] == 1
    assert api.get(f"/api/v1/cases/{case_id}", "wall").status_code == 403  # the wall has no case access
    assert api.post(f"/api/v1/cases/{case_id}/actions/verify", "viewer").status_code == 403
    assert api.client.get(f"/api/v1/cases/{case_id}").status_code == 401
    detail = api.get(f"/api/v1/cases/{case_id}", "unit_nq").get_json()
    assert "reporter_contact" not in detail  # personal data for staff only
    assert set(detail["allowed_actions"]) == {"return", "request_extension", "rectify"}


def test_actions_walk_the_case_to_closure_and_documents_download(ctx, api):
    case_id, _ = _open(ctx, api, with_image=True)
    doc = api.get(f"/api/v1/cases/{case_id}/documents/closure.html")
    assert doc.status_code == 409 and "销号单" in doc.get_json()["message"]
    r = api.post(f"/api/v1/cases/{case_id}/actions/verify")
    assert r.status_code == 409 and "dispatched" in r.get_json()["message"]
    r = api.post(f"/api/v1/cases/{case_id}/actions/request_extension", "unit_nq", {"note": "协调", "data": {"hours": -3}})
    assert r.status_code == 400 and r.get_json()["field"] == "hours"
    r = api.post(f"/api/v1/cases/{case_id}/actions/rectify", "unit_nq", {"note": 5})
    assert r.status_code == 400 and r.get_json()["field"] == "note"
    r = api.post(f"/api/v1/cases/{case_id}/actions/rectify", "unit_nq",
                 {"note": "已清理完毕", "data": {"attachments": []}})
    assert r.status_code == 201 and r.get_json()["case"]["state"] == "rectified"
    assert api.post(f"/api/v1/cases/{case_id}/actions/teleport").status_code == 404
    for action in ("verify", "close"):
        assert api.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"note": "现场核查"}).status_code == 201
    detail = api.get(f"/api/v1/cases/{case_id}").get_json()
    assert [t["action"] for t in detail["timeline"]] == ["open", "accept", "dispatch", "rectify", "verify", "close"]
    assert detail["timeline"][3]["actor"] == "unit_nq" and detail["state"] == "closed"
    (ev,) = detail["evidence"]
    img = api.get(ev["url"], "unit_nq")
    assert img.status_code == 200 and img.mimetype == "image/jpeg"
    assert api.get(ev["url"], "unit_lw").status_code == 403
    for kind, title in [("problem_list", "问题清单"), ("dispatch", "交办单"), ("rectification", "整改单"),
                        ("closure", "销号单")]:
        html = api.get(f"/api/v1/cases/{case_id}/documents/{kind}.html")
        assert html.status_code == 200 and html.mimetype == "text/html"
        text = html.get_data(as_text=True)
        assert f"<h1>{title}</h1>" in text and detail["code"] in text and "@media print" in text
        xlsx = api.get(f"/api/v1/cases/{case_id}/documents/{kind}.xlsx")
        assert xlsx.status_code == 200
        ws = load_workbook(io.BytesIO(xlsx.data)).active
        assert ws["A1"].value == title
        values = {c.value for row in ws.iter_rows() for c in row}
        assert detail["code"] in values
    html = api.get(f"/api/v1/cases/{case_id}/documents/rectification.html").get_data(as_text=True)
    assert "已清理完毕" in html and "南坑街道办事处" in html
    assert api.get(f"/api/v1/cases/{case_id}/documents/closure.xlsx", "unit_lw").status_code == 403


def test_list_filters_sorts_pages_and_names_bad_fields(ctx, api):
    for i in range(3):
        _open(ctx, api, camera_index=i % 2)
    _open(ctx, api, type_name="占道经营", camera_index=2)
    body = api.get("/api/v1/cases?per_page=2&page=1&sort=code").get_json()
    assert body["total"] == 4 and len(body["items"]) == 2
    page2 = api.get("/api/v1/cases?per_page=2&page=2&sort=code").get_json()["items"]
    codes = [c["code"] for c in body["items"] + page2]
    assert codes == sorted(codes) and len(set(codes)) == 4
    t = api.city_ids["types"]["占道经营"]
    assert api.get(f"/api/v1/cases?type_id={t}").get_json()["total"] == 1
    assert api.get("/api/v1/cases?state=closed").get_json()["total"] == 0
    for url, field in [("/api/v1/cases?state=lost", "state"), ("/api/v1/cases?per_page=9999", "per_page"),
                       ("/api/v1/cases?sort=colour", "sort"), ("/api/v1/cases?date_from=tomorrow", "date_from")]:
        r = api.get(url)
        assert r.status_code == 400 and r.get_json()["field"] == field, url


def test_supervisor_opens_a_case_by_hand_and_dispatches_it_from_the_queue(ctx, api):
    r = api.post("/api/v1/cases", json={"problem_type_id": api.city_ids["types"]["不文明养宠"],
                                        "point_id": api.city_ids["points"][2], "description": "遛狗不牵绳"})
    assert r.status_code == 201
    case = r.get_json()
    assert case["state"] == "found" and case["source"] == "inspector"
    r = api.post("/api/v1/cases", json={"problem_type_id": 999, "description": "x"})
    assert r.status_code == 400 and r.get_json()["field"] == "problem_type_id"
    assert api.post("/api/v1/cases", "unit_nq", {"problem_type_id": 1, "description": "x"}).status_code == 403
    assert api.post(f"/api/v1/cases/{case['id']}/actions/accept").status_code == 201
    r = api.post(f"/api/v1/cases/{case['id']}/actions/dispatch", json={"data": {"unit_id": api.units["U-LW"]}})
    assert r.status_code == 201 and r.get_json()["case"]["unit"] == "龙文区人民政府"
    r = api.post(f"/api/v1/cases/{case['id']}/actions/return", "unit_lw", {"note": "非本单位职责"})
    assert r.status_code == 201 and r.get_json()["case"]["state"] == "accepted"
    assert api.get(f"/api/v1/cases/{case['id']}", "unit_lw").status_code == 403  # no longer theirs
    with ctx.sessions() as s:
        assert s.get(Case, case["id"]).return_count == 1


def test_type_unconfirmed_is_a_field_a_filter_and_needs_a_type_at_accept(ctx, api):
    with ctx.sessions.begin() as s:
        case = open_case(s, source="camera", problem_type=api.city_ids["types"]["暴露垃圾"],
                         found_at=utcnow() - timedelta(minutes=5), actor="detection", actor_role="system",
                         camera=api.city_ids["cameras"][0], type_unconfirmed=True)
        case_id = case.id
    _open(ctx, api)  # an ordinary camera case
    listed = api.get("/api/v1/cases?type_unconfirmed=true").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == case_id and listed["items"][0]["type_unconfirmed"]
    assert api.get("/api/v1/cases").get_json()["total"] == 2
    detail = api.get(f"/api/v1/cases/{case_id}").get_json()
    assert detail["type_unconfirmed"] is True and detail["state"] == "found"
    r = api.post(f"/api/v1/cases/{case_id}/actions/accept")
    assert r.status_code == 400 and r.get_json()["field"] == "problem_type_id"
    other = api.city_ids["types"]["占道经营"]
    r = api.post(f"/api/v1/cases/{case_id}/actions/accept", json={"data": {"problem_type_id": other}})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["case"]["problem_type_id"] == other and body["case"]["type_unconfirmed"] is False
    assert body["transition"]["data"]["from_problem_type_id"] == api.city_ids["types"]["暴露垃圾"]
    assert api.get("/api/v1/cases?type_unconfirmed=1").get_json()["total"] == 0
