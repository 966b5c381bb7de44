"""Opening the configured database for a command: load the config, migrate to head, dispose at the end."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from models.context import AppContext
from models.migrate import upgrade


@contextmanager
def opened_database(obj) -> Iterator[AppContext]:
    """An :class:`AppContext` on the config's database, migrated to the newest schema."""
    ctx = AppContext.from_config(obj.config())
    try:
        upgrade(ctx.engine)
        yield ctx
    finally:
        ctx.engine.dispose()
