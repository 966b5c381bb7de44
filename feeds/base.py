"""The camera adapter interface every source kind implements, and the errors a feed raises.

Interface (stable — the simulated city and every adapter plugin rely on it)::

    class MyAdapter(CameraAdapter):
        kind = "mykind"                       # registered with @register_adapter("mykind")

        def __init__(self, camera_code: str, source: CameraSourceSpec, clock=time.time): ...
        def open(self) -> None: ...           # connect / start; raise SourceUnavailable if it cannot
        def read(self) -> tuple[np.ndarray, float | None]: ...
        def close(self) -> None: ...          # idempotent; releases threads, sockets, files

- ``read()`` returns ``(image, media_time_s)``: ``image`` is a BGR ``uint8`` array H×W×3 that the caller may
  keep (the adapter must not write into it afterwards); ``media_time_s`` is the source's own clock (video
  position, simulated seconds) or ``None``. It raises :class:`SourceUnavailable` when the source is gone
  (the scheduler then closes the adapter and reconnects with back-off), :class:`BadFrame` when this one
  frame could not be decoded (counted as an error; the connection is kept) or :class:`FrameNotReady` when
  a background connection has not delivered its first frame yet (not an error).
- ``open()`` and ``read()`` must return within a bounded time (network adapters enforce their own
  timeouts; the rtsp and mjpeg adapters connect and decode in a background thread so ``read()`` only takes
  the latest frame). ``read()`` before ``open()`` raises :class:`SourceUnavailable`.
- ``clock`` is a callable returning seconds since the epoch (``time.time``); tests and benchmarks inject
  their own. Adapters that pace themselves (file at real pace, simulated city) use it.
- Secrets: ``source.password``/``source.username`` come from environment variables named in the config;
  they are never logged. Use :func:`mask_url` / :meth:`CameraAdapter.describe` in any message.
"""
from __future__ import annotations

import abc
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

import numpy as np

Clock = Callable[[], float]


class FeedError(Exception):
    """A camera could not deliver a frame. The message names the camera and never contains secrets."""

    def __init__(self, camera_code: str, message: str):
        super().__init__(f"camera {camera_code}: {message}")
        self.camera_code = camera_code
        self.reason = message


class SourceUnavailable(FeedError):
    """The source is not reachable / closed / ended: reconnect later (with back-off)."""


class BadFrame(FeedError):
    """One frame could not be decoded or is not an image; the connection itself is fine."""


class FrameNotReady(FeedError):
    """No frame yet (still connecting / first frame not decoded): not an error, the connection is kept."""


class UnknownAdapterKind(FeedError, ValueError):
    """A camera names a source kind no adapter is registered for."""


@dataclass(frozen=True)
class CameraSourceSpec:
    """Where one camera's frames come from (merged from the registry row and ``feeds.cameras`` overrides).

    ``username``/``password`` are the resolved secrets (from the environment), never printed: the password
    is left out of ``repr``. ``width``/``height`` are the wanted frame size (the simulated city renders at
    it; other adapters deliver the camera's own size). ``options`` are adapter-specific (see each module).
    """

    kind: str
    url: str | None = None
    substream_url: str | None = None
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    width: int | None = None
    height: int | None = None

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default) if self.options else default


_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^@/]*)@")


def mask_url(url: str | None) -> str:
    """``url`` with any user:password part replaced by ``***`` (safe to log)."""
    if not url:
        return ""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", url)


def url_with_credentials(url: str, username: str | None, password: str | None) -> str:
    """``url`` with ``username:password@`` injected (percent-encoded); unchanged without a username."""
    if not username:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = quote(username, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, parts.query, parts.fragment))


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with URL credentials masked and each given secret replaced by ``***``."""
    out = mask_url(text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
            enc = quote(secret, safe="")
            if enc != secret:
                out = out.replace(enc, "***")
    return out


class CameraAdapter(abc.ABC):
    """One camera source. Subclasses set ``kind`` and implement ``open``/``read``/``close``."""

    kind: ClassVar[str] = ""

    def __init__(self, camera_code: str, source: CameraSourceSpec, clock: Clock = time.time):
        self.camera_code = camera_code
        self.source = source
        self.clock = clock

    @abc.abstractmethod
    def open(self) -> None:
        """Connect or start the source; raise :class:`SourceUnavailable` when it cannot."""

    @abc.abstractmethod
    def read(self) -> tuple[np.ndarray, float | None]:
        """The current frame ``(BGR uint8 image, media_time_s | None)``; raise a :class:`FeedError`."""

    def close(self) -> None:  # noqa: B027 - optional for sources without resources
        """Release resources. Idempotent; ``open()`` may be called again afterwards."""

    # -- helpers for subclasses -------------------------------------------------------------------
    def describe(self) -> str:
        """``kind url`` with credentials masked, for log and error messages."""
        return f"{self.kind} {mask_url(self.source.url)}".strip()

    def unavailable(self, message: str) -> SourceUnavailable:
        return SourceUnavailable(self.camera_code, self._scrub(message))

    def bad_frame(self, message: str) -> BadFrame:
        return BadFrame(self.camera_code, self._scrub(message))

    def _scrub(self, message: str) -> str:
        return scrub(message, self.source.password, self.source.username if self.source.password else None)

    def __enter__(self) -> "CameraAdapter":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.camera_code} {self.describe()}>"
