"""Real local camera sources for the feed tests (loopback only) and a textured test scene.

- :func:`scene` — a street-like textured frame; :func:`noisy` adds sensor noise (never "frozen").
- :class:`CameraHttpServer` — a threaded HTTP server: JPEG snapshots (basic or digest auth) and an MJPEG
  multipart stream; ``stop()``/``start()`` kill and restart it on the same port.
- :class:`RtspServer` — GStreamer's RTSP server in a subprocess (Debian ``/usr/bin/python3`` with ``gi``),
  started from ``scripts/rtsp_test_server.py``; ``stop()``/``start()`` kill and restart it on the same port.
- :func:`write_video` — a small MJPG AVI written with ``cv2.VideoWriter``.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RTSP_SCRIPT = ROOT / "scripts" / "rtsp_test_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def scene(w: int = 640, h: int = 360, seed: int = 0) -> np.ndarray:
    """A textured street-like frame: facades with windows, sidewalk, road with lane marks."""
    r = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (150, 160, 170)
    img[int(h * 0.62):] = (85, 85, 90)
    img[int(h * 0.55): int(h * 0.62)] = (140, 150, 150)
    for _ in range(70):
        x, y = int(r.integers(0, w)), int(r.integers(0, int(h * 0.55)))
        ww, hh = int(r.integers(w // 40, w // 6)), int(r.integers(h // 25, h // 4))
        color = tuple(int(c) for c in r.integers(25, 230, 3))
        cv2.rectangle(img, (x, y), (x + ww, y + hh), color, -1)
    for i in range(0, w, w // 16):
        cv2.line(img, (i, int(h * 0.8)), (i + w // 32, int(h * 0.8)), (240, 240, 240), max(2, h // 120))
    return img


_NOISE: dict[tuple, list[np.ndarray]] = {}
_noise_lock = threading.Lock()
_noise_next = [0]


def noisy(img: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    """``img`` with Gaussian sensor noise (a static scene that is NOT frozen; never twice the same noise)."""
    key = (img.shape, sigma)
    with _noise_lock:
        pool = _NOISE.get(key)
        if pool is None:
            pool = _NOISE[key] = []
            for _ in range(13):
                n = np.empty(img.shape, np.int16)
                cv2.randn(n, (0,) * 3, (sigma,) * 3)
                pool.append(n)
        _noise_next[0] += 1
        i = _noise_next[0]
    a, b = pool[i % 13], pool[(i * 7 + 3) % 13]
    # Two planes and a roll: consecutive calls never repeat the noise pattern.
    noise = np.roll(a, i % 97, axis=1) if a is b else (a + b) // 2 + np.roll(a, i % 31, axis=0) // 4
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# -- HTTP snapshots and MJPEG --------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _frame(self) -> bytes:
        owner = self.server.owner
        with owner.lock:
            owner.served += 1
        return jpeg(noisy(owner.base))

    def _auth_ok(self) -> bool:
        owner = self.server.owner
        if owner.user is None:
            return True
        header = self.headers.get("Authorization", "")
        if owner.auth == "basic":
            expected = "Basic " + base64.b64encode(f"{owner.user}:{owner.password}".encode()).decode()
            if header == expected:
                return True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="cam"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        if header.startswith("Digest ") and self._digest_ok(header[7:]):
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", f'Digest realm="cam", nonce="{owner.nonce}", qop="auth", algorithm=MD5')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _digest_ok(self, value: str) -> bool:
        owner = self.server.owner
        fields = {}
        for part in value.split(","):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                fields[k] = v.strip('"')
        if fields.get("username") != owner.user or fields.get("nonce") != owner.nonce:
            return False
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731 - HTTP digest is MD5 by definition
        ha1 = md5(f"{owner.user}:cam:{owner.password}")
        ha2 = md5(f"GET:{fields.get('uri', '')}")
        expected = md5(f"{ha1}:{owner.nonce}:{fields.get('nc')}:{fields.get('cnonce')}:{fields.get('qop')}:{ha2}")
        return secrets.compare_digest(expected, fields.get("response", ""))

    def do_GET(self) -> None:  # noqa: N802
        owner = self.server.owner
        with owner.lock:
            owner.requests.append((self.path, self.headers.get("Authorization")))
        if not self._auth_ok():
            return
        if self.path.startswith("/snap.jpg"):
            body = self._frame()
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/page.html"):
            body = b"<html>login</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/broken.jpg"):
            body = b"\xff\xd8" + b"not really a jpeg" * 10
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/stream.mjpg"):
            self._stream(with_length="nolength" not in self.path)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _stream(self, with_length: bool) -> None:
        owner = self.server.owner
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frameboundary")
        self.end_headers()
        try:
            while not owner.stopping.is_set():
                body = self._frame()
                head = b"--frameboundary\r\nContent-Type: image/jpeg\r\n"
                if with_length:
                    head += f"Content-Length: {len(body)}\r\n".encode()
                self.wfile.write(head + b"\r\n" + body + b"\r\n")
                self.wfile.flush()
                owner.stopping.wait(1.0 / owner.fps)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "CameraHttpServer"


class CameraHttpServer:
    """Snapshots at ``/snap.jpg``, MJPEG at ``/stream.mjpg`` (``/stream.mjpg?nolength`` without lengths)."""

    def __init__(self, *, user: str | None = None, password: str | None = None, auth: str = "basic",
                 fps: float = 10.0, size: tuple[int, int] = (320, 240)):
        self.user, self.password, self.auth, self.fps = user, password, auth, fps
        self.base = scene(*size)
        self.nonce = secrets.token_hex(8)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str | None]] = []
        self.served = 0
        self.stopping = threading.Event()
        self.port = free_port()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "CameraHttpServer":
        self.stopping.clear()
        deadline = time.monotonic() + 5
        while True:
            try:
                self._httpd = _Server(("127.0.0.1", self.port), _Handler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Kill the server: streams end, the port stops answering."""
        if self._httpd is None:
            return
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None


