"""``civicwatch db upgrade``: bring the configured database to the newest schema."""
from __future__ import annotations

import click

from models.context import AppContext
from models.migrate import current_revision, upgrade

from .groups import db


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj) -> None:
    """Apply the Alembic migrations to the configured database."""
    ctx = AppContext.from_config(obj.config())
    try:
        upgrade(ctx.engine)
        click.echo(f"database at revision {current_revision(ctx.engine)}")
    finally:
        ctx.engine.dispose()


def register(cli: click.Group) -> None:  # attached through the `db` group
    pass
