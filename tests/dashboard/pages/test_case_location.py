"""Issue 18 defect 3: the case page says where the problem is (point and address, or the citizen's pin, with
coordinates) and shows it on a small map; the unit's task cards say where too. Screenshots of the changed
desk pages at 1920×1080, 1366×768 and 390×844 go to test-artifacts/ux/."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.access import token_cache
from models.clock import utcnow
from models.registry import ProblemType
from models.workflow import apply, open_case
from tests.dashboard.desktop_helpers import seed, use_fast_hashing
from tests.dashboard.live_server import chromium, serve
from tests.dashboard.pages.registry_city import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "ux"
SIZES = [(1920, 1080), (1366, 768), (390, 844)]


@pytest.fixture
def live(sqlite_ctx, monkeypatch):
    from dashboard.app import create_app

    use_fast_hashing(monkeypatch)
    token_cache.clear()
    seeded = seed(sqlite_ctx)
    with sqlite_ctx.sessions.begin() as s:
        ptype = s.scalar(select(ProblemType).where(ProblemType.name == "暴露垃圾"))
        c = open_case(s, source="citizen", problem_type=ptype, found_at=utcnow() - timedelta(hours=1), actor="随手拍",
                      actor_role="citizen", lon=117.65189, lat=24.50982, description="小区门口垃圾" * 30)
        apply(s, c, "accept", actor="sup1", actor_role="supervisor")
        apply(s, c, "dispatch", actor="sup1", actor_role="supervisor", data={"unit_id": seeded.unit_ids["U-XC-NQ"]})
        seeded.cases["citizen"] = c.code
    app = create_app(sqlite_ctx)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(app) as base, chromium() as browser:
        yield app, base, browser, seeded


def _page(browser, app, base, user, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    c = session_cookie(app, user)
    context.add_cookies([{"name": c["name"], "value": c["value"], "url": base}])
    context.set_default_timeout(60_000)
    return context.new_page()


def test_case_page_and_task_cards_say_where(live):
    app, base, browser, seeded = live
    code = seeded.cases["citizen"]
    for size in SIZES:
        page = _page(browser, app, base, "sup1", size)
        page.goto(f"{base}/cases/{code}")
        page.wait_for_selector("#casepage-location-text")
        assert "117.65189, 24.50982" in page.inner_text("#casepage-location-text")
        page.wait_for_selector("#casepage-map canvas")
        box = page.locator("#casepage-map").bounding_box()
        assert box["height"] >= 200 and box["width"] >= 200, (size, box)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"case-citizen-{size[0]}x{size[1]}.png"))
        page.context.close()
        # a camera point's case: the point's name with its coordinates
        page = _page(browser, app, base, "op_nq", size)
        page.goto(f"{base}/tasks")
        card = page.locator(f"[data-code='{seeded.cases['nq_dispatched']}'] .cw-task-place")
        card.wait_for()
        assert "经纬度 117.652" in card.inner_text()
        citizen_card = page.locator(f"[data-code='{code}']")
        assert "117.65189" in citizen_card.inner_text()
        button = citizen_card.get_by_role("button", name="办理").bounding_box()
        assert button["width"] >= 40 and button["height"] >= 20  # a long description leaves the button alone
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"tasks-{size[0]}x{size[1]}.png"))
        page.context.close()


def test_case_grid_shows_every_column_at_1366(live):
    """Issue 18 defect 8: at 1366×768 the case grid's last column (是否超期) is on screen, not scrolled off."""
    app, base, browser, seeded = live
    page = _page(browser, app, base, "sup1", (1366, 768))
    page.goto(f"{base}/cases")
    page.wait_for_selector(f"text={seeded.cases['nq_overdue']}")
    header = page.locator(".ag-header-cell[col-id='overdue']")
    box = header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1366, box  # on screen, not scrolled off
    assert page.evaluate("() => { const v = document.querySelector('#cases-grid .ag-center-cols-viewport');"
                         " return v.scrollWidth <= v.clientWidth + 1; }")  # nothing to scroll sideways
    page.context.close()
