"""Camera re-check (复核) of rectified camera cases, fed by detection.

Detection asks :func:`cases_awaiting_recheck` for the rectified cases of a camera it is analysing and
reports, per sampled frame, whether the case's zone/box is clean (:func:`report_recheck_sample`).

- ``recheck_clean_samples`` (N) consecutive clean samples ⇒ ``verify`` (复核通过) then ``close`` (销号),
  both by the system, the last sample's evidence attached;
- ``N + RECHECK_DIRTY_GRACE`` consecutive dirty samples ⇒ ``rework`` (返工, counted against the unit);
- a clean sample resets the dirty run and a dirty one resets the clean run.

The running counts live in memory per process (a restart restarts the count, which only delays a verdict);
the verdict is recorded in the log with the samples' figures.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases import Case, CaseState, CaseTransition
from ..clock import as_utc
from ..registry import ProblemType
from .core import apply
from .machine import SYSTEM
from .settings import settings_for

RECHECK_DIRTY_GRACE = 2  # extra dirty samples tolerated beyond N (the unit may still be clearing up)


@dataclass
class _Run:
    seq: int  # case.last_seq when the run started (a new rectification starts a new run)
    clean: int = 0
    dirty: int = 0
    samples: int = 0
    evidence: list[int] = field(default_factory=list)


_runs: dict[int, _Run] = {}
_lock = threading.Lock()


def reset_recheck_runs() -> None:
    """Forget every running count (tests; a restart does the same)."""
    with _lock:
        _runs.clear()


def cases_awaiting_recheck(session: Session, camera_id: int) -> list[Case]:
    """Rectified cases of camera-visible types seen by ``camera_id``, oldest report first."""
    return list(session.scalars(
        select(Case).join(ProblemType, ProblemType.id == Case.problem_type_id)
        .where(Case.camera_id == camera_id, Case.state == CaseState.RECTIFIED.value,
               ProblemType.camera_visible.is_(True))
        .order_by(Case.handled_at, Case.id)
    ))


def report_recheck_sample(session: Session, case: Case, clean: bool, at: datetime,
                          evidence_id: int | None = None) -> CaseTransition | None:
    """Count one re-check sample; returns the transition it caused (verify→close gives the close), or None."""
    if case.state != CaseState.RECTIFIED.value:
        _runs.pop(case.id, None)
        return None
    n = settings_for(session).config.recheck_clean_samples
    with _lock:
        run = _runs.get(case.id)
        if run is None or run.seq != case.last_seq:
            run = _runs[case.id] = _Run(seq=case.last_seq)
        run.samples += 1
        if evidence_id is not None:
            run.evidence.append(evidence_id)
        if clean:
            run.clean, run.dirty = run.clean + 1, 0
        else:
            run.clean, run.dirty = 0, run.dirty + 1
        verdict = "clean" if run.clean >= n else "dirty" if run.dirty >= n + RECHECK_DIRTY_GRACE else None
        if verdict is None:
            return None
        _runs.pop(case.id, None)
    at = max(as_utc(at), as_utc(case.updated_at))
    data = {"recheck": {"samples": run.samples, "clean_run": run.clean, "dirty_run": run.dirty,
                        "required": n}, "attachments": run.evidence[-3:]}
    if verdict == "clean":
        apply(session, case, "verify", actor="camera", actor_role=SYSTEM, at=at,
              note=f"摄像机复核：连续{run.clean}次抽样无问题", data=data)
        return apply(session, case, "close", actor="camera", actor_role=SYSTEM, at=at, note="复核通过，自动销号")
    return apply(session, case, "rework", actor="camera", actor_role=SYSTEM, at=at,
                 note=f"摄像机复核：连续{run.dirty}次抽样仍有问题，退回整改", data=data)
