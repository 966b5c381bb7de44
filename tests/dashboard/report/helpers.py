"""Helpers of the 随手拍 / Open311 / edge-ingestion tests: a seeded app, photos with GPS EXIF, state snapshots."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from models.cases import Case, CaseTransition, Evidence, Observation
from models.edge_events import EdgeEvent
from models.exif_gps import exif_with_gps
from models.images import evidence_root
from models.security import create_token
from tests.factories import make_registry

GPS_WGS84 = (117.6501, 24.5102)  # a street in 芗城区, as a phone's GPS records it


def photo(gps=None, size=(800, 600), fmt="JPEG", seed=0) -> bytes:
    """A street-like picture, optionally geotagged (WGS-84 EXIF GPS)."""
    im = Image.new("RGB", size, (120 + seed % 100, 130, 140))
    d = ImageDraw.Draw(im)
    d.rectangle([0, size[1] * 2 // 3, size[0], size[1]], fill=(70, 70, 75))
    d.ellipse([size[0] // 3, size[1] // 2, size[0] // 2, size[1] * 3 // 4], fill=(40, 120, 40))
    b = io.BytesIO()
    if gps is not None:
        im.save(b, fmt, exif=exif_with_gps(*gps))
    else:
        im.save(b, fmt)
    return b.getvalue()


def bomb_png() -> bytes:
    """A 20000×20000 PNG (400 megapixels) that compresses to a few dozen KB."""
    b = io.BytesIO()
    Image.new("1", (20000, 20000)).save(b, "PNG")
    return b.getvalue()


@dataclass
class Snapshot:
    rows: tuple[int, ...]
    files: list[Path]


def snapshot(ctx) -> Snapshot:
    """Row counts of every table intake writes to, and every file under the evidence directory."""
    with ctx.sessions() as s:
        rows = tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Case, CaseTransition, Evidence, Observation, EdgeEvent))
    root = evidence_root(ctx.config)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return Snapshot(rows, files)


def seed_city(ctx) -> str:
    """The mini registry and an edge token; returns the clear token."""
    with ctx.sessions.begin() as s:
        make_registry(s)
        token, _ = create_token(s, "edge", name="edge-box-1", days=1)
    return token


@dataclass
class LiveApp:
    """One app on one SQLite database, shared by a module's many small bad-input tests (fast set-up)."""

    ctx: object
    dash_app: object
    client: object
    token: str


def shared_app(tmp_path_factory, name: str) -> LiveApp:
    """A seeded app on a fresh SQLite database with rate limits high enough for a test module."""
    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade
    from tests.conftest import make_config

    tmp = tmp_path_factory.mktemp(name)
    ctx = AppContext.from_config(make_config(tmp, f"sqlite:///{tmp}/intake.db",
                                             reporting={"rate_limit": {"per_address": 1000, "per_phone": 1000}}))
    upgrade(ctx.engine)
    token = seed_city(ctx)
    app = create_app(ctx)
    return LiveApp(ctx, app, app.server.test_client(), token)


def sqlite_city(tmp_path_factory, name: str):
    """A migrated SQLite database with the mini registry (for module-scoped fixtures of refusal tests)."""
    from models.context import AppContext
    from models.migrate import upgrade
    from tests.conftest import make_config

    tmp = tmp_path_factory.mktemp(name)
    ctx = AppContext.from_config(make_config(tmp, f"sqlite:///{tmp}/{name}.db"))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    return ctx, tmp
