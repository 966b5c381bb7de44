"""``civicwatch demo history --days 365``: write the demo city's past (演示历史数据) through the workflow.

Also run by the embedded demo's first start (``workflow.demo_history.on_first_start``). Progress goes to
stderr; the result (one JSON object) to stdout.
"""
from __future__ import annotations

import json
import sys
import time

import click

from models.context import AppContext

from .opened_database import opened_database


def write_with_progress(ctx: AppContext, days: int | None = None, seed: int | None = None) -> dict:
    """Write the history with a progress bar on stderr; returns its totals and the seconds it took."""
    from tqdm import tqdm

    from models.workflow.demo_history import write_history

    cfg = ctx.config.workflow.demo_history
    started = time.monotonic()
    with tqdm(desc="演示历史 demo history", unit="cases", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = write_history(ctx.sessions, cfg, days=days, seed=seed, progress=progress)
    return {**result.__dict__, "seconds": round(time.monotonic() - started, 1)}


@click.group()
def demo() -> None:
    """Demo data (演示数据)."""


@demo.command("history")
@click.option("--days", type=click.IntRange(1, 3 * 366), default=None,
              help="Days of history ending now (default: workflow.demo_history.days).")
@click.option("--seed", type=int, default=None, help="Random seed (default: workflow.demo_history.seed).")
@click.pass_obj
def history(obj, days: int | None, seed: int | None) -> None:
    """Write a year of demo cases (marked as demo history) made by simulated units through the workflow."""
    from models.workflow import WorkflowError

    if not obj.config().demo:
        raise click.ClickException("demo history: this config is not a demo (demo: false); it writes simulated "
                                   "cases and is refused on a production database")
    with opened_database(obj) as ctx:
        try:
            out = write_with_progress(ctx, days, seed)
        except WorkflowError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(out, ensure_ascii=False))


def register(cli: click.Group) -> None:
    cli.add_command(demo)
