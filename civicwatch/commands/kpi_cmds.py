"""``civicwatch kpi incentive``: the positive-incentive scores (正向激励评分) of a period, from the case log."""
from __future__ import annotations

import json

import click

from .opened_database import opened_database


@click.group()
def kpi() -> None:
    """Performance figures and incentive scores (考核与激励)."""


@kpi.command("incentive")
@click.option("--period", "period_text", required=True, help="YYYY (a year) or YYYY-MM (a month), local calendar.")
@click.option("--level", type=click.Choice(["unit", "district", "both"]), default="both", show_default=True,
              help="Score responsible units, counties (区县) or both.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the default prints a table).")
@click.pass_obj
def incentive(obj, period_text: str, level: str, as_json: bool) -> None:
    """Incentive scores, 先进 and 进步 lists of PERIOD (weights: `incentives` in the config)."""
    from models.incentives import IncentiveError, parse_period, score_period

    try:
        period = parse_period(period_text)
    except IncentiveError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    cfg = obj.config()
    levels = ("unit", "district") if level == "both" else (level,)
    with opened_database(obj) as ctx, ctx.sessions() as s:
        result = {lv: score_period(s, period, lv, cfg=cfg.incentives) for lv in levels}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    for lv, res in result.items():
        click.echo(f"{res['period']} {'责任单位' if lv == 'unit' else '区县'}")
        for r in res["rows"]:
            if r["score"] is not None:
                click.echo(f"  {r['rank']:>3}  {r['score']:>6.2f}  {r['name']}")


def register(cli: click.Group) -> None:
    cli.add_command(kpi)
