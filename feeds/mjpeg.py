"""``mjpeg`` adapter: an HTTP ``multipart/x-mixed-replace`` JPEG stream (many IP cameras' ``/mjpg/video.mjpg``).

A background reader thread keeps the connection open and keeps only the newest JPEG part (bytes); a read
decodes that one part, so frames between two samples cost no decoding. When the connection breaks the
reader ends and the next read raises :class:`SourceUnavailable` (the scheduler reconnects with back-off).

Options: ``auth`` (``"basic"`` default or ``"digest"``), ``timeout_s`` (default 5: connect and socket read
timeout), ``stale_after_s`` (default 10: the newest part is older than this → unavailable),
``max_part_bytes`` (default 20 MB), ``max_pixels`` (default 40 million), ``verify_tls`` (default true).
A stream whose bytes never form a part (garbage, wrong boundary) is reported as such, naming the boundary.
"""
from __future__ import annotations

import re
import threading
import time

import numpy as np
import requests

from .base import CameraAdapter, FrameNotReady
from .frame_bytes import DEFAULT_MAX_PIXELS, UndecodableImage, decode_frame
from .http_snapshot import http_auth
from .registry import register_adapter

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)


class MultipartParser:
    """Incremental parser of a multipart stream: ``feed(bytes)`` returns the complete part bodies.

    Uses each part's ``Content-Length`` when present, else the next boundary. Tolerates LF-only line ends
    and boundaries written with extra leading dashes.
    """

    def __init__(self, boundary: str, max_part_bytes: int = 20 * 1024 * 1024):
        self.delim = b"--" + boundary.strip().strip('"').lstrip("-").encode("latin-1")
        self.max_part_bytes = max_part_bytes
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf, delim = self.buf, self.delim
        buf += data
        parts: list[bytes] = []
        while True:
            i = buf.find(delim)
            if i < 0:
                del buf[: max(0, len(buf) - len(delim))]
                break
            if i:
                del buf[:i]
            crlf, lf = buf.find(b"\r\n\r\n"), buf.find(b"\n\n")
            ends = [(p, n) for p, n in ((crlf, 4), (lf, 2)) if p >= 0]
            if not ends:
                if len(buf) > 64 * 1024:
                    raise ValueError("multipart part headers longer than 64 KiB")
                break
            hdr_end, sep = min(ends)
            headers = bytes(buf[len(delim):hdr_end]).decode("latin-1", "replace")
            body_start = hdr_end + sep
            length = None
            m = re.search(r"content-length\s*:\s*(\d+)", headers, re.I)
            if m:
                length = int(m.group(1))
                if length > self.max_part_bytes:
                    raise ValueError(f"multipart part of {length} bytes exceeds {self.max_part_bytes}")
                if len(buf) < body_start + length:
                    break
                parts.append(bytes(buf[body_start: body_start + length]))
                del buf[: body_start + length]
            else:
                j = buf.find(delim, body_start)
                if j < 0:
                    if len(buf) > self.max_part_bytes:
                        raise ValueError(f"multipart part exceeds {self.max_part_bytes} bytes without a boundary")
                    break
                parts.append(bytes(buf[body_start:j]).rstrip(b"\r\n"))
                del buf[:j]
        return parts


