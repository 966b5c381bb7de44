"""The state machine of a case, in one table, and the projection of the log onto the case row.

Every action is a :class:`Rule`: from which states it may run, the state it leads to, which roles may
perform it and whether a note (reason) is required. :func:`effect` is the ONE place where a transition
changes the case projection; :func:`replay_case` folds it over a log, so the stored case row can always be
recomputed from its transitions (and tests check that it is).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from ..cases import CaseState as S

SYSTEM = "system"  # actor_role of automatic steps (auto-accept, routing, camera re-check, deadline jobs)
ADMIN, SUPERVISOR, UNIT = "admin", "supervisor", "unit"
STAFF = frozenset({ADMIN, SUPERVISOR})
OPEN_STATES = frozenset({S.FOUND.value, S.ACCEPTED.value, S.DISPATCHED.value, S.RECTIFIED.value, S.VERIFIED.value})
DONE_STATES = frozenset({S.VERIFIED.value, S.CLOSED.value})  # "handled": rectification accepted


@dataclass(frozen=True)
class Rule:
    action: str
    label: str              # Chinese name shown in timelines and documents
    sources: frozenset[str]  # states the action may run from
    target: str | None       # resulting state; None = stays where it is
    roles: frozenset[str]    # who may perform it
    needs_note: bool = False


def _r(action, label, sources, target, roles, needs_note=False) -> Rule:
    return Rule(action, label, frozenset(s.value for s in sources), None if target is None else target.value,
                frozenset(roles), needs_note)


_DISP = [S.DISPATCHED]
RULES: dict[str, Rule] = {r.action: r for r in [
    _r("open", "发现", [], S.FOUND, {SYSTEM, ADMIN, SUPERVISOR, UNIT, "edge", "citizen", "inspector"}),
    _r("accept", "立案", [S.FOUND], S.ACCEPTED, {SYSTEM, ADMIN, SUPERVISOR}),
    _r("dispatch", "交办", [S.ACCEPTED], S.DISPATCHED, {SYSTEM, ADMIN, SUPERVISOR}),
    _r("return", "退回", _DISP, S.ACCEPTED, {UNIT, ADMIN, SUPERVISOR}, needs_note=True),
    _r("request_extension", "申请延期", _DISP, None, {UNIT}, needs_note=True),
    _r("approve_extension", "批准延期", _DISP, None, {ADMIN, SUPERVISOR}),
    _r("reject_extension", "驳回延期", _DISP, None, {ADMIN, SUPERVISOR}, needs_note=True),
    _r("rectify", "整改反馈", _DISP, S.RECTIFIED, {UNIT, ADMIN, SUPERVISOR, SYSTEM}),
    _r("verify", "复核通过", [S.RECTIFIED], S.VERIFIED, {SYSTEM, ADMIN, SUPERVISOR}),
    _r("rework", "返工", [S.RECTIFIED], S.DISPATCHED, {SYSTEM, ADMIN, SUPERVISOR}, needs_note=True),
    _r("recheck_manual", "转人工复核", [S.RECTIFIED], None, {SYSTEM}, needs_note=True),
    _r("close", "销号", [S.VERIFIED], S.CLOSED, {SYSTEM, ADMIN, SUPERVISOR}),
    _r("invalidate", "作废", [S.FOUND, S.ACCEPTED, S.DISPATCHED, S.RECTIFIED], S.INVALID, {ADMIN, SUPERVISOR},
       needs_note=True),
    _r("escalate", "督办", _DISP, None, {SYSTEM, ADMIN, SUPERVISOR}),
    _r("remind", "催办提醒", _DISP, None, {SYSTEM, ADMIN, SUPERVISOR}),
]}

STATE_LABELS = {S.FOUND.value: "发现", S.ACCEPTED.value: "立案", S.DISPATCHED.value: "交办",
                S.RECTIFIED.value: "整改", S.VERIFIED.value: "复核", S.CLOSED.value: "销号", S.INVALID.value: "作废"}

# The case columns that the log determines (the projection).
PROJECTION_FIELDS = (
    "state", "unit_id", "found_at", "accepted_at", "dispatched_at", "deadline_at", "handled_at", "verified_at",
    "closed_at", "rework_count", "extension_count", "return_count", "escalated", "last_seq", "updated_at",
    "problem_type_id", "type_unconfirmed",
)


def empty_projection() -> dict[str, Any]:
    p: dict[str, Any] = dict.fromkeys(PROJECTION_FIELDS)
    p.update(rework_count=0, extension_count=0, return_count=0, escalated=False, last_seq=0, type_unconfirmed=False)
    return p


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def effect(p: dict[str, Any], action: str, to_state: str, at: datetime, data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one transition to projection ``p`` (mutated and returned). The only place a case changes."""
    p["state"] = to_state
    p["last_seq"] = (p["last_seq"] or 0) + 1
    p["updated_at"] = at
    if action == "open":
        p["found_at"] = at
        p["problem_type_id"] = data.get("problem_type_id", p["problem_type_id"])
        p["type_unconfirmed"] = bool(data.get("type_unconfirmed", False))
    elif action == "accept":
        p["accepted_at"] = p["accepted_at"] or at
        if data.get("problem_type_id") is not None:  # type confirmed or changed at 立案 (类型待确认)
            p["problem_type_id"] = data["problem_type_id"]
            p["type_unconfirmed"] = False
    elif action == "dispatch":
        p["unit_id"] = data["unit_id"]
        p["deadline_at"] = parse_time(data.get("deadline"))
        p["dispatched_at"] = p["dispatched_at"] or at
        p["escalated"] = False
    elif action == "return":
        p["unit_id"] = None
        p["deadline_at"] = None
        p["return_count"] += 1
        p["escalated"] = False
    elif action == "approve_extension":
        p["deadline_at"] = parse_time(data.get("deadline"))
        p["extension_count"] += 1
        p["escalated"] = False
    elif action == "rectify":
        p["handled_at"] = at
    elif action == "verify":
        p["verified_at"] = at
    elif action == "rework":
        p["rework_count"] += 1
        p["deadline_at"] = parse_time(data.get("deadline"))
        p["escalated"] = False
    elif action == "close":
        p["closed_at"] = at
    elif action == "escalate":
        p["escalated"] = True
    return p


def replay_case(transitions: Iterable[Any]) -> dict[str, Any]:
    """Recompute a case's projection from its transitions (rows or dicts with action, to_state, at, data)."""
    p = empty_projection()
    for t in sorted(transitions, key=lambda t: _get(t, "seq")):
        effect(p, _get(t, "action"), _get(t, "to_state"), _get(t, "at"), _get(t, "data") or {})
    return p


def pending_extension(transitions: Iterable[Any]) -> Any | None:
    """The open extension request of a case (a request not yet approved/rejected/superseded), or None."""
    pending = None
    for t in sorted(transitions, key=lambda t: _get(t, "seq")):
        action = _get(t, "action")
        if action == "request_extension":
            pending = t
        elif action in ("approve_extension", "reject_extension", "return", "rectify", "invalidate", "dispatch"):
            pending = None
    return pending


def _get(t: Any, name: str) -> Any:
    return t[name] if isinstance(t, Mapping) else getattr(t, name)
