"""Sampling every camera on its interval with APScheduler 3 and handing frames to detection.

Each camera is an interval job (``sample_every_s``) on a ``BackgroundScheduler`` with a thread pool. First
fire times are spread evenly over the jitter window so 210 cameras never fire at once. ``max_instances=1``
and ``coalesce`` mean a camera still busy when its next sample is due skips that sample; skips (and runs
missed by more than the grace time) are counted per camera.

A run reads one frame and puts a :class:`models.frames.FrameEvent` on the bounded
:class:`~models.frames.FrameQueue` (never blocks; the queue drops the oldest and counts). Connecting and
closing happen in a separate small pool, so a camera that hangs while connecting never holds a sampling
thread: its runs only check the offline timer until the connection attempt ends. After a failure the
camera is reconnected with exponential back-off. Frames of a camera whose health is ``frozen``,
``black``, ``washed_out``, ``covered`` or ``moved`` are not handed to detection (counted as withheld).

Lateness = actual start of a run − its scheduled fire time (the trigger's grid), kept for the p50/p95.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor as FuturesPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from models.frames import FrameEvent, FrameQueue

from .base import BadFrame, CameraAdapter, FrameNotReady, SourceUnavailable, scrub
from .health import (
    BLACK, COVERED, FROZEN, MOVED, OFFLINE, ONLINE, WASHED_OUT, Backoff, CameraHealth, HealthChange, HealthThresholds,
)

log = logging.getLogger(__name__)

WITHHELD_STATES = frozenset({FROZEN, BLACK, WASHED_OUT, COVERED, MOVED})
_UTC = timezone.utc
SKIP_SUMMARY_EVERY_S = 60.0


class _QuietCameraSkips(logging.Filter):
    """Drop APScheduler's one-line-per-skip warnings for camera jobs: they are counted, and summarised
    once a minute by :meth:`FeedScheduler._on_event` (210 cameras on an overloaded machine would flood the log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not (('"sample ' in msg) and ("was missed by" in msg or "maximum number of running instances" in msg))


_QUIET = _QuietCameraSkips()
for _name in ("apscheduler.scheduler", "apscheduler.executors.default"):
    if _QUIET not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_QUIET)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, _UTC).isoformat(timespec="milliseconds")


@dataclass
class CameraCounters:
    """Per-camera counters; they keep counting across reconnects (never reset)."""

    frames: int = 0  # frames read
    handed: int = 0  # frames put on the queue
    withheld: int = 0  # frames not handed on because of a health fault
    skipped: int = 0  # samples skipped: the previous run was still busy, or missed
    errors: int = 0  # failed reads / connects
    not_ready: int = 0  # reads before a connection delivered its first frame
    reconnects: int = 0  # reconnect attempts after a failure
    last_frame_at: float | None = None
    last_error: str = ""


