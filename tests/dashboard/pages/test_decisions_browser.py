"""Headless Chromium on 辅助决策 /decisions at 1920×1080 and 1366×768: a supervisor generates the suggested
shares, edits an amount and submits; a viewer reads but sees no proposal or approval form; an admin approves;
the 表扬通报 and the ledger XLSX open; a unit operator cannot open the page. Screenshots in
test-artifacts/desktop/."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard.access import token_cache
from models.clock import utcnow
from models.funding import FundingProposal
from models.funding_ledger import status
from models.registry import MonitoringPoint, ProblemType
from models.workflow import apply, open_case
from tests.dashboard.desktop_helpers import PASSWORD, seed, use_fast_hashing
from tests.dashboard.live_server import chromium, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "desktop"
SIZES = {"1366": (1366, 768), "1920": (1920, 1080)}
SUP = {"actor": "sup1", "actor_role": "supervisor"}


def _handled_cases(ctx, unit_ids: dict[str, int]) -> None:
    """This year: 南坑街道 6 cases, 龙文区人民政府 5, all handled on time (enough volume to be scored)."""
    t0 = utcnow() - timedelta(minutes=30)
    m = timedelta(minutes=1)
    with ctx.sessions.begin() as s:
        ptype = s.scalar(select(ProblemType).where(ProblemType.name == "不文明养宠"))
        points = {p.code: p for p in s.scalars(select(MonitoringPoint))}
        for code, point, n in (("U-XC-NQ", "P-001", 6), ("U-LW", "P-003", 5)):
            for _ in range(n):
                c = open_case(s, source="inspector", problem_type=ptype, found_at=t0, actor="sup1",
                              actor_role="supervisor", point=points[point], description="演示")
                apply(s, c, "accept", **SUP, at=t0 + m)
                apply(s, c, "dispatch", **SUP, at=t0 + 2 * m,
                      data={"unit_id": unit_ids[code], "deadline": (t0 + 60 * m).isoformat()})
                apply(s, c, "rectify", actor="op", actor_role="unit", actor_unit_id=unit_ids[code], at=t0 + 5 * m,
                      note="已整改")
                apply(s, c, "verify", **SUP, at=t0 + 6 * m)


@pytest.fixture
def live(sqlite_ctx, monkeypatch):
    from dashboard.app import create_app

    use_fast_hashing(monkeypatch)
    token_cache.clear()
    seeded = seed(sqlite_ctx)
    _handled_cases(sqlite_ctx, seeded.unit_ids)
    app = create_app(sqlite_ctx)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(app) as base, chromium() as browser:
        yield base, browser, sqlite_ctx


def _page(browser, size):
    w, h = SIZES[size]
    c = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN", timezone_id="Asia/Shanghai")
    c.set_default_timeout(30_000)
    return c.new_page()


def _login(page, base, user):
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/(cases|tasks)$"))


def _check_layout(page, name):
    """At both sizes: no horizontal page overflow; screenshot."""
    for size, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(300)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {size}: page wider than the window by {overflow}px"
        page.screenshot(path=str(ARTIFACTS / f"decisions-{name}-{size}.png"), full_page=True)


def test_propose_approve_commend(live):
    base, browser, ctx = live
    sup = _page(browser, "1920")
    _login(sup, base, "sup1")
    sup.goto(base + "/decisions")
    sup.wait_for_selector("#decisions-advanced li:has-text('龙文区人民政府')")
    sup.wait_for_selector("#decisions-scores:has-text('南坑街道办事处')")
    # indicator progress by creation class: 南坑街道 owns IND-001 (60/95) and IND-002 (40/90), both 文明城市
    sup.wait_for_selector("#decisions-classes tr:has-text('南坑街道办事处'):has-text('53.80')")
    sup.get_by_role("button", name="按得分生成建议").click()
    sup.wait_for_selector("#decisions-propose-hint:has-text('已按得分生成 2 条建议')")
    cell = sup.locator("#decisions-propose-grid .ag-row[row-index='0'] [col-id='amount_yuan']")
    cell.click()
    sup.keyboard.press("Control+A")
    sup.keyboard.type("500000")
    sup.keyboard.press("Enter")
    sup.wait_for_selector("#decisions-propose-grid .ag-row[row-index='0'] [col-id='amount_yuan']:has-text('500000')")
    _check_layout(sup, "supervisor")
    sup.get_by_role("button", name="提交方案").click()
    sup.wait_for_selector("#decisions-propose-ok:has-text('JF-')")
    sup.wait_for_selector("#decisions-ledger:has-text('待审批')")
    with ctx.sessions() as s:
        (prop,) = s.scalars(select(FundingProposal)).all()
        assert prop.proposed_by == "sup1" and prop.lines[0].amount_yuan == 500_000
        assert prop.lines[0].suggested_yuan != 500_000 and status(prop) == "pending"
        code = prop.code

    viewer = _page(browser, "1366")
    _login(viewer, base, "viewer1")
    viewer.goto(base + "/decisions")
    viewer.wait_for_selector(f"#decisions-ledger:has-text('{code}')")
    assert not viewer.locator("#decisions-propose-card").is_visible()
    assert not viewer.locator("#decisions-approve-card").is_visible()
    _check_layout(viewer, "viewer")

    admin = _page(browser, "1366")
    _login(admin, base, "admin1")
    admin.goto(base + "/decisions")
    admin.wait_for_selector(f"#decisions-ledger:has-text('{code}')")
    admin.locator("#decisions-pending").click()
    admin.get_by_role("option", name=re.compile(code)).click()
    admin.fill("#decisions-approve-note", "同意")
    admin.get_by_role("button", name="批准", exact=True).click()
    admin.wait_for_selector(f"#decisions-approve-msg:has-text('{code} 已批准')")
    admin.wait_for_selector("#decisions-ledger:has-text('已批准')")
    _check_layout(admin, "admin")
    with admin.context.expect_page() as opened:
        admin.get_by_role("link", name="表扬通报").click()
    notice = opened.value
    notice.wait_for_load_state()
    assert "关于表扬" in notice.content() and "龙文区人民政府" in notice.content()
    notice.screenshot(path=str(ARTIFACTS / "decisions-commendation-1366.png"), full_page=True)
    xlsx = admin.context.request.get(base + "/api/v1/funding/ledger.xlsx")
    assert xlsx.status == 200
    rows = list(load_workbook(io.BytesIO(xlsx.body())).active.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == code and rows[0][12] == "已批准" and rows[0][13] == "admin1"

    unit = _page(browser, "1366")
    _login(unit, base, "op_nq")
    r = unit.goto(base + "/decisions")
    assert r.status == 403 or "/decisions" not in unit.url
    assert unit.locator("#decisions-body").count() == 0


def test_measured_indicator_progress_changes_as_cases_close(sqlite_ctx, monkeypatch):
    """/indicators shows the progress of an indicator measured from the cases (on_time); closing a case on
    time changes it."""
    from dashboard.app import create_app
    from models.indicator_measures import computed_progress
    from models.registry import Indicator
    from models.reports import local_today, period_of

    use_fast_hashing(monkeypatch)
    token_cache.clear()
    seeded = seed(sqlite_ctx)
    street = seeded.unit_ids["U-XC-NQ"]
    t0 = utcnow() - timedelta(minutes=30)
    m = timedelta(minutes=1)
    with sqlite_ctx.sessions.begin() as s:
        ind = s.scalar(select(Indicator).where(Indicator.code == "IND-001"))
        ind.auto_rule = "on_time"
        ptype = s.scalar(select(ProblemType).where(ProblemType.name == "不文明养宠"))
        point = s.scalar(select(MonitoringPoint).where(MonitoringPoint.code == "P-001"))
        c = open_case(s, source="inspector", problem_type=ptype, found_at=t0, actor="sup1", actor_role="supervisor",
                      point=point, description="演示")
        apply(s, c, "accept", **SUP, at=t0 + m)
        apply(s, c, "dispatch", **SUP, at=t0 + 2 * m, data={"unit_id": street, "deadline": (t0 + 20 * m).isoformat()})
        apply(s, c, "rectify", actor="op", actor_role="unit", actor_unit_id=street, at=t0 + 5 * m, note="已整改")
        apply(s, c, "verify", **SUP, at=t0 + 6 * m)
        pending = open_case(s, source="inspector", problem_type=ptype, found_at=t0, actor="sup1",
                            actor_role="supervisor", point=point, description="演示")
        apply(s, pending, "accept", **SUP, at=t0 + m)
        apply(s, pending, "dispatch", **SUP, at=t0 + 2 * m,
              data={"unit_id": street, "deadline": (t0 + 600 * m).isoformat()})
        ind_id = ind.id

    def measured():
        with sqlite_ctx.sessions() as s:
            return computed_progress(s, period_of("year", local_today()))[(ind_id, street)]["value"]

    app = create_app(sqlite_ctx)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(app) as base, chromium() as browser:
        page = _page(browser, "1920")
        _login(page, base, "sup1")
        cell = ("#indicators-grid .ag-row:has([col-id='code']:text-is('IND-001'))"
                ":has([col-id='unit']:text-is('南坑街道办事处')) [col-id='{col}']")
        before = measured()
        page.goto(base + "/indicators")
        page.wait_for_selector(cell.format(col="updated_by") + ":has-text('按案件自动计算')")
        assert page.locator(cell.format(col="progress")).inner_text().strip() == f"{before:g}"
        with sqlite_ctx.sessions.begin() as s:
            case = s.get(type(pending), pending.id)
            apply(s, case, "rectify", actor="op", actor_role="unit", actor_unit_id=street, at=utcnow(), note="已整改")
            apply(s, case, "verify", **SUP, at=utcnow())
        after = measured()
        assert after > before
        page.reload()
        page.wait_for_selector(cell.format(col="progress") + f":text-is('{after:g}')")
        _check_layout(page, "indicators-measured")
