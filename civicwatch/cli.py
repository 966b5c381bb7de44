"""The ``civicwatch`` command. Subcommands live one module each in ``civicwatch/commands/``."""
from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import click

from models.config import ConfigError, load_config

from . import commands


class Obj:
    """What every subcommand receives: the path of the config to load (lazily)."""

    def __init__(self, config_path: str | None):
        self.config_path = config_path

    def config(self):
        """Load and validate the config, or exit 2 with the message naming the bad keys."""
        try:
            return load_config(self.config_path)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="CIVICWATCH_CONFIG", default=None,
              help="Config file (default: $CIVICWATCH_CONFIG or ./config.yaml).")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """CivicWatch — 漳州精神文明建设平台."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Skipped and late samples are counted by the feed scheduler (/healthz, /api/v1/metrics); APScheduler's
    # own per-job warnings would flood the console on a busy machine.
    logging.getLogger("apscheduler").setLevel(logging.ERROR if verbose < 2 else logging.DEBUG)
    ctx.obj = Obj(config_path)


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_load_commands()


def main() -> None:  # console-script entry point
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
