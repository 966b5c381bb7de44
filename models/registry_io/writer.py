"""Writing validated registry tables into the database (inside the caller's transaction).

Rows are matched by code (districts by adcode): existing rows are updated in place (their ids, and so
the cases, users and tokens that point at them, are kept), new rows inserted, and rows absent from the
import deleted. Link tables (point ↔ units, problem type ↔ indicators, indicator assignments, routing
rules) are replaced as a whole.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..clock import utcnow
from ..notifications import UnitContact
from ..registry import (
    Camera, District, Indicator, IndicatorAssignment, MonitoringPoint, ProblemType, ResponsibleUnit, RoutingRule,
    point_units, problem_type_indicators,
)
from .errors import RegistryImportError
from .schema import ParsedTable

REGISTRY_MODELS = (District, ResponsibleUnit, MonitoringPoint, Camera, Indicator, ProblemType)


def registry_counts(session: Session) -> dict[str, int]:
    """Rows per registry table, named as in the files."""
    models = {
        "districts": District, "units": ResponsibleUnit, "points": MonitoringPoint, "cameras": Camera,
        "indicators": Indicator, "indicator_assignments": IndicatorAssignment, "problem_types": ProblemType,
        "routing_rules": RoutingRule, "unit_contacts": UnitContact,
    }
    return {name: session.scalar(select(func.count()).select_from(m)) or 0 for name, m in models.items()}


def is_empty(session: Session) -> bool:
    return all(session.scalar(select(func.count()).select_from(m)) == 0 for m in REGISTRY_MODELS)


def _sync(session: Session, model, key: str, rows: list[dict[str, Any]], apply: Callable[[Any, dict], None]):
    """Update rows matched by ``key``, insert new ones; return (key → object, absent objects)."""
    loaders = {MonitoringPoint: [selectinload(MonitoringPoint.units)],
               ProblemType: [selectinload(ProblemType.indicators)]}.get(model, [])
    existing = {getattr(obj, key): obj for obj in session.scalars(select(model).options(*loaders))}
    out = {}
    for values in rows:
        obj = existing.pop(values[key], None)
        if obj is None:
            obj = model()
            session.add(obj)
        apply(obj, values)
        out[values[key]] = obj
    return out, list(existing.values())


def write_tables(session: Session, tables: dict[str, ParsedTable], step: Callable[[str], None]) -> None:
    """Write every table; raise :class:`RegistryImportError` if a removed row is still referenced."""
    rows = {name: [values for _, values in parsed.rows] for name, parsed in tables.items()}
    for table in (RoutingRule, IndicatorAssignment, point_units, problem_type_indicators):
        session.execute(delete(table))
    contacts = tables.get("unit_contacts")
    if contacts is not None and contacts.present:  # contacts are replaced only when their file is given
        session.execute(delete(UnitContact))

    def district(obj: District, v: dict) -> None:
        obj.adcode, obj.name, obj.kind, obj.lon, obj.lat = v["adcode"], v["name"], v["kind"], v["lon"], v["lat"]

    districts, gone_districts = _sync(session, District, "adcode", rows["districts"], district)
    step("districts")

    def unit(obj: ResponsibleUnit, v: dict) -> None:
        obj.code, obj.name, obj.kind = v["code"], v["name"], v["kind"]
        obj.district = districts[v["district_adcode"]] if v.get("district_adcode") else None
        obj.contact_name, obj.contact_phone = v.get("contact_name"), v.get("contact_phone")

    units, gone_units = _sync(session, ResponsibleUnit, "code", rows["units"], unit)
    session.flush()  # ids in file order first, parents second (keeps export order = import order)
    for v in rows["units"]:
        units[v["code"]].parent = units[v["parent_code"]] if v.get("parent_code") else None
    step("units")

    def point(obj: MonitoringPoint, v: dict) -> None:
        obj.code, obj.name, obj.category, obj.address = v["code"], v["name"], v["category"], v.get("address")
        obj.district = districts[v["district_adcode"]]
        obj.lon, obj.lat = v["lon"], v["lat"]
        obj.units = [units[c] for c in v["unit_codes"]]

    points, gone_points = _sync(session, MonitoringPoint, "code", rows["points"], point)
    step("points")

    def camera(obj: Camera, v: dict) -> None:
        obj.code, obj.name, obj.point = v["code"], v["name"], points[v["point_code"]]
        obj.source_kind, obj.source_url = v.get("source_kind") or "simulated", v.get("source_url")
        obj.sample_every_s = v.get("sample_every_s") or 2.0
        obj.zones = v.get("zones") or []
        obj.enabled = True if v.get("enabled") is None else v["enabled"]
        if obj.health is None:
            obj.health = "unknown"

    _, gone_cameras = _sync(session, Camera, "code", rows["cameras"], camera)
    step("cameras")

    def indicator(obj: Indicator, v: dict) -> None:
        for col in ("code", "name", "creation_class", "category", "subcategory", "target", "measure", "description",
                    "auto_rule", "auto_days"):
            setattr(obj, col, v.get(col))

    indicators, gone_indicators = _sync(session, Indicator, "code", rows["indicators"], indicator)
    step("indicators")

    def problem_type(obj: ProblemType, v: dict) -> None:
        for col in ("code", "name", "major_class", "camera_visible", "dwell_s", "active_hours", "confirm_frames",
                    "dedup_window_s", "dedup_radius_m", "severity", "deadline_value", "deadline_unit",
                    "auto_accept", "description"):
            setattr(obj, col, v.get(col))
        obj.signals = list(v.get("signals") or [])
        obj.zone_kinds = list(v.get("zone_kinds") or [])
        obj.params = v.get("params") or {}
        obj.default_unit = units[v["default_unit_code"]] if v.get("default_unit_code") else None
        obj.indicators = [indicators[c] for c in v.get("indicator_codes") or []]

    # problem types absent from the import go first, so a type renumbered under a new code can keep its
    # (unique) Chinese name; their links were cleared above, so only cases/observations can hold them
    kept = {v["code"] for v in rows["problem_types"]}
    _remove(session, [("problem_types", [t for t in session.scalars(select(ProblemType)) if t.code not in kept])])
    types, _ = _sync(session, ProblemType, "code", rows["problem_types"], problem_type)
    step("problem_types")

    now = utcnow()
    for v in rows.get("indicator_assignments", []):
        session.add(IndicatorAssignment(
            indicator=indicators[v["indicator_code"]], unit=units[v["unit_code"]], target=v.get("target"),
            progress=v.get("progress") or 0.0, evidence=v.get("evidence"), updated_at=now,
            updated_by="registry import",
        ))
    step("indicator_assignments")
    session.flush()
    for v in rows.get("routing_rules", []):
        session.add(RoutingRule(
            problem_type_id=types[v["problem_type_code"]].id,
            district_id=districts[v["district_adcode"]].id if v.get("district_adcode") else None,
            point_id=points[v["point_code"]].id if v.get("point_code") else None,
            unit_id=units[v["unit_code"]].id,
        ))
    for v in rows.get("unit_contacts", []) if contacts is not None and contacts.present else []:
        session.add(UnitContact(unit_id=units[v["unit_code"]].id, role=v["role"], name=v.get("name"),
                                channel=v["channel"], address=v.get("address") or ""))
    session.flush()
    step("routing_rules")
    _remove(session, [
        ("cameras", gone_cameras), ("points", gone_points),
        ("indicators", gone_indicators), ("units", _deepest_first(gone_units)), ("districts", gone_districts),
    ])


def _deepest_first(units: list[ResponsibleUnit]) -> list[ResponsibleUnit]:
    def depth(u: ResponsibleUnit) -> int:
        d, seen = 0, set()
        while u.parent is not None and u.id not in seen:
            seen.add(u.id)
            u, d = u.parent, d + 1
        return d

    return sorted(units, key=depth, reverse=True)


def _remove(session: Session, groups: list[tuple[str, list]]) -> None:
    for name, objects in groups:
        if not objects:
            continue
        keys = [getattr(o, "code", None) or getattr(o, "adcode", "?") for o in objects]  # before a failed flush
        for obj in objects:
            session.delete(obj)
        try:
            session.flush()
        except IntegrityError:
            shown = ", ".join(keys[:10]) + (" …" if len(keys) > 10 else "")
            raise RegistryImportError(
                f"cannot remove {name} {shown}: they are absent from the import but cases, observations, "
                "users or tokens still refer to them; keep them in the registry files"
            ) from None
