"""Shared fixtures: databases (SQLite and this machine's real PostgreSQL), config and app context.

PostgreSQL: each test session creates its own database on the server named by
``CIVICWATCH_TEST_PG`` (default ``postgresql://postgres@127.0.0.1:5432/test``) and drops it at the end,
so parallel runs never share tables. With ``CI=true`` a missing server fails the run; elsewhere the
PostgreSQL tests are skipped with a visible notice.
"""
from __future__ import annotations

import os
import uuid

import pytest

from models.config import parse_config
from models.context import AppContext
from models.migrate import upgrade

PG_ADMIN_URL = os.environ.get("CIVICWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, object] = {}


def _pg_connect(dbname: str | None = None):
    import psycopg

    url = PG_ADMIN_URL if dbname is None else PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def pg_available() -> bool:
    if "ok" not in _pg_state:
        try:
            _pg_connect().close()
            _pg_state["ok"] = True
        except Exception as exc:  # noqa: BLE001
            _pg_state["ok"] = False
            _pg_state["error"] = repr(exc)
    return bool(_pg_state["ok"])


def pytest_report_header(config):
    if pg_available():
        return f"PostgreSQL: {PG_ADMIN_URL} reachable (tests create their own database)"
    return f"NOTICE: PostgreSQL at {PG_ADMIN_URL} NOT reachable: PostgreSQL tests will be skipped ({_pg_state['error']})"


def pytest_sessionstart(session):
    if os.environ.get("CI") == "true" and not pg_available():
        raise pytest.UsageError(f"CI=true but PostgreSQL is not reachable at {PG_ADMIN_URL}: {_pg_state['error']}")


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session; yields its SQLAlchemy URL."""
    if not pg_available():
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (required in CI)")
    name = f"cw_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    yield f"{base}/{name}"
    with _pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_pg(url: str) -> None:
    """Drop every table of the session database so each test starts from an empty schema."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A database URL for an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/civicwatch.db"
    url = request.getfixturevalue("pg_database")
    _reset_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/civicwatch.db"


def make_config(tmp_path, db_url: str, **overrides):
    """A validated config rooted in ``tmp_path`` (data dir there), with nested overrides."""
    data = {"data_dir": str(tmp_path / "var"), "database": {"url": db_url}}
    for key, value in overrides.items():
        data[key] = value
    return parse_config(data, base_dir=os.getcwd())


def _migrated_context(tmp_path, db_url: str):
    context = AppContext.from_config(make_config(tmp_path, db_url))
    upgrade(context.engine)
    yield context
    context.stop()


@pytest.fixture
def ctx(tmp_path, db_url):
    """An AppContext on a migrated, empty database (SQLite and PostgreSQL)."""
    yield from _migrated_context(tmp_path, db_url)


@pytest.fixture
def sqlite_ctx(tmp_path, sqlite_url):
    """An AppContext on a migrated, empty SQLite database only."""
    yield from _migrated_context(tmp_path, sqlite_url)
