"""Migrations build the whole schema on both databases and match the table models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from models.migrate import current_revision, head_revision
from models.tables import metadata


def test_upgrade_reaches_head_and_matches_models(ctx):
    assert current_revision(ctx.engine) == head_revision()
    tables = set(inspect(ctx.engine).get_table_names())
    assert set(metadata.tables) <= tables
    with ctx.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_sqlite_runs_with_wal_and_foreign_keys(sqlite_ctx):
    with sqlite_ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
