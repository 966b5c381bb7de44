"""Decode only what one sample needs from a demuxed H.264/H.265 stream (PyAV), at the analysis size.

:class:`GopBuffer` is filled by the demux thread: the newest keyframe and (when a sample may need them)
the packets after it, plus the stream facts measured on the way (fps and GOP from the packets' own
timestamps). :class:`SampleDecoder` turns the buffer into one BGR image when the scheduler samples:

- ``keyframes`` — decode the newest keyframe only (``skip_frame="NONKEY"``): chosen when the GOP is no
  longer than the sampling interval, or when the camera's shortest dwell is at least ``DWELL_GOPS`` GOPs
  (a thing must stay that long to be a problem, so one look per GOP is enough). A sample that finds no new
  keyframe (GOP longer than the interval, a late keyframe, or the GOP not yet measured) is "not ready".
- ``forward`` — decode from the newest keyframe up to the newest packet (longer GOPs): when the next
  sample falls in the same GOP the decoder continues where it stopped instead of starting again; no new
  packet since the last sample is "not ready".

A decoded picture is never handed out twice (no error, no repeated picture): to detection a repeated picture
is a scene in which nothing moved — passers-by, traffic and sensor noise would look like things left
standing (after a reconnect, while the first GOP is measured, that opened duplicate cases) — and to camera
health a repeat counts towards "frozen".

Conversion to BGR happens once per sample with libswscale (``VideoFrame.reformat``) straight at the
output size (``output_width``, aspect kept), never at the camera's full size.
"""
from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass

import av
import numpy as np
from av.video.reformatter import VideoReformatter

DWELL_GOPS = 10  # keyframe-only sampling with long GOPs needs the shortest dwell ≥ this many GOPs
MAX_GOP_PACKETS = 1500  # packets kept after a keyframe (a 60 s GOP at 25 fps); more are not kept


@dataclass
class StreamFacts:
    """What the camera actually sends (shown on the camera page / in camera status)."""

    codec: str = ""
    width: int = 0
    height: int = 0
    fps: float | None = None
    gop_s: float | None = None
    mode: str = ""  # keyframes | forward
    packets: int = 0
    keyframes: int = 0
    decoded: int = 0  # frames decoded (keyframes + forward frames)
    samples: int = 0

    def as_dict(self) -> dict:
        return {"codec": self.codec, "width": self.width, "height": self.height,
                "fps": None if self.fps is None else round(self.fps, 2),
                "gop_s": None if self.gop_s is None else round(self.gop_s, 2), "decode": self.mode,
                "packets": self.packets, "keyframes": self.keyframes, "decoded": self.decoded,
                "samples": self.samples}


class GopBuffer:
    """The packets since the newest keyframe (written by the demux thread, read by samples).

    Per packet only a counter and a clock are touched (the demux loop runs 25 times a second per camera);
    the stream facts are measured at keyframes, from the packets' own timestamps.
    """

    def __init__(self, keep_all: bool = True, time_base: float | None = None):
        self.lock = threading.Lock()
        self.gop_id = 0  # increments with every keyframe
        self.packets: list[av.Packet] = []
        self.keep_all = keep_all  # False: only the keyframe is kept (keyframe sampling)
        self.complete = False  # the current GOP's packets are all kept (keep_all was on at its keyframe)
        self.time_base = time_base  # seconds per pts tick (float), None: measure on the wall clock
        self.facts = StreamFacts()
        self._keys: deque[tuple[float, int]] = deque(maxlen=9)  # (time, packet count) at recent keyframes
        self.last_packet = 0.0

    def add(self, packet: av.Packet) -> None:
        f = self.facts
        f.packets += 1
        self.last_packet = time.monotonic()
        if packet.is_keyframe:
            pts = packet.pts
            t = pts * self.time_base if pts is not None and self.time_base else self.last_packet
            with self.lock:
                f.keyframes += 1
                self.gop_id += 1
                self.packets = [packet]
                self.complete = self.keep_all
                self._keys.append((t, f.packets))
                self._measure()
        elif self.keep_all and self.packets and len(self.packets) < MAX_GOP_PACKETS:
            with self.lock:
                self.packets.append(packet)

    def _measure(self) -> None:
        keys = list(self._keys)
        gaps = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(keys) if b[0] > a[0]]
        if gaps:
            self.facts.gop_s = statistics.median(g for g, _ in gaps)
            self.facts.fps = statistics.median(n / g for g, n in gaps)

    def snapshot(self) -> tuple[int, list[av.Packet]]:
        """The current GOP's id and packets; only its keyframe when its packets were not all kept (decoding
        forward over a gap would give a corrupt picture)."""
        with self.lock:
            return self.gop_id, list(self.packets) if self.complete else self.packets[:1]


