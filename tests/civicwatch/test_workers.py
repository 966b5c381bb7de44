"""Scale-out: frames forwarded through real Redis reach the one Celery worker process that owns their camera."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import numpy as np
import pytest
import redis
import yaml

from civicwatch.workers import FrameForwarder, decode_frame, encode_frame, make_celery, shard_of
from models.context import AppContext
from models.frames import FrameEvent
from models.migrate import upgrade
from tests.conftest import make_config
from tests.factories import make_registry

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_shards_are_stable_and_spread():
    codes = [f"CAM-{i:04d}" for i in range(1, 211)]
    first = [shard_of(c, 2) for c in codes]
    assert first == [shard_of(c, 2) for c in codes]
    assert 80 < first.count(0) < 130


def test_frame_round_trip_keeps_camera_time_and_picture():
    img = np.zeros((720, 1280, 3), np.uint8)
    img[100:300, 200:600] = (0, 0, 255)
    ev = FrameEvent("CAM-0001", datetime(2026, 1, 1, tzinfo=timezone.utc), img, 7, 1.5e9)
    back = decode_frame(encode_frame(ev), analysis_width=320)
    assert back.camera_code == "CAM-0001" and back.sequence == 7 and back.media_time_s == 1.5e9
    assert back.image.shape == (360, 640, 3)  # decoded at half size: ≥ 2× the analysis width
    assert back.image[100, 200, 2] > 200 and back.image[10, 10, 2] < 30


def test_decode_refuses_garbage():
    with pytest.raises(ValueError, match="CAM-9"):
        decode_frame({"camera": "CAM-9", "jpeg": "bm90IGEganBlZw==", "width": 640, "capture": 0, "seq": 1}, 320)


@pytest.mark.redis
@pytest.mark.postgres
def test_two_workers_each_own_their_cameras(tmp_path, pg_database):
    from tests.conftest import _reset_pg

    _reset_pg(pg_database)
    ctx = AppContext.from_config(make_config(tmp_path, pg_database, scale={
        "redis_url": REDIS_URL, "celery": True, "shard_count": 2}))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    key = f"civicwatch:test:{uuid.uuid4().hex}"
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump({
        "data_dir": str(tmp_path / "var"), "registry_seed_dir": None, "database": {"url": pg_database},
        "scale": {"redis_url": REDIS_URL, "celery": True, "shard_count": 2}}), encoding="utf-8")
    r = redis.Redis.from_url(REDIS_URL)
    for shard in (0, 1):
        r.delete(f"civicwatch.frames.{shard}")
    env = dict(os.environ, CIVICWATCH_BENCH_KEY=key)
    procs = [subprocess.Popen([sys.executable, "-m", "civicwatch.cli", "--config", str(cfg_path), "worker",
                               "--shard", str(k)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for k in (0, 1)]
    fwd = FrameForwarder(ctx, make_celery(REDIS_URL))
    fwd.start()
    try:
        rng = np.random.default_rng(1)
        codes = ["CAM-0001", "CAM-0002", "CAM-0003", "CAM-0004"]
        assert {shard_of(c, 2) for c in codes} == {0, 1}, "test cameras must cover both shards"
        for seq in range(5):
            for code in codes:
                img = rng.integers(90, 110, (180, 320, 3), dtype=np.uint8)
                ctx.frames.put(FrameEvent(code, datetime.now(timezone.utc), img, seq))
        deadline = time.time() + 90
        while r.llen(key) < 20 and time.time() < deadline:
            time.sleep(0.3)
        rows = [x.decode().split(",") for x in r.lrange(key, 0, -1)]
    finally:
        fwd.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        r.delete(key)
        ctx.stop()
    assert len(rows) == 20 and fwd.sent == 20 and fwd.errors == 0
    pid_of = {}
    for _, _, camera, pid in rows:
        pid_of.setdefault(camera, set()).add(pid)
    assert all(len(p) == 1 for p in pid_of.values()), pid_of  # one process per camera: state stays with it
    assert len({next(iter(p)) for p in pid_of.values()}) == 2  # both workers worked


@pytest.mark.redis
def test_frame_bytes_travel_beside_the_message_and_are_read_once():
    r = redis.Redis.from_url(REDIS_URL)
    img = np.zeros((720, 1280, 3), np.uint8)
    img[100:300, 200:600] = (255, 0, 0)
    ev = FrameEvent("CAM-0002", datetime(2026, 1, 1, tzinfo=timezone.utc), img, 3, 1.6e9)
    msg = encode_frame(ev, store=r)
    assert "jpeg" not in msg and len(json.dumps(msg)) < 400  # the Celery message stays small
    assert r.ttl(msg["frame_key"]) > 0  # an unanalysed frame does not stay in Redis for ever
    back = decode_frame(msg, analysis_width=320, store=r)
    assert back.camera_code == "CAM-0002" and back.image.shape == (360, 640, 3) and back.image[100, 200, 0] > 200
    assert r.exists(msg["frame_key"]) == 0  # read and deleted in one step
    with pytest.raises(ValueError, match="expired"):
        decode_frame(msg, analysis_width=320, store=r)
