"""``civicwatch check-config [PATH]``: validate a config file and say what is wrong."""
from __future__ import annotations

import sys

import click

from models.config import ConfigError, load_config


@click.command("check-config")
@click.argument("path", required=False)
@click.pass_obj
def check_config(obj, path: str | None) -> None:
    """Validate PATH (default: the --config file) and exit non-zero naming each bad key."""
    target = path or obj.config_path
    try:
        cfg = load_config(target)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"ok: {target or 'config.yaml'} is valid (database: {cfg.database_url.split('://')[0]})")


def register(cli: click.Group) -> None:
    cli.add_command(check_config)
