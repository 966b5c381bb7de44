"""The re-check references kept with a case and the camera re-check run on them (database side).

:func:`store_references` writes, at confirmation, the two reference crops of the case's box plus margin
(evidence kinds ``ref_problem`` — the problem as confirmed, from the confirmation frame — and ``ref_clean``
— the clean view from the camera's background model, which never learnt the tracked box) into the
evidence store and the ``evidence`` table, so restarts, worker restarts and re-learnt backgrounds change
nothing. :class:`Rechecker` answers each sampled frame of a camera with rectified cases: it loads the
case's references (cached per process, read back from the store after a restart), judges the live crop
with :func:`models.detection.recheck_refs.judge` and reports the sample through the workflow's re-check
API; at a verdict the deciding frame (kind ``recheck``, box drawn) and the live crop (kind
``recheck_crop``, the 整改后 picture of the documents) are attached. A case without references (confirmed
before references existed, or the evidence disk was full) is handed to a person (人工复核) at once: the
camera never passes a case it cannot compare.
"""
from __future__ import annotations

import logging
from datetime import datetime

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases import Case, CaseState, Evidence
from ..clock import as_utc
from .evidence import EvidenceStore
from .recheck_refs import REF_CLEAN, REF_PROBLEM, REFERENCE_KINDS, crop, judge

log = logging.getLogger(__name__)
REF_QUALITY = 95
RECHECK_CROP = "recheck_crop"


def _save(store: EvidenceStore, s: Session, case: Case, image: np.ndarray, box, kind: str, at: datetime,
          quality: int = 85) -> int | None:
    stored = store.save(image, box, quality=quality)
    if stored is None:
        return None
    ev = Evidence(sha256=stored.sha256, path=stored.path, kind=kind, case_id=case.id, camera_id=case.camera_id,
                  width=stored.width, height=stored.height, created_at=at)
    s.add(ev)
    s.flush()
    return ev.id


def store_references(store: EvidenceStore | None, s: Session, case: Case, image: np.ndarray | None,
                     background: np.ndarray | None, at: datetime) -> list[int]:
    """Keep the 复核 reference crops of a newly confirmed camera case; returns the evidence ids written."""
    if store is None or image is None or background is None or not case.box:
        return []
    ids = [_save(store, s, case, crop(image, case.box), None, REF_PROBLEM, at, REF_QUALITY),
           _save(store, s, case, crop(background, case.box), None, REF_CLEAN, at, REF_QUALITY)]
    return [i for i in ids if i is not None]


def load_references(s: Session, case_id: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(problem, clean)`` reference crops of a case (BGR), or None when either is missing or unreadable."""
    rows = s.execute(select(Evidence.kind, Evidence.path).where(
        Evidence.case_id == case_id, Evidence.kind.in_(REFERENCE_KINDS)).order_by(Evidence.id)).all()
    paths = {kind: path for kind, path in rows}  # the newest of each kind
    refs = []
    for kind in (REF_PROBLEM, REF_CLEAN):
        img = cv2.imread(paths[kind], cv2.IMREAD_COLOR) if kind in paths else None
        if img is None:
            if kind in paths:
                log.warning("re-check: reference %s of case %d unreadable at %s", kind, case_id, paths[kind])
            return None
        refs.append(img)
    return refs[0], refs[1]


class Rechecker:
    """Camera re-check of one process: reference crops cached per case."""

    def __init__(self, store: EvidenceStore | None):
        self.store = store
        self._refs: dict[int, dict[int, tuple[np.ndarray, np.ndarray] | None]] = {}  # camera → case → refs

    def sample(self, s: Session, camera_id: int, image: np.ndarray | None, at: datetime) -> list[int]:
        """Judge one frame for every rectified case of the camera; returns the ids of the cases closed."""
        from ..workflow import cases_awaiting_recheck, hand_to_person, report_recheck_sample

        closed = []
        cases = [c for c in cases_awaiting_recheck(s, camera_id) if c.box]
        cache = self._refs[camera_id] = {c.id: self._refs.get(camera_id, {}).get(c.id) for c in cases}
        for case in cases:
            when = max(as_utc(at), as_utc(case.updated_at))
            if cache[case.id] is None:
                cache[case.id] = load_references(s, case.id)
            refs = cache[case.id]
            if refs is None:
                hand_to_person(s, case, "案件没有复核参考图（确认时的问题画面与背景画面）", when)
                continue
            if image is None:
                continue
            try:
                v = judge(image, case.box, *refs)
            except ValueError as exc:
                hand_to_person(s, case, f"案件框无效（{exc}）", when)
                continue
            tr = report_recheck_sample(
                s, case, {"clean": True, "dirty": False}.get(v.outcome), when, reason=v.reason,
                figures=v.figures(), attach=lambda c=case, w=when: self._attach(s, c, image, w))
            if tr is not None and case.state in (CaseState.CLOSED.value, CaseState.VERIFIED.value):
                closed.append(case.id)
        return closed

    def _attach(self, s: Session, case: Case, image: np.ndarray, at: datetime) -> list[int]:
        """Keep the frame a verdict was decided on: the whole frame with the box, and the live crop."""
        if self.store is None:
            return []
        ids = [_save(self.store, s, case, image, case.box, "recheck", at),
               _save(self.store, s, case, crop(image, case.box), None, RECHECK_CROP, at, REF_QUALITY)]
        return [i for i in ids if i is not None]
