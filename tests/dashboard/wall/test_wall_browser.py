"""The wall in headless Chromium: both screen sizes, offline (every request stays on 127.0.0.1), no console
errors, KPI figures equal to /api/v1/summary, a new problem on screen within 3 s, banners that come and go."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
import requests

from dashboard.wall.layout import kpi_values, today_values
from models.clock import utcnow

from .conftest import ARTIFACTS, add_evidence

SIZES = [(1920, 1080), (3840, 2160)]


def open_wall(rp, server, token):
    rp.page.goto(f"{server.base}/wall?token={token}")
    rp.page.wait_for_selector("#wall-map canvas", state="attached", timeout=60_000)
    # predicates as functions: a bare expression would be eval'd in the page, which the CSP forbids
    rp.page.wait_for_function("() => document.getElementById('wall-kpi-points') && "
                              "document.getElementById('wall-kpi-points').textContent.length > 0")
    # one tick answered after load (the heartbeat changes)
    first = rp.page.text_content("#wall-updated")
    rp.page.wait_for_function(f"() => document.getElementById('wall-updated').textContent !== {first!r}", timeout=10_000)


def summary(server, token):
    r = requests.get(f"{server.base}/api/v1/summary", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_renders_offline_at_both_sizes_with_summary_figures(wall_city, wall_server, recorded, size):
    ctx, _city, token, frames = wall_city
    rp = recorded(*size)
    open_wall(rp, wall_server, token)
    page = rp.page
    page.wait_for_timeout(1500)  # let the map finish drawing before the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"wall-{size[0]}x{size[1]}.png"))

    api = summary(wall_server, token)
    shown = {k: page.text_content(f"#wall-kpi-{k}") for k in kpi_values(api)}
    assert shown == kpi_values(api)
    assert {k: page.text_content(f"#wall-today-{k}") for k in today_values(api)} == today_values(api)
    assert shown["points"] == "209" and shown["cameras"] == "210" and shown["units"] == "116"
    assert shown["indicators"] == "130" and shown["types"] == "36"
    assert shown["rate"].endswith("%") and len(shown["rate"].split(".")[1]) == 3  # two decimals + "%"

    # the whole canvas fills the screen, scaled, with nothing scrolling
    box = page.eval_on_selector("#wall-canvas", "e => e.getBoundingClientRect().toJSON()")
    assert abs(box["width"] - size[0]) < 2 and abs(box["height"] - size[1]) < 2
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.is_visible("#wall-demo")  # config.demo is on in tests
    assert page.locator(".wall-event").count() > 0
    assert page.text_content("#wall-clock").count(":") == 2

    hosts = {urlparse(u).hostname for u in rp.requests if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, sorted(u for u in rp.requests if urlparse(u).hostname != "127.0.0.1")
    assert rp.errors == []
    assert page.locator(".dash-fe-error__title, .dash-debug-menu").count() == 0


def test_new_problem_reaches_the_wall_within_3_s(wall_city, wall_server, recorded):
    from models.workflow import open_case

    ctx, city, token, frames = wall_city
    rp = recorded(1920, 1080)
    open_wall(rp, wall_server, token)
    with ctx.sessions.begin() as s:
        case = open_case(s, source="camera", problem_type=city["types"][3], found_at=utcnow(), actor="detector",
                         actor_role="system", point=city["points"][5], description="wall test")
        add_evidence(ctx, s, case, seed=7)
        code = case.code
    rp.page.wait_for_selector(f'.wall-event[data-case="{code}"]', timeout=3000)
    thumb = f'.wall-event[data-case="{code}"] img.wall-event-thumb'
    rp.page.wait_for_function(f"() => document.querySelector({thumb!r}) && "
                              f"document.querySelector({thumb!r}).naturalWidth > 0", timeout=5000)
    api = summary(wall_server, token)
    rp.page.wait_for_function(f"() => document.getElementById('wall-today-found').textContent === "
                              f"{today_values(api)['found']!r}", timeout=3000)
    assert rp.errors == []


def test_stalled_pipeline_and_lost_server_are_said_plainly_and_recover(wall_city, wall_server, recorded):
    ctx, _city, token, frames = wall_city
    rp = recorded(1920, 1080)
    open_wall(rp, wall_server, token)
    page = rp.page
    assert not page.is_visible("#wall-banner")

    # the pipeline stops delivering frames: the server-side banner says so, then goes away on its own
    frames["stalled_at"] = utcnow() - timedelta(seconds=60)
    page.wait_for_selector("#wall-banner.wall-banner-show", timeout=8000)
    assert "没有新画面" in page.text_content("#wall-banner")
    frames["stalled_at"] = None
    page.wait_for_selector("#wall-banner.wall-banner-show", state="detached", timeout=8000)
    assert not page.is_visible("#wall-banner")

    # the server stops answering: the browser says so itself, keeps the last data, then recovers
    page.route("**/_dash-update-component*", lambda route: route.abort())
    page.wait_for_selector("#wall-offline.wall-banner-show", timeout=20_000)
    assert "连接已中断" in page.text_content("#wall-offline")
    assert page.text_content("#wall-kpi-points") == "209"  # not a blank page
    assert page.locator(".dash-fe-error__title, .dash-debug-menu").count() == 0
    page.unroute("**/_dash-update-component*")
    page.wait_for_selector("#wall-offline.wall-banner-show", state="detached", timeout=10_000)
    assert page.is_visible("#wall-map")
