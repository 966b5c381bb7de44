"""The sender wiring: the embedded APScheduler jobs deliver to the demo's log sink; in the split shape the
scheduler sends a Celery task per tick and a worker's task delivers; a briefing goes out with its XLSX."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from models.notifications import Notification
from models.notify.service import start_notify_jobs, sweep_once
from models.notify.sweep import due_briefings
from tests.feeds.sources import wait_for

from .conftest import T0, configure, new_dispatched

SINK = [{"name": "sink", "kind": "log", "path": "{data_dir}/notifications.log"}]


def test_embedded_scheduler_delivers_to_the_log_sink(ncity):
    configure(ncity, channels=SINK, default_unit_recipients=[{"channel": "sink", "label": "演示"}],
              send_every_s=0.2, quiet_hours=None)
    # 南坑街道's contacts use channels not configured here; 龙文区 has none: the default recipient
    code = new_dispatched(ncity)
    start_notify_jobs(ncity)
    log = Path(ncity.config.path("{data_dir}/notifications.log"))
    wait_for(lambda: ncity.status["notify"]()["sent"] == 1, timeout=20, what="one message sent")
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert [(x["event"], x["case_code"]) for x in lines] == [("dispatch", code)]
    assert ncity.status["notify"]()["ok"] is True


def test_split_shape_sends_a_celery_task_and_the_worker_task_delivers(sqlite_ncity):
    """SQLite only: Celery keeps the first app's task of a name for the whole process."""
    from civicwatch.workers import NOTIFY_TASK, worker_app

    ncity = sqlite_ncity
    configure(ncity, channels=SINK, default_unit_recipients=[{"channel": "sink"}], send_every_s=0.2,
              quiet_hours=None)
    new_dispatched(ncity)
    ticks = []
    start_notify_jobs(ncity, send_task=lambda: ticks.append(1))
    wait_for(lambda: len(ticks) >= 2, timeout=20, what="two sender ticks as tasks")
    for stop in reversed(ncity.stoppers):
        stop()
    ncity.stoppers.clear()
    with ncity.sessions() as s:  # the scheduler itself sent nothing
        assert s.scalar(select(Notification.status)) == "pending"
    app = worker_app(ncity.config)
    app.conf.task_always_eager = True
    app.tasks[NOTIFY_TASK].apply()  # what `civicwatch worker --shard 0` runs for the task
    with ncity.sessions() as s:
        assert s.scalar(select(Notification.status)) == "sent"


def test_daily_and_weekly_briefings_at_their_local_time_with_the_xlsx(ncity):
    from dashboard.report_workbook import briefing_workbook

    configure(ncity, channels=SINK, briefing={"daily_at": "08:30", "weekly_at": "09:00",
                                              "recipients": [{"channel": "sink", "label": "市领导"}]})
    cfg = ncity.config.notify
    monday_0825 = datetime(2026, 3, 2, 0, 25, tzinfo=timezone.utc)  # 08:25 local
    assert due_briefings(cfg, monday_0825, monday_0825 - timedelta(minutes=5)) == []
    assert due_briefings(cfg, monday_0825 + timedelta(minutes=5), monday_0825) == [("day", T0.date() - timedelta(days=1))]
    assert [k for k, _ in due_briefings(cfg, monday_0825 + timedelta(hours=1), monday_0825)] == ["day", "week"]
    new_dispatched(ncity, at=T0 - timedelta(days=1))
    out = sweep_once(ncity, monday_0825, monday_0825 + timedelta(hours=1), workbook=briefing_workbook)
    assert out["briefings"] == 2
    again = sweep_once(ncity, monday_0825, monday_0825 + timedelta(hours=1), workbook=briefing_workbook)
    assert again["briefings"] == 0  # one per period, whatever the overlap of runs
    with ncity.sessions() as s:
        rows = s.scalars(select(Notification).where(Notification.event == "briefing")
                         .order_by(Notification.id)).all()
        assert [r.subject for r in rows] == ["【日报】2026-03-01", "【周报】2026-02-23"]
        assert "发现问题：1 件" in rows[0].body
        [att] = rows[0].payload["attachments"]
        assert att["name"].endswith(".xlsx") and base64.b64decode(att["data"])[:2] == b"PK"


def test_channel_config_problems_are_named_at_start(ncity, monkeypatch):
    import pytest

    from models.config import ConfigError
    from models.notify.channels import build_channels

    configure(ncity, channels=SINK)
    with pytest.raises(ConfigError, match=r"channels\[sink\]\.path: \{data_dir\} not resolved"):
        build_channels(ncity.config.notify)  # without the config's path resolver
    monkeypatch.delenv("CW_MISSING_SECRET", raising=False)
    configure(ncity, channels=[{"name": "ding", "kind": "dingtalk", "url": "http://127.0.0.1:9/robot/send",
                                "secret_env": "CW_MISSING_SECRET"}])
    with pytest.raises(ConfigError, match=r"channels\[ding\]\.secret_env: environment variable CW_MISSING_SECRET"):
        start_notify_jobs(ncity)
