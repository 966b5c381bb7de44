"""Rendering a document as printable HTML (Jinja2, A4 print CSS) or XLSX (openpyxl)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from jinja2 import Environment, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from sqlalchemy.orm import Session

from ..cases import Case
from ..clock import fmt_local, utcnow
from ..config import DocumentNames
from ..spreadsheet_cells import safe_cell
from .content import DocumentContent, DocumentError, document_content
from .template import TEMPLATE

MIMETYPES = {"html": "text/html; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

_env = Environment(autoescape=select_autoescape(default=True))
_TEMPLATE = _env.from_string(TEMPLATE)


@dataclass
class Document:
    content: bytes
    mimetype: str
    filename: str


def render_document(session: Session, case: Case, kind: str, fmt: str,
                    names: DocumentNames | None = None) -> Document:
    doc = document_content(session, case, kind, names)
    if fmt == "html":
        data = render_html(doc).encode("utf-8")
    elif fmt == "xlsx":
        data = render_xlsx(doc)
    else:
        raise DocumentError(f"fmt: unknown format {fmt!r}; expected html or xlsx")
    return Document(data, MIMETYPES[fmt], f"{doc.title}-{doc.case_code}.{fmt}")


def render_html(doc: DocumentContent) -> str:
    return _TEMPLATE.render(doc=doc, printed_at=fmt_local(utcnow(), "%Y-%m-%d %H:%M"))


def render_xlsx(doc: DocumentContent) -> bytes:
    wb = Workbook()
    ws = wb.active

    def put(row: int, col: int, value):
        """Write one cell; descriptions, notes and names come from citizens and users (safe_cell)."""
        return ws.cell(row, col, safe_cell(value))

    ws.title = doc.title[:31]
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    put(1, 1, f"{doc.title}").font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    put(2, 1, f"案件编号：{doc.case_code}")
    row = 4
    for label, value in doc.fields:
        put(row, 1, label).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        put(row, 2, value).alignment = Alignment(wrap_text=True, vertical="top")
        for col in range(1, 7):
            ws.cell(row, col).border = box
        row += 1
    if doc.table_head:
        row += 1
        put(row, 1, doc.table_title or "").font = Font(bold=True, size=12)
        row += 1
        for col, head in enumerate(doc.table_head, start=1):
            c = put(row, col, head)
            c.font, c.border = Font(bold=True), box
        for values in doc.table_rows:
            row += 1
            for col, value in enumerate(values, start=1):
                c = put(row, col, value)
                c.border, c.alignment = box, Alignment(wrap_text=True, vertical="top")
    if doc.images:
        row += 2
        put(row, 1, "证据图片").font = Font(bold=True)
        for img in doc.images:
            row += 1
            put(row, 1, img["caption"])
            put(row, 2, img["url"])
    row += 2
    for i, who in enumerate(doc.signatures):
        put(row, 1 + 3 * i, f"{who}（签字）：")
    for col, width in zip("ABCDEF", (16, 20, 14, 18, 20, 36)):
        ws.column_dimensions[col].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
