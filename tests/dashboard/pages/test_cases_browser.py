"""Headless Chromium end to end: log in as each role; a supervisor dispatches a case, the unit operator
reports rectification with a photo, the supervisor verifies and closes it; operators cannot open another
unit's case; anonymous users reach only the login page, the public report form and the wall with its token.
Screenshots at 1366×768 and 1920×1080 go to test-artifacts/desktop/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from dashboard.access import token_cache
from models.cases import Case, Evidence
from tests.dashboard.desktop_helpers import PASSWORD, seed, use_fast_hashing
from tests.dashboard.live_server import chromium, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "desktop"
SIZES = {"1366": (1366, 768), "1920": (1920, 1080)}


@pytest.fixture
def live(sqlite_ctx, monkeypatch):
    from dashboard.app import create_app

    use_fast_hashing(monkeypatch)
    token_cache.clear()
    seeded = seed(sqlite_ctx)
    app = create_app(sqlite_ctx)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(app) as base, chromium() as browser:
        yield base, browser, seeded, sqlite_ctx


def _page(browser, size="1366"):
    w, h = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(30_000)
    return ctx.new_page()


def _login(page, base, user):
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")  # keyboard-usable form
    page.wait_for_url(re.compile(r"/(cases|tasks)$"))


def _shot(page, name, size):
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"))


def _confirm(page, action_label):
    page.get_by_role("button", name=action_label, exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="确定").click()


def _state(ctx, code):
    with ctx.sessions() as s:
        return s.scalar(select(Case.state).where(Case.code == code))


def test_dispatch_rectify_close(live, tmp_path):
    base, browser, seeded, ctx = live
    code = seeded.cases["accepted"]
    # supervisor: case grid, then dispatch the accepted case to 南坑街道
    sup = _page(browser, "1920")
    _login(sup, base, "sup1")
    sup.wait_for_selector(f"text={code}")
    sup.wait_for_selector("#cases-count:has-text('共 4 件')")
    _shot(sup, "cases-supervisor", "1920")
    sup.set_viewport_size({"width": 1366, "height": 768})
    _shot(sup, "cases-supervisor", "1366")
    sup.locator("#cases-f-overdue").check(force=True)
    sup.get_by_role("button", name="查询").click()
    sup.wait_for_selector("#cases-count:has-text('共 1 件')")
    sup.set_viewport_size({"width": 1920, "height": 1080})
    sup.goto(f"{base}/cases/{code}")
    sup.wait_for_selector("#casepage-timeline")
    sup.locator("#casepage-unit").click()
    sup.locator("#casepage-unit").fill("南坑")
    sup.get_by_role("option", name="南坑街道办事处").click()
    _confirm(sup, "交办")
    sup.wait_for_selector("#casepage-done")
    assert _state(ctx, code) == "dispatched"
    _shot(sup, "case-dispatched", "1920")

    # unit operator: task list, report rectification with a photo
    photo = tmp_path / "fixed.jpg"
    Image.new("RGB", (640, 480), (40, 150, 60)).save(photo, format="JPEG")
    op = _page(browser, "1920")
    _login(op, base, "op_nq")
    op.wait_for_selector(f"[data-code='{code}']")
    _shot(op, "tasks-operator", "1920")
    op.set_viewport_size({"width": 1366, "height": 768})
    _shot(op, "tasks-operator", "1366")
    op.locator(f"[data-code='{code}'] button").click()
    op.fill("#tasks-note", "已清运垃圾，现场恢复整洁")
    op.set_input_files("#tasks-photo input[type=file]", str(photo))
    op.wait_for_selector("#tasks-photo-name:has-text('fixed.jpg')")
    op.get_by_role("button", name="提交").click()
    op.wait_for_selector("#tasks-done")
    assert _state(ctx, code) == "rectified"
    with ctx.sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        assert s.scalar(select(Evidence.kind).where(Evidence.case_id == case.id)) == "rectification"

    # supervisor: sees the photo, verifies and closes
    sup.goto(f"{base}/cases/{code}")
    sup.wait_for_selector("img[alt^='整改证据']")
    _confirm(sup, "复核通过")
    sup.wait_for_selector("#casepage-done")
    _confirm(sup, "销号")
    sup.wait_for_selector("#casepage-done")
    assert _state(ctx, code) == "closed"
    sup.wait_for_selector("#casepage-state:has-text('销号')")
    _shot(sup, "case-closed", "1920")
    sup.set_viewport_size({"width": 1366, "height": 768})
    _shot(sup, "case-closed", "1366")
    actions = [t.action for t in _transitions(ctx, code)]
    assert actions[-4:] == ["dispatch", "rectify", "verify", "close"]


def _transitions(ctx, code):
    with ctx.sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        return list(case.transitions)


def test_roles_and_anonymous_access(live):
    base, browser, seeded, ctx = live
    # every person role logs in and lands on its start page
    for user, landing in [("admin1", "/cases"), ("viewer1", "/cases"), ("op_lw", "/tasks")]:
        page = _page(browser)
        _login(page, base, user)
        assert page.url.endswith(landing)
        page.context.close()
    page = _page(browser)
    _shot_login = page.goto(base + "/login")
    assert _shot_login.status == 200
    _shot(page, "login", "1366")
    # a viewer has no actions on a case
    _login(page, base, "viewer1")
    page.goto(f"{base}/cases/{seeded.cases['nq_dispatched']}")
    page.wait_for_selector("#casepage-no-actions")
    page.context.close()
    # the operator of 龙文区 cannot open 南坑街道's case, by URL or API
    op = _page(browser)
    _login(op, base, "op_lw")
    other = seeded.cases["nq_dispatched"]
    assert op.goto(f"{base}/cases/{other}").status == 403
    with ctx.sessions() as s:
        other_id = s.scalar(select(Case.id).where(Case.code == other))
    assert op.request.get(f"{base}/api/v1/cases/{other_id}").status == 403
    assert op.request.get(f"{base}/api/v1/cases/{other_id}/documents/problem_list.html").status == 403
    op.context.close()
    # anonymous: only /login, /report and /wall with its token
    anon = _page(browser)
    for path in ("/cases", "/tasks", f"/cases/{other}", "/units", "/points", "/indicators", "/wall", "/"):
        anon.goto(base + path)
        assert "/login" in anon.url, path
    assert anon.request.get(f"{base}/api/v1/cases").status == 401
    assert anon.goto(base + "/report").status == 200
    assert "/login" not in anon.url
    assert anon.goto(f"{base}/wall?token={seeded.tokens['wall']}").status == 200
    assert "/login" not in anon.url
    anon.context.close()
    # an edge device's token works for its API, not for pages
    edge = _page(browser)
    resp = edge.request.get(f"{base}/cases", headers={"Authorization": f"Bearer {seeded.tokens['edge']}"},
                            max_redirects=0)
    assert resp.status == 403
    edge.context.close()
