"""Routing (派遣): problem type × district × point → responsible unit.

Order: the most specific :class:`RoutingRule` (point match beats district match beats a type-wide rule;
ties → lowest rule id), then the type's default unit, then the point's first unit. No route → the case
waits in the supervisor queue (accepted, no unit); it is never lost.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..registry import MonitoringPoint, ProblemType, RoutingRule, point_units


def resolve_unit(session: Session, problem_type_id: int, district_id: int | None,
                 point_id: int | None) -> tuple[int | None, str]:
    """(unit id, how it was found: ``rule:<id>``, ``type_default``, ``point_unit`` or ``none``).

    Reads only the registry, so it does not flush the caller's pending case changes first."""
    with session.no_autoflush:
        return _resolve_unit(session, problem_type_id, district_id, point_id)


def _resolve_unit(session: Session, problem_type_id: int, district_id: int | None,
                  point_id: int | None) -> tuple[int | None, str]:
    best = None
    for rule in session.scalars(select(RoutingRule).where(RoutingRule.problem_type_id == problem_type_id)):
        if rule.point_id is not None and rule.point_id != point_id:
            continue
        if rule.district_id is not None and rule.district_id != district_id:
            continue
        rank = (2 if rule.point_id is not None else 0) + (1 if rule.district_id is not None else 0)
        if best is None or rank > best[0] or (rank == best[0] and rule.id < best[1].id):
            best = (rank, rule)
    if best is not None:
        return best[1].unit_id, f"rule:{best[1].id}"
    default = session.scalar(select(ProblemType.default_unit_id).where(ProblemType.id == problem_type_id))
    if default is not None:
        return default, "type_default"
    if point_id is not None:
        unit = session.scalar(select(point_units.c.unit_id).where(point_units.c.point_id == point_id)
                              .order_by(point_units.c.unit_id).limit(1))
        if unit is not None:
            return unit, "point_unit"
    return None, "none"


def district_of_point(session: Session, point_id: int | None) -> int | None:
    if point_id is None:
        return None
    with session.no_autoflush:  # a registry read: the caller's pending changes need not be flushed first
        return session.scalar(select(MonitoringPoint.district_id).where(MonitoringPoint.id == point_id))
