"""start_feeds(ctx): registry + config overrides → adapters, scheduler, status, health in the database."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from feeds.service import plan_camera, start_feeds
from models.config import CameraSource
from models.context import AppContext
from models.migrate import upgrade
from models.registry import Camera, CameraHealthEvent
from tests.conftest import make_config
from tests.factories import make_registry

from .sources import jpeg, noisy, scene, wait_for


def cam_row(**kw):
    base = dict(code="CAM-0001", source_kind="simulated", source_url=None, sample_every_s=2.0,
                zones=[{"name": "人行道", "kind": "sidewalk", "polygon": [[0, 0], [1, 0], [1, 1]]}])
    return SimpleNamespace(**{**base, **kw})


def test_plan_merges_registry_row_and_override(tmp_path):
    config = make_config(tmp_path, "sqlite://")
    override = CameraSource(code="CAM-0001", kind="rtsp", url="rtsp://10.0.0.9/main",
                            substream_url="rtsp://10.0.0.9/sub",
                            username_env="CAM1_USER", password_env="CAM1_PASS", sample_every_s=5,
                            options={"open_timeout_s": 3})
    plan = plan_camera(cam_row(), override, config, env={"CAM1_USER": "admin", "CAM1_PASS": "pw:1"})
    spec = plan.spec
    assert plan.interval_s == 5 and spec.kind == "rtsp" and spec.substream_url == "rtsp://10.0.0.9/sub"
    # the rtsp adapter is told the interval (it chooses keyframe-only decoding from it)
    assert (spec.username, spec.password) == ("admin", "pw:1")
    assert spec.options == {"open_timeout_s": 3, "sample_every_s": 5}


def test_plan_rtsp_gets_the_shortest_zone_dwell_only_when_every_zone_sets_one(tmp_path):
    config = make_config(tmp_path, "sqlite://")
    override = CameraSource(code="CAM-0001", kind="rtsp", url="rtsp://10.0.0.9/main")
    zones = [{"name": "a", "kind": "sidewalk", "polygon": [], "dwell_s": 600},
             {"name": "b", "kind": "roadway", "polygon": [], "dwell_s": 120},
             {"name": "m", "kind": "mask", "polygon": []}]
    spec = plan_camera(cam_row(zones=zones), override, config, env={}).spec
    assert spec.options["min_dwell_s"] == 120.0 and spec.options["sample_every_s"] == 2.0
    zones[1].pop("dwell_s")  # a zone with the problem types' default dwell: unknown here, so no shortcut
    assert "min_dwell_s" not in plan_camera(cam_row(zones=zones), override, config, env={}).spec.options


def test_plan_names_a_missing_credential_variable_never_a_value(tmp_path):
    config = make_config(tmp_path, "sqlite://")
    override = CameraSource(code="CAM-0001", kind="rtsp", url="rtsp://h/x", username_env="U", password_env="CAM1_PASS")
    plan = plan_camera(cam_row(), override, config, env={"U": "admin"})
    assert plan.spec is None and "CAM1_PASS" in plan.reason and "CAM-0001" in plan.reason


def test_plan_simulated_gets_size_zones_and_script_options(tmp_path):
    config = make_config(tmp_path, "sqlite://", simulator={"width": 640, "height": 360, "seed": 7, "time_scale": 4})
    plan = plan_camera(cam_row(sample_every_s=None), None, config, env={})
    spec = plan.spec
    assert plan.interval_s == config.feeds.default_sample_every_s
    assert (spec.kind, spec.width, spec.height) == ("simulated", 640, 360)
    assert spec.options["seed"] == 7 and spec.options["time_scale"] == 4
    assert spec.options["zones"][0]["kind"] == "sidewalk"
    off = make_config(tmp_path, "sqlite://", simulator={"enabled": False})
    plan = plan_camera(cam_row(), None, off, env={})
    assert plan.spec is None and "simulator disabled" in plan.reason


def test_plan_file_steps_by_the_sampling_interval(tmp_path):
    config = make_config(tmp_path, "sqlite://")
    plan = plan_camera(cam_row(source_kind="file", source_url="/v/clip.avi", sample_every_s=3), None, config, env={})
    assert plan.spec.url == "/v/clip.avi" and plan.spec.options["step_s"] == 3


@pytest.fixture
def images(tmp_path):
    d = tmp_path / "cam1"
    d.mkdir()
    base = scene(320, 180, seed=8)
    for i in range(6):
        (d / f"{i:03d}.jpg").write_bytes(jpeg(noisy(base)))
    return d


def test_start_feeds_samples_cameras_and_records_health(tmp_path, db_url, images):
    config = make_config(
        tmp_path, db_url,
        feeds={"cameras": [
            {"code": "CAM-0001", "kind": "folder", "url": str(images), "sample_every_s": 0.2},
            {"code": "CAM-0002", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/x", "password_env": "CW_TEST_UNSET_VAR"},
            {"code": "CAM-0003", "kind": "onvif", "url": "http://127.0.0.1:9/"},
            {"code": "CAM-9999", "kind": "folder", "url": str(images)},
        ]},
        simulator={"enabled": False},
    )
    ctx = AppContext.from_config(config)
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    try:
        start_feeds(ctx)
        wait_for(lambda: ctx.status["cameras"]()["CAM-0001"]["frames"] >= 5, 15, what="frames of CAM-0001")
        wait_for(lambda: ctx.frames.put_count >= 5, 5, what="frames on the queue")
        event = ctx.frames.get(timeout=1)
        assert event.camera_code == "CAM-0001" and event.image.shape == (180, 320, 3)
        st = ctx.status["scheduler"]()
        assert st["running"] and st["cameras"] == 4 and st["frames"] >= 5
        for key in ("skipped", "queue_dropped", "lateness_p50_ms", "lateness_p95_ms"):
            assert key in st
        wait_for(lambda: ctx.status["cameras"]()["CAM-0004"]["health"] == "offline", 10, what="CAM-0004 offline")
    finally:
        ctx.stop()  # stops the scheduler and flushes the health records
    with ctx.sessions() as s:
        rows = {c.code: c for c in s.scalars(select(Camera))}
        events = {(e.camera_id, e.to_state): e for e in s.scalars(select(CameraHealthEvent))}
    assert rows["CAM-0001"].health == "online" and rows["CAM-0001"].last_frame_at is not None
    assert (rows["CAM-0001"].id, "online") in events
    reasons = {code: events[(rows[code].id, "offline")].detail for code in ("CAM-0002", "CAM-0003", "CAM-0004")}
    assert "CW_TEST_UNSET_VAR" in reasons["CAM-0002"]
    assert "'onvif'" in reasons["CAM-0003"] and "rtsp" in reasons["CAM-0003"]
    assert "simulator disabled" in reasons["CAM-0004"]
    assert all(rows[c].health == "offline" for c in ("CAM-0002", "CAM-0003", "CAM-0004"))


def test_start_feeds_runs_the_simulated_city(tmp_path, sqlite_url):
    config = make_config(tmp_path, sqlite_url, simulator={"width": 320, "height": 180},
                         feeds={"default_sample_every_s": 0.5})
    ctx = AppContext.from_config(config)
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        for cam in city.cameras:
            cam.sample_every_s = 0.5
    try:
        start_feeds(ctx)
        wait_for(lambda: all(c["frames"] >= 2 for c in ctx.status["cameras"]().values()), 30,
                 what="frames from every simulated camera")
        event = ctx.frames.get(timeout=1)
        assert event.image.shape == (180, 320, 3) and event.media_time_s is not None
        kinds = {c["kind"] for c in ctx.status["cameras"]().values()}
        assert kinds == {"simulated"}
    finally:
        ctx.stop()
