"""创建指标 page in headless Chromium: a supervisor edits a unit's progress (recorded with who/when); a viewer
cannot save (refused on the server). Screenshots at 1366×768 and 1920×1080."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.registry import Indicator, IndicatorAssignment
from tests.dashboard.pages.registry_city import SIZES, browser, live_app, login_context, shot, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_app(tmp_path_factory.mktemp("indicators")) as s:
        yield s


def test_supervisor_edits_progress(site):
    ctx, info, app, base = site
    with browser() as chrome:
        context, page = login_context(chrome, app, base, "sup1", *SIZES[0])
        try:
            page.goto(base + "/indicators")
            wait_ready(page, ".cw-class-cards .cw-kpi")
            assert page.locator(".cw-class-cards .cw-kpi").count() == 4
            page.wait_for_selector("#indicators-grid .ag-row", timeout=60_000)
            page.locator("#indicators-grid .ag-center-cols-container .ag-row").first.click()
            page.wait_for_function("() => !document.querySelector('#indicators-form-progress').disabled",
                                   timeout=60_000)
            title = page.locator("#indicators-form-title").inner_text()
            code = title.split()[0]
            page.fill("#indicators-form-progress", "88.5")
            page.fill("#indicators-form-evidence", "2026年台账第3册")
            page.click("#indicators-form-save")
            page.wait_for_selector("#indicators-edit-msg >> text=已保存", timeout=60_000)
            # the full history of the assignment, newest first: who, value, note
            page.wait_for_selector("#indicators-history li:first-child:has-text('sup1 填报 88.5')"
                                   ":has-text('2026年台账第3册')", timeout=60_000)
            for w, h in SIZES:
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(400)
                shot(page, f"indicators-{w}x{h}")
            # invalid input is refused with a message naming the field, nothing stored
            page.fill("#indicators-form-progress", "")
            page.click("#indicators-form-save")
            page.wait_for_selector("#indicators-edit-msg >> text=未保存", timeout=60_000)
            assert "进度" in page.locator("#indicators-edit-msg").inner_text()
            assert context.errors == [] and context.outside == []
        finally:
            context.close()
    with ctx.sessions() as s:
        ind = s.scalar(select(Indicator).where(Indicator.code == code))
        rows = s.scalars(select(IndicatorAssignment).where(IndicatorAssignment.indicator_id == ind.id,
                                                           IndicatorAssignment.updated_by == "sup1")).all()
        assert len(rows) == 1 and rows[0].progress == 88.5 and rows[0].evidence == "2026年台账第3册"
        assert rows[0].updated_at is not None


def test_viewer_cannot_save(site):
    from tests.dashboard.desktop_helpers import callback_key, dash_call, login

    ctx, info, app, base = site
    with ctx.sessions() as s:
        a = s.scalars(select(IndicatorAssignment)).first()
        key, before = {"indicator_id": a.indicator_id, "unit_id": a.unit_id}, a.progress
    client = app.server.test_client()
    login(client, "viewer1")
    r = dash_call(client, app, callback_key(app, "indicators-edit-msg"),
                  inputs={"indicators-form-save.n_clicks": 1},
                  state={"indicators-form-sel.data": key, "indicators-form-progress.value": 1.0},
                  triggered="indicators-form-save.n_clicks")
    assert r.status_code == 403
    # viewers may still filter and read
    r = dash_call(client, app, callback_key(app, "indicators-grid"),
                  inputs={"indicators-filter.data": {"cls": "文明校园", "cat": ""}})
    assert r.status_code == 200
    rows = r.get_json()["response"]["indicators-grid"]["rowData"]
    assert rows and {x["creation_class"] for x in rows} == {"文明校园"}
    with ctx.sessions() as s:
        assert s.get(IndicatorAssignment, (key["indicator_id"], key["unit_id"])).progress == before
