"""Shared pieces of the fault tests: a tiny registry whose cameras watch one "plaza" zone for one generic
problem type (anything that appears and stays is raised, quickly), synthetic frames with objects that appear
at known times, and the invariants every fault must leave intact (no duplicate open case, every case the
projection of its log)."""
from __future__ import annotations

from collections import defaultdict

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cases import Case, CaseState, CaseTransition
from models.detection.problems import iou
from models.registry import Camera, District, MonitoringPoint, ProblemType, ResponsibleUnit
from models.workflow.machine import PROJECTION_FIELDS, replay_case

TYPE_CODE = "PTF1"
PLAZA = {"name": "广场", "kind": "plaza", "polygon": [[0.02, 0.3], [0.98, 0.3], [0.98, 0.98], [0.02, 0.98]],
         "types": [TYPE_CODE]}
OPEN_STATES = (CaseState.FOUND.value, CaseState.ACCEPTED.value, CaseState.DISPATCHED.value,
               CaseState.RECTIFIED.value)


def make_fault_city(session: Session, cameras: list[tuple[str, str, str | None, float]], *, dwell_s: float = 6.0,
                    deadline_hours: float = 24.0) -> None:
    """Registry: one district, unit, point; ``cameras`` = ``(code, source kind, url, sample_every_s)``; one generic
    type (``PTF1`` 故障测试堆物: whatever appears in the plaza and stays ``dwell_s``), auto-accepted and dispatched."""
    d = District(adcode="350699", name="测试区", kind="urban_district", lon=117.6, lat=24.5)
    session.add(d)
    session.flush()
    unit = ResponsibleUnit(code="U-T", name="测试街道", kind="street_office", district_id=d.id)
    session.add(unit)
    session.flush()
    point = MonitoringPoint(code="P-T1", name="测试广场", category="公园广场", district_id=d.id, lon=117.6, lat=24.5,
                            units=[unit])
    session.add(point)
    session.flush()
    for code, kind, url, every in cameras:
        session.add(Camera(code=code, name=f"测试{code}", point_id=point.id, source_kind=kind, source_url=url,
                           sample_every_s=every, zones=[dict(PLAZA)], enabled=True, health="unknown"))
    session.add(ProblemType(code=TYPE_CODE, name="故障测试堆物", major_class="市容环境", camera_visible=True,
                            signals=["stationary_object"], zone_kinds=["plaza"], dwell_s=dwell_s, active_hours=None,
                            confirm_frames=3, dedup_window_s=3600, dedup_radius_m=50, severity=2,
                            deadline_value=deadline_hours, deadline_unit="hours", auto_accept=True,
                            default_unit_id=unit.id, params={}))
    session.flush()


def ground(w: int = 320, h: int = 240, seed: int = 5) -> np.ndarray:
    """A plain paved square with mild texture (objects on it stand out)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (128, 132, 138)
    img[: int(0.3 * h)] = (170, 175, 185)
    for x in range(0, w, max(8, w // 20)):
        cv2.line(img, (x, int(0.3 * h)), (x, h), (118, 121, 126), 1)
    return np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)


def slot_box(k: int, cols: int = 4) -> tuple[float, float, float, float]:
    """The relative box of object slot ``k`` (a grid inside the plaza; slots never touch)."""
    col, row = k % cols, k // cols
    x1, y1 = 0.08 + col * 0.22, 0.38 + row * 0.2
    return x1, y1, x1 + 0.1, y1 + 0.12


def draw_object(img: np.ndarray, box, colour=(30, 60, 200)) -> None:
    h, w = img.shape[:2]
    x1, y1, x2, y2 = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    cv2.rectangle(img, (x1, y1), (x2, y2), colour, -1)
    cv2.rectangle(img, (x1, y1), (x2, y2), (20, 20, 20), 1)


def with_objects(base: np.ndarray, slots, rng: np.random.Generator | None = None) -> np.ndarray:
    img = base.copy()
    for k in slots:
        draw_object(img, slot_box(k), ((37 * k) % 200 + 20, 60, 200 - (29 * k) % 150))
    if rng is not None:
        img = np.clip(img + rng.normal(0, 1.5, img.shape), 0, 255).astype(np.uint8)
    return img


# -- invariants ---------------------------------------------------------------------------------------------
def duplicate_open_cases(session: Session) -> list[tuple[int, int]]:
    """Pairs of open camera cases for the same problem: same camera, type and zone, overlapping boxes."""
    cases = session.scalars(select(Case).where(Case.state.in_(OPEN_STATES), Case.camera_id.is_not(None),
                                               Case.box.is_not(None)).order_by(Case.id)).all()
    groups: dict[tuple, list[Case]] = defaultdict(list)
    for c in cases:
        groups[(c.camera_id, c.problem_type_id, c.zone)].append(c)
    out = []
    for group in groups.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if iou(a.box, b.box) >= 0.3:
                    out.append((a.id, b.id))
    return out


def log_problems(session: Session) -> list[str]:
    """Every way a case differs from its transition log: a gap or a broken from→to chain, a current state that
    is not the last transition's to-state, or a projected field that replaying the log does not give."""
    bad = []
    log: dict[int, list] = defaultdict(list)
    for t in session.execute(select(CaseTransition.case_id, CaseTransition.seq, CaseTransition.action,
                                    CaseTransition.from_state, CaseTransition.to_state, CaseTransition.at,
                                    CaseTransition.data).order_by(CaseTransition.case_id, CaseTransition.seq)):
        log[t.case_id].append(t)
    for case in session.scalars(select(Case).order_by(Case.id)):
        ts = log.get(case.id, [])
        if not ts:
            bad.append(f"case {case.id}: no transitions")
            continue
        if [t.seq for t in ts] != list(range(1, len(ts) + 1)):
            bad.append(f"case {case.id}: transition seqs {[t.seq for t in ts]} have gaps or repeats")
        for prev, nxt in zip(ts, ts[1:]):
            if nxt.from_state != prev.to_state:
                bad.append(f"case {case.id}: seq {nxt.seq} from {nxt.from_state} but seq {prev.seq} went to "
                           f"{prev.to_state}")
        if case.state != ts[-1].to_state or case.last_seq != ts[-1].seq:
            bad.append(f"case {case.id}: state {case.state}/seq {case.last_seq} but log ends {ts[-1].to_state}/"
                       f"{ts[-1].seq}")
        replayed = replay_case([{"seq": t.seq, "action": t.action, "to_state": t.to_state, "at": t.at,
                                 "data": t.data} for t in ts])
        diff = {f: (getattr(case, f), replayed[f]) for f in PROJECTION_FIELDS if getattr(case, f) != replayed[f]}
        if diff:
            bad.append(f"case {case.id}: projection differs from the log: {diff}")
    return bad
