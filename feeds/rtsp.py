"""``rtsp`` adapter: an RTSP camera (H.264 or H.265) read with PyAV, decoding only what a sample needs.

A background thread per connection opens the stream (RTSP over TCP, bounded by ``open_timeout_s``) and
demuxes continuously — cheap: packets are only parsed, never decoded — keeping the newest keyframe and
the packets after it (:class:`feeds.sample_decoder.GopBuffer`). When the scheduler reads, the sample is
decoded by :class:`feeds.sample_decoder.SampleDecoder`: the newest keyframe alone when the GOP is no
longer than the sampling interval (or the camera's dwell allows one look per GOP), else forward from the
newest keyframe; converted to BGR at ``output_width`` by libswscale. ``open()`` returns at once (a hung
camera never holds a scheduler slot); reads before the first keyframe raise :class:`FrameNotReady`, a
broken connection raises :class:`SourceUnavailable` and the scheduler reconnects with back-off.

Credentials are injected into the URL from ``source.username``/``source.password`` and masked in every
message; FFmpeg's own log stays off (PyAV's default), as its lines could echo the URL.

Options: ``use_substream`` (default true: ``substream_url`` when configured), ``open_timeout_s``
(default 10), ``read_timeout_s`` (default 5: no packet for this long ends the connection),
``sample_every_s`` (the camera's sampling interval; set by the feed service; else learned from the reads),
``min_dwell_s`` (the shortest dwell of the camera's zones, if known: allows keyframe-only sampling of long
GOPs), ``decode`` (``auto``, ``keyframes`` or ``forward``), ``output_width`` (default 640: wider pictures
are scaled down to it, aspect kept), ``transport`` (default ``tcp``).

:meth:`RtspAdapter.stream_facts` gives codec, size, fps, GOP and the decode mode of the live connection.
The OpenCV adapter (decodes every frame) stays available as kind ``rtsp_opencv``.
"""
from __future__ import annotations

import contextlib
import itertools
import statistics
import threading
import time
from collections import deque

import av
import numpy as np

from .base import CameraAdapter, FrameNotReady, mask_url, url_with_credentials
from .registry import register_adapter
from .sample_decoder import GopBuffer, NoNewFrame, SampleDecoder, choose_mode

DEFAULT_INTERVAL_S = 2.0


def _why(exc: BaseException) -> str:
    """A short reason for an FFmpeg failure without the URL (FFmpeg messages may contain it)."""
    if isinstance(exc, av.error.ExitError):
        return "no answer in time"
    if isinstance(exc, av.FFmpegError):
        return exc.strerror or type(exc).__name__
    return type(exc).__name__


class _Connection:
    """One connection: its own demux thread and state (an old connection never writes into a new one)."""

    def __init__(self, url: str, open_timeout_s: float, read_timeout_s: float, transport: str, name: str,
                 output_width: int):
        self.url = url
        self.open_timeout_s, self.read_timeout_s, self.transport = open_timeout_s, read_timeout_s, transport
        self.output_width = output_width
        self.stop = threading.Event()
        self.buffer = GopBuffer()
        self.decoder: SampleDecoder | None = None
        self.connected = False
        self.failure: str | None = None
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)
        self.thread.start()

    def run(self) -> None:
        container = None
        try:
            options = {"rtsp_transport": self.transport, "timeout": str(int(self.read_timeout_s * 1e6)),
                       "analyzeduration": "1000000", "probesize": "500000"}  # connect fast; the size comes later
            try:
                container = av.open(self.url, options=options, timeout=(self.open_timeout_s, self.read_timeout_s))
            except Exception as exc:  # noqa: BLE001 - every open failure is "cannot open", with the reason
                self.failure = f"cannot open the stream ({_why(exc)})"
                return
            if not container.streams.video:
                self.failure = "the stream has no video"
                return
            stream = container.streams.video[0]
            self.buffer.time_base = float(stream.time_base) if stream.time_base else None
            self.buffer.facts.codec = stream.codec_context.name
            self.buffer.facts.width, self.buffer.facts.height = stream.codec_context.width, stream.codec_context.height
            self.decoder = SampleDecoder(stream, self.output_width)
            self.connected = True
            stop, add = self.stop.is_set, self.buffer.add
            for packet in container.demux(stream):
                if stop():
                    return
                if packet.size:
                    add(packet)
            self.failure = "the stream ended"
        except Exception as exc:  # noqa: BLE001 - reported through read()
            if not self.stop.is_set():
                self.failure = f"stream interrupted ({_why(exc)})"
        finally:
            if container is not None:
                lock = self.decoder.lock if self.decoder is not None else threading.Lock()
                with lock, contextlib.suppress(Exception):  # never while a sample is being decoded
                    container.close()


