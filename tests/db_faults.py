"""Database faults for tests: make one kind of statement fail on an engine, as a dropped connection would."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError


@contextmanager
def failing_inserts(engine: Engine, table: str, reason: str = "server closed the connection (simulated)"
                    ) -> Iterator[None]:
    """While open, every ``INSERT INTO <table>`` on ``engine`` raises ``OperationalError(reason)`` before it
    reaches the database; other statements run as usual. The hook is removed on exit, also after an error."""
    prefix = f"INSERT INTO {table}".upper()

    def fail(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith(prefix):
            raise OperationalError(statement, params, Exception(reason))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)
