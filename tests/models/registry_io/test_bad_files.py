"""A registry file with a bad row: the error names file, row and column, and the database is unchanged."""
from __future__ import annotations

import filecmp

import pytest
from openpyxl import Workbook

from models.registry_io import RegistryImportError, export_registry, import_registry

from .helpers import DEMO_DIR, copy_demo, counts, read_rows, set_cell, write_rows

EMPTY = {"districts": 0, "units": 0, "points": 0, "cameras": 0, "indicators": 0, "indicator_assignments": 0,
         "problem_types": 0, "routing_rules": 0, "unit_contacts": 0}


def _add_column(reg, table, name, value):
    rows = read_rows(reg / f"{table}.csv")
    write_rows(reg / f"{table}.csv", [rows[0] + [name]] + [r + [value] for r in rows[1:]])


BAD = {
    "bad number": (
        lambda reg: set_cell(reg / "points.csv", 17, "lon", "abc"),
        "points.csv row 17, column lon: must be a number between 115 and 119, got 'abc'"),
    "unknown column": (
        lambda reg: _add_column(reg, "units", "colour", "red"),
        "units.csv row 1, column colour: unknown column (expected: code, name, kind,"),
    "duplicate code": (
        lambda reg: set_cell(reg / "cameras.csv", 5, "code", "CAM-0001"),
        "cameras.csv row 5, column code: duplicate code 'CAM-0001' (first used in row 2)"),
    "dangling unit code": (
        lambda reg: set_cell(reg / "points.csv", 3, "unit_codes", "C-CGJ;NO-SUCH"),
        "points.csv row 3, column unit_codes: unknown unit code 'NO-SUCH' (not in units.csv)"),
    "broken zone JSON": (
        lambda reg: set_cell(reg / "cameras.csv", 4, "zones", '[{"name": "墙面", "kind": "wall"'),
        "cameras.csv row 4, column zones: not valid JSON ("),
    "zone of unknown kind": (
        lambda reg: set_cell(reg / "cameras.csv", 6, "zones",
                             '[{"name":"墙面","kind":"ceiling","polygon":[[0,0],[1,0],[1,0.4]]}]'),
        "cameras.csv row 6, column zones: zone 1 (墙面): kind must be one of roadway, sidewalk"),
    "zone outside the frame": (
        lambda reg: set_cell(reg / "cameras.csv", 7, "zones",
                             '[{"name":"路面","kind":"roadway","polygon":[[0,0.5],[1.4,0.5],[1,1]]}]'),
        "cameras.csv row 7, column zones: zone 1 (路面): polygon coordinates must be relative (between 0 and 1)"),
    "unknown signal": (
        lambda reg: set_cell(reg / "problem_types.csv", 2, "signals", "smell"),
        "problem_types.csv row 2, column signals: unknown signal 'smell'"),
    "missing value": (
        lambda reg: set_cell(reg / "districts.csv", 3, "name", ""),
        "districts.csv row 3, column name: a value is required"),
    "bad choice": (
        lambda reg: set_cell(reg / "problem_types.csv", 5, "deadline_unit", "weeks"),
        "problem_types.csv row 5, column deadline_unit: must be one of: hours, working_hours, working_days, days, "
        "got 'weeks'"),
    "unknown indicator rule": (
        lambda reg: set_cell(reg / "indicators.csv", 4, "auto_rule", "by_feel"),
        "indicators.csv row 4, column auto_rule: must be one of: on_time, recheck_passed, no_recurrence, "
        "got 'by_feel'"),
    "missing file": (
        lambda reg: (reg / "cameras.csv").unlink(),
        "missing registry file(s) cameras.csv"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_row_is_named_and_nothing_is_written(sqlite_ctx, tmp_path, case):
    # (PostgreSQL: the XLSX and the replace tests below run on both databases)
    mutate, expected = BAD[case]
    reg = copy_demo(tmp_path)
    mutate(reg)
    with pytest.raises(RegistryImportError) as err:
        import_registry(sqlite_ctx.sessions, reg)
    assert expected in str(err.value)
    assert counts(sqlite_ctx.sessions) == EMPTY


def test_every_problem_is_listed_not_only_the_first(sqlite_ctx, tmp_path):
    reg = copy_demo(tmp_path)
    set_cell(reg / "points.csv", 17, "lat", "x")
    set_cell(reg / "indicators.csv", 9, "creation_class", "文明社区")
    set_cell(reg / "units.csv", 30, "parent_code", "GHOST")
    with pytest.raises(RegistryImportError) as err:
        import_registry(sqlite_ctx.sessions, reg)
    lines = str(err.value).splitlines()
    assert "points.csv row 17, column lat: must be a number between 23 and 26, got 'x'" in lines
    assert any(line.startswith("indicators.csv row 9, column creation_class: must be one of") for line in lines)
    assert "units.csv row 30, column parent_code: unknown unit code 'GHOST' (not in units.csv)" in lines
    assert len(err.value.problems) == 3


def _workbook_from_csv(reg, path, sheet_name, row_number, column, value):
    """One workbook with a sheet per table, every cell text except one real value at the given cell."""
    wb = Workbook(write_only=True)
    for csv_path in sorted(reg.glob("*.csv")):
        sheet = wb.create_sheet(csv_path.stem)
        rows = read_rows(csv_path)
        for number, row in enumerate(rows, start=1):
            cells = [v if v != "" else None for v in row]
            if csv_path.stem == sheet_name and number == row_number:
                cells[rows[0].index(column)] = value
            sheet.append(cells)
    wb.save(path)


def test_xlsx_workbook_bad_cell_is_named_by_sheet_row_and_column(ctx, tmp_path):
    reg = copy_demo(tmp_path)
    book = tmp_path / "book" / "registry.xlsx"
    book.parent.mkdir()
    _workbook_from_csv(reg, book, "problem_types", 3, "severity", 5)  # a real number cell
    with pytest.raises(RegistryImportError) as err:
        import_registry(ctx.sessions, book)
    assert ("registry.xlsx sheet problem_types row 3, column severity: must be a whole number between 1 and 3, "
            "got '5'") in str(err.value)
    assert counts(ctx.sessions) == EMPTY


def test_one_xlsx_file_per_table_is_accepted_and_checked(sqlite_ctx, tmp_path):
    reg = copy_demo(tmp_path)
    wb = Workbook()
    for row in read_rows(reg / "points.csv"):
        wb.active.append([v or None for v in row])
    wb.active.cell(row=10, column=7, value="北纬24度")
    wb.save(reg / "points.xlsx")
    (reg / "points.csv").unlink()
    with pytest.raises(RegistryImportError) as err:
        import_registry(sqlite_ctx.sessions, reg)
    assert "points.xlsx row 10, column lat: must be a number between 23 and 26, got '北纬24度'" in str(err.value)
    assert counts(sqlite_ctx.sessions) == EMPTY
    wb.active.cell(row=10, column=7, value=24.51)
    wb.save(reg / "points.xlsx")
    assert import_registry(sqlite_ctx.sessions, reg)["points"] == 209


def test_gbk_encoded_csv_from_excel_is_read(sqlite_ctx, tmp_path):
    reg = copy_demo(tmp_path)
    text = (reg / "units.csv").read_text(encoding="utf-8")
    (reg / "units.csv").write_bytes(text.encode("gb18030"))
    assert import_registry(sqlite_ctx.sessions, reg)["units"] == 116


def test_bad_replace_import_leaves_the_registry_as_it_was(ctx, tmp_path):
    import_registry(ctx.sessions, DEMO_DIR)
    export_registry(ctx.sessions, tmp_path / "before")
    reg = copy_demo(tmp_path)
    set_cell(reg / "units.csv", 2, "name", "新名字")  # a good change …
    set_cell(reg / "routing_rules.csv", 40, "unit_code", "NOWHERE")  # … and a bad row further on
    with pytest.raises(RegistryImportError, match=r"routing_rules.csv row 40, column unit_code: unknown unit code"):
        import_registry(ctx.sessions, reg, replace=True)
    export_registry(ctx.sessions, tmp_path / "after")
    names = sorted(p.name for p in (tmp_path / "before").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "before", tmp_path / "after", names, shallow=False)
    assert mismatch == [] and errors == []


def test_indicator_rule_round_trips(tmp_path, sqlite_ctx):
    from sqlalchemy import select

    from models.registry import Indicator

    reg = copy_demo(tmp_path)
    rows = read_rows(reg / "indicators.csv")
    rule = rows[0].index("auto_rule")
    # the first hand-entered indicator becomes measured; the shipped measured ones keep their rule
    n = next(i for i, r in enumerate(rows) if i and not r[rule])
    code, hand = rows[n][0], [r[0] for i, r in enumerate(rows) if i and i != n and not r[rule]]
    shipped = {r[0]: r[rule] for r in rows[1:] if r[rule]}
    assert shipped  # the demo registry measures some indicators from the cases
    assert set_cell(reg / "indicators.csv", n + 1, "auto_rule", "no_recurrence") == ""
    set_cell(reg / "indicators.csv", n + 1, "auto_days", "14")
    import_registry(sqlite_ctx.sessions, reg)
    with sqlite_ctx.sessions() as s:
        ind = s.scalar(select(Indicator).where(Indicator.code == code))
        assert (ind.auto_rule, ind.auto_days) == ("no_recurrence", 14)
        assert dict(s.execute(select(Indicator.code, Indicator.auto_rule)
                              .where(Indicator.auto_rule.is_not(None), Indicator.code != code)).all()) == shipped
        assert not s.scalars(select(Indicator.auto_rule).where(Indicator.code.in_(hand))).first()
    out = tmp_path / "out"
    export_registry(sqlite_ctx.sessions, out)
    row = next(r for r in read_rows(out / "indicators.csv") if r[0] == code)
    header = read_rows(out / "indicators.csv")[0]
    assert row[header.index("auto_rule")] == "no_recurrence" and row[header.index("auto_days")] == "14"
