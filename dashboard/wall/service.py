"""The wall's snapshot service: ONE computation per tick, served to every wall browser.

:class:`WallSnapshotService` computes :func:`~dashboard.wall.compute.compute_snapshot` at most once per
``config.wall.tick_s`` (guarded by a lock; while one request computes, others get the previous snapshot at
once), so 50 wall screens cost one query set per tick, not fifty. The slow sections are refreshed every
``slow_every_s`` in a background thread; each section carries a content digest and the snapshot a version
that changes only when some content did (browsers get only the changed sections: see
:mod:`dashboard.wall.update`).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.cases import Case
from models.clock import fmt_local, utcnow
from models.context import AppContext

from .compute import compute_snapshot
from .digest import content_key, digests
from .liveness import PipelineLiveness
from .registry import Registry, load_registry
from .slow_sections import compute_slow

log = logging.getLogger(__name__)


class WallSnapshotService:
    """Computes the snapshot at most once per tick and shares it between all wall clients."""

    def __init__(self, ctx: AppContext, *, registry_ttl_s: float = 60.0, slow_every_s: float = 15.0):
        self.ctx = ctx
        self.slow_every_s = slow_every_s
        self._slow: dict[str, Any] | None = None
        self._slow_at = 0.0
        self._slow_running = False
        self.last_slow_ms = 0.0
        self.tick_s = float(ctx.config.wall.tick_s)
        self.registry_ttl_s = registry_ttl_s
        self._lock = threading.Lock()
        self._snapshot: dict[str, Any] | None = None
        self._at = 0.0
        self._registry: Registry | None = None
        self._registry_at = 0.0
        self._content_hash = ""
        self.version = 0
        self.computations = 0
        self.failures = 0
        self.last_error: str | None = None
        self.last_ms = 0.0
        self.liveness = PipelineLiveness(ctx)
        # a case written in this process makes the next tick recompute at once (no waiting out the tick)
        event.listen(ctx.sessions, "after_flush", self._after_flush)
        event.listen(ctx.sessions, "after_commit", self._after_commit)

    @staticmethod
    def _after_flush(session: Session, _flush_context) -> None:
        if any(isinstance(o, Case) for o in list(session.new) + list(session.dirty)):
            session.info["wall_dirty"] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("wall_dirty", False):
            self._at = 0.0

    # -- registry -------------------------------------------------------------------------------------
    def registry(self) -> Registry:
        now = time.monotonic()
        if self._registry is None or now - self._registry_at > self.registry_ttl_s:
            with self.ctx.sessions() as s:
                self._registry = load_registry(s)
            self._registry_at = now
        return self._registry

    # -- the tick -------------------------------------------------------------------------------------
    def _compute(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        now = utcnow()
        reg = self.registry()
        dialect = self.ctx.engine.dialect.name
        with self.ctx.sessions() as s:
            if self._slow is None:
                self.refresh_slow()
            elif time.monotonic() - self._slow_at >= self.slow_every_s:
                self._start_slow_refresh()
            data = compute_snapshot(s, now, reg, dialect, self._slow, self.ctx.config.incentives)
        pipeline = self.liveness.state(data.pop("last_frame_db"), now)
        data["digests"] = digests(data)
        digest = content_key(data)
        if digest != self._content_hash:
            self._content_hash = digest
            self.version += 1
        self.last_ms = (time.perf_counter() - t0) * 1000
        self.computations += 1
        data.update({
            "version": self.version,
            "computed_at": fmt_local(now, "%H:%M:%S"),
            "computed_at_iso": now.isoformat(),
            "pipeline": pipeline,
            "db_ok": True,
            "_reg": reg,  # the registry these arrays are aligned with (never sent to browsers)
        })
        return data

    def refresh_slow(self) -> None:
        """Recompute the slow sections (year funnel, 30-day trend, top types, rankings)."""
        t0 = time.perf_counter()
        try:
            with self.ctx.sessions() as s:
                self._slow = compute_slow(s, utcnow(), self.registry(), self.ctx.engine.dialect.name,
                                          self.ctx.config.incentives)
            self._slow_at = time.monotonic()
            self.last_slow_ms = (time.perf_counter() - t0) * 1000
        finally:
            self._slow_running = False

    def _start_slow_refresh(self) -> None:
        """Refresh the slow sections in a background thread: ticks never wait for them."""
        if self._slow_running:
            return
        self._slow_running = True
        self._slow_at = time.monotonic()  # not again before this one is done and slow_every_s has passed

        def run():
            try:
                self.refresh_slow()
                self._at = 0.0  # show the fresh aggregates at the next tick
            except Exception as exc:  # noqa: BLE001 - keep the previous aggregates, try again later
                log.warning("wall slow sections failed: %s", exc)

        threading.Thread(target=run, name="wall-slow-sections", daemon=True).start()

    def get(self) -> dict[str, Any]:
        """The current snapshot (recomputed if older than one tick)."""
        if self._snapshot is not None and time.monotonic() - self._at < self.tick_s:
            return self._snapshot
        if not self._lock.acquire(blocking=self._snapshot is None):
            return self._snapshot  # another request is computing: serve the previous tick now
        try:
            if self._snapshot is not None and time.monotonic() - self._at < self.tick_s:
                return self._snapshot
            try:
                snap = self._compute()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the wall keeps the last data and says so
                self.failures += 1
                self.last_error = type(exc).__name__
                log.warning("wall snapshot failed: %s", exc)
                if self._snapshot is None:
                    raise
                snap = dict(self._snapshot, db_ok=False)
            self._snapshot = snap
            self._at = time.monotonic()
            return snap
        finally:
            self._lock.release()

    def status(self) -> dict[str, Any]:
        """Live status for /healthz (``ctx.status["wall"]``)."""
        snap = self._snapshot or {}
        return {
            "ok": self.last_error is None,
            "version": self.version,
            "computations": self.computations,
            "failures": self.failures,
            "last_error": self.last_error,
            "last_compute_ms": round(self.last_ms, 1),
            "last_slow_sections_ms": round(self.last_slow_ms, 1),
            "snapshot_age_s": None if not self._at else round(time.monotonic() - self._at, 1),
            "pipeline": snap.get("pipeline", {}).get("state"),
        }


_services_lock = threading.Lock()


def service_for(ctx: AppContext) -> WallSnapshotService:
    """The one snapshot service of ``ctx`` (created on first use and published in ``ctx.status``)."""
    with _services_lock:
        svc = getattr(ctx, "_wall_snapshot_service", None)
        if svc is None:
            svc = WallSnapshotService(ctx)
            object.__setattr__(ctx, "_wall_snapshot_service", svc)
            ctx.status["wall"] = svc.status
        return svc
