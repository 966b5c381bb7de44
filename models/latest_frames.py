"""Latest camera frames — 最新画面: a small in-memory store the camera page's refreshing snapshot reads.

The frame pipeline calls :meth:`LatestFrames.offer` for every sampled frame (cheap: a dict look-up). A frame
is encoded and kept only for cameras someone looked at recently (:meth:`LatestFrames.jpeg` marks a camera
as watched for ``watch_s`` seconds) and at most once per ``min_interval_s`` per camera, downscaled to
``max_width`` — so 210 cameras cost nothing until a supervisor opens one. One store per running process:
:func:`store_for` keeps it on the :class:`~models.context.AppContext`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np


@dataclass(frozen=True)
class LatestFrame:
    camera_code: str
    jpeg: bytes
    captured_at: datetime  # aware UTC
    width: int
    height: int


class LatestFrames:
    """camera code → newest JPEG (downscaled) with its capture time; thread-safe."""

    def __init__(self, *, max_width: int = 960, min_interval_s: float = 1.0, watch_s: float = 120.0,
                 quality: int = 80, clock=time.monotonic):
        self.max_width = max_width
        self.min_interval_s = min_interval_s
        self.watch_s = watch_s
        self.quality = quality
        self.clock = clock
        self._lock = threading.Lock()
        self._frames: dict[str, LatestFrame] = {}
        self._stored_at: dict[str, float] = {}
        self._watched: dict[str, float] = {}

    def watch(self, camera_code: str) -> None:
        """Keep frames of ``camera_code`` for the next ``watch_s`` seconds."""
        with self._lock:
            self._watched[camera_code] = self.clock() + self.watch_s

    def wants(self, camera_code: str) -> bool:
        now = self.clock()
        with self._lock:
            until = self._watched.get(camera_code)
            if until is None or until < now:
                return False
            return now - self._stored_at.get(camera_code, -1e18) >= self.min_interval_s

    def offer(self, camera_code: str, image: np.ndarray, captured_at: datetime) -> bool:
        """Hand over a sampled BGR frame; returns whether it was kept (watched camera, interval elapsed)."""
        if not self.wants(camera_code):
            return False
        h, w = image.shape[:2]
        if w > self.max_width:
            nh = max(1, round(h * self.max_width / w))
            image = cv2.resize(image, (self.max_width, nh), interpolation=cv2.INTER_AREA)
            h, w = image.shape[:2]
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            return False
        frame = LatestFrame(camera_code, buf.tobytes(), captured_at, w, h)
        with self._lock:
            self._frames[camera_code] = frame
            self._stored_at[camera_code] = self.clock()
        return True

    def put_jpeg(self, camera_code: str, jpeg: bytes, captured_at: datetime, width: int, height: int) -> None:
        """Store an already encoded frame (e.g. an http_snapshot camera's own JPEG) regardless of watching."""
        with self._lock:
            self._frames[camera_code] = LatestFrame(camera_code, jpeg, captured_at, width, height)
            self._stored_at[camera_code] = self.clock()

    def get(self, camera_code: str) -> LatestFrame | None:
        """The newest kept frame of the camera (and mark it watched so the next frames are kept)."""
        self.watch(camera_code)
        with self._lock:
            return self._frames.get(camera_code)

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)


def store_for(ctx) -> LatestFrames:
    """The process's store, kept on the AppContext (created on first use)."""
    store = getattr(ctx, "_latest_frames", None)
    if store is None:
        store = LatestFrames()
        setattr(ctx, "_latest_frames", store)
    return store
