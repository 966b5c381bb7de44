"""Issue 16 #13: every page works in headless Chromium under the Content-Security-Policy — no CSP
violation, no CSP console error, and the page's layout rendered (Dash ran)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models.registry import Camera, MonitoringPoint
from tests.dashboard.desktop_helpers import PASSWORD, use_fast_hashing
from tests.dashboard.live_server import chromium, serve
from tests.security.prod_app import build

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile));
"""


@pytest.fixture
def live(tmp_path, monkeypatch):
    use_fast_hashing(monkeypatch)
    app, ctx, seeded = build(tmp_path)
    with ctx.sessions() as s:
        point = s.scalar(select(MonitoringPoint.code).order_by(MonitoringPoint.id))
        camera = s.scalar(select(Camera.code).order_by(Camera.id))
    with serve(app) as base, chromium() as browser:
        yield base, browser, seeded, point, camera
    ctx.stop()


def _context(browser):
    c = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai")
    c.set_default_timeout(30_000)
    c.add_init_script(WATCH)
    return c


def _open(page, url, errors):
    """Open ``url``, wait until Dash rendered a layout, return the CSP problems seen on the page."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url)
    rendered = True
    if "/login" not in url:
        try:
            page.wait_for_function("() => { const c = document.getElementById('_pages_content');"
                                   " return c && c.children.length > 0; }", timeout=20_000)
        except PlaywrightTimeout:
            rendered = False
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # late scripts (Plotly, maps) start after the first render
    seen = page.evaluate("window.__cspViolations")
    seen += [e for e in errors if re.search(r"Content Security Policy|Refused to", e)]
    return seen + ([] if rendered else ["the page's layout was not rendered"])


def _console(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror {exc}"))
    return errors


def test_every_page_runs_under_the_csp(live):
    base, browser, seeded, point, camera = live
    problems: dict[str, list[str]] = {}

    anon = _context(browser).new_page()
    errors = _console(anon)
    for path in ("/login", "/report"):
        problems[path] = _open(anon, base + path, errors)
        errors.clear()

    staff = _context(browser).new_page()
    errors = _console(staff)
    staff.goto(base + "/login")
    staff.fill("#username", "sup1")
    staff.fill("#password", PASSWORD)
    staff.press("#password", "Enter")
    staff.wait_for_url(re.compile(r"/cases$"))
    case = seeded.cases["nq_dispatched"]
    for path in ("/cases", f"/cases/{case}", "/units", "/units/U-XC-NQ", "/indicators", "/points",
                 f"/points/{point}", f"/cameras/{camera}", "/reports"):
        errors.clear()
        problems[path] = _open(staff, base + path, errors)

    unit = _context(browser).new_page()
    errors = _console(unit)
    unit.goto(base + "/login")
    unit.fill("#username", "op_nq")
    unit.fill("#password", PASSWORD)
    unit.press("#password", "Enter")
    unit.wait_for_url(re.compile(r"/tasks$"))
    problems["/tasks"] = _open(unit, base + "/tasks", errors)

    wall = _context(browser).new_page()
    errors = _console(wall)
    problems["/wall"] = _open(wall, f"{base}/wall?token={seeded.tokens['wall']}", errors)

    bad = {k: v for k, v in problems.items() if v}
    assert not bad, bad
    assert len(problems) == 13
