"""Camera re-check (复核) of rectified camera cases, fed by detection.

Detection asks :func:`cases_awaiting_recheck` for the rectified cases of a camera it is analysing and
reports, per sampled frame, what the live view of the case's box says (:func:`report_recheck_sample`):
``True`` clean, ``False`` still there, ``None`` cannot tell (the live view is not comparable with the
case's reference crops: light too different, view moved, someone in front).

- ``recheck_clean_samples`` (N) consecutive clean samples ⇒ ``verify`` (复核通过) then ``close`` (销号),
  both by the system, the deciding frames attached;
- ``N + RECHECK_DIRTY_GRACE`` dirty samples (with no clean one between) ⇒ ``rework`` (返工, counted against
  the unit);
- an unsure sample resets the clean run (a pass needs N comparable clean samples in a row) but not the
  dirty run; ``recheck_unsure_samples`` unsure samples in a row ⇒ ``recheck_manual`` (转人工复核): the
  case stays 整改 with the reason in its log, the camera stops re-checking it and a supervisor decides
  (复核通过 / 返工) — the camera never passes a case it cannot compare. :func:`hand_to_person` does the
  same at once (a case without reference crops).

The running counts live in memory per process (a restart restarts the count, which only delays a verdict);
the verdict is recorded in the log with the samples' figures.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..cases import Case, CaseState, CaseTransition
from ..clock import as_utc
from ..registry import ProblemType
from .core import apply
from .machine import SYSTEM
from .settings import settings_for

RECHECK_DIRTY_GRACE = 2  # extra dirty samples tolerated beyond N (the unit may still be clearing up)
MANUAL = "recheck_manual"


@dataclass
class _Run:
    seq: int  # case.last_seq when the run started (a new rectification starts a new run)
    clean: int = 0
    dirty: int = 0
    unsure: int = 0
    samples: int = 0
    evidence: list[int] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    figures: dict | None = None


_runs: dict[int, _Run] = {}
_lock = threading.Lock()


def reset_recheck_runs() -> None:
    """Forget every running count (tests; a restart does the same)."""
    with _lock:
        _runs.clear()


def cases_awaiting_recheck(session: Session, camera_id: int) -> list[Case]:
    """Rectified cases of camera-visible types seen by ``camera_id``, oldest report first — not those
    handed to a person (their last transition is ``recheck_manual``)."""
    last = CaseTransition
    return list(session.scalars(
        select(Case).join(ProblemType, ProblemType.id == Case.problem_type_id)
        .join(last, and_(last.case_id == Case.id, last.seq == Case.last_seq))
        .where(Case.camera_id == camera_id, Case.state == CaseState.RECTIFIED.value,
               ProblemType.camera_visible.is_(True), last.action != MANUAL)
        .order_by(Case.handled_at, Case.id)
    ))


def awaiting_person(case: Case) -> CaseTransition | None:
    """The ``recheck_manual`` transition if the case is waiting for a person's 复核, else None."""
    if case.state != CaseState.RECTIFIED.value or not case.transitions:
        return None
    last = max(case.transitions, key=lambda t: t.seq)
    return last if last.action == MANUAL else None


def _last_action(session: Session, case: Case) -> str | None:
    return session.scalar(select(CaseTransition.action).where(CaseTransition.case_id == case.id,
                                                              CaseTransition.seq == case.last_seq))


def hand_to_person(session: Session, case: Case, reason: str, at: datetime,
                   data: dict | None = None) -> CaseTransition:
    """转人工复核: the camera cannot decide; the case waits, with ``reason``, for a supervisor."""
    _runs.pop(case.id, None)
    at = max(as_utc(at), as_utc(case.updated_at))
    return apply(session, case, MANUAL, actor="camera", actor_role=SYSTEM, at=at,
                 note=f"摄像机无法自动复核：{reason}，请人工复核", data=data or {})


def report_recheck_sample(session: Session, case: Case, clean: bool | None, at: datetime,
                          evidence_id: int | None = None, *, reason: str = "", figures: dict | None = None,
                          attach: Callable[[], list[int]] | None = None) -> CaseTransition | None:
    """Count one re-check sample (``clean``: True / False / None = cannot tell, with ``reason``); returns
    the transition it caused (verify→close gives the close), or None. ``attach`` is called once a verdict
    is reached and returns evidence ids (the deciding frames) to attach to it."""
    if case.state != CaseState.RECTIFIED.value or _last_action(session, case) == MANUAL:
        _runs.pop(case.id, None)  # closed, sent back, or waiting for a person: the camera no longer decides
        return None
    cfg = settings_for(session).config
    n = cfg.recheck_clean_samples
    with _lock:
        run = _runs.get(case.id)
        if run is None or run.seq != case.last_seq:
            run = _runs[case.id] = _Run(seq=case.last_seq)
        run.samples += 1
        run.figures = figures
        if evidence_id is not None:
            run.evidence.append(evidence_id)
        if clean is True:
            run.clean, run.dirty, run.unsure = run.clean + 1, 0, 0
        elif clean is False:
            run.clean, run.dirty, run.unsure = 0, run.dirty + 1, 0
        else:
            run.clean, run.unsure = 0, run.unsure + 1
            run.reasons[reason or "无法比对"] = run.reasons.get(reason or "无法比对", 0) + 1
        verdict = ("clean" if run.clean >= n else "dirty" if run.dirty >= n + RECHECK_DIRTY_GRACE
                   else "manual" if run.unsure >= cfg.recheck_unsure_samples else None)
        if verdict is None:
            return None
        _runs.pop(case.id, None)
    attachments = run.evidence[-3:] + (attach() if attach is not None else [])
    data = {"recheck": {"samples": run.samples, "clean_run": run.clean, "dirty_run": run.dirty,
                        "unsure_run": run.unsure, "required": n, "last": run.figures},
            "attachments": attachments}
    if verdict == "manual":
        why = max(run.reasons, key=run.reasons.get)
        data["recheck"]["reasons"] = run.reasons
        return hand_to_person(session, case, f"连续{run.unsure}次抽样{why}", at, data)
    at = max(as_utc(at), as_utc(case.updated_at))
    if verdict == "clean":
        apply(session, case, "verify", actor="camera", actor_role=SYSTEM, at=at,
              note=f"摄像机复核：连续{run.clean}次抽样与整改前背景一致、问题已不在", data=data)
        return apply(session, case, "close", actor="camera", actor_role=SYSTEM, at=at, note="复核通过，自动销号")
    return apply(session, case, "rework", actor="camera", actor_role=SYSTEM, at=at,
                 note=f"摄像机复核：连续{run.dirty}次抽样仍有问题，退回整改", data=data)
