"""``export_registry``: write the database's registry in the import format (CSV per table, or one workbook)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ..notifications import UnitContact
from ..registry import (
    Camera, District, Indicator, IndicatorAssignment, MonitoringPoint, ProblemType, ResponsibleUnit, RoutingRule,
)
from ..spreadsheet_cells import safe_cell
from .schema import TABLES, TABLES_BY_NAME

WORKBOOK_NAME = "registry.xlsx"
ZONE_KEY_ORDER = ("name", "kind", "polygon", "types", "dwell_s", "sensitivity", "active_hours")


def canonical_zone(zone: dict) -> dict:
    """A zone with its keys in the documented order (PostgreSQL's JSONB does not keep key order)."""
    rank = {k: i for i, k in enumerate(ZONE_KEY_ORDER)}
    return {k: zone[k] for k in sorted(zone, key=lambda k: (rank.get(k, len(rank)), k))}


def _rows(session: Session) -> dict[str, list[dict[str, object]]]:
    districts = list(session.scalars(select(District).order_by(District.id)))
    by_district_id = {d.id: d.adcode for d in districts}
    units = list(session.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.id)))
    unit_code = {u.id: u.code for u in units}
    points = list(session.scalars(
        select(MonitoringPoint).options(selectinload(MonitoringPoint.units)).order_by(MonitoringPoint.id)))
    point_code = {p.id: p.code for p in points}
    indicators = list(session.scalars(select(Indicator).order_by(Indicator.id)))
    indicator_code = {i.id: i.code for i in indicators}
    types = list(session.scalars(
        select(ProblemType).options(selectinload(ProblemType.indicators)).order_by(ProblemType.id)))
    type_code = {t.id: t.code for t in types}
    out: dict[str, list[dict[str, object]]] = {}
    out["districts"] = [dict(adcode=d.adcode, name=d.name, kind=d.kind, lon=d.lon, lat=d.lat) for d in districts]
    out["units"] = [dict(
        code=u.code, name=u.name, kind=u.kind, parent_code=unit_code.get(u.parent_id),
        district_adcode=by_district_id.get(u.district_id), contact_name=u.contact_name,
        contact_phone=u.contact_phone) for u in units]
    out["points"] = [dict(
        code=p.code, name=p.name, category=p.category, district_adcode=by_district_id[p.district_id],
        address=p.address, lon=p.lon, lat=p.lat, unit_codes=sorted(u.code for u in p.units)) for p in points]
    out["cameras"] = [dict(
        code=c.code, name=c.name, point_code=point_code[c.point_id], source_kind=c.source_kind,
        source_url=c.source_url, sample_every_s=c.sample_every_s, enabled=c.enabled,
        zones=[canonical_zone(z) if isinstance(z, dict) else z for z in c.zones or []])
        for c in session.scalars(select(Camera).order_by(Camera.id))]
    out["indicators"] = [dict(
        code=i.code, name=i.name, creation_class=i.creation_class, category=i.category, subcategory=i.subcategory,
        target=i.target, measure=i.measure, description=i.description, auto_rule=i.auto_rule,
        auto_days=i.auto_days) for i in indicators]
    out["indicator_assignments"] = [dict(
        indicator_code=indicator_code[a.indicator_id], unit_code=unit_code[a.unit_id], target=a.target,
        progress=a.progress, evidence=a.evidence)
        for a in session.scalars(select(IndicatorAssignment).order_by(
            IndicatorAssignment.indicator_id, IndicatorAssignment.unit_id))]
    out["problem_types"] = [dict(
        code=t.code, name=t.name, major_class=t.major_class, camera_visible=t.camera_visible, signals=t.signals,
        zone_kinds=t.zone_kinds, dwell_s=t.dwell_s, active_hours=t.active_hours, confirm_frames=t.confirm_frames,
        dedup_window_s=t.dedup_window_s, dedup_radius_m=t.dedup_radius_m, severity=t.severity,
        deadline_value=t.deadline_value, deadline_unit=t.deadline_unit, auto_accept=t.auto_accept,
        default_unit_code=unit_code.get(t.default_unit_id),
        indicator_codes=sorted(i.code for i in t.indicators),
        params=dict(sorted(t.params.items())) if t.params else None,
        description=t.description) for t in types]
    out["routing_rules"] = [dict(
        problem_type_code=type_code[r.problem_type_id], district_adcode=by_district_id.get(r.district_id),
        point_code=point_code.get(r.point_id), unit_code=unit_code[r.unit_id])
        for r in session.scalars(select(RoutingRule).order_by(RoutingRule.id))]
    out["unit_contacts"] = [dict(unit_code=unit_code[c.unit_id], role=c.role, name=c.name, channel=c.channel,
                                 address=c.address)
                            for c in session.scalars(select(UnitContact).order_by(UnitContact.id))]
    return out


def format_cell(kind: str, value: object) -> str:
    """A typed value as the text the importer reads back."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        return ";".join(str(v) for v in value)  # type: ignore[union-attr]
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind in ("float", "int"):
        number = float(value)  # type: ignore[arg-type]
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def _text_cell(kind: str, text: str) -> str:
    """Text columns are formula-safe (``safe_cell``; the importer reads the ``'`` back off); numbers stay numbers."""
    return text if kind in ("float", "int") else safe_cell(text)


def write_csv(path: Path, table_name: str, rows: list[dict[str, object]]) -> None:
    table = TABLES_BY_NAME[table_name]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(table.column_names)
        for row in rows:
            writer.writerow([_text_cell(c.kind, format_cell(c.kind, row.get(c.name))) for c in table.columns])


def write_workbook(path: Path, data: dict[str, list[dict[str, object]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for table in TABLES:
        sheet = wb.create_sheet(table.name)
        sheet.append(table.column_names)
        for row in data[table.name]:
            cells = []
            for col in table.columns:
                value = row.get(col.name)
                # numbers stay numbers (spreadsheet-friendly); everything else is the importer's text
                cells.append(value if col.kind in ("float", "int") and value is not None
                             else (_text_cell(col.kind, format_cell(col.kind, value)) or None))
            sheet.append(cells)
    wb.save(path)


def export_registry(sessions: sessionmaker[Session], directory: str | Path, fmt: str = "csv") -> dict[str, int]:
    """Write the registry to ``directory`` (``csv``: one file per table; ``xlsx``: ``registry.xlsx``)."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}; expected csv or xlsx")
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    with sessions() as session:
        data = _rows(session)
    if fmt == "csv":
        for table in TABLES:
            write_csv(target / f"{table.name}.csv", table.name, data[table.name])
    else:
        write_workbook(target / WORKBOOK_NAME, data)
    return {name: len(rows) for name, rows in data.items()}
