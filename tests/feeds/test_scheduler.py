"""The sampling scheduler: jitter spread, skipped slow runs, bounded hand-off, hung and failing cameras."""
from __future__ import annotations

import threading
import time

import numpy as np

from feeds.base import CameraAdapter, CameraSourceSpec
from feeds.health import OFFLINE, ONLINE
from feeds.scheduler import FeedScheduler, SchedulerOptions
from models.frames import FrameEvent, FrameQueue

from .harness import Harness
from .sources import noisy, scene, wait_for

BASE = scene(320, 180, seed=2)


class Synthetic(CameraAdapter):
    """A test source: noisy frames, optional delay per read, records when it was read."""

    kind = "test_synthetic"

    def __init__(self, code, delay_s=0.0, fail_open=False, hang_open: threading.Event | None = None):
        super().__init__(code, CameraSourceSpec(kind=self.kind))
        self.delay_s, self.fail_open, self.hang_open = delay_s, fail_open, hang_open
        self.read_times: list[float] = []
        self.open_times: list[float] = []
        self.opens = 0
        self.images: list[np.ndarray] = []

    def open(self):
        self.opens += 1
        self.open_times.append(time.time())
        if self.hang_open is not None:
            self.hang_open.wait()
        if self.fail_open:
            raise self.unavailable("connection refused")

    def read(self):
        self.read_times.append(time.time())
        if self.delay_s:
            time.sleep(self.delay_s)
        img = noisy(BASE)
        self.images.append(img)
        return img, None


def test_first_fires_are_spread_over_the_interval():
    cams = {f"C{i:02d}": Synthetic(f"C{i:02d}") for i in range(10)}
    with Harness(cams, interval_s=1.0) as h:
        wait_for(lambda: all(len(c.read_times) >= 1 for c in cams.values()), 5, what="one read each")
        starts = sorted(r.start_ts for r in h.sched.runners.values())
        origin = h.sched.started_at
        # phase of each camera's first actual read within the 1 s interval (a read may come one interval
        # later when its connection was not ready yet: the phase is what shows the spread)
        phases = sorted((c.read_times[0] - origin) % 1.0 for c in cams.values())
    gaps = np.diff(starts)
    assert np.allclose(gaps, 0.1, atol=1e-3)  # evenly spread over the 1 s interval
    assert phases[-1] - phases[0] > 0.6  # and they really fired spread out, not at once


def test_slow_camera_skips_and_is_counted_while_others_keep_pace():
    slow, fast = Synthetic("SLOW", delay_s=0.55), Synthetic("FAST")
    with Harness({"SLOW": slow, "FAST": fast}, interval_s=0.2) as h:
        wait_for(lambda: h.runner("SLOW").counters.skipped >= 4, 10, what="skips of the slow camera")
        wait_for(lambda: h.runner("FAST").counters.frames >= 12, 10, what="frames of the fast camera")
        # the slow camera's runs never overlapped
        ends = [t + 0.55 for t in slow.read_times]
        assert all(b >= a - 1e-3 for a, b in zip(ends, slow.read_times[1:]))
    fast_skips, slow_skips = h.runner("FAST").counters.skipped, h.runner("SLOW").counters.skipped
    assert fast_skips < slow_skips  # (a shared, overloaded machine may delay even the fast one now and then)
    assert h.sched.stats()["skipped"] == fast_skips + slow_skips


def test_queue_is_bounded_drop_oldest_and_never_blocks():
    cam = Synthetic("C1")
    with Harness({"C1": cam}, interval_s=0.05, queue_size=3) as h:
        wait_for(lambda: h.runner("C1").counters.frames >= 12, 10, what="12 frames")
    q = h.queue
    assert len(q) == 3 and q.dropped == q.put_count - 3 and q.dropped >= 9
    kept = [q.get(timeout=0) for _ in range(3)]
    assert all(isinstance(e, FrameEvent) for e in kept)
    seqs = [e.sequence for e in kept]
    assert seqs == sorted(seqs) and seqs[-1] == h.runner("C1").sequence  # the newest survive
    assert kept[-1].image is cam.images[seqs[-1] - 1]  # handed on without a copy
    assert kept[-1].scheduled_time <= kept[-1].capture_time
    assert h.sched.stats()["queue_dropped"] == q.dropped


