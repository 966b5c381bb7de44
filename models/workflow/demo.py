"""Demo responders (演示): simulated responsible units that pick up dispatched cases and report
rectification after a random delay — only in the demo config (``demo: true`` and
``workflow.demo_responders.enabled``).

Per case (seeded by the case id, so a run is reproducible):
- a share ``overdue_share`` is left alone: it runs overdue and gets 督办;
- a share ``fail_share`` is reported fixed while it is not: the rectify transition carries
  ``data={"demo": {"fixed": False}}``; the scene simulator then leaves the object in place, the camera
  re-check fails and the case comes back as 返工; the next report is a real fix;
- the rest are fixed: ``{"demo": {"fixed": True}}`` (the simulator removes the object, re-check closes).
The report attaches no photo (a simulated unit has none; the camera's evidence shows the state *before*
the fix, and the documents' 整改后 picture comes from the camera re-check). Cases no camera can
re-check, and camera cases the re-check handed to a person (转人工复核, e.g. at night), are decided by a
simulated supervisor after the same kind of delay (a report that was not a real fix goes back, 返工).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..cases import Case, CaseState, CaseTransition
from ..clock import as_utc, utcnow
from ..config import DemoResponders
from ..registry import ProblemType
from .core import apply
from .machine import SYSTEM

BATCH = 200
DEMO_UNIT_ACTOR = "演示责任单位"
DEMO_SUPERVISOR = "演示督查员"


def plan(case_id: int, round_: int, cfg: DemoResponders, seed: int = 2024) -> tuple[float, str]:
    """(delay in seconds, outcome ``fixed`` | ``not_fixed`` | ``ignore``) for a case's ``round_``-th response."""
    rng = random.Random(f"{seed}:{case_id}:{round_}")
    delay = rng.uniform(cfg.min_delay_s, max(cfg.min_delay_s, cfg.max_delay_s))
    if round_ > 0:
        return delay, "fixed"
    x = rng.random()
    if x < cfg.overdue_share:
        return delay, "ignore"
    if x < cfg.overdue_share + cfg.fail_share:
        return delay, "not_fixed"
    return delay, "fixed"


def _last_at(case: Case, actions: tuple[str, ...]) -> datetime:
    ts = [t.at for t in case.transitions if t.action in actions]
    return as_utc(ts[-1] if ts else case.updated_at)


def run_demo_responders(session: Session, cfg: DemoResponders, now: datetime | None = None,
                        seed: int = 2024) -> dict[str, int]:
    """One pass: report rectification for due dispatched cases; verify/close rectified manual ones."""
    now = as_utc(now or utcnow())
    counts = {"rectified": 0, "not_fixed": 0, "verified": 0}
    dispatched = session.scalars(select(Case).where(Case.state == CaseState.DISPATCHED.value)
                                 .order_by(Case.dispatched_at).limit(BATCH).with_for_update(skip_locked=True)
                                 .options(selectinload(Case.transitions)))  # one query, not one per case
    for case in list(dispatched):
        delay, outcome = plan(case.id, case.rework_count, cfg, seed)
        if outcome == "ignore" or now < _last_at(case, ("dispatch", "rework")) + timedelta(seconds=delay):
            continue
        fixed = outcome == "fixed"
        # no photo: a simulated unit has none (the camera's own frames show the state before the fix; the
        # 整改后 picture of the documents is the camera re-check's)
        apply(session, case, "rectify", actor=DEMO_UNIT_ACTOR, actor_role=SYSTEM, at=max(now, case.updated_at),
              note="已整改完毕（演示）" if fixed else "已整改（演示：实际未整改）", data={"demo": {"fixed": fixed}})
        counts["rectified" if fixed else "not_fixed"] += 1
    last = CaseTransition
    manual = session.scalars(
        select(Case).join(ProblemType, ProblemType.id == Case.problem_type_id)
        .join(last, (last.case_id == Case.id) & (last.seq == Case.last_seq))
        .where(Case.state == CaseState.RECTIFIED.value,
               Case.camera_id.is_(None) | ProblemType.camera_visible.is_(False)
               | (last.action == "recheck_manual"))
        .order_by(Case.handled_at).limit(BATCH).with_for_update(of=Case, skip_locked=True))
    for case in list(manual):
        delay, _ = plan(case.id, 100 + case.rework_count, cfg, seed)
        if now < as_utc(case.handled_at) + timedelta(seconds=delay):
            continue
        at = max(now, case.updated_at)
        report = session.scalar(select(last.data).where(last.case_id == case.id, last.action == "rectify")
                                .order_by(last.seq.desc()).limit(1)) or {}
        if not (report.get("demo") or {}).get("fixed", True):  # a camera hand-over (人工复核) of an unfixed case
            apply(session, case, "rework", actor=DEMO_SUPERVISOR, actor_role="supervisor", at=at,
                  note="现场核查仍未整改（演示）")
            continue
        apply(session, case, "verify", actor=DEMO_SUPERVISOR, actor_role="supervisor", at=at, note="现场核查通过（演示）")
        apply(session, case, "close", actor=DEMO_SUPERVISOR, actor_role="supervisor", at=at, note="销号（演示）")
        counts["verified"] += 1
    return counts


def demo_rectifications(session: Session, after_id: int = 0, limit: int = 500) -> list[dict]:
    """Rectification reports (整改反馈) recorded after transition id ``after_id``, oldest first — what the scene
    simulator polls to remove (``fixed``) or leave in place (not fixed) the object of a camera case.

    Each item: ``transition_id, case_id, camera_id, camera_code, zone, box, fixed, at``. ``fixed`` is the
    demo responder's ``data.demo.fixed`` (a report without that hint — a real unit — counts as fixed).
    """
    from ..cases import CaseTransition
    from ..registry import Camera

    rows = session.execute(
        select(CaseTransition.id, CaseTransition.case_id, CaseTransition.data, CaseTransition.at, Case.camera_id,
               Camera.code, Case.zone, Case.box)
        .join(Case, Case.id == CaseTransition.case_id)
        .join(Camera, Camera.id == Case.camera_id)
        .where(CaseTransition.action == "rectify", CaseTransition.id > after_id)
        .order_by(CaseTransition.id).limit(limit))
    out = []
    for tid, case_id, data, at, camera_id, code, zone, box in rows:
        demo = (data or {}).get("demo") or {}
        out.append({"transition_id": tid, "case_id": case_id, "camera_id": camera_id, "camera_code": code,
                    "zone": zone, "box": box, "fixed": bool(demo.get("fixed", True)), "at": at})
    return out
