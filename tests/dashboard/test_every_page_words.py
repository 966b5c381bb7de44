"""Issue 18: every page and printed document, for every role, in headless Chromium — no Latin-only error
text (no English sentence, no ``{"error": …}``) and none of the internal actor names (detection, auto,
camera, login names, "first_sight #1", "simulated", "registry import") anywhere a person reads.

The city: the small test registry, one user per role (Chinese display names), and cases touched by every
kind of actor — the detector, the automatic accept/dispatch, a citizen, a unit operator, the camera re-check."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from dashboard.access import token_cache
from models.accounts import User
from models.cases import Case, Evidence
from models.clock import utcnow
from models.registry import Camera, IndicatorAssignment, ProblemType
from models.workflow import apply, open_case
from tests.dashboard.desktop_helpers import seed, use_fast_hashing
from tests.dashboard.live_server import chromium, serve
from tests.dashboard.pages.registry_city import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DISPLAY = {"admin1": "管理员老王", "sup1": "督查员李娜", "viewer1": "观察员赵敏", "op_nq": "南坑张强", "op_lw": "龙文陈静"}
LOGINS = tuple(DISPLAY)
INTERNAL = re.compile(r"\b(detection|auto|camera|first_sight|confirmation|rectification|recheck|citizen|simulated"
                      r"|deadline-job|registry import|forbidden|unauthorized|" + "|".join(LOGINS) + r")\b", re.I)
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,.:;'()-]+[A-Za-z]{2,}){2,}")


def _bad_lines(text: str) -> list[str]:
    """Lines a person would read that are English sentences or name an internal actor."""
    bad = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if INTERNAL.search(line):
            bad.append(line)
        elif not CJK.search(line) and LATIN_SENTENCE.search(line):
            bad.append(line)
    return bad


def _build(ctx) -> dict:
    seeded = seed(ctx)
    now = utcnow()
    with ctx.sessions.begin() as s:
        for username, display in DISPLAY.items():
            s.execute(update(User).where(User.username == username).values(display_name=display))
        cam = s.scalars(select(Camera).order_by(Camera.id)).first()
        ptype = s.scalar(select(ProblemType).where(ProblemType.name == "暴露垃圾"))
        # the detector finds it, the system accepts and dispatches, the unit fixes it, the camera closes it
        c = open_case(s, source="camera", problem_type=ptype, found_at=now - timedelta(hours=6), actor="detection",
                      actor_role="system", camera=cam, point=cam.point_id, zone="人行道", score=0.91,
                      description="人行道上有垃圾堆放")
        for kind in ("first_sight", "confirmation"):
            s.add(Evidence(sha256="0" * 64, path="none.jpg", kind=kind, case_id=c.id, camera_id=cam.id,
                           created_at=now - timedelta(hours=6)))
        if c.state == "found":
            apply(s, c, "accept", actor="auto", actor_role="system", at=now - timedelta(hours=5.9), note="自动立案")
        if c.state == "accepted":
            apply(s, c, "dispatch", actor="auto", actor_role="system", at=now - timedelta(hours=5.8),
                  data={"unit_id": seeded.unit_ids["U-XC-NQ"]}, note="自动派遣")
        apply(s, c, "rectify", actor="op_nq", actor_role="unit", actor_unit_id=seeded.unit_ids["U-XC-NQ"],
              at=now - timedelta(hours=3), note="已清运")
        apply(s, c, "verify", actor="camera", actor_role="system", at=now - timedelta(hours=2),
              data={"recheck": {"clean_run": 3}}, note="复核通过")
        apply(s, c, "close", actor="camera", actor_role="system", at=now - timedelta(hours=2), note="复核通过，自动销号")
        seeded.cases["camera_closed"] = c.code
        # a citizen's report (随手拍), accepted by the supervisor
        r = open_case(s, source="citizen", problem_type=ptype, found_at=now - timedelta(hours=1), actor="随手拍",
                      actor_role="citizen", lon=117.651, lat=24.511, description="小区门口垃圾", external_ref="SP0001")
        apply(s, r, "accept", actor="sup1", actor_role="supervisor", at=now - timedelta(minutes=50))
        seeded.cases["citizen"] = r.code
        s.execute(update(IndicatorAssignment).values(updated_by="registry import", updated_at=now))
        seeded.camera_code = cam.code
    return seeded


@pytest.fixture
def city(sqlite_ctx, monkeypatch):
    from dashboard.app import create_app

    use_fast_hashing(monkeypatch)
    token_cache.clear()
    seeded = _build(sqlite_ctx)
    app = create_app(sqlite_ctx)
    with serve(app) as base, chromium() as browser:
        yield app, base, browser, seeded, sqlite_ctx


def _pages(seeded, role: str) -> list[str]:
    cases = seeded.cases
    common = ["/cases", f"/cases/{cases['camera_closed']}", f"/cases/{cases['citizen']}",
              f"/cases/{cases['nq_dispatched']}", "/indicators", "/units/U-XC-NQ", "/no-such-page",
              "/cases/AJ000000000000"]
    staff = ["/units", "/points", "/points/P-001", f"/cameras/{seeded.camera_code}", "/reports", "/tasks"]
    unit = ["/tasks", "/units", "/points", "/reports", "/units/U-LW", f"/cases/{cases['lw_dispatched']}"]
    return common + (unit if role == "unit" else staff)


def _read(page, base, path) -> str:
    page.goto(base + path)
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60_000)
    if page.locator("#_pages_content").count():
        page.wait_for_function("() => document.querySelector('#_pages_content').innerText.trim().length > 0",
                               timeout=60_000)
    page.wait_for_timeout(1200)  # callbacks fired by the first render (grids, period tables)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60_000)
    return page.locator("body").inner_text()


def _documents(page, base, ctx, codes) -> dict[str, str]:
    out = {}
    with ctx.sessions() as s:
        ids = {code: s.scalar(select(Case.id).where(Case.code == code)) for code in codes}
    for code, cid in ids.items():
        for kind in ("problem_list", "dispatch", "rectification", "closure"):
            resp = page.request.get(f"{base}/api/v1/cases/{cid}/documents/{kind}.html")
            if resp.status in (404, 409):
                continue  # not issued yet for this case
            assert resp.status == 200, (code, kind, resp.status)
            html = resp.text()
            out[f"{code} {kind}.html"] = re.sub(r"<[^>]+>", "\n", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html,
                                                                          flags=re.S))
            xlsx = page.request.get(f"{base}/api/v1/cases/{cid}/documents/{kind}.xlsx")
            assert xlsx.status == 200
            wb = load_workbook(io.BytesIO(xlsx.body()))
            out[f"{code} {kind}.xlsx"] = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True)
                                                   for v in row if v is not None and not str(v).startswith("/api/"))
    return out


def test_every_page_and_document_speaks_chinese_without_internal_names(city):
    app, base, browser, seeded, ctx = city
    problems: list[str] = []
    for username, role in [("admin1", "admin"), ("sup1", "supervisor"), ("viewer1", "viewer"), ("op_nq", "unit")]:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        c = session_cookie(app, username)
        context.add_cookies([{"name": c["name"], "value": c["value"], "url": base}])
        context.set_default_timeout(60_000)
        page = context.new_page()
        for path in _pages(seeded, role):
            problems += [f"{role} {path}: {line}" for line in _bad_lines(_read(page, base, path))]
        docs = _documents(page, base, ctx, [seeded.cases["camera_closed"], seeded.cases["citizen"]]
                          if role != "unit" else [seeded.cases["nq_dispatched"]])
        assert docs
        for name, text in docs.items():
            problems += [f"{role} {name}: {line}" for line in _bad_lines(text)]
        context.close()
    anon = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = anon.new_page()
    for path in ("/report", "/report/SP0001", "/report/NOPE", "/login"):
        problems += [f"anonymous {path}: {line}" for line in _bad_lines(_read(page, base, path))]
    page.goto(f"{base}/wall?token={seeded.tokens['wall']}")
    page.wait_for_selector("#wall-flow-rows", timeout=60_000)
    page.wait_for_timeout(2000)
    problems += [f"wall: {line}" for line in _bad_lines(page.locator("body").inner_text())]
    anon.close()
    assert problems == []


def test_the_checker_catches_what_it_should():
    """The rules themselves: English sentences and internal names are caught, Chinese text and codes are not."""
    assert _bad_lines("办理人 detection") and _bad_lines("交办人 auto") and _bad_lines("first_sight #1")
    assert _bad_lines('{"error":"forbidden"}') and _bad_lines("cannot close a case in state found")
    assert _bad_lines("接入方式 simulated") and _bad_lines("更新人 registry import") and _bad_lines("sup1")
    assert _bad_lines("404 - Page not found") == ["404 - Page not found"]
    assert _bad_lines("案件编号 AJ202612050000003\nXLSX\n共 4 件\n摄像头复核\nCAM-0001") == []
