"""Finding and reading registry files: one CSV or XLSX per table, or one workbook with a sheet per table.

Every cell comes back as text (``None`` when empty) with the row number a spreadsheet user sees
(the header is row 1), so validation treats CSV and XLSX alike.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from ..spreadsheet_cells import unescape_cell
from .errors import RegistryImportError
from .schema import TABLES


@dataclass
class RawTable:
    """Text cells of one table as read from its file or sheet."""

    name: str
    label: str
    header: list[str]
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)


def _text(value: object) -> str | None:
    """A spreadsheet cell as text: numbers without a spurious ``.0``, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    text = unescape_cell(str(value).strip()).strip()  # a formula-safe export's leading ' (safe_cell)
    return text or None


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China often saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistryImportError(f"{path.name}: cannot read the file as UTF-8 or GB18030 text")


def read_csv(path: Path, name: str) -> RawTable:
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise RegistryImportError(f"{path.name} row {reader.line_num}: not valid CSV: {exc}") from None
    return _table(name, path.name, records)


def _sheet_records(sheet, file_name: str = "workbook") -> list[list[object]]:
    """Every row of a sheet (read-only workbooks parse the sheet only now, so damage shows up here)."""
    try:
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors of a damaged file
        raise RegistryImportError(
            f"{file_name} sheet {sheet.title}: not a readable XLSX worksheet ({type(exc).__name__}: {exc})"
        ) from None


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise RegistryImportError(f"{path.name}: not a readable XLSX workbook ({exc})") from None


def read_xlsx_sheet(path: Path, name: str, sheet_name: str | None = None) -> RawTable:
    """One table from ``path``: the named sheet, or the first sheet when ``sheet_name`` is None."""
    wb = _open_workbook(path)
    try:
        if not wb.worksheets:
            raise RegistryImportError(f"{path.name}: the workbook has no worksheet")
        sheet = wb[sheet_name] if sheet_name else wb.worksheets[0]
        label = f"{path.name} sheet {sheet.title}" if sheet_name else path.name
        return _table(name, label, _sheet_records(sheet, path.name))
    finally:
        wb.close()


def _table(name: str, label: str, records: list[list[object]]) -> RawTable:
    cells = [[_text(v) for v in rec] for rec in records]
    if not cells or not any(cells[0]):
        raise RegistryImportError(f"{label} row 1: the header row (column names) is missing")
    header = [(h or "").strip() for h in cells[0]]
    while header and not header[-1]:
        header.pop()
    table = RawTable(name=name, label=label, header=header)
    for index, rec in enumerate(cells[1:], start=2):
        if not any(v for v in rec):
            continue  # blank line
        rec = rec + [None] * (len(header) - len(rec))
        if any(v for v in rec[len(header):]):
            extra = next(i for i, v in enumerate(rec) if i >= len(header) and v)
            raise RegistryImportError(
                f"{label} row {index}: value {rec[extra]!r} in column {extra + 1} has no column name in row 1"
            )
        table.rows.append((index, rec[: len(header)]))
    return table


def read_directory(path: str | Path) -> dict[str, RawTable]:
    """Read every registry table from ``path`` (a directory, or one .xlsx workbook with a sheet per table)."""
    root = Path(path)
    if root.is_file():
        if root.suffix.lower() != ".xlsx":
            raise RegistryImportError(f"{root}: expected a directory of CSV/XLSX files or one .xlsx workbook")
        return _read_workbook(root)
    if not root.is_dir():
        raise RegistryImportError(f"{root}: no such directory")
    per_table: dict[str, RawTable] = {}
    missing = []
    for table in TABLES:
        csv_path, xlsx_path = root / f"{table.name}.csv", root / f"{table.name}.xlsx"
        if csv_path.exists() and xlsx_path.exists():
            raise RegistryImportError(
                f"{root}: both {csv_path.name} and {xlsx_path.name} exist; keep only one of them"
            )
        if csv_path.exists():
            per_table[table.name] = read_csv(csv_path, table.name)
        elif xlsx_path.exists():
            per_table[table.name] = read_xlsx_sheet(xlsx_path, table.name)
        elif not table.optional_file:
            missing.append(table.name)
    if not per_table:
        books = sorted(p for p in root.glob("*.xlsx") if not p.name.startswith("~$"))
        if len(books) == 1:
            return _read_workbook(books[0])
    if missing:
        names = ", ".join(f"{m}.csv" for m in missing)
        raise RegistryImportError(
            f"{root}: missing registry file(s) {names} (CSV or XLSX with the same base name; or one workbook "
            "with a sheet per table)"
        )
    return per_table


def _read_workbook(path: Path) -> dict[str, RawTable]:
    wb = _open_workbook(path)
    try:
        titles = {ws.title: ws for ws in wb.worksheets}
        out: dict[str, RawTable] = {}
        missing = []
        for table in TABLES:
            sheet = titles.get(table.name)
            if sheet is None:
                if not table.optional_file:
                    missing.append(table.name)
                continue
            out[table.name] = _table(table.name, f"{path.name} sheet {table.name}", _sheet_records(sheet, path.name))
        unknown = sorted(set(titles) - {t.name for t in TABLES})
    finally:
        wb.close()
    if missing:
        raise RegistryImportError(f"{path.name}: missing sheet(s) {', '.join(missing)}")
    if unknown:
        raise RegistryImportError(
            f"{path.name}: unknown sheet(s) {', '.join(unknown)} (expected: {', '.join(t.name for t in TABLES)})"
        )
    return out
