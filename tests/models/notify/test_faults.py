"""Fault tests of the outbox: a receiver down for two minutes (simulated clock, real server stopped and
restarted on its port) and a process killed with SIGKILL between the transition's commit and the send."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from models.notifications import Notification
from models.notify.service import channels_for
from models.notify.sender import deliver_due

from .conftest import T0, configure, new_dispatched
from .receivers import RobotReceiver

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def hook():
    r = RobotReceiver()
    yield r
    r.close()


def all_rows(ctx):
    with ctx.sessions() as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def test_receiver_down_two_minutes_then_back_none_lost_none_doubled(ncity, hook):
    configure(ncity, channels=[{"name": "robot", "kind": "webhook", "url": hook.url, "timeout_s": 2}],
              backoff_base_s=5, backoff_max_s=40, max_attempts=10)
    hook.down()
    codes = [new_dispatched(ncity, at=T0) for _ in range(4)]
    channels = channels_for(ncity)
    now, step = T0, timedelta(seconds=10)
    while now < T0 + timedelta(minutes=2):  # the receiver is down: every attempt fails, none is lost
        deliver_due(ncity.sessions, ncity.config.notify, channels, now)
        now += step
    rows = all_rows(ncity)
    assert len(rows) == 4 and {r.status for r in rows} == {"failed"} and all(r.attempts >= 4 for r in rows)
    hook.up()  # back on the same port
    for _ in range(12):  # two more simulated minutes
        deliver_due(ncity.sessions, ncity.config.notify, channels, now)
        now += step
    rows = all_rows(ncity)
    assert {r.status for r in rows} == {"sent"}
    got = Counter(r["json"]["id"] for r in hook.received)
    assert got == Counter({r.dedupe_key: 1 for r in rows})  # every message once, none twice
    assert sorted(r["json"]["case_code"] for r in hook.received) == sorted(codes)
    assert all(r["headers"]["Idempotency-Key"] == r["json"]["id"] for r in hook.received)


def test_gives_up_after_max_attempts_as_a_dead_letter(ncity, hook):
    configure(ncity, channels=[{"name": "robot", "kind": "webhook", "url": hook.url}], backoff_base_s=1,
              max_attempts=3)
    hook.script = [(503, {"error": "busy"})] * 3
    new_dispatched(ncity)
    channels = channels_for(ncity)
    for i in range(10):
        deliver_due(ncity.sessions, ncity.config.notify, channels, T0 + timedelta(minutes=i))
    [row] = all_rows(ncity)
    assert (row.status, row.attempts) == ("dead", 3) and "503" in row.last_error
    assert hook.received == []


def run_phase(cfg_path: Path, phase: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "tests.models.notify.kill_helper", str(cfg_path), phase],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_kill_9_between_commit_and_send_sends_exactly_once_after_restart(ncity, hook, tmp_path):
    cfg = {"data_dir": str(tmp_path / "var"), "database": {"url": ncity.config.database.url},
           "notify": {"channels": [{"name": "robot", "kind": "webhook", "url": hook.url}], "quiet_hours": None}}
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")

    p = run_phase(cfg_path, "transition")  # the 交办 commits, then the process dies before any send
    assert p.returncode == -9, p.stderr
    code = p.stdout.strip()
    rows = all_rows(ncity)
    assert [(r.case_code, r.status) for r in rows] == [(code, "pending")] and hook.received == []

    p = run_phase(cfg_path, "claim")  # restarted: the sender claims the message and dies before sending it
    assert p.returncode == -9, p.stdout + p.stderr
    assert [(r.status, r.attempts) for r in all_rows(ncity)] == [("sending", 1)] and hook.received == []

    p = run_phase(cfg_path, "deliver")  # restarted again, after the claim's lease: sent
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.splitlines()[-1])["sent"] == 1
    p = run_phase(cfg_path, "deliver")  # and never again
    assert json.loads(p.stdout.splitlines()[-1])["sent"] == 0
    assert [r["json"]["case_code"] for r in hook.received] == [code]
    assert [(r.status, r.attempts) for r in all_rows(ncity)] == [("sent", 2)]
