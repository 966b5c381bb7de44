"""点位与摄像头 pages in headless Chromium: the offline map (no request leaves 127.0.0.1), the list, a point
page, and the camera page: live snapshot, zones drawn, a new zone drawn by clicking and saved through the
zone validation (an invalid one refused with a message). Screenshots at 1366×768 and 1920×1080."""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from models.clock import utcnow
from models.latest_frames import store_for
from models.registry import Camera
from tests.dashboard.desktop_helpers import page_module
from tests.dashboard.pages.registry_city import SIZES, browser, live_app, login_context, shot, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_app(tmp_path_factory.mktemp("points")) as s:
        yield s


def shots(page, name):
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(500)
        shot(page, f"{name}-{w}x{h}")


def _click_rel(page, x, y):
    """Move onto the picture (plotly picks the clicked point from its hover), then click."""
    box = page.locator("#cameras-fig .nsewdrag").first.bounding_box()
    px, py = box["x"] + x * box["width"], box["y"] + y * box["height"]
    page.mouse.move(px - 3, py - 3)
    page.mouse.move(px, py)
    page.wait_for_timeout(250)
    page.mouse.click(px, py)
    page.wait_for_timeout(200)


def test_map_list_point_and_camera_zone_editing(site):
    ctx, info, app, base = site
    cam_code = info["camera_code"]
    store = store_for(ctx)
    store.watch(cam_code)
    frame = np.full((720, 1280, 3), 170, np.uint8)
    frame[400:, :] = 80
    assert store.offer(cam_code, frame, utcnow())
    with browser() as chrome:
        context, page = login_context(chrome, app, base, "sup1", *SIZES[0])
        try:
            page.goto(base + "/points")
            wait_ready(page, "#points-map")
            page.wait_for_selector("#points-map .maplibregl-canvas, #points-map canvas", timeout=90_000)
            assert "点位 209 个" in page.locator("#points-legend").inner_text()
            shots(page, "points-map")
            page.get_by_role("tab", name="列表").click()
            page.wait_for_function("() => dash_ag_grid.getApi('points-grid').getDisplayedRowCount() === 209",
                                   timeout=60_000)
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            page.goto(base + f"/points/{info['point_code']}")
            wait_ready(page, ".cw-cam")
            assert page.locator(".cw-cam img.cw-snap-img").count() >= 1  # the live frame of the watched camera
            shots(page, "point-detail")
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            page.goto(base + f"/cameras/{cam_code}")
            wait_ready(page, "#cameras-fig .nsewdrag")
            page.wait_for_selector("#cameras-caption >> text=实时", timeout=60_000)
            hrefs = page.evaluate("() => [...document.querySelectorAll('#cameras-fig image')].map("
                                  "i => i.getAttribute('href') || i.getAttribute('xlink:href') || '')")
            assert any("snapshot.jpg" in h for h in hrefs)  # the live snapshot under the zones
            # draw a new zone: four clicks, name, kind, save
            page.fill("#cameras-edit-name", "消防通道口")
            for n, (x, y) in enumerate([(0.10, 0.80), (0.35, 0.80), (0.35, 0.95), (0.10, 0.95)], start=1):
                _click_rel(page, x, y)  # each vertex is counted by a server callback: wait for it before the next
                page.wait_for_selector(f"#cameras-edit-count >> text=已点 {n} 个顶点", timeout=60_000)
            page.click("#cameras-edit-save")
            page.wait_for_selector("#cameras-edit-msg >> text=已保存区域", timeout=60_000)
            shots(page, "camera-zones")
            # an invalid polygon (two points) is refused with a Chinese message
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            page.locator("#cameras-edit-pick").click()
            page.get_by_role("option", name="＋ 新建区域").click()
            _click_rel(page, 0.5, 0.2)
            page.wait_for_selector("#cameras-edit-count >> text=已点 1 个顶点", timeout=60_000)
            _click_rel(page, 0.6, 0.3)
            page.wait_for_selector("#cameras-edit-count >> text=已点 2 个顶点", timeout=60_000)
            # the name last: picking 新建区域 empties the name in the browser, and under load that can land
            # after a name typed at once (the vertices counted above show the pick has been applied)
            page.fill("#cameras-edit-name", "半个区域")
            page.click("#cameras-edit-save")
            page.wait_for_selector("#cameras-edit-msg >> text=区域未保存", timeout=60_000)
            assert "至少需要 3 个顶点" in page.locator("#cameras-edit-msg").inner_text()
            assert context.errors == [] and context.outside == []
        finally:
            context.close()
    with ctx.sessions() as s:
        zones = s.scalar(select(Camera.zones).where(Camera.code == cam_code))
    new = [z for z in zones if z["name"] == "消防通道口"]
    assert len(new) == 1 and len(new[0]["polygon"]) == 4 and new[0]["kind"] == "sidewalk"
    xs = [p[0] for p in new[0]["polygon"]]
    assert min(xs) == pytest.approx(0.10, abs=0.03) and max(xs) == pytest.approx(0.35, abs=0.03)
    assert not any(z["name"] == "半个区域" for z in zones)


def test_map_fills_its_frame_at_1440(site):
    """At 1440×900 the city (tall) fills the map's width (it filled ~40 % of a full-width map), and the
    legend with the per-district table takes the rest of the row."""
    ctx, info, app, base = site
    bounds = page_module("points").BOUNDS
    with browser() as chrome:
        context, page = login_context(chrome, app, base, "sup1", 1440, 900)
        try:
            page.goto(base + "/points")
            wait_ready(page, "#points-map")
            page.wait_for_selector("#points-map .maplibregl-canvas", timeout=90_000)
            page.wait_for_function("() => { const m = document.getElementById('points-map')"
                                   ".querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;"
                                   " return m.loaded() && !m.isMoving(); }", timeout=60_000)
            page.wait_for_timeout(300)
            # the city's west and east edges as drawn, in pixels (the map's own projection)
            xs = page.evaluate("([w, s, e, n]) => { const m = document.getElementById('points-map')"
                               ".querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;"
                               " return [m.project([w, (s + n) / 2]).x, m.project([e, (s + n) / 2]).x]; }",
                               [bounds["west"], bounds["south"], bounds["east"], bounds["north"]])
            frame = page.locator("#points-map").bounding_box()
            drawn = xs[1] - xs[0]
            assert 0.7 * frame["width"] <= drawn <= frame["width"] + 1, (drawn, frame)
            assert frame["y"] + frame["height"] <= 900 and frame["height"] >= 420  # whole map on screen
            layout = page.locator(".cw-map-layout").bounding_box()
            side = page.locator("#points-legend").bounding_box()
            assert side["x"] > frame["x"] + frame["width"]  # beside the map, not under it
            assert abs((side["x"] + side["width"]) - (layout["x"] + layout["width"])) <= 2
            table = page.locator("#points-legend .cw-district-table").inner_text()
            assert "各区县点位" in table and "芗城区" in table
            shot(page, "points-map-1440x900")
            assert context.errors == [] and context.outside == []
        finally:
            context.close()