def test_hung_connect_never_stalls_the_others():
    release = threading.Event()
    hung, ok = Synthetic("HUNG", hang_open=release), Synthetic("OK")
    try:
        with Harness({"HUNG": hung, "OK": ok}, interval_s=0.2, offline_after_s=0.8, threads=2) as h:
            h.wait_state(OFFLINE, "HUNG", timeout=5)
            h.wait_frames(10, "OK")
            assert h.runner("HUNG").conn == "connecting" and h.runner("HUNG").counters.frames == 0
            release.set()
            h.wait_state(ONLINE, "HUNG")
    finally:
        release.set()


def test_failing_camera_reconnects_with_capped_backoff():
    cam = Synthetic("C1", fail_open=True)
    with Harness({"C1": cam}, interval_s=0.05, backoff=(0.1, 0.4, 2.0), offline_after_s=0.5) as h:
        h.wait_state(OFFLINE, "C1")
        wait_for(lambda: cam.opens >= 6, 10, what="6 connect attempts")
        r = h.runner("C1")
        assert "connection refused" in r.health.detail
        assert r.counters.errors >= 6 and r.counters.reconnects == 0  # never connected: attempts, not reconnects
        assert r.backoff.failures >= 6
    gaps = np.diff(cam.open_times[:6])
    # back-off 0.1, 0.2, 0.4 (cap), 0.4, 0.4: never earlier; later only by sampling steps (slack for a busy machine)
    for gap, delay in zip(gaps, [0.1, 0.2, 0.4, 0.4, 0.4]):
        assert delay - 0.01 <= gap <= delay + 0.6, (gaps, delay)


def test_read_failure_drops_the_connection_and_reconnects():
    class Flaky(Synthetic):
        broken = False

        def read(self):
            if self.broken:
                raise self.unavailable("stream interrupted")
            return super().read()

    cam = Flaky("C1")
    with Harness({"C1": cam}, interval_s=0.1, backoff=(0.1, 0.2, 2.0), offline_after_s=0.6) as h:
        h.wait_state(ONLINE, "C1")
        cam.broken = True
        h.wait_state(OFFLINE, "C1")
        opens = cam.opens
        wait_for(lambda: cam.opens > opens, 5, what="a reconnect attempt")
        cam.broken = False
        h.wait_state(ONLINE, "C1")
        r = h.runner("C1")
        assert r.counters.reconnects >= 1 and "stream interrupted" in r.counters.last_error


def test_camera_without_source_is_offline_with_its_reason():
    q = FrameQueue(4)
    sched = FeedScheduler(q, options=SchedulerOptions(start_delay_s=0.05))
    sched.add_camera("C9", None, 0.1, reason="simulator disabled and no other source")
    sched.start()
    try:
        wait_for(lambda: sched.runners["C9"].health.state == OFFLINE, 5, what="offline")
    finally:
        sched.stop()
    st = sched.camera_stats()["C9"]
    assert st["health"] == OFFLINE and "simulator disabled" in st["health_detail"] and st["kind"] == "none"


def test_status_has_lateness_percentiles_and_counters():
    cams = {f"C{i}": Synthetic(f"C{i}") for i in range(4)}
    with Harness(cams, interval_s=0.1) as h:
        wait_for(lambda: h.sched.stats()["frames"] >= 20, 10, what="20 frames")
        st = h.sched.stats()
    assert st["cameras"] == 4 and st["running"] is True
    assert 0 <= st["lateness_p50_ms"] <= st["lateness_p95_ms"] < 100_000
    assert st["health"].get(ONLINE) == 4
    assert st["last_frame_at"] == max(p["last_frame_at"] for p in h.sched.camera_stats().values())
    per = h.sched.camera_stats()
    assert set(per) == set(cams) and all(p["frames"] >= 1 and p["last_frame_at"] for p in per.values())
