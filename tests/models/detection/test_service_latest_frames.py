"""The detection service keeps the newest frame of watched cameras for the camera pages."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from models.detection.service import DetectionService
from models.frames import FrameEvent
from models.latest_frames import store_for
from tests.factories import make_registry


def test_watched_camera_frames_reach_the_latest_frame_store(sqlite_ctx):
    with sqlite_ctx.sessions.begin() as s:
        make_registry(s)
    svc = DetectionService(sqlite_ctx)
    store = store_for(sqlite_ctx)
    img = np.full((180, 320, 3), 120, np.uint8)
    at = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    svc.handle(FrameEvent("CAM-0001", at, img, 1))
    assert store.get("CAM-0001") is None  # nobody watching yet: nothing encoded
    svc.handle(FrameEvent("CAM-0001", at, img, 2))  # get() above marked it watched
    frame = store.get("CAM-0001")
    assert frame is not None and frame.captured_at == at and frame.jpeg[:2] == b"\xff\xd8"
    assert store.get("CAM-0002") is None
