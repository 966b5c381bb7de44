"""``civicwatch notify tail [--json]`` shows the outbox; ``notify test --channel NAME`` sends a test message;
``notify retry`` requeues a dead letter. Against the demo-style ``log`` sink and a webhook on loopback."""
from __future__ import annotations

import json

from sqlalchemy import select

from models.config import load_config
from models.notifications import Notification
from models.notify.settings import bind
from tests.civicwatch.cli_helpers import run
from tests.factories import make_registry
from tests.models.notify.conftest import new_dispatched
from tests.models.notify.receivers import RobotReceiver


def write(tmp_path, db_url, hook_url):
    path = tmp_path / "config.yaml"
    path.write_text(f"""data_dir: {tmp_path / 'var'}
registry_seed_dir: null
database:
  url: "{db_url}"
notify:
  channels:
    - {{name: sink, kind: log, path: "{{data_dir}}/notifications.log"}}
    - {{name: hook, kind: webhook, url: "{hook_url}"}}
  default_unit_recipients:
    - {{channel: sink, address: "", label: 演示日志}}
  quiet_hours: null
""", encoding="utf-8")
    return path


def test_tail_test_and_retry(tmp_path, sqlite_ctx):
    hook = RobotReceiver()
    try:
        config = write(tmp_path, sqlite_ctx.config.database_url, hook.url)
        cfg = load_config(config)
        sqlite_ctx.config.notify = cfg.notify
        bind(sqlite_ctx.sessions, cfg.notify)
        with sqlite_ctx.sessions.begin() as s:
            make_registry(s)
        code = new_dispatched(sqlite_ctx)  # 南坑街道 has no contacts here: the default recipient (log sink)

        out = run(config, "notify", "tail", "--json")
        assert out.exit_code == 0, out.output
        [line] = [json.loads(x) for x in out.stdout.strip().splitlines()]
        assert {k: line[k] for k in ("case_code", "event", "channel", "recipient", "status")} == {
            "case_code": code, "event": "dispatch", "channel": "sink", "recipient": "", "status": "pending"}

        sent = run(config, "notify", "test", "--channel", "hook", "--to", "ops")
        assert sent.exit_code == 0, sent.output
        assert json.loads(sent.stdout.strip().splitlines()[-1])["status"] == "sent"
        assert [r["json"]["event"] for r in hook.received] == ["test"]
        assert run(config, "notify", "test", "--channel", "nope").exit_code == 2

        hook.down()  # a refused test message fails the command
        assert run(config, "notify", "test", "--channel", "hook").exit_code == 1
        with sqlite_ctx.sessions.begin() as s:
            row = s.scalars(select(Notification).order_by(Notification.id.desc())).first()
            row.status = "dead"
            dead_id = row.id
        hook.up()
        assert "requeued 1" in run(config, "notify", "retry", str(dead_id)).stdout
        tail = run(config, "notify", "tail", "--json", "--status", "pending")
        assert [json.loads(x)["id"] for x in tail.stdout.strip().splitlines()] == [1, dead_id]
    finally:
        hook.close()