@register_adapter("rtsp")
class RtspAdapter(CameraAdapter):
    """RTSP via PyAV; substream preferred; decodes one keyframe (or one GOP prefix) per sample."""

    _conn: _Connection | None = None

    def stream_url(self) -> str | None:
        """The URL connected to (without credentials): the substream when configured and wanted."""
        if self.source.substream_url and self.source.option("use_substream", True):
            return self.source.substream_url
        return self.source.url

    def describe(self) -> str:
        return f"{self.kind} {mask_url(self.stream_url())}"

    def open(self) -> None:
        self.close()
        url = self.stream_url()
        if not url:
            raise self.unavailable("no RTSP URL configured (url is empty)")
        if not url.lower().startswith(("rtsp://", "rtsps://")):
            raise self.unavailable(f"{self.describe()}: not an rtsp:// URL")
        opt = self.source.option
        self._open_timeout = float(opt("open_timeout_s", 10.0))
        self._read_timeout = float(opt("read_timeout_s", 5.0))
        transport = str(opt("transport", "tcp"))
        if transport not in ("tcp", "udp"):
            raise self.unavailable(f"{self.describe()}: option transport must be tcp or udp, not {transport!r}")
        decode = str(opt("decode", "auto"))
        if decode not in ("auto", "keyframes", "forward"):
            raise self.unavailable(f"{self.describe()}: option decode must be auto, keyframes or forward")
        self._forced = None if decode == "auto" else decode
        self._interval = opt("sample_every_s")
        self._min_dwell = opt("min_dwell_s")
        self._reads: deque[float] = getattr(self, "_reads", None) or deque(maxlen=9)
        full = url_with_credentials(url, self.source.username, self.source.password)
        self._conn = _Connection(full, self._open_timeout, self._read_timeout, transport, f"rtsp-{self.camera_code}",
                                 int(opt("output_width", 640)))

    def interval_s(self) -> float:
        """The sampling interval: the configured one, else the median spacing of the recent reads."""
        if self._interval:
            return float(self._interval)
        reads = list(self._reads)
        if len(reads) >= 3:
            return statistics.median(b - a for a, b in itertools.pairwise(reads))
        return DEFAULT_INTERVAL_S

    def read(self) -> tuple[np.ndarray, float | None]:
        c = self._conn
        if c is None:
            raise self.unavailable("not open")
        if c.failure:
            raise self.unavailable(f"{self.describe()}: {c.failure}")
        now = time.monotonic()
        if not c.connected:
            if now - c.started > self._open_timeout + 5:
                raise self.unavailable(f"{self.describe()}: not connected after {self._open_timeout:g} s")
            raise FrameNotReady(self.camera_code, f"{self.describe()}: connecting for {now - c.started:.0f} s "
                                                  "(no stream yet)")
        since = now - (c.buffer.last_packet or c.started)
        if since > self._read_timeout:
            raise self.unavailable(f"{self.describe()}: no packet for {since:.1f} s")
        self._reads.append(now)
        interval = self.interval_s()
        facts = c.buffer.facts
        mode = choose_mode(facts.gop_s, interval, self._min_dwell, self._forced)
        facts.mode = mode
        c.buffer.keep_all = mode == "forward" or facts.gop_s is None
        try:
            image = c.decoder.sample(c.buffer, mode, interval)
        except NoNewFrame as exc:
            raise FrameNotReady(self.camera_code, f"{self.describe()}: {exc}") from None
        except av.FFmpegError as exc:
            raise self.bad_frame(f"{self.describe()}: cannot decode the sample ({_why(exc)})") from None
        return image, None

    def stream_facts(self) -> dict | None:
        """Codec, size, fps, GOP and decode mode of the live connection (``None`` when not connected)."""
        c = self._conn
        if c is None or not c.connected:
            return None
        return c.buffer.facts.as_dict()

    def close(self) -> None:
        c = self._conn
        if c is not None:
            c.stop.set()
            c.thread.join(timeout=0.5)  # a thread inside FFmpeg's open or read ends by its own timeout
            self._conn = None
