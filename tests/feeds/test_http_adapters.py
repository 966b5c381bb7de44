"""http_snapshot and mjpeg adapters against a real threaded HTTP server on loopback."""
from __future__ import annotations

import pytest

from feeds.base import BadFrame, CameraSourceSpec, FrameNotReady, SourceUnavailable
from feeds.mjpeg import MultipartParser
from feeds.registry import make_adapter

from .harness import Harness, kill_and_restart
from .sources import CameraHttpServer, jpeg, scene, wait_for


@pytest.fixture
def server():
    srv = CameraHttpServer().start()
    yield srv
    srv.stop()


def snapshot(url, **kw):
    return make_adapter("CAM-T", CameraSourceSpec(kind="http_snapshot", url=url, **kw))


def test_snapshot_reads_a_jpeg(server):
    with snapshot(server.url("/snap.jpg")) as cam:
        image, media = cam.read()
        second, _ = cam.read()
    assert image.shape == (240, 320, 3) and image.dtype.name == "uint8" and media is None
    assert server.served == 2 and (image != second).any()


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_snapshot_with_credentials(auth):
    srv = CameraHttpServer(user="viewer", password="s3cret:pw", auth=auth).start()
    try:
        with snapshot(srv.url("/snap.jpg"), username="viewer", password="s3cret:pw", options={"auth": auth}) as cam:
            assert cam.read()[0].shape == (240, 320, 3)
        with snapshot(srv.url("/snap.jpg"), username="viewer", password="wrong", options={"auth": auth}) as cam:
            with pytest.raises(SourceUnavailable) as err:
                cam.read()
        assert "401" in str(err.value) and "wrong" not in str(err.value)
        assert any(h and h.startswith("Digest " if auth == "digest" else "Basic ") for _, h in srv.requests)
    finally:
        srv.stop()


def test_snapshot_rejects_non_images(server):
    with snapshot(server.url("/page.html")) as cam:
        with pytest.raises(BadFrame, match="text/html"):
            cam.read()
    with snapshot(server.url("/broken.jpg")) as cam:
        with pytest.raises(BadFrame, match="could not be decoded"):
            cam.read()
    with snapshot(server.url("/missing.jpg")) as cam:
        with pytest.raises(SourceUnavailable, match="HTTP 404"):
            cam.read()


def test_snapshot_unreachable_is_unavailable_quickly(server):
    url = server.url("/snap.jpg")
    server.stop()
    with snapshot(url, options={"timeout_s": 1}) as cam:
        with pytest.raises(SourceUnavailable, match="CAM-T"):
            cam.read()


def test_snapshot_kill_and_restart_goes_offline_and_back(server):
    with Harness({"CAM-T": snapshot(server.url("/snap.jpg"), options={"timeout_s": 1})}) as h:
        kill_and_restart(h, server.stop, server.start)


# -- MJPEG ---------------------------------------------------------------------------------------------
def test_multipart_parser_with_and_without_lengths_in_odd_chunks():
    a, b, c = jpeg(scene(64, 48, 1)), jpeg(scene(64, 48, 2)), jpeg(scene(64, 48, 3))
    stream = (
        b"--bnd\r\nContent-Type: image/jpeg\r\nContent-Length: " + str(len(a)).encode() + b"\r\n\r\n" + a + b"\r\n"
        + b"--bnd\r\nContent-Type: image/jpeg\r\n\r\n" + b + b"\r\n"
        + b"--bnd\nContent-Type: image/jpeg\n\n" + c + b"\n--bnd\r\n"
    )
    parser = MultipartParser('"--bnd"')
    parts = []
    for i in range(0, len(stream), 777):
        parts += parser.feed(stream[i:i + 777])
    assert parts == [a, b, c]


def test_multipart_parser_refuses_oversized_parts():
    parser = MultipartParser("x", max_part_bytes=1000)
    with pytest.raises(ValueError, match="exceeds"):
        parser.feed(b"--x\r\nContent-Length: 5000\r\n\r\n")


@pytest.mark.parametrize("path", ["/stream.mjpg", "/stream.mjpg?nolength"])
def test_mjpeg_keeps_the_newest_frame(server, path):
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="mjpeg", url=server.url(path)))
    cam.open()
    try:
        def frame():
            try:
                return cam.read()
            except FrameNotReady:
                return None
        image, _ = wait_for(frame, 5, what="first MJPEG frame")
        assert image.shape == (240, 320, 3)
        served = server.served
        wait_for(lambda: server.served >= served + 3, 5, what="more parts")
        newer, _ = cam.read()
        assert (newer != image).any()
    finally:
        cam.close()
    assert len([p for p, _ in server.requests if p.startswith("/stream")]) == 1  # one connection kept


def test_mjpeg_on_a_non_stream_url_names_the_content_type(server):
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="mjpeg", url=server.url("/page.html")))
    cam.open()
    try:
        def failure():
            try:
                cam.read()
            except SourceUnavailable as exc:
                return str(exc)
            except FrameNotReady:
                return None
        assert "text/html" in wait_for(failure, 5, what="failure")
    finally:
        cam.close()


def test_mjpeg_kill_and_restart_goes_offline_and_back(server):
    cam = make_adapter("CAM-T", CameraSourceSpec(kind="mjpeg", url=server.url("/stream.mjpg"),
                                                 options={"timeout_s": 1, "stale_after_s": 1}))
    with Harness({"CAM-T": cam}) as h:
        kill_and_restart(h, server.stop, server.start)
