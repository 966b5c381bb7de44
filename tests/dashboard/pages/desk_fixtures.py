"""Fixtures shared by the desktop page tests (cases, tasks): a seeded SQLite app."""
from __future__ import annotations

import pytest

from dashboard.access import token_cache
from tests.dashboard.desktop_helpers import seed, use_fast_hashing


@pytest.fixture
def desk(sqlite_ctx, monkeypatch):
    from dashboard.app import create_app

    use_fast_hashing(monkeypatch)
    token_cache.clear()
    seeded = seed(sqlite_ctx)
    app = create_app(sqlite_ctx)
    app.server.test_client().get("/login")
    return app, seeded
