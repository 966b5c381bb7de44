"""Issue 18 defect 1: the citizen's map on /report keeps its height after 使用我的位置 and after a tap on the map
(it collapsed to 2 px and the citizen could no longer check or move the pin)."""
from __future__ import annotations

import pytest

from models.context import AppContext
from models.migrate import upgrade
from tests.conftest import make_config
from tests.dashboard.live_server import chromium, serve
from tests.dashboard.report.helpers import GPS_WGS84, seed_city

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HOOKED = ("() => { const g = document.querySelector('#report-map .js-plotly-plot');"
          " return g && g._fullLayout.map && g._fullLayout.map._subplot.map"
          " && g._fullLayout.map._subplot.map.__civicwatchReport; }")


@pytest.fixture
def base(tmp_path):
    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/report.db"))
    upgrade(ctx.engine)
    seed_city(ctx)
    from dashboard.app import create_app

    with serve(create_app(ctx)) as url:
        yield url
    ctx.stop()


def _map_height(page) -> float:
    return page.locator("#report-map .js-plotly-plot").bounding_box()["height"]


@pytest.mark.parametrize("how", ["tap", "locate"])
def test_map_keeps_its_height_after_a_location(base, how):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True,
                                      geolocation={"longitude": GPS_WGS84[0], "latitude": GPS_WGS84[1]},
                                      permissions=["geolocation"])
        page = context.new_page()
        page.goto(f"{base}/report")
        page.wait_for_function(HOOKED, timeout=60000)
        before = _map_height(page)
        assert before >= 200
        if how == "tap":
            box = page.locator("#report-map .js-plotly-plot").bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector("text=已在地图上选定位置", timeout=60000)
        else:
            page.click("#report-locate")
            page.wait_for_selector("text=已使用浏览器定位", timeout=60000)
        # the figure was re-rendered with the pin: wait until plotly drew it, then measure
        page.wait_for_function("() => { const g = document.querySelector('#report-map .js-plotly-plot');"
                               " return g && g.data && g.data[0].lon && g.data[0].lon.length === 1; }",
                               timeout=60000)
        page.wait_for_timeout(500)  # a resize after the re-render is what collapsed it
        assert _map_height(page) == pytest.approx(before, abs=2)
        canvas = page.locator("#report-map canvas").first.bounding_box()
        assert canvas["height"] >= 200
