"""``file`` adapter: a video file (any container OpenCV's bundled FFmpeg reads), looping or played once.

Options (``feeds.cameras[].options``):

- ``loop`` (bool, default true): start again at the end; false: the camera goes offline when it ends.
- ``pace``: ``"real"`` (default) — each read returns the frame at the wall-clock time elapsed since
  ``open()`` (× ``speed``), as a live camera would; ``"fast"`` — each read advances the media time by
  ``step_s`` seconds (default 2.0, the service sets the camera's sampling interval), so a long recording is
  replayed as fast as it can be sampled yet yields the same samples as real pace would.
- ``speed`` (float, default 1.0): real-pace multiplier.

Frames are sampled by media time: frames between two samples are skipped (grabbed, not decoded) or
seeked over. ``media_time_s`` counts on across loops.
"""
from __future__ import annotations

import math
import os

import cv2
import numpy as np

from .base import CameraAdapter
from .registry import register_adapter

_SEEK_AFTER_FRAMES = 50  # further ahead than this: seek instead of grabbing frame by frame


@register_adapter("file")
class FileAdapter(CameraAdapter):
    """A video file sampled by media time (real or fast pace, looping or once)."""

    def open(self) -> None:
        self.close()
        path = self.source.url
        if not path:
            raise self.unavailable("no video file configured (url is empty)")
        pace = self.source.option("pace", "real")
        if pace not in ("real", "fast"):
            raise self.unavailable(f"options.pace must be 'real' or 'fast', got {pace!r}")
        self._pace = pace
        self._loop = bool(self.source.option("loop", True))
        self._speed = float(self.source.option("speed", 1.0))
        self._step_s = float(self.source.option("step_s", 2.0))
        if getattr(self, "_ended", False) and not self._loop:
            raise self.unavailable(f"video {path} has ended (loop: false)")
        self._cap = self._open_capture(path)
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self._fps = fps if fps and math.isfinite(fps) and fps > 0 else 25.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self._count = count if count > 0 else None
        self._pos = -1  # index (within the file) of the last grabbed frame
        self._last: np.ndarray | None = None
        self._last_total = -1
        self._start = self.clock()
        self._reads = 0

    def _open_capture(self, path: str) -> cv2.VideoCapture:
        if not os.path.isfile(path):
            raise self.unavailable(f"video file {path} not found")
        cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise self.unavailable(f"cannot open video file {path} (not a video OpenCV/FFmpeg can read)")
        return cap

    def _target_index(self) -> int:
        if self._pace == "real":
            media = max(0.0, (self.clock() - self._start) * self._speed)
        else:
            media = self._reads * self._step_s
        self._reads += 1
        return int(media * self._fps + 1e-6)

    def read(self) -> tuple[np.ndarray, float | None]:
        cap = getattr(self, "_cap", None)
        if cap is None:
            raise self.unavailable("not open")
        total = self._target_index()
        if total == self._last_total and self._last is not None:
            return self._last, total / self._fps
        if self._count is not None:
            if not self._loop and total >= self._count:
                self._ended = True
                raise self.unavailable(f"video {self.source.url} has ended (loop: false)")
            index = total % self._count
        else:
            index = total
        if index <= self._pos:  # wrapped around: reopen (also notices a file that was removed meanwhile)
            self._cap.release()
            self._cap = self._open_capture(self.source.url)
            self._pos = -1
        if index - self._pos > _SEEK_AFTER_FRAMES:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            self._pos = index - 1
        while self._pos < index:
            if not self._cap.grab():
                if self._count is None and self._loop and self._pos >= 0:
                    # Unknown length: the end is where grab fails. Start again from the beginning.
                    self._count = self._pos + 1
                    return self.read()
                raise self.unavailable(f"video {self.source.url} cannot be read at frame {self._pos + 1}")
            self._pos += 1
        ok, image = self._cap.retrieve()
        if not ok or image is None:
            raise self.bad_frame(f"frame {index} of {self.source.url} could not be decoded")
        self._last, self._last_total = image, total
        return image, total / self._fps

    def close(self) -> None:
        cap = getattr(self, "_cap", None)
        if cap is not None:
            cap.release()
            self._cap = None
