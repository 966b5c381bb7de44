"""Wall fixtures: a synthetic city (209 points …) with cases on SQLite, the app served by waitress on a
free loopback port in a thread, a wall token, and a headless Chromium (Playwright) that records every
request and console message."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from sqlalchemy import select

from models.accounts import Role
from models.cases import Case, Evidence
from models.clock import utcnow
from models.context import AppContext
from models.migrate import upgrade
from models.security import create_token
from tests.conftest import make_config

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app served by waitress on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, ctx: AppContext):
        from waitress.server import create_server

        from dashboard.app import create_app

        self.ctx = ctx
        self.app = create_app(ctx)
        self.port = free_port()
        self.wsgi = create_server(self.app.server, host="127.0.0.1", port=self.port, threads=4)
        self.thread = threading.Thread(target=self.wsgi.run, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)

    def close(self) -> None:
        self.wsgi.close()
        self.thread.join(timeout=5)


def add_evidence(ctx: AppContext, session, case, seed: int = 0) -> Evidence:
    """A small street-like JPEG stored under the evidence directory, attached to ``case``."""
    from PIL import Image, ImageDraw

    from models.images import evidence_root

    img = Image.new("RGB", (640, 360), (90 + 20 * seed % 120, 100, 110))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 240, 640, 360], fill=(60, 60, 64))
    draw.rectangle([220 + 30 * seed, 180, 330 + 30 * seed, 260], fill=(30, 140, 60))
    path = evidence_root(ctx.config) / f"wall-test-{case.id}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=80)
    ev = Evidence(sha256=f"{case.id:064d}", path=str(path), kind="first_sight", case_id=case.id, width=640,
                  height=360, created_at=utcnow())
    session.add(ev)
    session.flush()
    return ev


@pytest.fixture(scope="module")
def wall_city(tmp_path_factory):
    """A migrated SQLite database with the synthetic city and 3,000 cases over a year; (ctx, city, token)."""
    from dashboard.wall.synthetic import fill

    tmp = tmp_path_factory.mktemp("wall")
    ctx = AppContext.from_config(make_config(tmp, f"sqlite:///{tmp}/wall.db", wall={"tick_s": 1,
                                                                                     "stale_after_s": 5}))
    upgrade(ctx.engine)
    city = fill(ctx.engine, cases=3000, observations=0, years=1.0)
    with ctx.sessions.begin() as s:
        token, _ = create_token(s, Role.WALL.value, name="wall test", days=1)
        newest = s.scalars(select(Case).order_by(Case.id.desc()).limit(5)).all()
        for i, case in enumerate(newest):
            add_evidence(ctx, s, case, seed=i)
    # a stand-in for the feeds service: frames arrive now, unless a test stalls them
    frames: dict = {"stalled_at": None}
    ctx.status["feeds"] = lambda: {"running": True,
                                   "last_frame_at": (frames["stalled_at"] or utcnow()).isoformat()}
    yield ctx, city, token, frames
    ctx.stop()


@pytest.fixture(scope="module")
def wall_server(wall_city):
    ctx = wall_city[0]
    server = Server(ctx)
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (scripts/setup.sh --test)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class RecordedPage:
    """A page with every request URL and every console error/page error recorded."""

    def __init__(self, browser, width: int, height: int):
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def recorded(browser):
    pages: list[RecordedPage] = []

    def open_page(width: int, height: int) -> RecordedPage:
        rp = RecordedPage(browser, width, height)
        pages.append(rp)
        return rp

    yield open_page
    for rp in pages:
        rp.close()
