"""Where raised problems go: the case workflow (database) or memory (replay, benchmarks).

:class:`MemorySink` collects raised problems (``civicwatch replay``, tests). :class:`CaseSink` opens a
case per confirmed problem through :func:`models.workflow.open_case` (source camera) with evidence images
(first sight and confirmation), links recurrences via ``previous_case_id``, persists observations in
batches (table ``observations``), reloads the open cases of a camera so they are not raised again after a
restart and reports camera re-check samples through the workflow's re-check API.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select

from ..cases import Case, CaseSource, CaseState, Evidence, Observation as ObservationRow
from ..clock import utcnow
from ..registry import Camera
from .evidence import EvidenceStore
from .problems import Observation, Problem

log = logging.getLogger(__name__)
OPEN_CASE_STATES = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value,
                    CaseState.RECTIFIED.value)


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


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


@dataclass
class MemorySink:
    """Collects raised problems in memory (no database)."""

    raised: list[RaisedProblem] = field(default_factory=list)

    def raise_problem(self, camera_code: str, p: Problem, t: float, image=None) -> int:
        self.raised.append(RaisedProblem(camera_code, p.type.code, p.type.name, p.zone, tuple(p.box), p.first_seen,
                                         t, p.score))
        return len(self.raised)

    def observe(self, camera_code: str, obs: list[Observation], problems: dict) -> None:
        pass

    def flush(self) -> None:
        pass


class CaseSink:
    """Opens cases in the database through the workflow."""

    def __init__(self, sessions, store: EvidenceStore | None, batch_s: float = 5.0, batch_rows: int = 500):
        self.sessions = sessions
        self.store = store
        self.batch_s = batch_s
        self.batch_rows = batch_rows
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._last_obs: dict[int, float] = {}
        self.cases_opened = 0
        self.observations_written = 0
        self.errors = 0
        self._camera_ids: dict[str, int] = {}

    def camera_id(self, session, code: str) -> int | None:
        if code not in self._camera_ids:
            cid = session.scalar(select(Camera.id).where(Camera.code == code))
            if cid is None:
                return None
            self._camera_ids[code] = cid
        return self._camera_ids[code]

    def open_cases(self, camera_code: str) -> list[tuple[str, str | None, list, int]]:
        """``(type code, zone, box, case id)`` of the camera's open camera cases (reloaded after restart)."""
        with self.sessions() as s:
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

    def raise_problem(self, camera_code: str, p: Problem, t: float, image=None, previous_case_id=None) -> int | None:
        """Open a case for a confirmed problem; returns the case id (``None`` if the camera is unknown)."""
        from ..workflow import open_case

        found = utc(t)
        with self.sessions.begin() as s:
            cid = self.camera_id(s, camera_code)
            if cid is None:
                log.warning("detection: camera %s is not in the registry; problem not raised", camera_code)
                return None
            ptype_id = p.type.id
            if ptype_id is None:
                from ..registry import ProblemType
                ptype_id = s.scalar(select(ProblemType.id).where(ProblemType.code == p.type.code))
            case = open_case(s, source=CaseSource.CAMERA.value, problem_type=ptype_id, found_at=found,
                             actor="detection", actor_role="system", camera=cid, zone=p.zone,
                             box=[round(v, 4) for v in p.box], score=round(p.score, 3),
                             description=f"摄像头自动发现：{p.type.name}（{p.zone}）",
                             previous_case=previous_case_id)
            self._evidence(s, case.id, cid, p.first_frame, p.first_box or p.box, "first_sight", utc(p.first_seen))
            self._evidence(s, case.id, cid, image, p.box, "confirmation", found)
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
            due = len(self._rows) >= self.batch_rows or time.monotonic() - self._last_flush > self.batch_s
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._rows = self._rows, []
            self._last_flush = time.monotonic()
            if len(self._last_obs) > 20000:
                self._last_obs.clear()
        if not rows:
            return
        try:
            with self.sessions.begin() as s:
                for r in rows:
                    cid = self.camera_id(s, r["camera"])
                    if cid is None or r["type_id"] is None:
                        continue
                    x1, y1, x2, y2 = r["box"]
                    s.add(ObservationRow(camera_id=cid, problem_type_id=r["type_id"], case_id=r["case_id"],
                                         zone=r["zone"], observed_at=utc(r["t"]), score=r["score"],
                                         x1=x1, y1=y1, x2=x2, y2=y2))
            self.observations_written += len(rows)
        except Exception:  # noqa: BLE001 - observations are best effort; cases are not
            self.errors += 1
            log.exception("detection: could not write %d observations", len(rows))

    def recheck(self, camera_code: str, check, t: float, image=None) -> list[int]:
        """Report one re-check sample for each rectified case of the camera; returns ids of closed cases."""
        from ..workflow import cases_awaiting_recheck, report_recheck_sample

        closed = []
        with self.sessions.begin() as s:
            cid = self.camera_id(s, camera_code)
            if cid is None:
                return []
            for case in cases_awaiting_recheck(s, cid):
                if not case.box:
                    continue
                clean, _share = check(case.box)
                tr = report_recheck_sample(s, case, clean, max(utc(t), case.updated_at))
                if tr is not None and case.state in (CaseState.CLOSED.value, CaseState.VERIFIED.value):
                    closed.append(case.id)
        return closed

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


__all__ = ["CaseSink", "MemorySink", "RaisedProblem", "utcnow"]
