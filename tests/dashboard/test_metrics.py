"""Prometheus metrics: role-checked, and the figures are the live ones."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from dashboard.app import create_app
from models.frames import FrameEvent
from models.security import create_token
from tests.factories import make_registry


def _token(ctx, role):
    with ctx.sessions.begin() as s:
        token, _ = create_token(s, role)
    return token


def test_metrics_report_queue_cameras_and_requests(sqlite_ctx):
    ctx = sqlite_ctx
    with ctx.sessions.begin() as s:
        make_registry(s)
    app = create_app(ctx)
    ctx.frames.put(FrameEvent("CAM-0001", datetime.now(timezone.utc), np.zeros((2, 2, 3), np.uint8), 1))
    client = app.server.test_client()
    viewer = _token(ctx, "viewer")
    client.get("/healthz")
    resp = client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {viewer}"})
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "civicwatch_frame_queue_depth 1.0" in text
    assert 'civicwatch_cameras{health="unknown"} 4.0' in text
    assert 'civicwatch_request_seconds_count{kind="page"}' in text


def test_metrics_refuse_anonymous_and_wall(sqlite_ctx):
    app = create_app(sqlite_ctx)
    client = app.server.test_client()
    assert client.get("/api/v1/metrics").status_code == 401
    wall = _token(sqlite_ctx, "wall")
    assert client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {wall}"}).status_code == 403


def test_metrics_count_notifications_per_channel_and_status(ctx):
    from models.notify.service import channels_for
    from models.notify.sender import deliver_due
    from tests.models.notify.conftest import T0, configure, new_dispatched, with_contacts
    from tests.models.notify.receivers import RobotReceiver

    with_contacts(ctx)
    hook = RobotReceiver()
    try:
        configure(ctx, channels=[{"name": "robot", "kind": "webhook", "url": hook.url},
                                 {"name": "mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": 9,
                                  "starttls": False}], quiet_hours=None)
        new_dispatched(ctx)
        new_dispatched(ctx)
        # claims in order: robot, mail, robot (limit 3); the SMTP port (9) refuses: one retry pending
        deliver_due(ctx.sessions, ctx.config.notify, channels_for(ctx), T0, limit=3)
    finally:
        hook.close()
    app = create_app(ctx)
    text = app.server.test_client().get(
        "/api/v1/metrics", headers={"Authorization": f"Bearer {_token(ctx, 'admin')}"}).get_data(as_text=True)
    assert 'civicwatch_notifications{channel="robot",status="sent"} 2.0' in text
    assert 'civicwatch_notifications{channel="mail",status="failed"} 1.0' in text
    assert 'civicwatch_notifications{channel="mail",status="pending"} 1.0' in text