def to_bgr(reformatter: VideoReformatter, frame: av.VideoFrame, output_width: int) -> np.ndarray:
    """``frame`` as BGR ``uint8`` at most ``output_width`` wide (aspect kept, even height), by libswscale in
    one step (scaling and colour conversion together; the reformatter keeps its context between calls)."""
    w, h = frame.width, frame.height
    if w > output_width:
        w, h = output_width, max(2, round(h * output_width / w / 2) * 2)
    out = reformatter.reformat(frame, width=w, height=h, format="bgr24", interpolation="AREA", threads=1)
    return out.to_ndarray()


def choose_mode(gop_s: float | None, interval_s: float, min_dwell_s: float | None, forced: str | None) -> str:
    """``keyframes`` or ``forward`` for a stream with this GOP sampled every ``interval_s`` (see module doc)."""
    if forced in ("keyframes", "forward"):
        return forced
    if gop_s is None or gop_s <= interval_s * 1.05:
        return "keyframes"
    if min_dwell_s is not None and min_dwell_s >= DWELL_GOPS * gop_s:
        return "keyframes"
    return "forward"


class NoNewFrame(Exception):
    """No keyframe since the last sample (keyframe sampling of a GOP longer than the interval)."""


class SampleDecoder:
    """One decoder per connection; ``sample()`` is called by one scheduler thread at a time."""

    def __init__(self, stream: av.video.stream.VideoStream, output_width: int):
        self.cc = stream.codec_context
        self.cc.thread_count = 1  # one picture per sample: threads would only add delay and memory
        self.output_width = output_width
        self._reformatter = VideoReformatter()
        self.lock = threading.Lock()
        self._gop = -1  # the GOP the decoder state belongs to (forward mode), -1: none
        self._next = 0  # index of the next packet of that GOP to decode
        self._last_key_gop = -1  # the GOP whose keyframe was the last sample
        self._last_picture: tuple[int, int] | None = None  # (GOP, packet index) of the last sample's picture

    def sample(self, buf: GopBuffer, mode: str, interval_s: float) -> np.ndarray:
        """The newest picture the mode allows, as BGR at the output size; raises :class:`NoNewFrame`."""
        with self.lock:
            gop_id, packets = buf.snapshot()
            if not packets:
                raise NoNewFrame("no keyframe received yet")
            picture = (gop_id, 0 if mode == "keyframes" else len(packets) - 1)  # the packet the sample shows
            if mode != "keyframes" and picture == self._last_picture:  # e.g. just changed to forward with
                raise NoNewFrame("no new packet since the last sample")  # only the sampled keyframe kept
            if mode == "keyframes":
                frame = self._keyframe(buf, gop_id, packets[0], interval_s)
            else:
                frame = self._forward(buf, gop_id, packets)
            image = self._convert(frame, buf, gop_id)
            self._last_picture = picture
            buf.facts.samples += 1
            return image

    # -- the two modes ----------------------------------------------------------------------------
    def _keyframe(self, buf: GopBuffer, gop_id: int, key: av.Packet, interval_s: float):
        if gop_id == self._last_key_gop:
            # never the same picture again as a new sample: to detection a repeat looks like a still scene
            # (moving things, sensor noise "stand still" and are raised as objects), to health like a freeze
            raise NoNewFrame("no new keyframe since the last sample (sampling at each keyframe)")
        self.cc.skip_frame = "NONKEY"
        self._gop = -1  # forward decoding must restart from a keyframe
        frame = self._decode_last([key], buf)
        self._last_key_gop = gop_id
        return frame

    def _forward(self, buf: GopBuffer, gop_id: int, packets: list[av.Packet]):
        self.cc.skip_frame = "DEFAULT"
        if gop_id != self._gop or self._next > len(packets):
            self.cc.flush_buffers()
            self._gop, self._next = gop_id, 0
        todo = packets[self._next:]
        if not todo:
            raise NoNewFrame("no new packet since the last sample")  # never the same picture twice
        frame = self._decode_last(todo, buf, keep_state=True)
        self._next = len(packets)
        return frame

    def _decode_last(self, packets: list[av.Packet], buf: GopBuffer, keep_state: bool = False):
        last = None
        for packet in packets:
            for frame in self.cc.decode(packet):
                last = frame
                buf.facts.decoded += 1
        if last is None or (keep_state and last.pts is not None and packets[-1].pts is not None
                            and last.pts != packets[-1].pts):
            # the decoder holds pictures back (reordering/delay): drain it; its state is then gone
            for frame in self.cc.decode(None):
                last = frame
                buf.facts.decoded += 1
            self.cc.flush_buffers()
            self._gop = -1
        if last is None:
            raise av.error.InvalidDataError(0, "the keyframe decoded to no picture")
        return last

    def _convert(self, frame, buf: GopBuffer, gop_id: int) -> np.ndarray:
        buf.facts.width, buf.facts.height = frame.width, frame.height
        return to_bgr(self._reformatter, frame, self.output_width)
