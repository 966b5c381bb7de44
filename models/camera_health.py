"""Recording camera health (摄像头状态) in the database: ``Camera.health``/``health_since``/``last_frame_at``
and one :class:`~models.registry.CameraHealthEvent` row per change (from, to, when, why).

Feeds report from many threads many times a second; :class:`HealthRecorder` buffers the reports in memory
and :meth:`HealthRecorder.flush` writes them in ONE transaction (called every few seconds and at stop).
``last_frame_at`` is written at most every ``last_frame_every_s`` per camera. When a flush fails, the
buffered reports are kept for the next one (nothing is lost, nothing half-written).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from .clock import as_utc
from .registry import Camera, CameraHealthEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthReport:
    """One change of a camera's health, as reported by the feeds."""

    camera_code: str
    at: datetime
    from_state: str
    to_state: str
    detail: str = ""


class HealthRecorder:
    """Thread-safe buffer of health changes and frame times, written to the database in batches."""

    def __init__(self, sessions: sessionmaker[Session], *, last_frame_every_s: float = 5.0):
        self.sessions = sessions
        self.last_frame_every_s = last_frame_every_s
        self._lock = threading.Lock()
        self._changes: list[HealthReport] = []
        self._frames: dict[str, datetime] = {}  # newest frame time per camera, not yet written
        self._written: dict[str, datetime] = {}  # last_frame_at as last written per camera
        self._ids: dict[str, int] = {}
        self.flushes = 0
        self.events_written = 0
        self.failures = 0

    def change(self, camera_code: str, at: datetime, from_state: str, to_state: str, detail: str = "") -> None:
        """Buffer a change of state (written by the next :meth:`flush`)."""
        with self._lock:
            self._changes.append(HealthReport(camera_code, as_utc(at), from_state, to_state, detail or ""))

    def frame_seen(self, camera_code: str, at: datetime) -> None:
        """Note that a frame arrived (cheap; written at most every ``last_frame_every_s``)."""
        with self._lock:
            self._frames[camera_code] = at

    def pending(self) -> int:
        with self._lock:
            return len(self._changes) + len(self._frames)

    def flush(self, force: bool = False) -> int:
        """Write the buffered reports in one transaction; returns the number of health events written.

        ``force`` writes every pending frame time too (at stop), ignoring ``last_frame_every_s``.
        """
        with self._lock:
            changes, self._changes = self._changes, []
            frames = {
                code: at for code, at in self._frames.items()
                if force or code not in self._written
                or (at - self._written[code]).total_seconds() >= self.last_frame_every_s
                or any(c.camera_code == code for c in changes)
            }
            for code in frames:
                del self._frames[code]
        if not changes and not frames:
            return 0
        try:
            with self.sessions.begin() as session:
                ids = self._camera_ids(session, {c.camera_code for c in changes} | set(frames))
                unknown = sorted({c.camera_code for c in changes if c.camera_code not in ids})
                if unknown:
                    log.warning("health reports for cameras not in the registry: %s", ", ".join(unknown))
                rows = [
                    {"camera_id": ids[c.camera_code], "at": c.at, "from_state": c.from_state,
                     "to_state": c.to_state, "detail": c.detail or None}
                    for c in changes if c.camera_code in ids
                ]
                if rows:
                    session.execute(insert(CameraHealthEvent), rows)
                latest: dict[str, HealthReport] = {}
                for c in changes:
                    if c.camera_code in ids:
                        latest[c.camera_code] = c
                updates: dict[int, dict] = {}
                for code, c in latest.items():
                    updates[ids[code]] = {"id": ids[code], "health": c.to_state, "health_since": c.at}
                for code, at in frames.items():
                    if code in ids:
                        updates.setdefault(ids[code], {"id": ids[code]})["last_frame_at"] = at
                # Rows of one shape per executemany batch.
                by_keys: dict[tuple, list[dict]] = {}
                for row in updates.values():
                    by_keys.setdefault(tuple(sorted(row)), []).append(row)
                for batch in by_keys.values():
                    session.execute(update(Camera), batch)
        except Exception:
            self.failures += 1
            log.exception("writing camera health failed; keeping %d reports for the next flush", len(changes))
            with self._lock:
                self._changes[:0] = changes
                for code, at in frames.items():
                    if code not in self._frames or self._frames[code] < at:
                        self._frames[code] = at
            raise
        with self._lock:
            self._written.update(frames)
        self.flushes += 1
        self.events_written += len(rows)
        return len(rows)

    def _camera_ids(self, session: Session, codes: set[str]) -> dict[str, int]:
        missing = [c for c in codes if c not in self._ids]
        if missing:
            for cid, code in session.execute(select(Camera.id, Camera.code).where(Camera.code.in_(missing))):
                self._ids[code] = cid
        return {c: self._ids[c] for c in codes if c in self._ids}


def health_history(session: Session, camera_code: str, limit: int = 100) -> list[CameraHealthEvent]:
    """The newest health changes of one camera, newest first."""
    return list(session.scalars(
        select(CameraHealthEvent).join(Camera, Camera.id == CameraHealthEvent.camera_id)
        .where(Camera.code == camera_code)
        .order_by(CameraHealthEvent.at.desc(), CameraHealthEvent.id.desc())
        .limit(limit)
    ))
