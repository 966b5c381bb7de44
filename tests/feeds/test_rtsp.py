"""rtsp adapter against a REAL RTSP server on loopback (GStreamer's RTSP server, started by the tests)."""
from __future__ import annotations

import os
import shutil

import pytest

from feeds.base import CameraSourceSpec, FrameNotReady, SourceUnavailable
from feeds.registry import make_adapter

from .harness import Harness, kill_and_restart
from .sources import SYSTEM_PYTHON, RtspServer, wait_for

pytestmark = pytest.mark.rtsp


@pytest.fixture(scope="module", autouse=True)
def _gstreamer_installed():
    # Installed by scripts/setup.sh --test: a missing package is a set-up error, not a reason to skip.
    assert shutil.which(SYSTEM_PYTHON) or os.path.exists(SYSTEM_PYTHON), "Debian python3 missing"


def first_frame(cam, timeout=20):
    def attempt():
        try:
            return cam.read()
        except FrameNotReady:
            return None
    return wait_for(attempt, timeout, interval=0.1, what="first RTSP frame")


def test_rtsp_reads_frames_from_a_live_server():
    server = RtspServer().start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url))
    try:
        cam.open()
        image, media = first_frame(cam)
        assert image.shape == (240, 320, 3) and media is None
        later, _ = cam.read()
        assert (later != image).any()  # a live, moving stream: the newest frame, not a buffered old one
    finally:
        cam.close()
        server.stop()


def test_rtsp_prefers_the_substream_and_injects_credentials():
    server = RtspServer(user="viewer", password="p@ss:word", path="/sub").start()
    spec = CameraSourceSpec(kind="rtsp", url="rtsp://127.0.0.1:9/main-does-not-exist",
                            substream_url=server.url, username="viewer", password="p@ss:word")
    cam = make_adapter("CAM-T", spec)
    try:
        cam.open()
        assert first_frame(cam)[0].shape == (240, 320, 3)
        assert "p@ss" not in cam.describe() and "viewer" not in repr(cam)
    finally:
        cam.close()
    bad = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url, username="viewer", password="nope",
                                                 options={"open_timeout_s": 5}))
    try:
        bad.open()

        def failure():
            try:
                bad.read()
            except SourceUnavailable as exc:
                return str(exc)
            except FrameNotReady:
                return None
        msg = wait_for(failure, 20, interval=0.1, what="authorisation failure")
        assert "CAM-T" in msg and "nope" not in msg and "viewer" not in msg
    finally:
        bad.close()
        server.stop()


def test_rtsp_kill_and_restart_goes_offline_and_back():
    server = RtspServer().start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url,
                                                 options={"open_timeout_s": 4, "read_timeout_s": 1}))
    try:
        with Harness({"CAM-T": cam}, interval_s=0.3, offline_after_s=1.5) as h:
            kill_and_restart(h, server.stop, server.start)
    finally:
        server.stop()