class CameraRunner:
    """One camera: its adapter, connection state, health and counters. Runs never overlap (max_instances=1)."""

    def __init__(self, sched: "FeedScheduler", code: str, adapter: CameraAdapter | None, interval_s: float,
                 reason: str = ""):
        self.sched = sched
        self.code = code
        self.adapter = adapter
        self.kind = adapter.kind if adapter is not None else "none"
        self.interval_s = interval_s
        self.start_ts = 0.0
        self.counters = CameraCounters()
        self.health = CameraHealth(code, sched.thresholds, started_at=sched.clock())
        self.backoff = Backoff(*sched.backoff)
        self.conn = "closed"  # closed | connecting | open
        self.next_attempt = 0.0
        self.opened_once = False
        self.sequence = 0
        self.future: Future | None = None
        self.reason = reason  # why a camera without adapter is offline
        self.last_lateness_ms = 0.0

    # -- one sample ---------------------------------------------------------------------------------
    def run(self) -> None:
        sched = self.sched
        now = sched.clock()
        k = max(0, int((now - self.start_ts) // self.interval_s))
        scheduled = self.start_ts + k * self.interval_s
        lateness = now - scheduled
        self.last_lateness_ms = lateness * 1000
        sched.record_lateness(lateness)
        try:
            self._sample(now, scheduled)
        except Exception as exc:  # noqa: BLE001 - a bug in one camera must not stop the others
            self.counters.errors += 1
            self.counters.last_error = scrub(f"{type(exc).__name__}: {exc}")
            log.exception("camera %s: sampling failed", self.code)

    def _sample(self, now: float, scheduled: float) -> None:
        if self.adapter is None:
            self._report(self.health.force(OFFLINE, self.reason, now))
            return
        if self.conn == "closed":
            if now >= self.next_attempt:
                self._connect()
            self._report(self.health.tick(now))
            return
        if self.conn == "connecting":
            self._report(self.health.tick(now))
            return
        try:
            image, media_time = self.adapter.read()
        except FrameNotReady as exc:
            self.counters.not_ready += 1
            self._report(self.health.on_failure(now, exc.reason))
            return
        except BadFrame as exc:
            self._failed(now, exc.reason)
            return
        except SourceUnavailable as exc:
            self._failed(now, exc.reason)
            self._drop_connection(now)
            return
        except Exception as exc:  # noqa: BLE001 - an adapter bug: treat as a lost connection
            self._failed(now, self.adapter._scrub(f"{type(exc).__name__}: {exc}"))
            self._drop_connection(now)
            return
        done = self.sched.clock()
        c = self.counters
        c.frames += 1
        c.last_frame_at = done
        self.backoff.reset()
        change = self.health.on_frame(image, done) if self.sched.check_health else self.health.force(ONLINE, "", done)
        if change is not None and change.from_state == change.to_state:
            change = None
        self._report(change)
        self.sched.frame_seen(self.code, done)
        if self.health.state in WITHHELD_STATES:
            c.withheld += 1
            return
        self.sequence += 1
        self.sched.queue.put(FrameEvent(
            camera_code=self.code,
            capture_time=datetime.fromtimestamp(done, _UTC),
            image=image,
            sequence=self.sequence,
            media_time_s=media_time,
            scheduled_time=datetime.fromtimestamp(scheduled, _UTC),
        ))
        c.handed += 1

    def _failed(self, now: float, reason: str) -> None:
        self.counters.errors += 1
        self.counters.last_error = reason
        self._report(self.health.on_failure(now, reason))

    def _report(self, change: HealthChange | None) -> None:
        if change is not None:
            self.sched.health_changed(change)

    # -- connection (in the connect pool) ------------------------------------------------------------
    def _connect(self) -> None:
        if self.opened_once:
            self.counters.reconnects += 1
        self.conn = "connecting"
        self.future = self.sched.connect_pool.submit(self._do_connect)

    def _do_connect(self) -> None:
        adapter = self.adapter
        try:
            adapter.close()
            adapter.open()
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, SourceUnavailable):
                reason = exc.reason
            else:
                reason = adapter._scrub(f"{type(exc).__name__}: {exc}")
            self.counters.errors += 1
            self.counters.last_error = reason
            self.health.last_error = reason
            self.next_attempt = self.sched.clock() + self.backoff.next_delay()
            self.conn = "closed"
            return
        self.opened_once = True
        self.conn = "open"

    def _drop_connection(self, now: float) -> None:
        self.opened_once = True
        self.next_attempt = now + self.backoff.next_delay()
        self.conn = "connecting"  # until closed, no new attempt
        self.future = self.sched.connect_pool.submit(self._do_close)

    def _do_close(self) -> None:
        try:
            self.adapter.close()
        except Exception:  # noqa: BLE001
            log.warning("camera %s: error while closing", self.code, exc_info=True)
        self.conn = "closed"

    # -- status -------------------------------------------------------------------------------------
    def status(self) -> dict:
        c, h = self.counters, self.health
        return {
            "kind": self.kind,
            "interval_s": self.interval_s,
            "health": h.state,
            "health_since": _iso(h.since),
            "health_detail": h.detail,
            "connection": self.conn,
            "frames": c.frames,
            "handed": c.handed,
            "withheld": c.withheld,
            "skipped": c.skipped,
            "errors": c.errors,
            "not_ready": c.not_ready,
            "reconnects": c.reconnects,
            "backoff_failures": self.backoff.failures,
            "last_frame_at": _iso(c.last_frame_at),
            "last_error": c.last_error,
            "lateness_ms": round(self.last_lateness_ms, 1),
            "stream": self._stream_facts(),
        }

    def _stream_facts(self) -> dict | None:
        """What the camera's stream is (codec, size, fps, GOP, decode mode) for adapters that know it."""
        facts = getattr(self.adapter, "stream_facts", None)
        try:
            return facts() if callable(facts) and self.conn == "open" else None
        except Exception:  # noqa: BLE001 - status must never fail
            return None


@dataclass
class SchedulerOptions:
    threads: int = 32
    connect_threads: int = 8
    jitter_s: float | None = None  # None: the camera's whole interval
    start_delay_s: float = 0.5
    backoff: tuple[float, float, float] = (1.0, 60.0, 2.0)  # initial, max, factor
    lateness_window: int = 4096
    check_health: bool = True
    misfire_grace_s: float | None = None  # None: the camera's interval
    extra_jobs: list = field(default_factory=list)


class FeedScheduler:
    """All cameras' sampling jobs, their runners and the live counters."""

    def __init__(self, queue: FrameQueue, *, thresholds: HealthThresholds | None = None,
                 options: SchedulerOptions | None = None,
                 on_change: Callable[[HealthChange], None] | None = None,
                 on_frame: Callable[[str, float], None] | None = None,
                 clock: Callable[[], float] = time.time):
        self.queue = queue
        self.options = options or SchedulerOptions()
        self.thresholds = thresholds or HealthThresholds()
        self.backoff = self.options.backoff
        self.check_health = self.options.check_health
        self.clock = clock
        self.on_change = on_change
        self.on_frame = on_frame
        self.runners: dict[str, CameraRunner] = {}
        self.connect_pool = FuturesPool(max_workers=self.options.connect_threads, thread_name_prefix="feed-connect")
        self._lateness: deque[float] = deque(maxlen=self.options.lateness_window)
        self._lateness_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=self.options.threads)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=_UTC,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        self.running = False
        self.started_at: float | None = None
        self._skips_since_summary = 0
        self._last_skip_summary = time.monotonic() - SKIP_SUMMARY_EVERY_S
        self._periodic: list[tuple[str, Callable[[], None], float]] = []

    # -- set-up -------------------------------------------------------------------------------------
    def add_camera(self, code: str, adapter: CameraAdapter | None, interval_s: float, reason: str = "") -> CameraRunner:
        """Add a camera (``adapter=None``: it has no usable source and is shown offline with ``reason``)."""
        if code in self.runners:
            raise ValueError(f"camera {code} added twice")
        runner = CameraRunner(self, code, adapter, interval_s, reason)
        self.runners[code] = runner
        return runner

    def add_periodic(self, name: str, fn: Callable[[], None], every_s: float) -> None:
        """Run ``fn`` every ``every_s`` seconds in the same scheduler (e.g. flushing health records)."""
        self._periodic.append((name, fn, every_s))

    def start(self) -> None:
        now = self.clock()
        self.started_at = now
        first = now + self.options.start_delay_s
        runners = list(self.runners.values())
        n = max(1, len(runners))
        for i, runner in enumerate(runners):
            jitter = self.options.jitter_s
            window = runner.interval_s if jitter is None else min(jitter, runner.interval_s)
            runner.start_ts = first + window * i / n
            runner.health.started_at = now
            if runner.adapter is not None:
                runner._connect()
            grace = self.options.misfire_grace_s or runner.interval_s
            first_fire = datetime.fromtimestamp(runner.start_ts, _UTC)
            self.scheduler.add_job(
                runner.run, IntervalTrigger(seconds=runner.interval_s, start_date=first_fire, timezone=_UTC),
                id=f"camera:{runner.code}", name=f"sample {runner.code}", misfire_grace_time=max(1, int(round(grace))),
            )
        for name, fn, every_s in self._periodic:
            self.scheduler.add_job(fn, IntervalTrigger(seconds=every_s, timezone=_UTC), id=f"periodic:{name}",
                                   name=name, misfire_grace_time=max(1, int(every_s)))
        self.scheduler.start()
        self.running = True

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop sampling, wait for running samples, close every adapter (in parallel, bounded)."""
        if not self.running:
            return
        self.running = False
        self.scheduler.shutdown(wait=True)
        for name, fn, _ in self._periodic:
            try:
                fn()
            except Exception:  # noqa: BLE001
                log.exception("final %s failed", name)
        futures = [self.connect_pool.submit(r.adapter.close) for r in self.runners.values() if r.adapter is not None]
        deadline = time.monotonic() + timeout_s
        for f in futures:
            try:
                f.result(timeout=max(0.0, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001
                pass
        self.connect_pool.shutdown(wait=False, cancel_futures=True)

    # -- callbacks ----------------------------------------------------------------------------------
    def _on_event(self, event: JobEvent) -> None:
        job_id = getattr(event, "job_id", "") or ""
        runner = self.runners.get(job_id.removeprefix("camera:")) if job_id.startswith("camera:") else None
        if runner is None:
            if event.code == EVENT_JOB_ERROR:
                log.error("job %s failed: %s", job_id, getattr(event, "exception", None))
            return
        if event.code in (EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED):
            runner.counters.skipped += 1
            self._skips_since_summary += 1
            now = time.monotonic()
            if now - self._last_skip_summary >= SKIP_SUMMARY_EVERY_S:
                log.warning("feeds: %d samples skipped in the last %.0f s (e.g. camera %s: previous sample still "
                            "running or started too late; the machine may be overloaded)",
                            self._skips_since_summary, now - self._last_skip_summary, runner.code)
                self._skips_since_summary, self._last_skip_summary = 0, now
        elif event.code == EVENT_JOB_ERROR:
            runner.counters.errors += 1

    def record_lateness(self, seconds: float) -> None:
        with self._lateness_lock:
            self._lateness.append(seconds)

    def health_changed(self, change: HealthChange) -> None:
        log.info("camera %s: %s → %s %s", change.camera_code, change.from_state, change.to_state, change.detail)
        if self.on_change is not None:
            try:
                self.on_change(change)
            except Exception:  # noqa: BLE001
                log.exception("recording a health change failed")

    def frame_seen(self, code: str, at: float) -> None:
        if self.on_frame is not None:
            self.on_frame(code, at)

    # -- status -------------------------------------------------------------------------------------
    def lateness_ms(self) -> np.ndarray:
        with self._lateness_lock:
            return np.asarray(self._lateness, dtype=float) * 1000

    def stats(self) -> dict:
        lat = self.lateness_ms()
        counters = [r.counters for r in self.runners.values()]
        health: dict[str, int] = {}
        for r in self.runners.values():
            health[r.health.state] = health.get(r.health.state, 0) + 1
        last = max((c.last_frame_at for c in counters if c.last_frame_at is not None), default=None)
        return {
            "running": self.running,
            "cameras": len(self.runners),
            "last_frame_at": _iso(last),
            "health": health,
            "frames": sum(c.frames for c in counters),
            "handed": sum(c.handed for c in counters),
            "withheld": sum(c.withheld for c in counters),
            "skipped": sum(c.skipped for c in counters),
            "errors": sum(c.errors for c in counters),
            "reconnects": sum(c.reconnects for c in counters),
            "queue_length": len(self.queue),
            "queue_dropped": self.queue.dropped,
            "lateness_p50_ms": round(float(np.percentile(lat, 50)), 1) if lat.size else None,
            "lateness_p95_ms": round(float(np.percentile(lat, 95)), 1) if lat.size else None,
        }

    def camera_stats(self) -> dict[str, dict]:
        return {code: r.status() for code, r in self.runners.items()}
