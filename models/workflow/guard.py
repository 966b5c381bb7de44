"""Database-level guard making ``case_transitions`` append-only (UPDATE and DELETE refused by a trigger).

Installed by the workflow service at start (idempotent, SQLite and PostgreSQL). It is not part of the
Alembic migration so that ``scripts/regen_initial_migration.sh`` keeps regenerating the single initial
revision; :func:`install_log_guard` is safe to run on every start.
"""
from __future__ import annotations

from sqlalchemy import Engine, text

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS case_transitions_no_update BEFORE UPDATE ON case_transitions
       BEGIN SELECT RAISE(ABORT, 'case_transitions is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS case_transitions_no_delete BEFORE DELETE ON case_transitions
       BEGIN SELECT RAISE(ABORT, 'case_transitions is append-only'); END""",
]
_POSTGRES = [
    """CREATE OR REPLACE FUNCTION case_transitions_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'case_transitions is append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS case_transitions_append_only ON case_transitions",
    """CREATE TRIGGER case_transitions_append_only BEFORE UPDATE OR DELETE ON case_transitions
       FOR EACH ROW EXECUTE FUNCTION case_transitions_append_only()""",
]


def install_log_guard(engine: Engine) -> None:
    statements = _SQLITE if engine.dialect.name == "sqlite" else _POSTGRES
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
