"""The split shape: the scheduler sends ``civicwatch.notify_deliver`` through real Redis each tick, and a real
``civicwatch worker --shard 0`` process delivers the outbox (here to a log sink), each message once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import yaml
from sqlalchemy import select

from civicwatch.runtime import start_notifications
from civicwatch.workers import queue_name
from models.config import load_config
from models.context import AppContext
from models.migrate import upgrade
from models.notifications import Notification
from tests.factories import make_registry
from tests.feeds.sources import wait_for
from tests.models.notify.conftest import new_dispatched

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.mark.redis
def test_worker_process_delivers_what_the_scheduler_asks_for(tmp_path):
    log = tmp_path / "var" / "notifications.log"
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump({
        "data_dir": str(tmp_path / "var"), "registry_seed_dir": None,
        "database": {"url": f"sqlite:///{tmp_path}/cw.db"},
        "scale": {"redis_url": REDIS_URL, "celery": True, "shard_count": 1},
        "notify": {"channels": [{"name": "sink", "kind": "log", "path": "{data_dir}/notifications.log"}],
                   "default_unit_recipients": [{"channel": "sink", "label": "演示"}], "send_every_s": 0.5,
                   "quiet_hours": None}}, allow_unicode=True), encoding="utf-8")
    ctx = AppContext.from_config(load_config(cfg_path))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    redis.Redis.from_url(REDIS_URL).delete(queue_name(0))
    worker = subprocess.Popen([sys.executable, "-m", "civicwatch.cli", "--config", str(cfg_path), "worker",
                               "--shard", "0"], cwd=Path(__file__).resolve().parents[2],
                              env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        codes = [new_dispatched(ctx) for _ in range(3)]
        start_notifications(ctx)  # scale.celery: the scheduler only sends tasks
        assert ctx.status["notify"]()["shape"] == "celery"

        def all_sent():
            with ctx.sessions() as s:
                return {r.status for r in s.scalars(select(Notification))} == {"sent"}

        wait_for(all_sent, timeout=90, what="the worker to deliver every message")
        lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
        assert sorted(x["case_code"] for x in lines) == sorted(codes)  # each once
        assert ctx.status["notify"]()["sent"] == 0  # nothing was sent by the scheduler process itself
    finally:
        ctx.stop()
        worker.terminate()
        worker.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).delete(queue_name(0))
