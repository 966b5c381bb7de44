"""Cameras that send garbage (loopback servers and local files only).

An HTTP snapshot camera answering random bytes, HTML, a truncated JPEG, a huge body or a JPEG declaring
30000×30000 pixels; an MJPEG stream with garbage instead of parts, a wrong boundary or undecodable parts;
an "RTSP camera" that is a plain TCP server sending garbage; a video file that is not a video; a folder of
non-images. Each adapter raises only its own errors (BadFrame / SourceUnavailable) with a reason naming
the camera and what was wrong; under the real scheduler each such camera goes offline with that reason
while a good camera next to it keeps delivering frames, and no exception escapes the sampling loop.
"""
from __future__ import annotations

import logging
import random
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.base import CameraSourceSpec, FeedError, FrameNotReady
from feeds.health import OFFLINE, ONLINE
from feeds.registry import make_adapter
from tests.fuzz_settings import fuzz

from .harness import Harness
from .sources import CameraHttpServer, _Server, free_port, jpeg, scene, wait_for, write_video

GOOD_JPEG = jpeg(scene(160, 120))


def declaring(width: int, height: int) -> bytes:
    data = bytearray(GOOD_JPEG)
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


class GarbageHttp:
    """A loopback HTTP server whose routes send garbage; ``bodies[path] = (content_type, bytes)`` is settable."""

    def __init__(self):
        self.bodies: dict[str, tuple[str, bytes]] = {}
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                try:
                    if path == "/huge":
                        return self._huge()
                    if path.startswith("/mjpeg"):
                        return self._mjpeg(path)
                    ctype, body = owner.bodies.get(path, ("text/plain", b"no such route"))
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _huge(self):  # 200 MB announced and streamed until the client hangs up
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(200 * 1024 * 1024))
                self.end_headers()
                chunk = b"\xff\xd8" + b"\0" * 65534
                while not owner.stopping.is_set():
                    self.wfile.write(chunk)

            def _mjpeg(self, path):
                kind = path.split("/")[-1]
                boundary = "" if kind == "noboundary" else "; boundary=frame"
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace" + boundary)
                self.end_headers()
                rnd = random.Random(7)
                while not owner.stopping.is_set():
                    if kind == "garbage":  # bytes, never a boundary
                        self.wfile.write(bytes(rnd.randrange(256) for _ in range(4096)).replace(b"--", b"-+"))
                    elif kind == "wrongboundary":
                        self.wfile.write(b"--other\r\nContent-Type: image/jpeg\r\n\r\n" + GOOD_JPEG + b"\r\n")
                    elif kind == "badparts":
                        body = owner.bodies.get("/part", ("", b"garbage"))[1]
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + body + b"\r\n")
                    elif kind == "hugeheaders":
                        self.wfile.write(b"--frame\r\n" + b"X-Junk: " + b"a" * 70000)
                    elif kind == "hugelength":
                        self.wfile.write(b"--frame\r\nContent-Length: 99999999999\r\n\r\n")
                    else:
                        self.wfile.write(b"--frame\r\n\r\n" + GOOD_JPEG + b"\r\n")
                    self.wfile.flush()
                    owner.stopping.wait(0.05)

        self.port = free_port()
        self.httpd = _Server(("127.0.0.1", self.port), Handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class GarbageTcp:
    """A plain TCP server on loopback that answers every connection with random bytes (a fake RTSP camera)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn):
        rnd = random.Random(conn.fileno())
        with conn:
            conn.settimeout(0.5)
            try:
                for _ in range(200):
                    if self.stopping.is_set():
                        return
                    conn.sendall(b"RTSP/1.0 200 OK\r\nCSeq: banana\r\n\r\n" if rnd.random() < 0.2
                                 else bytes(rnd.randrange(256) for _ in range(512)))
                    self.stopping.wait(0.05)
            except OSError:
                return

    def stop(self):
        self.stopping.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def http():
    srv = GarbageHttp()
    truncated = GOOD_JPEG[: len(GOOD_JPEG) * 2 // 3]
    srv.bodies.update({
        "/random.jpg": ("image/jpeg", bytes(random.Random(1).randrange(256) for _ in range(5000))),
        "/html.jpg": ("text/html", b"<html><body>Login required</body></html>"),
        "/html-as-image.jpg": ("image/jpeg", b"<html><body>Login required</body></html>"),
        "/truncated.jpg": ("image/jpeg", truncated),
        "/bomb.jpg": ("image/jpeg", declaring(30000, 30000)),
        "/zero.jpg": ("image/jpeg", declaring(0, 0)),
        "/empty.jpg": ("image/jpeg", b""),
        "/fuzz": ("image/jpeg", b""),
        "/part": ("image/jpeg", b""),
    })
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tcp():
    srv = GarbageTcp()
    yield srv
    srv.stop()


def _adapter(code, kind, url, **options):
    return make_adapter(code, CameraSourceSpec(kind=kind, url=url, options=options))


def _read_error(adapter, attempts: int = 40, wait: float = 0.1) -> FeedError:
    """Open and read until the adapter reports its error; fail if anything but a FeedError escapes."""
    import time

    try:
        adapter.open()
        for _ in range(attempts):
            try:
                adapter.read()
            except FrameNotReady:
                time.sleep(wait)
                continue
            raise AssertionError(f"{adapter!r} delivered a frame from garbage")
    except FeedError as exc:
        return exc
    finally:
        adapter.close()
    raise AssertionError(f"{adapter!r} never reported an error")


# (adapter kind, loopback path, adapter options, words the error's reason must hold)
LOOPBACK_CASES = {
    "snapshot-random": ("http_snapshot", "/random.jpg", {}, "body is not JPEG/PNG (5000 bytes)"),
    "snapshot-html": ("http_snapshot", "/html.jpg", {}, "expected an image, got Content-Type text/html"),
    "snapshot-html-as-image": ("http_snapshot", "/html-as-image.jpg", {}, "body is not JPEG/PNG"),
    "snapshot-truncated": ("http_snapshot", "/truncated.jpg", {}, "truncated JPEG"),
    "snapshot-bomb": ("http_snapshot", "/bomb.jpg", {}, "30000×30000"),
    "snapshot-zero": ("http_snapshot", "/zero.jpg", {}, "JPEG could not be decoded"),
    "snapshot-empty": ("http_snapshot", "/empty.jpg", {}, "body is not JPEG/PNG (0 bytes)"),
    "snapshot-huge": ("http_snapshot", "/huge", {"max_bytes": 2_000_000}, "larger than 2000000 bytes"),
    "mjpeg-garbage": ("mjpeg", "/mjpeg/garbage", {"stale_after_s": 1.5}, "no part delimited by boundary 'frame'"),
    "mjpeg-wrongboundary": ("mjpeg", "/mjpeg/wrongboundary", {"stale_after_s": 1.5},
                            "no part delimited by boundary 'frame'"),
    "mjpeg-noboundary": ("mjpeg", "/mjpeg/noboundary", {"stale_after_s": 1.5}, "not a multipart stream"),
    "mjpeg-hugeheaders": ("mjpeg", "/mjpeg/hugeheaders", {"stale_after_s": 1.5}, "part headers longer than 64 KiB"),
    "mjpeg-hugelength": ("mjpeg", "/mjpeg/hugelength", {"stale_after_s": 1.5}, "exceeds"),
}


@pytest.mark.parametrize("case", sorted(LOOPBACK_CASES))
def test_garbage_from_a_loopback_camera_is_a_named_error(http, case):
    kind, path, options, words = LOOPBACK_CASES[case]
    exc = _read_error(_adapter("CAM-G1", kind, http.url(path), timeout_s=2, **options))
    assert str(exc).startswith(f"camera CAM-G1: {kind} http://127.0.0.1")
    assert words in exc.reason, exc.reason


@given(st.binary(max_size=3000) | st.sampled_from([GOOD_JPEG[:n] for n in (2, 20, 200, 600, 1500)]))
@fuzz(40)
def test_http_snapshot_random_bodies_never_escape(http, body):
    http.bodies["/fuzz"] = ("image/jpeg", body)
    cam = _adapter("CAM-F", "http_snapshot", http.url("/fuzz"), timeout_s=2)
    cam.open()
    try:
        image, _ = cam.read()
    except FeedError as exc:
        assert exc.camera_code == "CAM-F" and exc.reason
    else:
        assert image.ndim == 3 and image.dtype.name == "uint8"
    finally:
        cam.close()


@pytest.mark.parametrize("part, words", [
    (b"garbage garbage", "not an image"),
    (GOOD_JPEG[:900], "truncated JPEG"),
    (declaring(30000, 30000), "30000×30000"),
])
def test_mjpeg_undecodable_parts_are_bad_frames(http, part, words):
    http.bodies["/part"] = ("image/jpeg", part)
    exc = _read_error(_adapter("CAM-M2", "mjpeg", http.url("/mjpeg/badparts"), timeout_s=2))
    assert "part " in exc.reason and words in exc.reason, exc.reason


def test_rtsp_url_that_is_a_garbage_tcp_server(tcp):
    exc = _read_error(_adapter("CAM-R1", "rtsp", f"rtsp://127.0.0.1:{tcp.port}/live", open_timeout_s=2,
                               read_timeout_s=2), attempts=100)
    assert str(exc).startswith(f"camera CAM-R1: rtsp rtsp://127.0.0.1:{tcp.port}/live")
    assert "cannot open the stream" in exc.reason or "not connected" in exc.reason, exc.reason


def test_video_file_that_is_not_a_video(tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(bytes(random.Random(3).randrange(256) for _ in range(20000)))
    exc = _read_error(_adapter("CAM-V1", "file", str(fake)))
    assert "not a video OpenCV/FFmpeg can read" in exc.reason and "clip.mp4" in exc.reason
    text = tmp_path / "notes.avi"
    text.write_text("this is a text file\n" * 100)
    assert "cannot open video file" in _read_error(_adapter("CAM-V2", "file", str(text))).reason


def test_truncated_video_file_goes_unavailable_not_crash(tmp_path):
    good = write_video(tmp_path / "good.avi", frames=30)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(good.read_bytes()[:6000])
    cam = _adapter("CAM-V3", "file", str(cut), pace="fast", step_s=1.0, loop=False)
    errors = []
    try:
        cam.open()
        for _ in range(40):
            try:
                cam.read()
            except FeedError as exc:
                errors.append(exc)
                if not isinstance(exc, FrameNotReady) and "ended" in exc.reason or "cannot be read" in exc.reason:
                    break
    except FeedError as exc:
        errors.append(exc)
    finally:
        cam.close()
    assert errors and all(e.camera_code == "CAM-V3" and "cut.avi" in e.reason for e in errors), errors


def test_folder_of_non_images(tmp_path):
    only_text = tmp_path / "text"
    only_text.mkdir()
    (only_text / "readme.txt").write_text("hello")
    exc = _read_error(_adapter("CAM-D1", "folder", str(only_text)))
    assert "has no images" in exc.reason and str(only_text) in exc.reason
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.jpg").write_text("<html>not a picture</html>")
    (mixed / "b.jpg").write_bytes(GOOD_JPEG[:700])
    (mixed / "c.png").write_bytes(b"")
    (mixed / "d.jpg").write_bytes(declaring(30000, 30000))
    cam = _adapter("CAM-D2", "folder", str(mixed), loop=False)
    cam.open()
    reasons = []
    for _ in range(4):
        with pytest.raises(FeedError) as err:
            cam.read()
        reasons.append(err.value.reason)
    assert "a.jpg is not a readable image: not an image" in reasons[0]
    assert "b.jpg is not a readable image: truncated JPEG" in reasons[1]
    assert "c.png is not a readable image" in reasons[2]
    assert "d.jpg is not a readable image" in reasons[3] and "30000×30000" in reasons[3]


def test_scheduler_keeps_going_with_every_kind_of_garbage(http, tcp, tmp_path, caplog):
    """All garbage cameras at once next to a good one: each goes offline naming its problem, the good one
    stays online and keeps delivering, and the sampling loop never logs an escaped exception."""
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "x.jpg").write_text("junk")
    video = tmp_path / "fake.mp4"
    video.write_bytes(b"\0" * 5000)
    good = CameraHttpServer(fps=10).start()
    http.bodies["/part"] = ("image/jpeg", b"garbage")
    cams = {
        "CAM-GOOD": _adapter("CAM-GOOD", "http_snapshot", good.url("/snap.jpg"), timeout_s=2),
        "CAM-RANDOM": _adapter("CAM-RANDOM", "http_snapshot", http.url("/random.jpg"), timeout_s=2),
        "CAM-TRUNC": _adapter("CAM-TRUNC", "http_snapshot", http.url("/truncated.jpg"), timeout_s=2),
        "CAM-BOMB": _adapter("CAM-BOMB", "http_snapshot", http.url("/bomb.jpg"), timeout_s=2),
        "CAM-HUGE": _adapter("CAM-HUGE", "http_snapshot", http.url("/huge"), timeout_s=2, max_bytes=1_000_000),
        "CAM-MJPEG": _adapter("CAM-MJPEG", "mjpeg", http.url("/mjpeg/garbage"), timeout_s=2, stale_after_s=1),
        "CAM-PARTS": _adapter("CAM-PARTS", "mjpeg", http.url("/mjpeg/badparts"), timeout_s=2),
        "CAM-RTSP": _adapter("CAM-RTSP", "rtsp", f"rtsp://127.0.0.1:{tcp.port}/x", open_timeout_s=2,
                             read_timeout_s=2),
        "CAM-VIDEO": _adapter("CAM-VIDEO", "file", str(video)),
        "CAM-FOLDER": _adapter("CAM-FOLDER", "folder", str(folder)),
    }
    expected = {"CAM-RANDOM": "body is not JPEG/PNG", "CAM-TRUNC": "truncated JPEG", "CAM-BOMB": "30000×30000",
                "CAM-HUGE": "larger than 1000000 bytes", "CAM-MJPEG": "no part delimited",
                "CAM-PARTS": "not an image", "CAM-RTSP": "rtsp://127.0.0.1", "CAM-VIDEO": "fake.mp4",
                "CAM-FOLDER": "x.jpg is not a readable image"}
    caplog.set_level(logging.WARNING, logger="feeds")
    try:
        with Harness(cams, interval_s=0.3, offline_after_s=1.5, backoff=(0.3, 1.0, 2.0)) as h:
            h.wait_state(ONLINE, "CAM-GOOD")
            for code in expected:
                h.wait_state(OFFLINE, code, timeout=30)
            for code, words in expected.items():
                runner = h.runner(code)
                # the offline detail holds the reason known then (an RTSP open still running: "connecting for
                # 2 s", naming the URL); the failure arrives in last_error when FFmpeg's open times out
                wait_for(lambda: words in f"{runner.health.detail} / {runner.counters.last_error}", 20,
                         what=f"{code} reason naming {words!r}")
                changes = [c for c in h.changes if c.camera_code == code and c.to_state == OFFLINE]
                assert changes and changes[-1].detail.startswith("no frame for"), (code, changes)
            frames = h.runner("CAM-GOOD").counters.frames
            h.wait_frames(5, "CAM-GOOD")
            assert h.runner("CAM-GOOD").health.state == ONLINE and h.runner("CAM-GOOD").counters.frames > frames
            assert h.sched.stats()["health"].get(OFFLINE) == len(expected)
    finally:
        good.stop()
    escaped = [r for r in caplog.records if "sampling failed" in r.getMessage() or r.exc_info]
    assert not escaped, [r.getMessage() for r in escaped]
