"""Importing the shipped demo registry on SQLite and PostgreSQL, export → import round trips, replace by code."""
from __future__ import annotations

import filecmp

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models.registry import Camera, MonitoringPoint, ProblemType, ResponsibleUnit, RoutingRule
from models.registry_io import RegistryImportError, export_registry, import_registry
from models.security import add_user

from .helpers import DEMO_DIR, copy_demo, counts, read_rows, set_cell, write_rows

DEMO_COUNTS = {"districts": 11, "units": 116, "points": 209, "cameras": 210, "indicators": 130,
               "problem_types": 36}


def test_import_of_the_shipped_demo_registry(ctx):
    result = import_registry(ctx.sessions, DEMO_DIR)
    assert {k: result[k] for k in DEMO_COUNTS} == DEMO_COUNTS
    assert counts(ctx.sessions) == result
    with ctx.sessions() as s:
        p1 = s.scalar(select(MonitoringPoint).options(selectinload(MonitoringPoint.units))
                      .where(MonitoringPoint.code == "P-001"))
        rows = read_rows(DEMO_DIR / "points.csv")
        first = dict(zip(rows[0], rows[1]))
        assert (p1.name, p1.category, p1.district.adcode) == (first["name"], first["category"],
                                                              first["district_adcode"])
        assert sorted(u.code for u in p1.units) == sorted(first["unit_codes"].split(";"))
        assert len(s.scalars(select(Camera).where(Camera.point_id == p1.id)).all()) == 2
        cam = s.scalar(select(Camera).where(Camera.code == "CAM-0001"))
        assert cam.zones[0]["kind"] == "wall" and len(cam.zones[0]["polygon"]) == 4
        assert cam.health == "unknown" and cam.enabled is True
        pt = s.scalar(select(ProblemType).options(selectinload(ProblemType.indicators))
                      .where(ProblemType.name == "占道经营"))
        assert pt.signals == ["stationary_object"] and pt.active_hours == "07:00-22:00"
        assert pt.default_unit.code == "C-CGJ" and pt.indicators
        street = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.name == "芗城区南坑街道办事处"))
        assert street.parent.name == "芗城区人民政府" and street.district.name == "芗城区"
        assert s.scalar(select(RoutingRule).where(RoutingRule.point_id.is_not(None))) is not None
    with pytest.raises(RegistryImportError, match="already holds a registry"):  # a second import needs replace
        import_registry(ctx.sessions, DEMO_DIR)
    assert counts(ctx.sessions) == result


def test_csv_export_round_trips_byte_for_byte(ctx, tmp_path):
    import_registry(ctx.sessions, DEMO_DIR)
    exported = export_registry(ctx.sessions, tmp_path / "out", fmt="csv")
    assert exported == counts(ctx.sessions)
    names = sorted(p.name for p in DEMO_DIR.glob("*.csv"))
    match, mismatch, errors = filecmp.cmpfiles(DEMO_DIR, tmp_path / "out", names, shallow=False)
    assert mismatch == [] and errors == [] and match == names


def test_xlsx_export_imports_back_with_the_same_content(ctx, tmp_path):
    import_registry(ctx.sessions, DEMO_DIR)
    export_registry(ctx.sessions, tmp_path / "x", fmt="xlsx")
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["registry.xlsx"]
    before = counts(ctx.sessions)
    import_registry(ctx.sessions, tmp_path / "x", replace=True)  # a directory holding one workbook
    assert counts(ctx.sessions) == before
    export_registry(ctx.sessions, tmp_path / "again", fmt="csv")
    names = sorted(p.name for p in DEMO_DIR.glob("*.csv"))
    _, mismatch, errors = filecmp.cmpfiles(DEMO_DIR, tmp_path / "again", names, shallow=False)
    assert mismatch == [] and errors == []


