"""HealthRecorder: batched health changes and throttled last-frame times (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models.camera_health import HealthRecorder, health_history
from models.clock import as_utc
from models.registry import Camera, CameraHealthEvent
from tests.factories import make_registry

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def city(ctx):
    with ctx.sessions.begin() as s:
        c = make_registry(s)
        return [cam.code for cam in c.cameras]


def camera(ctx, code) -> Camera:
    with ctx.sessions() as s:
        return s.scalar(select(Camera).where(Camera.code == code))


def test_changes_are_written_in_one_flush_with_times(ctx, city):
    rec = HealthRecorder(ctx.sessions)
    a, b = city[0], city[1]
    rec.change(a, T0, "unknown", "online")
    rec.change(b, T0, "unknown", "online")
    rec.change(a, T0 + timedelta(seconds=30), "online", "offline", "no frame for 10 s: connection refused")
    rec.frame_seen(a, T0 + timedelta(seconds=20))
    assert camera(ctx, a).health == "unknown"  # nothing written before the flush
    assert rec.flush() == 3
    cam = camera(ctx, a)
    assert (cam.health, as_utc(cam.health_since), as_utc(cam.last_frame_at)) == (
        "offline", T0 + timedelta(seconds=30), T0 + timedelta(seconds=20))
    assert camera(ctx, b).health == "online" and camera(ctx, b).last_frame_at is None
    with ctx.sessions() as s:
        hist = health_history(s, a)
        assert [(e.from_state, e.to_state) for e in hist] == [("online", "offline"), ("unknown", "online")]
        assert "connection refused" in hist[0].detail and as_utc(hist[1].at) == T0
    assert rec.flush() == 0 and rec.pending() == 0


def test_last_frame_time_written_at_most_every_few_seconds(ctx, city):
    rec = HealthRecorder(ctx.sessions, last_frame_every_s=5)
    code = city[0]
    rec.frame_seen(code, T0)
    rec.flush()
    for dt in (1, 2, 3):
        rec.frame_seen(code, T0 + timedelta(seconds=dt))
        rec.flush()
    assert as_utc(camera(ctx, code).last_frame_at) == T0  # throttled
    assert rec.pending() == 1  # the newest time is kept for later
    rec.frame_seen(code, T0 + timedelta(seconds=6))
    rec.flush()
    assert as_utc(camera(ctx, code).last_frame_at) == T0 + timedelta(seconds=6)
    rec.frame_seen(code, T0 + timedelta(seconds=7))
    rec.flush(force=True)  # at stop: written regardless of the throttle
    assert as_utc(camera(ctx, code).last_frame_at) == T0 + timedelta(seconds=7) and rec.pending() == 0


def test_unknown_camera_codes_do_not_break_the_batch(ctx, city):
    rec = HealthRecorder(ctx.sessions)
    rec.change("CAM-NOPE", T0, "unknown", "online")
    rec.change(city[0], T0, "unknown", "online")
    assert rec.flush() == 1
    assert camera(ctx, city[0]).health == "online"


def test_a_failed_flush_keeps_every_report_for_the_next(ctx, city):
    class Broken:
        def begin(self):
            raise RuntimeError("database is down")

    rec = HealthRecorder(ctx.sessions)
    good_sessions = rec.sessions
    rec.sessions = Broken()
    rec.change(city[0], T0, "unknown", "online")
    rec.frame_seen(city[0], T0)
    with pytest.raises(RuntimeError):
        rec.flush()
    assert rec.failures == 1 and rec.pending() == 2
    rec.sessions = good_sessions
    assert rec.flush() == 1
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CameraHealthEvent)) == 1
    assert as_utc(camera(ctx, city[0]).last_frame_at) == T0
