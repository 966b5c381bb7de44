"""Bad input to every public intake route gets a clear 4xx (Chinese for citizens) and stores nothing:
non-images, truncated files, a decompression bomb, a 50 MB body, wrong types, missing fields, markup."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from models.cases import Case
from tests.dashboard.desktop_helpers import callback_key, dash_call
from tests.dashboard.report.helpers import GPS_WGS84, bomb_png, photo, shared_app, snapshot

BIG = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    live = shared_app(tmp_path_factory, "bad-input")
    yield live
    live.ctx.stop()


@pytest.fixture
def app(shared):
    shared.client.dash_app = shared.dash_app
    return shared.client, shared.ctx, shared.token


def form(**kw):
    data = {"problem_type": "PT01", "description": "测试", "lon": "117.65", "lat": "24.51", "datum": "gcj02"}
    photos = kw.pop("photos", [])
    data.update(kw)
    data = {k: v for k, v in data.items() if v is not None}
    if photos:
        data["photos"] = [(io.BytesIO(b), name) for b, name in photos]
    return data


def post_report(client, data, **kw):
    return client.post("/api/v1/public/reports", data=data, content_type="multipart/form-data", **kw)


@pytest.mark.parametrize("data, status, words", [
    (form(photos=[(b"just some text, not a picture", "photo.jpg")]), 400, "无法识别为图片"),
    (form(photos=[(photo()[:2000], "cut.jpg")]), 400, "损坏或不完整"),
    (form(photos=[(bomb_png(), "bomb.png")]), 400, "像素过多"),
    (form(photos=[(b"GIF89a" + b"\0" * 64, "anim.gif")]), 400, "图片"),
    (form(photos=[(photo(seed=i), f"{i}.jpg") for i in range(4)]), 400, "最多上传 3 张"),
    (form(problem_type=None), 400, "请选择问题类型"),
    (form(problem_type="DROP TABLE cases;"), 400, "未知的问题类型"),
    (form(lon=None, lat=None), 400, "请提供问题位置"),
    (form(lon="东经117度"), 400, "不是数字"),
    (form(lon="nan"), 400, "不是有效数字"),
    (form(datum="bd09"), 400, "坐标系"),
    (form(lon="121.47", lat="31.23"), 422, "不在漳州市"),
    (form(description="", photos=[]), 400, "请上传照片或填写问题描述"),
    (form(description="长" * 1001), 400, "过长"),
    (form(phone="call me maybe"), 400, "手机号码"),
])
def test_bad_reports_get_a_clear_chinese_4xx_and_nothing_is_stored(app, data, status, words):
    client, ctx, _ = app
    before = snapshot(ctx)
    r = post_report(client, data)
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    assert words in body["message"] and body["error"] and body["field"]
    assert snapshot(ctx) == before


def test_a_50_mb_body_is_refused_before_it_is_read(app):
    client, ctx, token = app
    before = snapshot(ctx)
    big = b"\xff\xd8\xff" + b"\0" * BIG
    r = post_report(client, form(photos=[(big, "huge.jpg")]))
    assert r.status_code == 413 and "过大" in r.get_json()["message"]
    r = client.post("/open311/v2/requests.json", data={"service_code": "PT01", "media": (io.BytesIO(big), "x.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and r.get_json()[0]["code"] == 413
    r = client.post("/api/v1/events", data=json.dumps({"event_id": "x", "image": "A" * BIG}),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 413 and r.get_json()["field"] == "body"
    assert snapshot(ctx) == before


def test_one_photo_over_10_mb_is_refused_in_chinese(app):
    client, ctx, _ = app
    before = snapshot(ctx)
    r = post_report(client, form(photos=[(photo() + b"\0" * (10 * 1024 * 1024), "big.jpg")]))
    assert r.status_code == 413 and "不超过 10 MB" in r.get_json()["message"]
    assert snapshot(ctx) == before


def test_wrong_content_type_is_refused(app):
    client, ctx, _ = app
    before = snapshot(ctx)
    r = client.post("/api/v1/public/reports", json={"problem_type": "PT01"})
    assert r.status_code == 415 and "multipart" in r.get_json()["message"]
    assert snapshot(ctx) == before


def test_a_bad_second_photo_stores_not_even_the_good_first(app):
    client, ctx, _ = app
    before = snapshot(ctx)
    r = post_report(client, form(photos=[(photo(GPS_WGS84), "ok.jpg"), (b"<svg onload=alert(1)>", "x.svg")]))
    assert r.status_code == 400 and r.get_json()["message"].startswith("第 2 张照片")
    assert snapshot(ctx) == before


def test_markup_in_the_description_is_kept_as_text(app):
    client, ctx, _ = app
    dash_app = client.dash_app
    text = '<script>alert("x")</script><img src=x onerror=alert(2)>'
    r = post_report(client, form(description=text))
    assert r.status_code == 201
    code = r.get_json()["tracking_code"]
    with ctx.sessions() as s:
        assert s.scalar(select(Case.description).where(Case.external_ref == code)) == text
    # the status page is rendered by React from the layout JSON: the text is a string child, not markup
    page = dash_call(client, dash_app, callback_key(dash_app, "_pages_content"),
                     inputs={"_pages_location.pathname": f"/report/{code}", "_pages_location.search": ""})
    assert page.status_code == 200
    layout = page.get_data(as_text=True)
    assert "dangerously" not in layout.lower() and "<script" not in layout

    def text_children(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("children"), str):
                yield node.get("type"), props["children"]
            for v in node.values():
                yield from text_children(v)
        elif isinstance(node, list):
            for v in node:
                yield from text_children(v)

    found = [t for t, child in text_children(json.loads(layout)) if child == text]
    assert found == ["Span"]  # a plain text child of a <span>: React escapes it
    one = client.get(f"/open311/v2/requests/{code}.json").get_json()[0]
    assert one["description"] == text


def test_case_page_shows_markup_as_text_and_the_phone_to_supervisors_only(app, monkeypatch):
    """The supervisors' case page (案件详情) renders the citizen's text as text; the phone is theirs alone."""
    from models.security import add_user
    from tests.dashboard.desktop_helpers import login, use_fast_hashing

    client, ctx, _ = app
    dash_app = client.dash_app
    use_fast_hashing(monkeypatch)
    with ctx.sessions.begin() as s:
        for name, role in (("sup_md", "supervisor"), ("viewer_md", "viewer")):
            add_user(s, name, "correct-horse-battery", role)
    text = "<script>alert('case page')</script>"
    r = post_report(client, form(description=text, phone="13700001111"))
    assert r.status_code == 201
    with ctx.sessions() as s:
        case_code = s.scalar(select(Case.code).where(Case.external_ref == r.get_json()["tracking_code"]))
    key = callback_key(dash_app, "_pages_content")
    seen = {}
    for user in ("sup_md", "viewer_md"):
        c = dash_app.server.test_client()
        login(c, user)
        page = dash_call(c, dash_app, key, inputs={"_pages_location.pathname": f"/cases/{case_code}",
                                                   "_pages_location.search": ""})
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert "<script" not in body and "dangerously" not in body.lower()
        seen[user] = body
    assert "alert('case page')" in seen["sup_md"]  # there, as an escaped JSON string (no raw '<script')
    assert "13700001111" in seen["sup_md"] and "13700001111" not in seen["viewer_md"]
    # and never on the public status page or the public API
    public_path = f"/report/{r.get_json()['tracking_code']}"
    status = dash_call(client, dash_app, key, inputs={"_pages_location.pathname": public_path,
                                                      "_pages_location.search": ""}).get_data(as_text=True)
    assert "13700001111" not in status and "1370" not in json.dumps(
        client.get("/open311/v2/requests.json").get_json())


def test_status_lookup_goes_to_the_code_and_strips_anything_else(app):
    client, _, _ = app
    dash_app = client.dash_app
    assert client.get("/_dash-layout").status_code == 200  # the app's callbacks are set up on first use
    key = callback_key(dash_app, "report-lookup-loc")
    r = dash_call(client, dash_app, key, inputs={"report-lookup-go.n_clicks": 1,
                                                 "report-lookup-code.value": " sp2345abcd<b>/../x "})
    assert r.status_code == 200
    assert r.get_json()["response"]["report-lookup-loc"]["pathname"] == "/report/SP2345ABCDBX"
    unknown = dash_call(client, dash_app, callback_key(dash_app, "_pages_content"),
                        inputs={"_pages_location.pathname": "/report/SPNOSUCHCODE", "_pages_location.search": ""})
    assert "未找到该查询码" in json.dumps(unknown.get_json(), ensure_ascii=False)