def test_replace_updates_by_code_keeps_ids_and_removes_absent_rows(ctx, tmp_path):
    import_registry(ctx.sessions, DEMO_DIR)
    with ctx.sessions() as s:
        unit_id = s.scalar(select(ResponsibleUnit.id).where(ResponsibleUnit.code == "C-CGJ"))
        last_point = s.scalar(select(MonitoringPoint).order_by(MonitoringPoint.id.desc()))
    reg = copy_demo(tmp_path)
    set_cell(reg / "units.csv", 2, "name", "市城市管理和综合执法局")
    for table, column in (("cameras", "point_code"), ("points", "code"), ("routing_rules", "point_code")):
        rows = read_rows(reg / f"{table}.csv")
        i = rows[0].index(column)
        write_rows(reg / f"{table}.csv", [r for r in rows if r[i] != last_point.code])
    import_registry(ctx.sessions, reg, replace=True)
    with ctx.sessions() as s:
        unit = s.get(ResponsibleUnit, unit_id)
        assert (unit.code, unit.name) == ("C-CGJ", "市城市管理和综合执法局")
        assert s.scalar(select(MonitoringPoint).where(MonitoringPoint.code == last_point.code)) is None
    assert counts(ctx.sessions)["points"] == 208 and counts(ctx.sessions)["cameras"] == 209


def test_replace_refuses_to_remove_a_unit_still_in_use_and_changes_nothing(ctx, tmp_path):
    import_registry(ctx.sessions, DEMO_DIR)
    with ctx.sessions.begin() as s:
        add_user(s, "operator", "a-long-password", "unit", unit_code="E-DX")
    reg = copy_demo(tmp_path)
    rows = read_rows(reg / "units.csv")
    write_rows(reg / "units.csv", [r for r in rows if r[0] != "E-DX"])
    rows = read_rows(reg / "indicator_assignments.csv")
    write_rows(reg / "indicator_assignments.csv", [r for r in rows if r[1] != "E-DX"])
    rows = read_rows(reg / "unit_contacts.csv")
    write_rows(reg / "unit_contacts.csv", [r for r in rows if r[0] != "E-DX"])
    set_cell(reg / "units.csv", 2, "name", "改名不应生效")
    before = counts(ctx.sessions)
    with pytest.raises(RegistryImportError, match=r"cannot remove units E-DX"):
        import_registry(ctx.sessions, reg, replace=True)
    assert counts(ctx.sessions) == before
    with ctx.sessions() as s:
        assert s.scalar(select(ResponsibleUnit.name).where(ResponsibleUnit.code == "C-CGJ")) == "市城市管理局"
        assert s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == "E-DX")) is not None


def test_a_problem_type_renumbered_keeps_its_name(sqlite_ctx, tmp_path):
    import_registry(sqlite_ctx.sessions, DEMO_DIR)
    reg = copy_demo(tmp_path)
    for path in reg.glob("*.csv"):  # 暴露垃圾: PT01 → PT99 everywhere
        path.write_text(path.read_text(encoding="utf-8").replace("PT01,", "PT99,"), encoding="utf-8")
    import_registry(sqlite_ctx.sessions, reg, replace=True)
    with sqlite_ctx.sessions() as s:
        assert s.scalar(select(ProblemType.code).where(ProblemType.name == "暴露垃圾")) == "PT99"
        assert s.scalar(select(ProblemType).where(ProblemType.code == "PT01")) is None


def test_a_name_clash_the_database_refuses_is_reported_and_rolled_back(sqlite_ctx, tmp_path):
    import_registry(sqlite_ctx.sessions, DEMO_DIR)
    reg = copy_demo(tmp_path)
    for path in reg.glob("*.csv"):  # 芗城区 under a new adcode while 350602 (same name) is still stored
        path.write_text(path.read_text(encoding="utf-8").replace("350602", "350699"), encoding="utf-8")
    before = counts(sqlite_ctx.sessions)
    with pytest.raises(RegistryImportError, match="nothing was written"):
        import_registry(sqlite_ctx.sessions, reg, replace=True)
    assert counts(sqlite_ctx.sessions) == before
