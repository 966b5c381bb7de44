"""Where raised problems go: the case workflow (database) or memory (replay, benchmarks).

:class:`MemorySink` collects raised problems (``civicwatch replay``, tests). :class:`CaseSink` opens a
case per confirmed problem through :func:`models.workflow.open_case` (source camera) with evidence images
(first sight and confirmation), links recurrences via ``previous_case_id``, persists observations in
batches (table ``observations``), reloads the open cases of a camera so they are not raised again after a
restart and reports camera re-check samples through the workflow's re-check API.

Database outages (PostgreSQL restarted or unreachable): a problem whose case cannot be written is put
back to *pending* and raised again on its next sighting; the case carries an idempotency key
(``external_ref = "det-<sink run>-<problem id>"``) so a retry after a commit whose answer was lost finds
the stored case instead of opening a second one. Observation batches that fail are kept (bounded:
``max_buffer_rows``, oldest dropped and counted beyond it) and retried with backoff; a batch is retried
as a unit and skipped if its first row is already stored (its transaction committed), so nothing is
stored twice. While the database is down the sink does not try again before the backoff has passed.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from ..cases import Case, CaseSource, CaseState, Evidence, Observation as ObservationRow
from ..clock import utcnow
from ..registry import Camera
from .evidence import EvidenceStore
from .problems import Observation, Problem
from .recheck_store import Rechecker, store_references

log = logging.getLogger(__name__)
OPEN_CASE_STATES = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value,
                    CaseState.RECTIFIED.value)


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def is_transient(exc: BaseException) -> bool:
    """A database error that a later retry can cure (connection refused/lost, server restarting)."""
    if isinstance(exc, (OperationalError, InterfaceError, DisconnectionError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class DatabaseUnavailable(RuntimeError):
    """The sink is backing off after a connection failure; nothing was tried."""


@dataclass
class RaisedProblem:
    camera_code: str
    problem_type: str
    type_name: str
    zone: str
    box: tuple
    first_seen: float
    confirmed: float
    score: float
    type_unconfirmed: bool = False  # 类型待确认


@dataclass
class MemorySink:
    """Collects raised problems in memory (no database)."""

    raised: list[RaisedProblem] = field(default_factory=list)

    def raise_problem(self, camera_code: str, p: Problem, t: float, image=None, previous_case_id=None,
                      background=None) -> int:
        self.raised.append(RaisedProblem(camera_code, p.type.code, p.type.name, p.zone, tuple(p.box), p.first_seen,
                                         t, p.score, p.type_unconfirmed))
        return len(self.raised)

    def observe(self, camera_code: str, obs: list[Observation], problems: dict) -> None:
        pass

    def flush(self) -> None:
        pass


class CaseSink:
    """Opens cases in the database through the workflow."""

    def __init__(self, sessions, store: EvidenceStore | None, batch_s: float = 5.0, batch_rows: int = 500,
                 max_buffer_rows: int = 100_000, max_backoff_s: float = 15.0):
        self.sessions = sessions
        self.store = store
        self.batch_s = batch_s
        self.batch_rows = batch_rows
        self.max_buffer_rows = max_buffer_rows
        self.max_backoff_s = max_backoff_s
        self.run_id = uuid.uuid4().hex[:12]  # idempotency keys of this sink's cases
        self._rows: list[dict] = []
        self._failed: list[dict] | None = None  # the batch being written: kept until stored, retried as a unit
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._last_obs: dict[int, float] = {}
        self._retry_at = 0.0  # monotonic time before which the database is not tried again
        self._backoff = 0.0
        self._uncertain = False  # the last failed write may have committed (its answer was lost)
        self.cases_opened = 0
        self.observations_queued = 0
        self.observations_written = 0
        self.observations_dropped = 0
        self.raise_retries = 0
        self.errors = 0
        self.db_ok = True
        self.db_error: str | None = None
        self._camera_ids: dict[str, int] = {}
        self._rechecker: Rechecker | None = None

    # -- database availability ---------------------------------------------------------------------------
    def _check_available(self) -> None:
        if not self.db_ok and time.monotonic() < self._retry_at:
            raise DatabaseUnavailable(f"database unavailable ({self.db_error}); retrying after backoff")

    def _failed_db(self, exc: BaseException, what: str) -> None:
        first = self.db_ok
        self._backoff = min(self.max_backoff_s, max(0.5, self._backoff * 2))
        self._retry_at = time.monotonic() + self._backoff
        self.db_ok = False
        self.db_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        if first:
            log.warning("detection: database unavailable while %s (%s); buffering and retrying with backoff",
                        what, self.db_error)

    def _db_back(self) -> None:
        if not self.db_ok:
            log.warning("detection: database reachable again; %d buffered observations to write", self.backlog())
        self.db_ok, self.db_error, self._backoff = True, None, 0.0

    @contextmanager
    def _guarded(self, what: str):
        """A database call on the frame path: refused at once while backing off (a database that hangs must
        not hold a worker per frame); a connection failure starts the back-off."""
        self._check_available()
        try:
            yield
        except Exception as exc:
            if is_transient(exc):
                self._failed_db(exc, what)
            raise
        self._db_back()

    def backlog(self) -> int:
        """Observations waiting to be written (queued plus a failed batch)."""
        with self._lock:
            return len(self._rows) + len(self._failed or [])

    def camera_id(self, session, code: str) -> int | None:
        if code not in self._camera_ids:
            cid = session.scalar(select(Camera.id).where(Camera.code == code))
            if cid is None:
                return None
            self._camera_ids[code] = cid
        return self._camera_ids[code]

    def open_cases(self, camera_code: str) -> list[tuple[str, str | None, list, int]]:
        """``(type code, zone, box, case id)`` of the camera's open camera cases (reloaded after restart)."""
        with self._guarded(f"reloading the open cases of {camera_code}"), self.sessions() as s:
            cid = self.camera_id(s, camera_code)
            if cid is None:
                return []
            rows = s.execute(select(Case).where(Case.camera_id == cid, Case.state.in_(OPEN_CASE_STATES),
                                                Case.box.is_not(None))).scalars().all()
            return [(c.problem_type.code, c.zone, list(c.box), c.id) for c in rows]

    def _evidence(self, s, case_id: int, camera_id: int, image, box, kind: str, at: datetime) -> int | None:
        if self.store is None or image is None:
            return None
        stored = self.store.save(image, box)
        if stored is None:
            return None
        ev = Evidence(sha256=stored.sha256, path=stored.path, kind=kind, case_id=case_id, camera_id=camera_id,
                      width=stored.width, height=stored.height, created_at=at)
        s.add(ev)
        s.flush()
        return ev.id

    def raise_problem(self, camera_code: str, p: Problem, t: float, image=None, previous_case_id=None,
                      background=None) -> int | None:
        """Open a case for a confirmed problem; returns the case id (``None`` if the camera is unknown).
        ``background``: the camera's background at confirmation (analysis size), the clean 复核 reference.

        When the database is unavailable the problem is put back to pending (``confirmed_at = None``): it is
        raised again on its next sighting, under the same idempotency key.
        """
        try:
            self._check_available()
            case_id = self._open(camera_code, p, t, image, previous_case_id, background)
        except Exception as exc:
            if not (isinstance(exc, DatabaseUnavailable) or is_transient(exc)):
                raise
            if not isinstance(exc, DatabaseUnavailable):
                self._failed_db(exc, f"opening a case for {camera_code}")
            self.raise_retries += 1
            p.confirmed_at = None  # pending again: the tracker confirms it on its next sighting and we retry
            return None
        self._db_back()
        return case_id

    def _open(self, camera_code: str, p: Problem, t: float, image, previous_case_id, background=None) -> int | None:
        from ..workflow import open_case

        found = utc(t)
        key = f"det-{self.run_id}-{p.id}"
        with self.sessions.begin() as s:
            cid = self.camera_id(s, camera_code)
            if cid is None:
                log.warning("detection: camera %s is not in the registry; problem not raised", camera_code)
                return None
            done = s.scalar(select(Case.id).where(Case.source == CaseSource.CAMERA.value, Case.external_ref == key))
            if done is not None:  # an earlier attempt committed but its answer was lost
                p.first_frame = None
                return done
            ptype_id = p.type.id
            if ptype_id is None:
                from ..registry import ProblemType
                ptype_id = s.scalar(select(ProblemType.id).where(ProblemType.code == p.type.code))
            unconfirmed = p.type_unconfirmed
            case = open_case(s, source=CaseSource.CAMERA.value, problem_type=ptype_id, found_at=found,
                             actor="detection", actor_role="system", camera=cid, zone=p.zone,
                             box=[round(v, 4) for v in p.box], score=round(p.score, 3),
                             description=f"摄像头自动发现：{p.type.name}（{p.zone}）"
                                         + ("，类型待确认" if unconfirmed else ""),
                             previous_case=previous_case_id, external_ref=key, type_unconfirmed=unconfirmed)
            self._evidence(s, case.id, cid, p.first_frame, p.first_box or p.box, "first_sight", utc(p.first_seen))
            self._evidence(s, case.id, cid, image, p.box, "confirmation", found)
            store_references(self.store, s, case, image, background, found)
            case_id = case.id
        self.cases_opened += 1
        p.first_frame = None
        return case_id

    def observe(self, camera_code: str, obs: list[Observation], problems: dict) -> None:
        """Queue observations (at most one per problem per 10 s) and flush in batches."""
        if not obs:
            return
        with self._lock:
            for ob in obs:
                p = problems.get(id(ob))
                key = p.id if p is not None else hash((camera_code, ob.zone, ob.box))
                if ob.t - self._last_obs.get(key, -1e18) < 10:
                    continue
                self._last_obs[key] = ob.t
                self._rows.append({"camera": camera_code, "type_id": ob.type.id, "type_code": ob.type.code,
                                   "zone": ob.zone, "t": ob.t, "score": ob.score, "box": ob.box,
                                   "case_id": p.case_id if p is not None else None})
                self.observations_queued += 1
            self._bound()
            due = len(self._rows) >= self.batch_rows or time.monotonic() - self._last_flush > self.batch_s
        if due and time.monotonic() >= self._retry_at:
            self.flush()

    def _bound(self) -> None:
        """Keep the buffer bounded (called with the lock held): drop the oldest queued rows beyond the cap."""
        over = len(self._rows) + len(self._failed or []) - self.max_buffer_rows
        if over > 0:
            drop = min(over, len(self._rows))
            del self._rows[:drop]
            self.observations_dropped += drop
            if drop:
                log.warning("detection: observation buffer full (%d rows); dropped the %d oldest",
                            self.max_buffer_rows, drop)

    def flush(self, force: bool = False) -> None:
        """Write the queued observations: a failed batch first (skipped if it was in fact stored), then the
        queue. On a connection failure the rows are kept for the next flush (after a backoff; ``force``:
        try now regardless, e.g. at stop)."""
        with self._flush_lock:
            with self._lock:
                self._last_flush = time.monotonic()
                if len(self._last_obs) > 20000:
                    self._last_obs.clear()
                if self._failed is None and self._rows:
                    self._failed, self._rows = self._rows, []
                batch = self._failed
            if not batch:
                return
            if not force and not self.db_ok and time.monotonic() < self._retry_at:
                return
            try:
                self._write(batch, retry=self._uncertain)
            except Exception as exc:  # noqa: BLE001 - observations are kept for a transient failure
                self.errors += 1
                if is_transient(exc):
                    self._uncertain = True  # the commit may have reached the server: check before writing
                    self._failed_db(exc, f"writing {len(batch)} observations")
                    return
                log.exception("detection: could not write %d observations (dropped)", len(batch))
                self.observations_dropped += len(batch)
            else:
                self._db_back()
            self._uncertain = False
            with self._lock:
                self._failed = None

    def _write(self, rows: list[dict], retry: bool) -> None:
        with self.sessions.begin() as s:
            objs = []
            for r in rows:
                cid = self.camera_id(s, r["camera"])
                if cid is None or r["type_id"] is None:
                    continue
                x1, y1, x2, y2 = r["box"]
                objs.append(ObservationRow(camera_id=cid, problem_type_id=r["type_id"], case_id=r["case_id"],
                                           zone=r["zone"], observed_at=utc(r["t"]), score=r["score"],
                                           x1=x1, y1=y1, x2=x2, y2=y2))
            if not objs:
                return
            if retry:
                o = objs[0]
                stored = s.scalar(select(ObservationRow.id).where(
                    ObservationRow.camera_id == o.camera_id, ObservationRow.observed_at == o.observed_at,
                    ObservationRow.problem_type_id == o.problem_type_id, ObservationRow.x1 == o.x1,
                    ObservationRow.y1 == o.y1, ObservationRow.x2 == o.x2, ObservationRow.y2 == o.y2).limit(1))
                if stored is not None:  # the earlier attempt committed: the batch is in the database already
                    log.info("detection: observation batch of %d rows was already stored; not written again",
                             len(objs))
                    self.observations_written += len(objs)
                    return
            s.add_all(objs)
        self.observations_written += len(objs)

    def recheck(self, camera_code: str, image, t: float) -> list[int]:
        """Report one re-check sample (the live ``image`` against each rectified case's reference crops) for
        each rectified case of the camera; returns the ids of the cases closed."""
        if self._rechecker is None:
            self._rechecker = Rechecker(self.store)
        with self._guarded(f"re-checking {camera_code}"), self.sessions.begin() as s:
            cid = self.camera_id(s, camera_code)
            if cid is None:
                return []
            return self._rechecker.sample(s, cid, image, utc(t))

    def recheck_cameras(self) -> set[str]:
        """Codes of cameras that have cases awaiting re-check (one query)."""
        with self.sessions() as s:
            rows = s.execute(select(Camera.code).join(Case, Case.camera_id == Camera.id)
                             .where(Case.state == CaseState.RECTIFIED.value).distinct()).all()
        return {r[0] for r in rows}

    def closed_since(self, since: datetime) -> list[tuple[str, int]]:
        """``(camera code, case id)`` of camera cases closed or invalidated since ``since``."""
        with self.sessions() as s:
            rows = s.execute(select(Camera.code, Case.id).join(Case, Case.camera_id == Camera.id).where(
                Case.state.in_([CaseState.CLOSED.value, CaseState.INVALID.value]), Case.updated_at >= since)).all()
        return [(r[0], r[1]) for r in rows]


__all__ = ["CaseSink", "DatabaseUnavailable", "MemorySink", "RaisedProblem", "is_transient", "utcnow"]
