"""A synthetic city for the 责任单位 / 创建指标 / 点位 / 报表 page tests: the wall's synthetic registry (209
points, 116 units, 130 indicators …) with 2,500 cases over a year, plus what those pages show and the
synthetic city lacks: camera zones, indicator owners with progress, recurrence links, camera health
events, and one user per desktop role. Also the live server, Chromium, login and screenshot helpers."""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from models.accounts import User
from models.cases import Case
from models.clock import utcnow
from models.context import AppContext
from models.migrate import upgrade
from models.registry import Camera, CameraHealthEvent, Indicator, IndicatorAssignment, ResponsibleUnit
from models.security import add_user
from tests.conftest import make_config
from tests.factories import STREET_ZONES

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "registry"
PASSWORD = "correct-horse-battery"
SIZES = [(1366, 768), (1920, 1080)]


_TEMPLATE: dict = {}


def city_copy(tmp_path) -> tuple[AppContext, dict]:
    """A private copy of the city database (built once per test process, then copied: SQLite file)."""
    import shutil
    import tempfile

    if "path" not in _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="cw-pages-"))
        ctx, info = build_city(base)
        with ctx.engine.begin() as conn:  # everything into the main file (SQLite may run in WAL mode)
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        ctx.stop()
        _TEMPLATE.update(path=base / "pages.db", info=info)
    shutil.copy(_TEMPLATE["path"], tmp_path / "pages.db")
    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/pages.db"))
    return ctx, dict(_TEMPLATE["info"])


def build_city(tmp_path) -> tuple[AppContext, dict]:
    from dashboard.wall.synthetic import fill

    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/pages.db"))
    upgrade(ctx.engine)
    fill(ctx.engine, cases=2500, observations=0, years=1.0, seed=11)
    rng = random.Random(5)
    info: dict = {}
    with ctx.sessions.begin() as s:
        s.execute(update(Camera).values(zones=[dict(z) for z in STREET_ZONES]))
        units = list(s.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.id)))
        for ind in s.scalars(select(Indicator).order_by(Indicator.id)):
            for u in rng.sample(units, rng.choice([1, 1, 2])):
                s.add(IndicatorAssignment(indicator_id=ind.id, unit_id=u.id,
                                          progress=round(ind.target * rng.uniform(0.3, 1.05), 1)))
        # recurrences: later cases of the same point and type link to the earlier one
        last: dict = {}
        for c in s.scalars(select(Case).order_by(Case.found_at)):
            key = (c.point_id, c.problem_type_id)
            if key in last and c.state != "invalid":
                c.previous_case_id = last[key]
            last[key] = c.id
        now = utcnow()
        cams = list(s.scalars(select(Camera).order_by(Camera.id).limit(3)))
        for i, (a, b) in enumerate([("unknown", "online"), ("online", "offline"), ("offline", "online")]):
            s.add(CameraHealthEvent(camera_id=cams[0].id, at=now - timedelta(hours=30 - i * 6), from_state=a,
                                    to_state=b, detail="连接超时" if b == "offline" else None))
        unit = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.kind == "street_office").limit(1)) or units[0]
        for name, role, code in [("admin1", "admin", None), ("sup1", "supervisor", None),
                                 ("viewer1", "viewer", None), ("op1", "unit", unit.code)]:
            add_user(s, name, PASSWORD, role, unit_code=code, display_name=name)
        info["unit_code"] = unit.code
        info["camera_code"] = cams[0].code
        info["point_code"] = cams[0].point.code
    return ctx, info


@contextmanager
def live_app(tmp_path):
    """(ctx, info, app, base URL): the city served by waitress on a free loopback port."""
    from dashboard.app import create_app
    from tests.dashboard.live_server import serve

    ctx, info = city_copy(tmp_path)
    app = create_app(ctx)
    try:
        with serve(app) as base:
            yield ctx, info, app, base
    finally:
        ctx.stop()


@contextmanager
def browser():
    from tests.dashboard.live_server import chromium

    with chromium() as b:
        yield b


def session_cookie(app, username: str) -> dict:
    """A logged-in session cookie for ``username``, made with Flask's own session machinery (no login form)."""
    import flask

    from dashboard.access import login_principal

    ctx = app.server.config["CIVICWATCH"]
    with ctx.sessions() as s:
        user = s.scalar(select(User).where(User.username == username))
        with app.server.test_request_context("/"):
            login_principal(user)
            resp = flask.Response()
            app.server.session_interface.save_session(app.server, flask.session, resp)
    name, value = resp.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)
    return {"name": name, "value": value}


def login_context(browser, app, base: str, username: str, width: int, height: int):
    """A Playwright browser context of ``username`` at width × height; logs in through the login page when
    there is one, else puts a session cookie in place. Records console errors and non-loopback requests."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  accept_downloads=True)
    context.errors = []  # type: ignore[attr-defined]
    context.outside = []  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and context.errors.append(m.text))
    page.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            or context.outside.append(r.url))
    resp = page.goto(base + "/login")
    if resp is not None and resp.status == 200 and page.locator("input[name=username]").count():
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation(timeout=120_000):
            page.locator("form button[type=submit], form input[type=submit]").first.click()
        page.wait_for_load_state("load", timeout=120_000)
        assert "/login" not in page.url, f"login as {username} failed: {page.locator('body').inner_text()[:300]!r}"
    else:
        c = session_cookie(app, username)
        context.add_cookies([{"name": c["name"], "value": c["value"], "url": base}])
    return context, page


def wait_ready(page, selector: str, timeout: float = 120_000) -> None:
    """Wait for ``selector`` and for Dash to finish its callbacks (this machine can be slow and loaded);
    on a timeout, say which page was shown instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector(selector, timeout=timeout)
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
                               timeout=timeout)
    except PlaywrightTimeout:
        body = page.locator("body").inner_text()[:400] if page.locator("body").count() else ""
        raise AssertionError(f"{selector} did not appear on {page.url}; the page shows: {body!r}") from None


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
