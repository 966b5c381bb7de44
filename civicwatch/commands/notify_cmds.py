"""``civicwatch notify``: the latest messages (``tail``), a test message (``test``), dead letters (``dead``,
``retry``)."""
from __future__ import annotations

import json
import uuid

import click

from .opened_database import opened_database


@click.group()
def notify() -> None:
    """Notifications (通知): outbox, channels, dead letters."""


def _line(r) -> dict:
    return {"id": r.id, "created_at": r.created_at.isoformat(), "case_code": r.case_code, "event": r.event,
            "channel": r.channel, "recipient": r.recipient, "status": r.status, "attempts": r.attempts,
            "sent_at": r.sent_at.isoformat() if r.sent_at else None, "last_error": r.last_error}


@notify.command("tail")
@click.option("-n", "--lines", "limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "dead"]), default=None)
@click.pass_obj
def tail(obj, limit: int, as_json: bool, status: str | None) -> None:
    """The latest messages in the outbox, oldest first."""
    from models.clock import fmt_local
    from models.notify.sender import latest

    with opened_database(obj) as ctx, ctx.sessions() as s:
        rows = list(reversed(latest(s, limit, status=status)))
        for r in rows:
            if as_json:
                click.echo(json.dumps(_line(r), ensure_ascii=False))
            else:
                click.echo(f"{fmt_local(r.created_at)}  {r.status:<7} {r.channel:<12} {r.event:<18} "
                           f"{r.case_code or '-':<18} {r.recipient_label or r.recipient}")


@notify.command("test")
@click.option("--channel", "name", required=True, help="Name of a configured channel.")
@click.option("--to", "address", default="", help="Recipient address on that channel (phone, e-mail …).")
@click.pass_obj
def test(obj, name: str, address: str) -> None:
    """Send a test message over one channel now; exit 1 if it was not delivered."""
    from models.config import ConfigError
    from models.notify.channels import build_channels
    from models.notify.messages import Message
    from models.notify.outbox import Target, enqueue
    from models.notify.sender import deliver_due

    cfg = obj.config().notify
    if cfg.channel(name) is None:
        raise click.BadParameter(f"{name!r}: no such channel; configured: "
                                 f"{', '.join(c.name for c in cfg.channels) or 'none'}", param_hint="--channel")
    try:
        channels = build_channels(cfg, obj.config().path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    with opened_database(obj) as ctx:
        with ctx.sessions.begin() as s:
            msg = Message("【测试消息】CivicWatch 通知通道测试", f"这是一条来自 CivicWatch 的测试消息（通道 {name}）。",
                          {"event_label": "测试消息"})
            [row] = enqueue(s, event="test", occurrence=uuid.uuid4().hex, targets=[Target(name, address, "测试")],
                            message=msg)
            s.flush()
            row_id = row.id
        counts = deliver_due(ctx.sessions, cfg, channels, only_ids=[row_id])
        with ctx.sessions() as s:
            from models.notifications import Notification

            r = s.get(Notification, row_id)
            click.echo(json.dumps(_line(r), ensure_ascii=False))
    if counts["sent"] != 1:
        raise SystemExit(1)


@notify.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.pass_obj
def retry(obj, ids: tuple[int, ...]) -> None:
    """Put dead letters (死信) back in the queue, e.g. after fixing a contact or a channel."""
    from models.notify.sender import retry_dead

    with opened_database(obj) as ctx, ctx.sessions.begin() as s:
        click.echo(f"requeued {retry_dead(s, list(ids))} message(s)")


def register(cli: click.Group) -> None:
    cli.add_command(notify)
