"""Opening cases and performing actions: each appends one :class:`CaseTransition` and updates the case
projection through :func:`machine.effect`, in the caller's transaction (nothing is committed here)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases import Case, CaseSource, CaseState, CaseTransition
from ..clock import as_utc, to_local, utcnow
from ..notify.hook import on_transition
from ..registry import Camera, ProblemType, ResponsibleUnit
from .errors import WorkflowError, WorkflowForbidden
from .machine import PROJECTION_FIELDS, RULES, STATE_LABELS, SYSTEM, UNIT, effect, pending_extension
from .routing import district_of_point, resolve_unit
from .settings import settings_for

AUTO_ACCEPT_SOURCES = (CaseSource.CAMERA.value, CaseSource.EDGE.value)


def open_case(
    session: Session, *, source: str, problem_type: ProblemType | int, found_at: datetime, actor: str,
    actor_role: str, point=None, camera=None, zone: str | None = None, box: list[float] | None = None,
    lon: float | None = None, lat: float | None = None, description: str | None = None,
    score: float | None = None, external_ref: str | None = None, reporter_contact: str | None = None,
    previous_case=None, address: str | None = None, demo_history: bool = False,
    type_unconfirmed: bool = False,
) -> Case:
    """Create a case (发现) with its first transition; auto-accept and auto-dispatch when configured.

    ``problem_type``, ``point``, ``camera`` and ``previous_case`` accept a row or an id. Camera and edge
    cases of types marked ``auto_accept`` are accepted at once (when ``auto_accept_camera_cases``); an
    accepted case with a route is dispatched at once (when ``auto_dispatch``), else it waits in the
    supervisor queue. ``type_unconfirmed`` (类型待确认: detection found a thing no type rule took and
    raised it as the best allowed type) keeps the case in the supervisor queue: it is never auto-accepted;
    the supervisor confirms or changes the type at 立案 (``accept`` with ``problem_type_id``).
    """
    try:
        source = CaseSource(source).value
    except ValueError:
        raise WorkflowError(f"source: unknown case source {source!r}; expected one of "
                            f"{', '.join(s.value for s in CaseSource)}") from None
    ptype = problem_type if isinstance(problem_type, ProblemType) else session.get(ProblemType, problem_type)
    if ptype is None:
        raise WorkflowError(f"problem_type: unknown problem type {problem_type!r}")
    cam = camera if isinstance(camera, Camera) or camera is None else session.get(Camera, camera)
    if camera is not None and cam is None:
        raise WorkflowError(f"camera: unknown camera {camera!r}")
    point_id = _id(point)
    if point_id is None and cam is not None:
        point_id = cam.point_id
    if box is not None and (len(box) != 4 or not all(isinstance(v, (int, float)) for v in box)):
        raise WorkflowError(f"box: expected [x1, y1, x2, y2] relative coordinates, got {box!r}")
    found_at = as_utc(found_at)
    case = Case(
        code="T" + uuid.uuid4().hex[:24], source=source, state=CaseState.FOUND.value,
        problem_type_id=ptype.id, point_id=point_id, camera_id=cam.id if cam is not None else None,
        district_id=district_of_point(session, point_id), zone=zone, box=list(box) if box else None,
        lon=lon, lat=lat, description=description, score=score, external_ref=external_ref,
        reporter_contact=reporter_contact, previous_case_id=_id(previous_case), found_at=found_at,
        address=address, demo_history=demo_history,
        rework_count=0, extension_count=0, return_count=0, escalated=False, last_seq=0, updated_at=found_at,
        type_unconfirmed=bool(type_unconfirmed), transitions=[],  # a new case has no log yet: appending needs no SELECT to load it
    )
    session.add(case)
    session.flush()
    case.code = f"AJ{to_local(found_at):%Y%m%d}{case.id:07d}"
    _append(session, case, "open", actor=actor, actor_role=actor_role, at=found_at, note=description,
            data={"source": source, "problem_type_id": ptype.id, "point_id": point_id,
                  "camera_id": case.camera_id, "zone": zone, "score": score,
                  **({"type_unconfirmed": True} if type_unconfirmed else {})}, flush=False)
    cfg = settings_for(session).config
    if source in AUTO_ACCEPT_SOURCES and ptype.auto_accept and cfg.auto_accept_camera_cases and not type_unconfirmed:
        apply(session, case, "accept", actor="auto", actor_role=SYSTEM, at=found_at, note="自动立案", flush=False)
        if cfg.auto_dispatch:
            auto_dispatch(session, case, at=found_at, flush=False)
    session.flush()  # the case's code and projection and its first transitions, in one go
    return case


def auto_dispatch(session: Session, case: Case, at: datetime | None = None, *,
                  flush: bool = True) -> CaseTransition | None:
    """Dispatch an accepted case along its route; ``None`` (stays in the supervisor queue) without one."""
    unit_id, how = resolve_unit(session, case.problem_type_id, case.district_id, case.point_id)
    if unit_id is None:
        return None
    return apply(session, case, "dispatch", actor="auto", actor_role=SYSTEM, at=at, note="自动派遣",
                 data={"unit_id": unit_id, "route": how}, flush=flush)


def apply(
    session: Session, case: Case, action: str, *, actor: str, actor_role: str, at: datetime | None = None,
    note: str | None = None, data: dict[str, Any] | None = None, actor_unit_id: int | None = None,
    flush: bool = True,
) -> CaseTransition:
    """Perform ``action`` on ``case`` as ``actor`` (``actor_role``; unit operators pass their unit id).

    Raises :class:`WorkflowError` for an illegal transition or bad data and :class:`WorkflowForbidden` when
    the role (or unit) may not act; the case is then unchanged. Action data:

    - ``accept``: ``problem_type_id`` (optional; required for a case whose type is to be confirmed,
      类型待确认): the type confirmed or changed at 立案, logged with ``from_problem_type_id``;
    - ``dispatch``: ``unit_id`` (optional: routed when absent), ``deadline`` (ISO time, optional: per type);
    - ``request_extension``: ``hours`` (extra hours) or ``deadline`` (ISO time) requested;
    - ``approve_extension``: optional ``deadline`` overriding the requested one;
    - ``rectify``: ``attachments`` (evidence ids), ``demo`` (simulation hints);
    - any action: other keys are kept in the log as given.

    ``flush=False`` leaves the transition pending in the session (the caller flushes, as :func:`open_case`
    does once for its first three transitions).
    """
    rule = RULES.get(action)
    if rule is None or action == "open":
        raise WorkflowError(f"{case.code}: unknown action {action!r}; expected one of "
                            f"{', '.join(a for a in RULES if a != 'open')}")
    state = case.state
    if state not in rule.sources:
        raise WorkflowError(f"{case.code}: cannot {action} ({rule.label}) a case in state {state} "
                            f"({STATE_LABELS.get(state, state)})", reason="bad_state", action=rule.label,
                            state=STATE_LABELS.get(state, state))
    if actor_role not in rule.roles:
        raise WorkflowForbidden(f"{case.code}: role {actor_role!r} may not {action} ({rule.label}); "
                                f"allowed: {', '.join(sorted(rule.roles))}")
    if actor_role == UNIT and (actor_unit_id is None or actor_unit_id != case.unit_id):
        raise WorkflowForbidden(f"{case.code}: a unit operator may act only on cases of their own unit")
    if rule.needs_note and not (note and note.strip()):
        raise WorkflowError(f"{case.code}: note: {action} ({rule.label}) needs a reason", reason="needs_note",
                            action=rule.label)
    if at is None:  # "now", but never before the last change (simulated time may run ahead of the clock)
        at = utcnow() if case.updated_at is None else max(utcnow(), as_utc(case.updated_at))
    at = as_utc(at)
    if case.updated_at is not None and at < as_utc(case.updated_at):
        raise WorkflowError(f"{case.code}: at: {at.isoformat()} is before the case's last change "
                            f"{as_utc(case.updated_at).isoformat()}", reason="stale")
    data = dict(data or {})
    data = _prepare(session, case, action, at, data)
    return _append(session, case, action, actor=actor, actor_role=actor_role, at=at, note=note, data=data,
                   flush=flush)


def deadline_for(session: Session, case: Case, start: datetime) -> datetime:
    ptype = session.get(ProblemType, case.problem_type_id)
    return settings_for(session).calendar.deadline(start, ptype.deadline_value, ptype.deadline_unit)


def _prepare(session: Session, case: Case, action: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """Validate and complete the data an action records (unit, deadline …)."""
    if action == "accept":
        type_id = data.get("problem_type_id")
        if type_id is None and case.type_unconfirmed:
            raise WorkflowError(f"{case.code}: problem_type_id: the type is to be confirmed (类型待确认); "
                                f"confirm it or choose another at 立案")
        if type_id is not None:
            with session.no_autoflush:
                ptype = session.get(ProblemType, type_id) if isinstance(type_id, int) and \
                    not isinstance(type_id, bool) else None
            if ptype is None:
                raise WorkflowError(f"{case.code}: problem_type_id: unknown problem type {type_id!r}")
            data["from_problem_type_id"] = case.problem_type_id
    elif action == "dispatch":
        unit_id = data.get("unit_id")
        if unit_id is None:
            unit_id, data["route"] = resolve_unit(session, case.problem_type_id, case.district_id, case.point_id)
            if unit_id is None:
                raise WorkflowError(f"{case.code}: unit_id: no route for this case; choose a unit", reason="no_route")
        with session.no_autoflush:  # a registry read: pending transitions need not be flushed first
            known = isinstance(unit_id, int) and session.get(ResponsibleUnit, unit_id) is not None
        if not known:
            raise WorkflowError(f"{case.code}: unit_id: unknown responsible unit {unit_id!r}", reason="unknown_unit")
        data["unit_id"] = unit_id
        data["deadline"] = _deadline_value(case, data.get("deadline")) or deadline_for(session, case, at).isoformat()
    elif action == "return":
        data["from_unit_id"] = case.unit_id
    elif action == "request_extension":
        if pending_extension(case.transitions) is not None:
            raise WorkflowError(f"{case.code}: an extension request is already pending", reason="extension_pending")
        if "hours" in data:
            hours = data["hours"]
            if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 90:
                raise WorkflowError(f"{case.code}: hours: expected a number of hours in (0, 2160], got {hours!r}",
                                    reason="bad_hours")
            base = as_utc(case.deadline_at) if case.deadline_at else at
            data["deadline"] = (base + _hours(hours)).isoformat()
        elif "deadline" in data:
            data["deadline"] = _deadline_value(case, data["deadline"])
        else:
            raise WorkflowError(f"{case.code}: hours: say how long the extension is (hours or deadline)",
                                reason="bad_hours")
    elif action in ("approve_extension", "reject_extension"):
        req = pending_extension(case.transitions)
        if req is None:
            raise WorkflowError(f"{case.code}: no pending extension request to {action.split('_')[0]}",
                                reason="no_extension")
        data["request_seq"] = req.seq
        if action == "approve_extension":
            data["deadline"] = _deadline_value(case, data.get("deadline")) or req.data["deadline"]
    elif action == "rework":
        data["deadline"] = _deadline_value(case, data.get("deadline")) or deadline_for(session, case, at).isoformat()
        data["unit_id"] = case.unit_id
    elif action == "escalate":
        unit = session.get(ResponsibleUnit, case.unit_id) if case.unit_id else None
        data.setdefault("notify", {"units": [u for u in (case.unit_id, unit.parent_id if unit else None) if u],
                                   "roles": ["supervisor"]})
        data.setdefault("deadline", case.deadline_at.isoformat() if case.deadline_at else None)
    elif action == "rectify":
        att = data.get("attachments", [])
        if not isinstance(att, list) or not all(isinstance(a, int) for a in att):
            raise WorkflowError(f"{case.code}: attachments: expected a list of evidence ids, got {att!r}")
    return data


def _deadline_value(case: Case, value: Any) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise WorkflowError(f"{case.code}: deadline: not an ISO date-time: {value!r}", reason="bad_deadline") from None
    if parsed.tzinfo is None:
        raise WorkflowError(f"{case.code}: deadline: needs a time zone (e.g. +08:00): {value!r}",
                            reason="bad_deadline")
    return as_utc(parsed).isoformat()


def _hours(h: float):
    from datetime import timedelta

    return timedelta(hours=h)


def _append(session: Session, case: Case, action: str, *, actor: str, actor_role: str, at: datetime,
            note: str | None, data: dict[str, Any], flush: bool = True) -> CaseTransition:
    rule = RULES[action]
    to_state = rule.target or case.state
    if not actor or len(actor) > 64:
        raise WorkflowError(f"{case.code}: actor: must be 1–64 characters")
    t = CaseTransition(case_id=case.id, seq=case.last_seq + 1, action=action,
                       from_state=None if action == "open" else case.state, to_state=to_state, actor=actor,
                       actor_role=actor_role, at=at, note=note, data=data)
    projection = {f: getattr(case, f) for f in PROJECTION_FIELDS}
    if action == "open":
        projection["last_seq"] = 0
    effect(projection, action, to_state, at, data)
    for key, value in projection.items():
        setattr(case, key, value)
    with session.no_autoflush:
        case.transitions.append(t)  # loads the collection first (without flushing t), then adds t once
    session.add(t)
    on_transition(session, case, t)  # its notifications: outbox rows in this same transaction
    if flush:
        session.flush()
    return t


def case_for_update(session: Session, case_id: int) -> Case | None:
    """Load a case locked for update (PostgreSQL; SQLite serialises writers anyway)."""
    return session.scalar(select(Case).where(Case.id == case_id).with_for_update())


def _id(value) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return value.id