# -- RTSP ------------------------------------------------------------------------------------------------
class RtspServer:
    """GStreamer's RTSP server as a subprocess on 127.0.0.1; ``stop()``/``start()`` restart it on one port."""

    def __init__(self, *, user: str | None = None, password: str | None = None, static: bool = False,
                 path: str = "/cam", fps: int = 10, extra_args: tuple[str, ...] = ()):
        self.user, self.password, self.static, self.path, self.fps = user, password, static, path, fps
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}{self.path}"

    def start(self, timeout: float = 20.0) -> "RtspServer":
        cmd = [SYSTEM_PYTHON, str(RTSP_SCRIPT), "--port", str(self.port), "--path", self.path, "--fps", str(self.fps)]
        if self.static:
            cmd.append("--static")
        if self.user:
            cmd += ["--user", self.user, "--password", self.password or ""]
        cmd += self.extra_args
        deadline = time.monotonic() + timeout
        while True:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         env={**os.environ, "GST_DEBUG": "0"})
            line = self.proc.stdout.readline()
            if line.startswith("READY"):
                return self
            self.proc.wait(timeout=5)
            err = self.proc.stderr.read()
            if time.monotonic() > deadline:
                raise RuntimeError(f"RTSP test server did not start: {line.strip()} {err.strip()[-500:]}")
            time.sleep(0.3)  # the port may still be held by the killed server

    def stop(self) -> None:
        """Kill the server (SIGKILL: like a camera losing power)."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()
        self.proc = None


# -- files -----------------------------------------------------------------------------------------------
def write_video(path: Path, frames: int = 20, fps: float = 10.0, size: tuple[int, int] = (320, 240)) -> Path:
    """An MJPG AVI whose frame ``i`` shows the number ``i`` large (decodable index) on a noisy scene."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "cv2.VideoWriter cannot write MJPG AVI"
    base = scene(w, h, seed=3)
    for i in range(frames):
        img = noisy(base)
        cv2.rectangle(img, (0, 0), (w // 3, h // 4), (0, 0, 0), -1)
        cv2.putText(img, str(i), (5, h // 4 - 8), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255, 255, 255), 3)
        marker = img[h - 8:, :]  # bottom strip encodes the frame index as brightness blocks
        marker[:] = 0
        for bit in range(8):
            if i >> bit & 1:
                marker[:, bit * (w // 8): (bit + 1) * (w // 8)] = 255
        writer.write(img)
    writer.release()
    return path


def frame_index(img: np.ndarray) -> int:
    """Decode the frame index written by :func:`write_video` from the bottom strip."""
    h, w = img.shape[:2]
    strip = img[h - 5:h - 2, :].mean(axis=(0, 2))
    return sum(1 << bit for bit in range(8) if strip[bit * (w // 8) + w // 16] > 127)
