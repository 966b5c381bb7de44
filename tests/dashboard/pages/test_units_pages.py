"""责任单位 pages in headless Chromium: KPI figures equal the queries, ranking and improvement views, the unit
page, and unit operators confined to their own unit. Screenshots at 1366×768 and 1920×1080."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.registry import ResponsibleUnit
from models.reports import local_today, overall_kpis, period_of, ranking
from tests.dashboard.pages.registry_city import SIZES, browser, live_app, login_context, shot, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_app(tmp_path_factory.mktemp("units")) as s:
        yield s


@pytest.fixture(scope="module")
def chrome():
    with browser() as b:
        yield b


def shots(page, name):
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(400)
        shot(page, f"{name}-{w}x{h}")


def test_units_overview_ranking_and_unit_page(site, chrome):
    ctx, info, app, base = site
    context, page = login_context(chrome, app, base, "sup1", *SIZES[0])
    try:
        page.goto(base + "/units")
        wait_ready(page, "#units-overall .cw-kpi")
        month = period_of("month", local_today())
        w = ctx.config.workflow.score_weights
        with ctx.sessions() as s:
            k = overall_kpis(s, month, weights=w)
            ranked = ranking(s, month, weights=w)
            n_units = s.scalar(select(func.count()).select_from(ResponsibleUnit))
            own_name = s.scalar(select(ResponsibleUnit.name).where(ResponsibleUnit.code == info["unit_code"]))
        cards = page.locator("#units-overall .cw-kpi")
        assert f"{k['rectification_rate']:.2f}%" in cards.nth(0).inner_text()
        assert f"{k['handled']}/{k['dispatched']}" in cards.nth(0).inner_text()
        assert f"{k['score']:.1f}" in cards.nth(6).inner_text()
        page.wait_for_function("() => window.dash_ag_grid && dash_ag_grid.getApi('units-grid')"
                               " && dash_ag_grid.getApi('units-grid').getDisplayedRowCount() > 0", timeout=60_000)
        assert page.evaluate("dash_ag_grid.getApi('units-grid').getDisplayedRowCount()") == n_units == 116
        shots(page, "units")
        page.get_by_role("tab", name="成效排名").click()
        page.wait_for_selector("#units-rank .cw-table", timeout=60_000)
        assert ranked[0]["name"] in page.locator("#units-rank .cw-table tbody tr").first.inner_text()
        shots(page, "units-ranking")
        page.get_by_role("tab", name="进步最快").click()
        page.wait_for_selector("#units-improved .cw-table, #units-improved .mantine-Alert-root", timeout=60_000)
        # the unit page, and a period switch that recomputes its figures
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
        page.goto(base + f"/units/{info['unit_code']}")
        wait_ready(page, "#units-d-kpis .cw-kpi")
        assert page.locator("h1").inner_text() == own_name
        page.wait_for_selector("#units-d-trend .js-plotly-plot", timeout=60_000)
        page.get_by_text("年", exact=True).click()
        page.wait_for_function("() => document.querySelector('#units-d-shown').innerText.includes('年（')",
                               timeout=60_000)
        shots(page, "unit-detail")
        assert context.errors == [] and context.outside == []
    finally:
        context.close()


def test_operator_sees_only_own_unit(site, chrome):
    ctx, info, app, base = site
    with ctx.sessions() as s:
        other_code = s.scalar(select(ResponsibleUnit.code).where(ResponsibleUnit.code != info["unit_code"]).limit(1))
    context, page = login_context(chrome, app, base, "op1", *SIZES[0])
    try:
        page.goto(base + f"/units/{info['unit_code']}")
        wait_ready(page, "#units-d-kpis .cw-kpi")
        page.goto(base + f"/units/{other_code}")
        page.wait_for_selector("text=您只能查看本单位的统计", timeout=60_000)
        assert page.locator("#units-d-kpis").count() == 0
    finally:
        context.close()


def test_operator_refused_by_server(site):
    """The overview and another unit's figures are refused on the server, not just hidden."""
    from tests.dashboard.desktop_helpers import callback_key, dash_call, login

    ctx, info, app, base = site
    client = app.server.test_client()
    assert login(client, "op1").status_code in (200, 302, 303)
    r = dash_call(client, app, callback_key(app, "units-grid"),
                  inputs={"units-period.value": "month", "units-date.value": None})
    assert r.status_code == 403
    with ctx.sessions() as s:
        other = s.scalar(select(ResponsibleUnit.code).where(ResponsibleUnit.code != info["unit_code"]).limit(1))
    r = dash_call(client, app, callback_key(app, "units-d-kpis"),
                  inputs={"units-d-period.value": "month", "units-d-date.value": None},
                  state={"units-d-code.data": other})
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp["units-d-shown"]["children"] == "您只能查看本单位的统计。" and resp["units-d-kpis"]["children"] is None


def test_date_picker_in_chinese(site, chrome):
    """The period date picker names weekdays and months in Chinese (dayjs zh-cn, shipped in assets), weeks from
    Monday; the locale file comes from this server, not a CDN."""
    ctx, info, app, base = site
    context, page = login_context(chrome, app, base, "sup1", 1440, 900)
    try:
        page.goto(base + "/units")
        wait_ready(page, "#units-overall .cw-kpi")
        page.locator("#units-date").click()
        head = page.locator(".mantine-DatePickerInput-weekday")
        head.first.wait_for(timeout=30_000)
        assert head.all_inner_texts() == ["一", "二", "三", "四", "五", "六", "日"]
        shot(page, "date-picker-1440x900")
        # the days' accessible names carry the locale's month name (十一月, not November)
        today = local_today()
        label = page.locator(".mantine-DatePickerInput-day[data-selected]").get_attribute("aria-label")
        months = ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"]
        assert label == f"{today.day} {months[today.month - 1]} {today.year}"
        assert context.errors == [] and context.outside == []
    finally:
        context.close()
