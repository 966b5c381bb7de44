"""rtsp adapters (PyAV ``rtsp``, OpenCV ``rtsp_opencv``) against a REAL RTSP server on loopback (GStreamer's
RTSP server, started by the tests), H.264 and H.265."""
from __future__ import annotations

import itertools
import os
import shutil
import time

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
    return wait_for(attempt, timeout, interval=0.1, what="first RTSP frame")  # a (image, media) tuple


def a_new_picture(cam, image, timeout=10):
    """The next read that differs from ``image`` (a live stream moves on; the keyframe sampler gives the
    next keyframe's picture, never a buffered old one)."""
    def attempt():
        try:
            later, _ = cam.read()
        except FrameNotReady:
            return None
        return (later,) if (later != image).any() else None
    return wait_for(attempt, timeout, interval=0.2, what="a newer picture")[0]


@pytest.mark.parametrize("kind", ["rtsp", "rtsp_opencv"])
def test_rtsp_reads_frames_from_a_live_server(kind):
    server = RtspServer().start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind=kind, url=server.url))
    try:
        cam.open()
        image, media = first_frame(cam)
        assert image.shape == (240, 320, 3) and media is None
        a_new_picture(cam, image)
    finally:
        cam.close()
        server.stop()


@pytest.mark.parametrize("codec,decoder", [("h264", "h264"), ("h265", "hevc")])
def test_pyav_decodes_keyframes_only_when_the_gop_fits_the_interval(codec, decoder):
    # 10 fps, 2 s GOP, sampled every 2 s: one decoded picture per sample, the keyframe
    server = RtspServer(extra_args=("--codec", codec, "--width", "640", "--height", "360")).start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url, options={"sample_every_s": 2}))
    try:
        cam.open()
        image, _ = first_frame(cam)
        assert image.shape == (360, 640, 3) and image.dtype.name == "uint8"
        a_new_picture(cam, image)
        # the server sends a keyframe when a client joins: the GOP is the median of the later gaps
        wait_for(lambda: cam.stream_facts()["keyframes"] >= 4, 20, what="the GOP measured")
        cam.read()
        facts = cam.stream_facts()
        assert facts["codec"] == decoder and (facts["width"], facts["height"]) == (640, 360)
        assert facts["decode"] == "keyframes" and facts["gop_s"] == pytest.approx(2.0, abs=0.15)
        assert facts["fps"] == pytest.approx(10, abs=1)
        assert facts["decoded"] <= facts["keyframes"] < facts["packets"] / 5  # ~20 packets per keyframe
    finally:
        cam.close()
        server.stop()


def test_pyav_decodes_forward_from_the_keyframe_when_the_gop_is_longer_than_the_interval():
    # 4 s GOP sampled every second: the picture of the sample time, not the keyframe's (the ball moves)
    server = RtspServer(extra_args=("--gop-s", "4")).start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url,
                                                 options={"sample_every_s": 1, "output_width": 160}))
    try:
        cam.open()
        image, _ = first_frame(cam)
        assert image.shape == (120, 160, 3)  # converted at the output size
        wait_for(lambda: cam.stream_facts()["keyframes"] >= 4, 20, what="the GOP measured")  # 1st: the join
        assert cam.stream_facts()["gop_s"] == pytest.approx(4.0, abs=0.3)
        before = cam.stream_facts()
        pictures, steps = [cam.read()[0]], []
        for _ in range(8):  # 4 s: one GOP
            time.sleep(0.5)
            decoded = cam.stream_facts()["decoded"]
            pictures.append(cam.read()[0])
            steps.append(cam.stream_facts()["decoded"] - decoded)
        after = cam.stream_facts()
        assert after["decode"] == "forward"
        # every sample decodes the packets since the previous one (~5 at 10 fps), not only keyframes
        assert max(steps) >= 3 and after["decoded"] - before["decoded"] > 3 * (after["keyframes"] - before["keyframes"])
        assert all((a != b).any() for a, b in itertools.pairwise(pictures))  # each sample a newer picture
    finally:
        cam.close()
        server.stop()


def test_pyav_samples_at_each_keyframe_when_the_dwell_allows_it():
    # 4 s GOP sampled every second but every zone dwells ≥ 10 GOPs: keyframes only; between them "not ready"
    server = RtspServer(extra_args=("--gop-s", "4")).start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url,
                                                 options={"sample_every_s": 1, "min_dwell_s": 60}))
    try:
        cam.open()
        first_frame(cam)
        wait_for(lambda: cam.stream_facts()["keyframes"] >= 4, 20, what="the GOP measured")  # 1st: the join
        outcomes = []
        for _ in range(8):
            try:
                cam.read()
                outcomes.append("frame")
            except FrameNotReady as exc:
                assert "no new keyframe" in str(exc)
                outcomes.append("not ready")
            time.sleep(1)
        facts = cam.stream_facts()
        assert facts["decode"] == "keyframes" and "not ready" in outcomes and "frame" in outcomes
        assert facts["decoded"] <= facts["keyframes"]
    finally:
        cam.close()
        server.stop()


def test_pyav_never_hands_out_the_same_picture_twice():
    # sampled every 0.5 s from the connection on: while the 2 s GOP is not measured yet (keyframes only) and
    # afterwards (forward). A repeated picture looks to detection like a scene where nothing moved (the
    # test pattern's noise and ball "stand still": after a camera outage that opened a second case for a
    # thing under an open case) — a sample without a new picture is "not ready" instead.
    server = RtspServer().start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="rtsp", url=server.url, options={"sample_every_s": 0.5}))
    try:
        cam.open()
        pictures, not_ready = [first_frame(cam)[0]], 0
        deadline = time.monotonic() + 7
        while time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                pictures.append(cam.read()[0])
            except FrameNotReady as exc:
                assert "no new" in str(exc)
                not_ready += 1
        assert all((a != b).any() for a, b in itertools.pairwise(pictures))
        assert cam.stream_facts()["decode"] == "forward" and not_ready >= 1 and len(pictures) >= 6
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


@pytest.mark.parametrize("kind", ["rtsp", "rtsp_opencv"])
def test_rtsp_kill_and_restart_goes_offline_and_back(kind):
    server = RtspServer().start()
    cam = make_adapter("CAM-T", CameraSourceSpec(kind=kind, url=server.url,
                                                 options={"open_timeout_s": 4, "read_timeout_s": 1}))
    try:
        with Harness({"CAM-T": cam}, interval_s=0.3, offline_after_s=1.5) as h:
            kill_and_restart(h, server.stop, server.start)
    finally:
        server.stop()