@register_adapter("mjpeg")
class MjpegAdapter(CameraAdapter):
    """HTTP multipart JPEG stream; a background reader keeps the newest part."""

    def open(self) -> None:
        self.close()
        if not self.source.url:
            raise self.unavailable("no MJPEG URL configured (url is empty)")
        try:
            auth = http_auth(self.source.option("auth", "basic"), self.source.username, self.source.password)
        except ValueError as exc:
            raise self.unavailable(str(exc)) from None
        self._timeout = float(self.source.option("timeout_s", 5.0))
        self._stale_s = float(self.source.option("stale_after_s", 10.0))
        self._max_part = int(self.source.option("max_part_bytes", 20 * 1024 * 1024))
        self._max_pixels = int(self.source.option("max_pixels", DEFAULT_MAX_PIXELS))
        self._received = 0  # bytes of the stream body so far
        self._boundary = ""
        self._http = requests.Session()
        self._http.auth = auth
        self._http.verify = bool(self.source.option("verify_tls", True))
        self._http.trust_env = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._latest: tuple[bytes, float, int] | None = None  # (jpeg, arrival monotonic, part number)
        self._decoded: tuple[int, np.ndarray] | None = None
        self._failure: str | None = None
        self._resp: requests.Response | None = None
        self._opened_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"mjpeg-{self.camera_code}", daemon=True)
        self._thread.start()

    # -- background reader ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._stream()
        except Exception as exc:  # noqa: BLE001 - reported through read()
            if not self._stop.is_set():
                self._fail(self._scrub(f"{self.describe()}: {type(exc).__name__}: {exc}"))
        finally:
            resp = self._resp
            if resp is not None:
                resp.close()

    def _fail(self, reason: str) -> None:
        with self._lock:
            if self._failure is None:
                self._failure = reason

    def _stream(self) -> None:
        try:
            resp = self._http.get(self.source.url, stream=True, timeout=self._timeout)
        except requests.Timeout:
            return self._fail(f"{self.describe()}: no answer within {self._timeout:g} s")
        except requests.RequestException as exc:
            return self._fail(f"{self.describe()}: {type(exc).__name__}")
        self._resp = resp
        if resp.status_code != 200:
            hint = " (check the credentials)" if resp.status_code in (401, 403) else ""
            return self._fail(f"{self.describe()}: HTTP {resp.status_code}{hint}")
        ctype = resp.headers.get("Content-Type", "")
        m = _BOUNDARY.search(ctype)
        if not ctype.lower().startswith("multipart/") or not m:
            return self._fail(f"{self.describe()}: not a multipart stream (Content-Type {ctype or '(none)'})")
        parser = MultipartParser(m.group(1), self._max_part)
        self._boundary = m.group(1)
        count = 0
        raw = resp.raw
        while not self._stop.is_set():
            chunk = raw.read1(65536) if hasattr(raw, "read1") else raw.read(16384)
            if not chunk:
                return self._fail(f"{self.describe()}: stream ended{self._no_parts_hint(count)}")
            self._received += len(chunk)
            for part in parser.feed(chunk):
                count += 1
                with self._lock:
                    self._latest = (part, time.monotonic(), count)

    def _no_parts_hint(self, count: int) -> str:
        if count or not self._received:
            return ""
        return f" ({self._received} bytes received but no part delimited by boundary {self._boundary!r})"

    # -- interface ----------------------------------------------------------------------------------
    def read(self) -> tuple[np.ndarray, float | None]:
        if getattr(self, "_thread", None) is None:
            raise self.unavailable("not open")
        with self._lock:
            latest, failure = self._latest, self._failure
        now = time.monotonic()
        if latest is None:
            if failure:
                raise self.unavailable(failure)
            if now - self._opened_at > self._stale_s:
                raise self.unavailable(f"{self.describe()}: no frame within {self._stale_s:g} s"
                                       f"{self._no_parts_hint(0)}")
            raise FrameNotReady(self.camera_code, self._scrub(f"{self.describe()}: connecting for "
                                                              f"{now - self._opened_at:.0f} s (no frame yet)"))
        data, arrived, number = latest
        if failure:
            raise self.unavailable(failure)
        if now - arrived > self._stale_s:
            raise self.unavailable(f"{self.describe()}: no frame for {now - arrived:.1f} s")
        if self._decoded is not None and self._decoded[0] == number:
            return self._decoded[1], None
        try:
            image = decode_frame(data, self._max_pixels)
        except UndecodableImage as exc:
            raise self.bad_frame(f"{self.describe()}: part {number}: {exc}") from None
        self._decoded = (number, image)
        return image, None

    def close(self) -> None:
        thread = getattr(self, "_thread", None)
        if thread is None:
            return
        self._stop.set()
        resp = self._resp
        if resp is not None:
            try:
                resp.close()
            except Exception:  # noqa: BLE001
                pass
        thread.join(timeout=1.0)
        self._http.close()
        self._thread = None
        self._latest = None
        self._decoded = None
