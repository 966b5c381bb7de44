"""The latest-frame store: frames are kept only for watched cameras, throttled and downscaled."""
from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np

from models.latest_frames import LatestFrames, store_for

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def test_kept_only_when_watched_and_throttled():
    now = [100.0]
    store = LatestFrames(max_width=320, min_interval_s=1.0, watch_s=60, clock=lambda: now[0])
    img = np.full((720, 1280, 3), 200, np.uint8)
    assert store.offer("CAM-1", img, T0) is False and store.get("CAM-1") is None  # get() starts watching
    assert store.offer("CAM-1", img, T0) is True
    assert store.offer("CAM-1", img, T0) is False  # within min_interval_s
    now[0] += 1.5
    img2 = np.zeros((720, 1280, 3), np.uint8)
    assert store.offer("CAM-1", img2, T0) is True
    f = store.get("CAM-1")
    assert (f.width, f.height, f.captured_at) == (320, 180, T0)
    decoded = cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (180, 320, 3) and decoded.mean() < 10  # the newer (black) frame
    now[0] += 61 + 1.0
    with store._lock:  # the watch expires when nobody asks
        store._watched["CAM-1"] = now[0] - 1
    assert store.offer("CAM-1", img, T0) is False
    assert store.offer("CAM-2", img, T0) is False and len(store) == 1


def test_store_is_per_context(sqlite_ctx):
    assert store_for(sqlite_ctx) is store_for(sqlite_ctx)
