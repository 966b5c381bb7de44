"""The briefing (通报/简报) as an XLSX workbook (openpyxl): one sheet per section, numbers as numbers."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from models.clock import fmt_local
from models.spreadsheet_cells import safe_row

from .text import reports as T

HEADER_FILL = PatternFill("solid", fgColor="FCE4E4")
BOLD = Font(bold=True)


def group_row(r: dict[str, Any]) -> list[Any]:
    return [r["name"], r["dispatched"], r["handled"], r["rectification_rate"], r["on_time_handle_rate"],
            r["rework_rate"], r["overdue_open"], r["score"]]


def rank_row(r: dict[str, Any]) -> list[Any]:
    return [r["rank"], r["name"], r["score"], r["previous_score"], r["improvement"], r["dispatched"],
            r["rectification_rate"]]


def recur_row(r: dict[str, Any]) -> list[Any]:
    return [r["point"], r["type"], r["cases"], r["recurrences"], T.HOUR.format(h=r["peak_hour"])]


def _sheet(wb: Workbook, title: str, heading: str, header: list[str] | tuple[str, ...], rows: list[list[Any]],
           first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(safe_row([heading]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(safe_row(header))
    for cell in ws[2]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(safe_row(row))  # names of points, units and types are users' text
    for i, col in enumerate(header, start=1):
        width = max([len(str(col))] + [len(str(r[i - 1])) for r in rows if i - 1 < len(r) and r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, width * 1.8 + 2), 40)
    ws.freeze_panes = "A3"
    return ws


def briefing_workbook(b: dict[str, Any]) -> bytes:
    """Write briefing ``b`` (:func:`models.briefing.build_briefing`) as XLSX bytes."""
    period = b["period"]
    heading = T.HEADING.format(kind=T.KINDS[b["kind"]]) + "　" + period.label
    wb = Workbook()
    _sheet(wb, T.SHEETS["kpi"], heading, T.KPI_COLS,
           [[T.KPI_ROWS[k["key"]], k["current"], k["previous"], k["change"]] for k in b["kpis"]], first=True)
    _sheet(wb, T.SHEETS["trend"], heading, ("日期",) + tuple(T.TREND_SERIES.values()),
           [[r["day"].isoformat(), r["found"], r["dispatched"], r["handled"]] for r in b["trend"]])
    _sheet(wb, T.SHEETS["districts"], heading, T.GROUP_COLS, [group_row(r) for r in b["districts"]])
    ws = _sheet(wb, T.SHEETS["units"], heading, T.RANK_COLS, [rank_row(r) for r in b["units_ranked"]])
    ws.append([])
    ws.append(safe_row([T.UNIT_IMPROVED]))
    ws.cell(ws.max_row, 1).font = BOLD
    for r in b["units_improved"]:
        ws.append(safe_row(rank_row(r)))
    _sheet(wb, T.SHEETS["types"], heading, T.GROUP_COLS, [group_row(r) for r in b["types"]])
    heat = b["heat"]
    _sheet(wb, T.SHEETS["hotspots"], heading + "　" + T.HEAT_TITLE + "　" + b["heat_period"].label,
           ["点位", "合计"] + [T.HOUR.format(h=h) for h in heat["hours"]],
           [[p["name"], p["total"]] + row for p, row in zip(heat["points"], heat["z"])])
    _sheet(wb, T.SHEETS["recur"], heading + "　" + b["heat_period"].label, T.RECUR_COLS,
           [recur_row(r) for r in b["recurring"]])
    wb.properties.title = heading
    wb.properties.creator = "CivicWatch " + fmt_local(b["now"], "%Y-%m-%d %H:%M")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
