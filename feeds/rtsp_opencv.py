"""``rtsp_opencv`` adapter: an RTSP camera read with OpenCV's FFmpeg backend, prefering the camera's substream.

The fallback of the ``rtsp`` kind (:mod:`feeds.rtsp`, PyAV): this one decodes EVERY frame of the stream
(``cv2.VideoCapture.grab()``) to keep one per sample, about 2–3 times the CPU of the PyAV adapter's
keyframe decoding (docs/benchmarks.md). Use it only where PyAV cannot read a camera.

A background grabber thread per connection opens the stream (bounded by ``open_timeout_s``) and keeps
grabbing (demuxing and decoding) so the connection stays live and FFmpeg's buffer never fills with old
frames; only when the scheduler reads is the newest frame converted to BGR. ``open()`` therefore returns
at once (a hung camera never holds a scheduler slot); reads before the first frame raise
:class:`FrameNotReady`, a broken connection raises :class:`SourceUnavailable` and the scheduler reconnects.

Credentials are injected into the URL from ``source.username``/``source.password`` (resolved from the
environment variables the config names) and masked in every message.

Options: ``use_substream`` (default true: ``substream_url`` when configured), ``open_timeout_s``
(default 10), ``read_timeout_s`` (default 5: no packet for this long ends the connection),
``frame_wait_s`` (default 1: how long a read waits for the next decoded frame).

FFmpeg capture options are process-wide: ``OPENCV_FFMPEG_CAPTURE_OPTIONS`` defaults to RTSP over TCP with a
short stream probe and ``OPENCV_FFMPEG_LOGLEVEL`` to quiet (set the variables yourself to change them).
"""
from __future__ import annotations

import threading
import time

import cv2
import numpy as np

from .base import CameraAdapter, FrameNotReady, url_with_credentials
from .registry import register_adapter

# The FFmpeg defaults (RTSP over TCP, short probe, FFmpeg's own log quiet) are set in feeds/__init__.py,
# before OpenCV's FFmpeg backend is first used by any adapter.


class _Grabber:
    """One connection: its own thread and state (an old connection never writes into a new one)."""

    def __init__(self, url: str, open_timeout_s: float, read_timeout_s: float, name: str):
        self.url = url
        self.open_timeout_s = open_timeout_s
        self.read_timeout_s = read_timeout_s
        self.stop = threading.Event()
        self.want = threading.Event()
        self.ready = threading.Event()
        self.lock = threading.Lock()
        self.frame: np.ndarray | None = None
        self.connected = False
        self.failure: str | None = None
        self.started = time.monotonic()
        self.last_grab = 0.0
        self.grabbed = 0
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)
        self.thread.start()

    def run(self) -> None:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout_s * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout_s * 1000)]
        cap = None
        try:
            cap = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
            if not cap.isOpened():
                self.failure = "cannot open the stream (refused, not found, not authorised or no answer)"
                return
            self.connected = True
            while not self.stop.is_set():
                if not cap.grab():
                    self.failure = "stream interrupted (no packet or decode failure)"
                    return
                self.last_grab = time.monotonic()
                self.grabbed += 1
                if self.want.is_set():
                    ok, image = cap.retrieve()
                    if ok and image is not None:
                        with self.lock:
                            self.frame = image
                        self.want.clear()
                        self.ready.set()
        except Exception as exc:  # noqa: BLE001 - reported through read()
            self.failure = f"{type(exc).__name__} in the grabber"
        finally:
            if cap is not None:
                cap.release()
            self.ready.set()  # wake a waiting read

    def next_frame(self, wait_s: float) -> np.ndarray | None:
        self.ready.clear()
        self.want.set()
        if not self.ready.wait(wait_s) or self.failure:
            return None
        with self.lock:
            return self.frame


@register_adapter("rtsp_opencv")
class OpenCvRtspAdapter(CameraAdapter):
    """RTSP via OpenCV/FFmpeg (decodes every frame); substream preferred; newest frame only."""

    def stream_url(self) -> str | None:
        """The URL connected to (without credentials): the substream when configured and wanted."""
        if self.source.substream_url and self.source.option("use_substream", True):
            return self.source.substream_url
        return self.source.url

    def describe(self) -> str:
        from .base import mask_url

        return f"{self.kind} {mask_url(self.stream_url())}"

    def open(self) -> None:
        self.close()
        url = self.stream_url()
        if not url:
            raise self.unavailable("no RTSP URL configured (url is empty)")
        if not url.lower().startswith(("rtsp://", "rtsps://")):
            raise self.unavailable(f"{self.describe()}: not an rtsp:// URL")
        self._open_timeout = float(self.source.option("open_timeout_s", 10.0))
        self._read_timeout = float(self.source.option("read_timeout_s", 5.0))
        self._frame_wait = float(self.source.option("frame_wait_s", 1.0))
        full = url_with_credentials(url, self.source.username, self.source.password)
        self._grabber = _Grabber(full, self._open_timeout, self._read_timeout, f"rtsp-{self.camera_code}")

    def read(self) -> tuple[np.ndarray, float | None]:
        g = getattr(self, "_grabber", None)
        if g is None:
            raise self.unavailable("not open")
        if g.failure:
            raise self.unavailable(f"{self.describe()}: {g.failure}")
        if not g.connected:
            if time.monotonic() - g.started > self._open_timeout + 5:
                raise self.unavailable(f"{self.describe()}: not connected after {self._open_timeout:g} s")
            raise FrameNotReady(self.camera_code, f"{self.describe()}: connecting for "
                                                  f"{time.monotonic() - g.started:.0f} s (no stream yet)")
        image = g.next_frame(self._frame_wait)
        if image is not None:
            return image, None
        if g.failure:
            raise self.unavailable(f"{self.describe()}: {g.failure}")
        since = time.monotonic() - (g.last_grab or g.started)
        if since > self._read_timeout:
            raise self.unavailable(f"{self.describe()}: no frame for {since:.1f} s")
        raise FrameNotReady(self.camera_code, f"no new frame within {self._frame_wait:g} s")

    def close(self) -> None:
        g = getattr(self, "_grabber", None)
        if g is not None:
            g.stop.set()
            g.thread.join(timeout=0.5)  # a thread still inside FFmpeg's open ends by its own timeout
            self._grabber = None
