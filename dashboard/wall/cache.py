"""The wall snapshot shared through Redis between web worker processes (``civicwatch web --workers N``).

In one process (the embedded default) :class:`~dashboard.wall.service.WallSnapshotService` already computes
one snapshot per tick for every wall browser. Under gunicorn each worker process would compute its own, N
query sets per tick. With ``scale.redis_url`` configured, :func:`install` gives the app context a
:class:`SharedWallSnapshotService` instead:

- the snapshot of a tick is kept in Redis (key ``civicwatch:wall:snapshot``, JSON, expiring after
  ``KEEP_TICKS`` ticks) with the time it was computed, its content digest and a **shared version** (moves
  only when the content does, the same for every worker, so a browser served by another worker next time
  is not sent everything again);
- a worker that finds it older than one tick takes the compute lock (``SET NX PX``) and recomputes; the
  other workers serve the previous snapshot meanwhile (or wait briefly when they have none);
- a case committed in this worker makes its next request recompute at once (as in one process);
- when Redis is unreachable the worker falls back to computing on its own (logged once), so the wall
  never goes dark because of the cache.

The registry part (``_reg``) is not sent through Redis: every worker loads its own (cached 60 s).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from typing import Any

from models.context import AppContext

from .service import WallSnapshotService

log = logging.getLogger(__name__)

KEY = "civicwatch:wall:snapshot"
LOCK = "civicwatch:wall:lock"
KEEP_TICKS = 30
WAIT_FOR_FIRST_S = 3.0
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _digest(snap: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(snap.get("digests", {}), sort_keys=True).encode()).hexdigest()[:16] \
        + str(snap.get("registry", ""))


class SharedWallSnapshotService(WallSnapshotService):
    """A :class:`WallSnapshotService` whose ticks are computed by one worker and read by the others."""

    def __init__(self, ctx: AppContext, redis_client, **kw):
        super().__init__(ctx, **kw)
        self.redis = redis_client
        self.shared_reads = 0
        self.redis_errors = 0
        self._force = False
        self._warned = False

    def _after_commit(self, session) -> None:  # a case written here: recompute at the next request
        if session.info.get("wall_dirty"):
            self._force = True
        super()._after_commit(session)

    def _fresh(self, entry: dict | None) -> bool:
        return entry is not None and time.time() - entry["at"] < self.tick_s

    def _read(self) -> dict | None:
        raw = self.redis.get(KEY)
        return json.loads(raw) if raw else None

    def _adopt(self, entry: dict) -> dict[str, Any]:
        snap = dict(entry["snapshot"], version=entry["version"], _reg=self.registry())
        self._snapshot = snap
        self._at = time.monotonic() - max(0.0, time.time() - entry["at"])
        self.version = entry["version"]
        self.shared_reads += 1
        return snap

    def _compute_shared(self, previous: dict | None) -> dict[str, Any]:
        snap = self._compute()
        digest = _digest(snap)
        version = (previous or {}).get("version", 0)
        if previous is None or previous.get("digest") != digest:
            version += 1
        snap["version"] = self.version = version
        body = {k: v for k, v in snap.items() if k != "_reg"}
        entry = {"at": time.time(), "digest": digest, "version": version, "snapshot": body}
        self.redis.set(KEY, json.dumps(entry, ensure_ascii=False, default=str),
                       px=int(1000 * max(5.0, KEEP_TICKS * self.tick_s)))
        self._snapshot = snap
        self._at = time.monotonic()
        return snap

    def get(self) -> dict[str, Any]:
        if not self._force and self._snapshot is not None and time.monotonic() - self._at < self.tick_s:
            return self._snapshot
        try:
            return self._get_shared()
        except Exception as exc:  # noqa: BLE001 - Redis down: compute here, as in one process
            self.redis_errors += 1
            if not self._warned:
                log.warning("wall cache: Redis unavailable (%s); computing the snapshot in this worker", exc)
                self._warned = True
            return super().get()

    def _get_shared(self) -> dict[str, Any]:
        entry = self._read()
        if self._fresh(entry) and not self._force:
            return self._adopt(entry)
        token = uuid.uuid4().hex
        if self.redis.set(LOCK, token, nx=True, px=int(1000 * max(10.0, 5 * self.tick_s))):
            try:
                self._force = False
                snap = self._compute_shared(entry)
                self.last_error = None
                return snap
            finally:
                self.redis.eval(_RELEASE, 1, LOCK, token)
        # another worker is computing: serve what we have, or wait a moment for its result
        if entry is not None:
            return self._adopt(entry)
        if self._snapshot is not None:
            return self._snapshot
        deadline = time.monotonic() + WAIT_FOR_FIRST_S
        while time.monotonic() < deadline:
            time.sleep(0.05)
            entry = self._read()
            if entry is not None:
                return self._adopt(entry)
        return super().get()  # the other worker is slow or gone: compute here

    def status(self) -> dict[str, Any]:
        out = super().status()
        out.update({"shared": True, "shared_reads": self.shared_reads, "redis_errors": self.redis_errors})
        return out


def install(ctx: AppContext) -> WallSnapshotService | None:
    """With ``scale.redis_url`` set, make :func:`~dashboard.wall.service.service_for` return a shared service.

    Called once when the app is created (before any wall request). Without Redis configured nothing changes.
    """
    url = ctx.config.scale.redis_url
    if not url:
        return None
    import redis

    from . import service as service_mod

    with service_mod._services_lock:
        svc = getattr(ctx, "_wall_snapshot_service", None)
        if not isinstance(svc, SharedWallSnapshotService):
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            svc = SharedWallSnapshotService(ctx, client)
            object.__setattr__(ctx, "_wall_snapshot_service", svc)
            ctx.status["wall"] = svc.status
    return svc
