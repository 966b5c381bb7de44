"""点位地图 after a window resize: the whole city stays fitted in the map (it kept its old zoom: cut off
after shrinking, small after growing), and at 1366×768 the map, its legend and the per-district table are above the fold."""
from __future__ import annotations

import pytest

from tests.dashboard.desktop_helpers import page_module
from tests.dashboard.pages.registry_city import browser, live_app, login_context, shot, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAP = "document.getElementById('points-map').querySelector('.js-plotly-plot')._fullLayout.map._subplot.map"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_app(tmp_path_factory.mktemp("points-resize")) as s:
        yield s


def settled(page):
    page.wait_for_timeout(700)  # the resize handler waits for the window to settle
    page.wait_for_function(f"() => {{ const m = {MAP}; return m.loaded() && !m.isMoving(); }}", timeout=60_000)


def city_box(page, bounds):
    """The city's corners as drawn, in page pixels."""
    return page.evaluate(f"([w, s, e, n]) => {{ const m = {MAP}; const a = m.project([w, n]), b = m.project([e, s]);"
                         " const r = m.getContainer().getBoundingClientRect();"
                         " return [r.left + a.x, r.top + a.y, r.left + b.x, r.top + b.y]; }",
                         [bounds["west"], bounds["south"], bounds["east"], bounds["north"]])


def assert_fitted(page, bounds):
    x1, y1, x2, y2 = city_box(page, bounds)
    frame = page.locator("#points-map").bounding_box()
    fx1, fy1 = frame["x"], frame["y"]
    fx2, fy2 = fx1 + frame["width"], fy1 + frame["height"]
    assert fx1 - 1 <= x1 and x2 <= fx2 + 1 and fy1 - 1 <= y1 and y2 <= fy2 + 1, ((x1, y1, x2, y2), frame)  # all in
    # and fills it along one side (not left small)
    assert (x2 - x1) >= 0.85 * frame["width"] or (y2 - y1) >= 0.85 * frame["height"], ((x1, y1, x2, y2), frame)


def test_city_stays_fitted_after_resizes_and_1366_fits_above_the_fold(site):
    _ctx, _info, app, base = site
    bounds = page_module("points").BOUNDS
    with browser() as chrome:
        context, page = login_context(chrome, app, base, "sup1", 1920, 1080)
        try:
            page.goto(base + "/points")
            wait_ready(page, "#points-map")
            page.wait_for_selector("#points-map .maplibregl-canvas", timeout=90_000)
            settled(page)
            assert_fitted(page, bounds)
            for w, h in [(1366, 768), (2560, 1440), (1366, 768)]:
                page.set_viewport_size({"width": w, "height": h})
                settled(page)
                assert_fitted(page, bounds)
            # 1366×768: the whole map and the legend (state counts, point and camera totals) on screen
            frame = page.locator("#points-map").bounding_box()
            assert frame["y"] + frame["height"] <= 768 and frame["height"] >= 400, frame
            for part in ("#points-legend .cw-legend", "#points-legend .cw-district-table"):
                box = page.locator(part).bounding_box()
                assert box["y"] + box["height"] <= 768, (part, box)  # the states and every district's row
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366  # no sideways scroll
            shot(page, "points-map-resized-1366x768")
            assert context.errors == [] and context.outside == []
        finally:
            context.close()
