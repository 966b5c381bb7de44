from __future__ import annotations

import pytest

from dashboard.access import token_cache


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    from tests.dashboard.desktop_helpers import use_fast_hashing

    use_fast_hashing(monkeypatch)


@pytest.fixture
def app(sqlite_ctx):
    from dashboard.app import create_app

    token_cache.clear()
    yield create_app(sqlite_ctx)
