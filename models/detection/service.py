"""The running detection service: ``start_detection(ctx)`` (called by ``civicwatch.runtime``).

``config.detection.workers`` threads take frames off ``ctx.frames`` and run them through the camera's
pipeline (one camera is analysed by one thread at a time, frames out of order are ignored). Every few
seconds a housekeeping thread reloads problem types and zones from the database, looks up cameras with
cases awaiting 复核 and tells trackers about closed cases (a recurrence is then linked to them); evidence
of cases closed longer than the retention is pruned daily. Status: ``ctx.status["detection"]``.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import cv2

from ..clock import utcnow
from ..frames import FrameEvent
from ..latest_frames import store_for
from .engine import DetectionEngine
from .evidence import EvidenceStore
from .onnx_detector import onnx_detectors_for, onnx_health
from .sinks import CaseSink, DatabaseUnavailable, is_transient
from .sources import registry_from_db

log = logging.getLogger(__name__)


def event_time(ev: FrameEvent) -> float:
    """When a frame was taken: the source's own clock if it is an absolute (simulated) time, else capture."""
    if ev.media_time_s is not None and ev.media_time_s > 1e9:
        return float(ev.media_time_s)
    return ev.capture_time.timestamp()


class DetectionService:
    def __init__(self, ctx):
        self.ctx = ctx
        cfg = ctx.config.detection
        self.store = EvidenceStore(ctx.config.path(cfg.evidence_dir), cfg.evidence_min_free_mb)
        self.sink = CaseSink(ctx.sessions, self.store)
        self.latest = store_for(ctx)
        with ctx.sessions() as s:
            book, zones = registry_from_db(s)
        onnx_cfgs = list(cfg.onnx_detectors)
        self.engine = DetectionEngine(book, zones, self.sink, analysis_width=cfg.analysis_width,
                                      extra_detectors=(lambda z: onnx_detectors_for(onnx_cfgs, z, book))
                                      if onnx_cfgs else None)
        self.onnx_status = onnx_health(onnx_cfgs)
        self.threads: list[threading.Thread] = []
        self.stop_event = threading.Event()
        self.recheck_cameras: set[str] = set()
        self.processed = 0
        self.errors = 0
        self.last_error: str | None = None
        self._closed_since = utcnow()
        self._busy_s = 0.0
        self._db_warned = -1e9
        self._started = time.monotonic()

    def start(self) -> None:
        cv2.setNumThreads(1)  # the workers are the parallelism; OpenCV's own threads only contend
        for i in range(self.ctx.config.detection.workers):
            th = threading.Thread(target=self._work, name=f"detection-{i}", daemon=True)
            th.start()
            self.threads.append(th)
        th = threading.Thread(target=self._housekeeping, name="detection-housekeeping", daemon=True)
        th.start()
        self.threads.append(th)

    def stop(self) -> None:
        self.stop_event.set()
        for th in self.threads:
            th.join(timeout=5)
        self.sink.flush(force=True)
        self.sink.flush(force=True)  # the rows queued behind a batch that was retried

    def handle(self, ev: FrameEvent) -> None:
        # the camera pages show the newest frame of cameras someone is looking at (encoded ≤ 1/s)
        self.latest.offer(ev.camera_code, ev.image, ev.capture_time)
        t = event_time(ev)
        result = self.engine.process(ev.camera_code, ev.image, t)
        if result is not None and result.frame is not None and ev.camera_code in self.recheck_cameras:
            # 复核 compares the live frame with the case's stored reference crops — never with the background
            # model, which may have learnt an unfixed object since a restart (so no need to wait for it either);
            # a frame the pipeline ignored (duplicate, out of order: no analysis frame) is no sample
            pipe = self.engine.pipelines.get(ev.camera_code)
            closed = self.sink.recheck(ev.camera_code, ev.image, t)
            for case_id in closed:
                pipe.tracker.close_case(case_id, t)

    def _work(self) -> None:
        while not self.stop_event.is_set():
            ev = self.ctx.frames.get(timeout=0.5)
            if ev is None:
                continue
            start = time.perf_counter()
            try:
                self.handle(ev)
                self.processed += 1
            except Exception as exc:  # noqa: BLE001 - one bad frame must not stop detection
                self.errors += 1
                self.last_error = f"{ev.camera_code}: {type(exc).__name__}: {exc}"
                if isinstance(exc, DatabaseUnavailable) or is_transient(exc):
                    self._db_trouble(f"frame of {ev.camera_code}", exc)
                else:
                    log.exception("detection: frame of %s failed", ev.camera_code)
            self._busy_s += time.perf_counter() - start

    def housekeeping_once(self) -> None:
        with self.ctx.sessions() as s:
            book, zones = registry_from_db(s)
        if [t.code for t in book] != [t.code for t in self.engine.book] or \
                any(a != b for a, b in zip(book.types, self.engine.book.types)):
            self.engine.book = book
            self.engine.pipelines.clear()
        for code, z in zones.items():
            self.engine.set_zones(code, z)
        self.recheck_cameras = self.sink.recheck_cameras()
        now = utcnow()
        for code, case_id in self.sink.closed_since(self._closed_since - timedelta(seconds=5)):
            pipe = self.engine.pipelines.get(code)
            if pipe is not None:
                pipe.tracker.close_case(case_id, time.time())
        self._closed_since = now
        self.sink.flush()

    def _housekeeping(self) -> None:
        last_prune = 0.0
        while not self.stop_event.wait(5.0):
            try:
                self.housekeeping_once()
                if time.monotonic() - last_prune > 86400:
                    last_prune = time.monotonic()
                    with self.ctx.sessions.begin() as s:
                        self.store.prune(s, self.ctx.config.detection.evidence_retention_days, utcnow())
            except Exception as exc:  # noqa: BLE001
                self.last_error = f"housekeeping: {type(exc).__name__}: {exc}"
                if is_transient(exc):
                    self._db_trouble("housekeeping", exc)
                else:
                    log.exception("detection housekeeping failed")

    def _db_trouble(self, what: str, exc: Exception) -> None:
        """A database outage: one warning line per 30 s (not a traceback per frame); retried by the next frame."""
        now = time.monotonic()
        if now - self._db_warned > 30:
            self._db_warned = now
            log.warning("detection: database unavailable (%s: %s: %s); frames keep being analysed, writes are "
                        "retried", what, type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")

    def status(self) -> dict:
        elapsed = max(1e-6, time.monotonic() - self._started)
        return {
            "ok": (self.errors == 0 or self.processed > self.errors * 100) and self.sink.db_ok,
            "workers": len([t for t in self.threads if t.is_alive()]) - 1,
            "cameras": len(self.engine.pipelines),
            "frames": self.processed,
            "errors": self.errors,
            "last_error": self.last_error,
            "cases_opened": self.sink.cases_opened,
            "observations_written": self.sink.observations_written,
            "observations_buffered": self.sink.backlog(),
            "observations_dropped": self.sink.observations_dropped,
            "database_ok": self.sink.db_ok,
            "database_error": self.sink.db_error,
            "evidence_written": self.store.written,
            "evidence_disk_full": self.store.disk_full,
            "evidence_skipped_disk_full": self.store.skipped_disk_full,
            "evidence_error": self.store.last_error,
            "evidence_note": "磁盘空间不足，证据图片暂停保存" if self.store.disk_full else None,
            "busy_share": round(self._busy_s / elapsed, 3),
            "zone_errors": dict(self.engine.errors),
            "detectors": {"builtin": ["crowd", "stationary", "wall_change"], "onnx": self.onnx_status},
        }


def start_detection(ctx) -> DetectionService:
    """Start the detection workers on ``ctx.frames``; registers status and stopper on ``ctx``."""
    svc = DetectionService(ctx)
    svc.start()
    ctx.status["detection"] = svc.status
    ctx.stoppers.append(svc.stop)
    return svc
