"""Fixtures shared by the model tests: the mini registry (``tests/factories.py``) on the test databases."""
from __future__ import annotations

import pytest

from models.photo_intake import PhotoStore
from tests.dashboard.report.helpers import sqlite_city as make_sqlite_city
from tests.factories import make_registry


@pytest.fixture
def city(ctx):
    """``ctx`` (SQLite and PostgreSQL) with the mini registry committed."""
    with ctx.sessions.begin() as s:
        make_registry(s)
    return ctx


@pytest.fixture(scope="module")
def sqlite_city(tmp_path_factory, request):
    """One SQLite city with a photo store per test module, for the many refusal cases (nothing is written
    by them): ``(ctx, PhotoStore)``."""
    ctx, tmp = make_sqlite_city(tmp_path_factory, request.module.__name__.rsplit(".", 1)[-1])
    yield ctx, PhotoStore(tmp / "ev")
    ctx.stop()
