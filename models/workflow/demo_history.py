"""Demo history (演示历史数据): a year of past cases for the demo city, so the wall's year figures, trend,
rankings and funnel are full from the first minute. Live detection adds to it.

Every case goes through the real workflow (``open_case`` / ``apply``) with past times — 发现, auto 立案 and
交办 along the registry's routes (deadline per problem type and the working calendar), 整改反馈 by a
simulated unit, camera 复核 and 销号 — so its log, projection, deadlines and 四单 documents are like any
other case's, and its KPIs recompute from its log. Each case is marked ``Case.demo_history``.

Nothing here writes a total: problems arrive as a Poisson process (``cases_per_day``) at the registry's
cameras, and a simulated unit per case (seeded, reproducible) either never acts (``ignore_share``), reports
a fix that the camera re-check finds not done (``fail_share``: 返工, then a real fix), or fixes it, on time
or after the deadline (``late_share``: 督办 first). Events that would fall after ``now`` do not happen:
such cases are still open when the history ends, and the live demo responders carry on from there.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..cases import Case, CaseSource, CaseState
from ..clock import LOCAL_TZ, as_utc, utcnow
from ..config import DemoHistory
from ..registry import Camera, District, MonitoringPoint, ProblemType, ResponsibleUnit
from .core import apply, open_case
from .errors import WorkflowError
from .machine import SYSTEM

HISTORY_ACTOR = "演示历史"
UNIT_ACTOR = "演示责任单位"
RECHECK_ACTOR = "摄像头复核（演示历史）"
# 督办 of a case whose simulated unit never acts: the live demo responders leave such a case alone
IGNORED_ACTOR = "督办（演示历史：责任单位未处置）"
CHUNK = 1000  # cases per unit of work


@dataclass
class HistoryResult:
    cases: int
    transitions: int
    dispatched: int
    handled: int
    open: int


def ignored_by_history():
    """SQL condition: the case is demo history that its simulated unit never handles (stays overdue)."""
    from sqlalchemy import exists

    from ..cases import CaseTransition

    return Case.demo_history.is_(True) & exists().where(
        CaseTransition.case_id == Case.id, CaseTransition.action == "escalate", CaseTransition.actor == IGNORED_ACTOR)


def history_count(session: Session) -> int:
    """How many cases are demo history (the wall says so next to its 演示数据 badge)."""
    return session.scalar(select(func.count()).select_from(Case).where(Case.demo_history.is_(True))) or 0


def history_exists(session: Session) -> bool:
    return session.scalar(select(Case.id).where(Case.demo_history.is_(True)).limit(1)) is not None


def _arrivals(rng: random.Random, start: datetime, end: datetime, per_day: float) -> list[datetime]:
    """Problem times between ``start`` and ``end``: a Poisson process in the daytime (07:00–21:00 local)."""
    out: list[datetime] = []
    day = start.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        n = _poisson(rng, per_day)
        for _ in range(n):
            t = day + timedelta(hours=7 + 14 * rng.random())
            if start <= t < end:
                out.append(as_utc(t))
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)  # next local midnight, DST-proof
    out.sort()
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:  # normal approximation, fine at these sizes
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _respond(session: Session, case: Case, rng: random.Random, cfg: DemoHistory, now: datetime) -> None:
    """The simulated unit and camera re-check acting on one dispatched case, up to ``now``."""
    x = rng.random()
    if x < cfg.ignore_share:
        outcome = "ignore"
    elif x < cfg.ignore_share + cfg.fail_share:
        outcome = "not_fixed"
    else:
        outcome = "fixed"
    late = rng.random() < cfg.late_share
    for round_ in range(2):
        start = as_utc(case.updated_at)
        span = max(as_utc(case.deadline_at) - start, timedelta(minutes=30))
        deadline = as_utc(case.deadline_at)
        if outcome == "ignore":
            if deadline < now:  # the history's mark of a case its unit never handles (see IGNORED_ACTOR)
                apply(session, case, "escalate", actor=IGNORED_ACTOR, actor_role=SYSTEM, at=deadline,
                      note="超期督办", flush=False)
            return
        at = deadline + span * rng.uniform(0.05, 1.0) if late else start + span * rng.uniform(0.1, 0.95)
        if at >= now:  # still being handled when the history ends: the live demo responders carry on
            return
        if late:
            apply(session, case, "escalate", actor="督办（演示历史）", actor_role=SYSTEM, at=deadline,
                  note="超期督办", flush=False)
        fixed = outcome == "fixed" or round_ > 0
        apply(session, case, "rectify", actor=UNIT_ACTOR, actor_role=SYSTEM, at=at,
              note="已整改完毕（演示历史）" if fixed else "已整改（演示历史：实际未整改）",
              data={"demo": {"fixed": fixed, "history": True}, "attachments": []}, flush=False)
        check = at + timedelta(minutes=rng.uniform(10, 120))
        if check >= now:
            return
        if not fixed:
            apply(session, case, "rework", actor=RECHECK_ACTOR, actor_role=SYSTEM, at=check,
                  note="复核未通过：问题仍在（演示历史）", flush=False)
            late = False
            continue
        apply(session, case, "verify", actor=RECHECK_ACTOR, actor_role=SYSTEM, at=check, note="摄像头复核通过（演示历史）",
              flush=False)
        apply(session, case, "close", actor=RECHECK_ACTOR, actor_role=SYSTEM, at=check, note="销号（演示历史）",
              flush=False)
        return


def _places(session: Session) -> list[tuple[int, int, str, tuple[float, float, float, float], int]]:
    """Where a history problem can be: (camera id, point id, zone name, zone's bounding box, problem type id)
    for every camera zone and camera-visible, auto-accepted type whose zone kinds include the zone's kind —
    so a history case has a zone and a box like a detected one."""
    s_types = session.scalars(select(ProblemType).where(
        ProblemType.camera_visible.is_(True), ProblemType.auto_accept.is_(True)).order_by(ProblemType.id)).all()
    by_kind: dict[str, list[int]] = {}
    for t in s_types:
        for kind in t.zone_kinds or []:
            by_kind.setdefault(kind, []).append(t.id)
    out = []
    for cam in session.scalars(select(Camera).order_by(Camera.id)):
        for z in cam.zones or []:
            poly = z.get("polygon") or []
            if z.get("kind") == "mask" or len(poly) < 3:
                continue
            xs, ys = [p[0] for p in poly], [p[1] for p in poly]
            box = (min(xs), min(ys), max(xs), max(ys))
            out.extend((cam.id, cam.point_id, str(z.get("name", ""))[:40], box, tid)
                       for tid in by_kind.get(z.get("kind"), []))
    return out


def _preload_registry(session: Session) -> list:
    """Load the registry rows the workflow reads per case (points, units, types, cameras) into the session at
    once, so its per-case lookups (``session.get``) are identity-map hits instead of one query each. The
    caller keeps the returned rows referenced: the identity map holds them only weakly."""
    return [session.scalars(select(model)).all()
            for model in (MonitoringPoint, ResponsibleUnit, ProblemType, Camera, District)]


def write_history(sessions: sessionmaker[Session], cfg: DemoHistory, *, days: int | None = None,
                  now: datetime | None = None, seed: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> HistoryResult:
    """Write ``days`` days of history ending at ``now`` (default: the config's). Refuses a database that
    already has one (``WorkflowError``); needs a registry with cameras and camera-visible problem types."""
    now = as_utc(now or utcnow())
    days = days or cfg.days
    rng = random.Random(cfg.seed if seed is None else seed)
    with sessions() as s:
        if history_exists(s):
            raise WorkflowError("demo history: this database already has one (Case.demo_history)")
        places = _places(s)
    if not places:
        raise WorkflowError("demo history: the registry has no camera zone where a camera-visible, auto-accepted "
                            "problem type can appear (import a registry first)")
    times = _arrivals(rng, now - timedelta(days=days), now, cfg.cases_per_day)
    done = 0
    for i in range(0, len(times), CHUNK):
        with sessions.begin() as s:
            _keep = _preload_registry(s)  # referenced for the whole unit of work
            for found_at in times[i:i + CHUNK]:
                camera_id, point_id, zone, (x1, y1, x2, y2), type_id = rng.choice(places)
                w, h = (x2 - x1) * rng.uniform(0.08, 0.2), (y2 - y1) * rng.uniform(0.3, 0.8)
                bx, by = x1 + (x2 - x1 - w) * rng.random(), y1 + (y2 - y1 - h) * rng.random()
                case = open_case(s, source=CaseSource.CAMERA.value, problem_type=type_id, found_at=found_at,
                                 actor=HISTORY_ACTOR, actor_role=SYSTEM, camera=camera_id, point=point_id,
                                 zone=zone, box=[round(v, 4) for v in (bx, by, bx + w, by + h)],
                                 score=round(rng.uniform(0.6, 0.98), 2), demo_history=True)
                if case.state == CaseState.DISPATCHED.value:
                    _respond(s, case, rng, cfg, now)
        done = min(len(times), i + CHUNK)
        if progress:
            progress(done, len(times))
    return summarize(sessions)


def summarize(sessions: sessionmaker[Session]) -> HistoryResult:
    from ..cases import CaseTransition
    from .machine import DONE_STATES

    with sessions() as s:
        hist = Case.demo_history.is_(True)
        cases = s.scalar(select(func.count()).select_from(Case).where(hist)) or 0
        transitions = s.scalar(select(func.count()).select_from(CaseTransition).join(Case).where(hist)) or 0
        dispatched = s.scalar(select(func.count()).select_from(Case).where(hist, Case.dispatched_at.is_not(None))) or 0
        handled = s.scalar(select(func.count()).select_from(Case).where(hist, Case.state.in_(DONE_STATES))) or 0
        still_open = s.scalar(select(func.count()).select_from(Case).where(
            hist, Case.state.not_in((CaseState.CLOSED.value, CaseState.INVALID.value)))) or 0
    return HistoryResult(cases, transitions, dispatched, handled, still_open)
