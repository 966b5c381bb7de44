"""统计报表 page in headless Chromium: the weekly briefing shows the queried figures, the XLSX download holds
the same numbers, and the print layout hides the navigation. Screenshots at 1366×768 and 1920×1080."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dashboard.text import reports as T
from models.reports import local_today, overall_kpis, period_of
from tests.dashboard.pages.registry_city import SIZES, browser, live_app, login_context, shot, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_app(tmp_path_factory.mktemp("reports")) as s:
        yield s


def test_weekly_briefing_page_download_and_print(site):
    ctx, info, app, base = site
    week = period_of("week", local_today())
    with ctx.sessions() as s:
        k = overall_kpis(s, week, weights=ctx.config.workflow.score_weights)
    with browser() as chrome:
        context, page = login_context(chrome, app, base, "sup1", *SIZES[0])
        try:
            page.goto(base + "/reports")
            wait_ready(page, "#reports-article")
            page.wait_for_selector("#reports-heat .js-plotly-plot", timeout=90_000)
            text = page.locator("#reports-article table").first.inner_text()
            row = next(line for line in text.splitlines() if line.startswith(T.KPI_ROWS["dispatched"]))
            assert row.split("\t")[1] == str(k["dispatched"])
            for w, h in SIZES:
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(500)
                shot(page, f"reports-{w}x{h}")
            with page.expect_download(timeout=90_000) as dl:
                page.click("#reports-xlsx")
            data = open(dl.value.path(), "rb").read()
            wb = load_workbook(io.BytesIO(data))
            rows = {r[0]: r[1] for r in wb[T.SHEETS["kpi"]].iter_rows(min_row=3, values_only=True)}
            assert rows[T.KPI_ROWS["dispatched"]] == k["dispatched"]
            assert rows[T.KPI_ROWS["rectification_rate"]] == k["rectification_rate"]
            page.emulate_media(media="print")
            assert not page.locator(".cw-header").is_visible()
            assert page.locator("#reports-article h1").is_visible()
            shot(page, "reports-print-1366x768")
            assert context.errors == [] and context.outside == []
        finally:
            context.close()
