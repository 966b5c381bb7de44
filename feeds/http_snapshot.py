"""``http_snapshot`` adapter: a JPEG snapshot URL fetched once per sample.

E.g. ``http://cam/ISAPI/Streaming/channels/101/picture``.

Options: ``auth`` (``"basic"`` default, or ``"digest"``; used when a username is configured),
``timeout_s`` (float, default 5: connect and read timeout), ``max_bytes`` (default 20 MB),
``verify_tls`` (bool, default true), ``max_pixels`` (default 40 million: a larger declared size is refused
before decoding). The response must be HTTP 200 with an ``image/*`` content type
and JPEG (or PNG) bytes; anything else is a bad frame, naming what arrived. Connection errors, timeouts,
HTTP 401/403/404 and 5xx are "source unavailable". Credentials never appear in messages.
"""
from __future__ import annotations

import numpy as np
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from .base import CameraAdapter
from .frame_bytes import DEFAULT_MAX_PIXELS, UndecodableImage, decode_frame
from .registry import register_adapter

_JPEG = b"\xff\xd8"
_PNG = b"\x89PNG"


def decode_image_bytes(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray | None:
    """Decode JPEG/PNG bytes to a BGR image, ``None`` when they are not a decodable (or sane) image."""
    try:
        return decode_frame(data, max_pixels)
    except UndecodableImage:
        return None


def http_auth(kind: str, username: str | None, password: str | None):
    """A requests auth object for ``basic``/``digest`` (``None`` without a username)."""
    if not username:
        return None
    if kind == "digest":
        return HTTPDigestAuth(username, password or "")
    if kind == "basic":
        return HTTPBasicAuth(username, password or "")
    raise ValueError(f"options.auth must be 'basic' or 'digest', got {kind!r}")


@register_adapter("http_snapshot")
class HttpSnapshotAdapter(CameraAdapter):
    """Fetch one JPEG per read over HTTP(S)."""

    def open(self) -> None:
        self.close()
        if not self.source.url:
            raise self.unavailable("no snapshot URL configured (url is empty)")
        try:
            auth = http_auth(self.source.option("auth", "basic"), self.source.username, self.source.password)
        except ValueError as exc:
            raise self.unavailable(str(exc)) from None
        self._http = requests.Session()
        self._http.auth = auth
        self._http.verify = bool(self.source.option("verify_tls", True))
        self._http.trust_env = False  # never route camera traffic through an environment proxy
        self._timeout = float(self.source.option("timeout_s", 5.0))
        self._max_bytes = int(self.source.option("max_bytes", 20 * 1024 * 1024))
        self._max_pixels = int(self.source.option("max_pixels", DEFAULT_MAX_PIXELS))

    def read(self) -> tuple[np.ndarray, float | None]:
        http = getattr(self, "_http", None)
        if http is None:
            raise self.unavailable("not open")
        url = self.source.url
        try:
            resp = http.get(url, timeout=self._timeout, stream=True)
        except requests.Timeout:
            raise self.unavailable(f"{self.describe()}: no answer within {self._timeout:g} s") from None
        except requests.RequestException as exc:
            raise self.unavailable(f"{self.describe()}: {type(exc).__name__}") from None
        try:
            if resp.status_code in (401, 403):
                raise self.unavailable(f"{self.describe()}: HTTP {resp.status_code} (check the credentials)")
            if resp.status_code != 200:
                raise self.unavailable(f"{self.describe()}: HTTP {resp.status_code}")
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not ctype.startswith("image/"):
                raise self.bad_frame(f"{self.describe()}: expected an image, got Content-Type {ctype or '(none)'}")
            try:
                data = self._body(resp)
            except requests.RequestException as exc:
                raise self.unavailable(f"{self.describe()}: body not received ({type(exc).__name__})") from None
        finally:
            resp.close()
        if not (data.startswith(_JPEG) or data.startswith(_PNG)):
            raise self.bad_frame(f"{self.describe()}: body is not JPEG/PNG ({len(data)} bytes)")
        try:
            image = decode_frame(data, self._max_pixels)
        except UndecodableImage as exc:
            raise self.bad_frame(f"{self.describe()}: {exc}") from None
        return image, None

    def _body(self, resp: requests.Response) -> bytes:
        chunks, size = [], 0
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > self._max_bytes:
                raise self.bad_frame(f"{self.describe()}: snapshot larger than {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        http = getattr(self, "_http", None)
        if http is not None:
            http.close()
            self._http = None
