"""The briefing workbook (XLSX): open it with openpyxl and compare its figures with the queries, on SQLite and
PostgreSQL."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from dashboard.report_workbook import briefing_workbook
from dashboard.text import reports as T
from models.briefing import build_briefing
from models.hotspots import point_hour_matrix, recurring_pairs
from models.reports import grouped_rows, overall_kpis, period_of, ranking
from tests.models.report_data import NOW, make_report_data


def _rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]


def test_monthly_workbook_equals_queries(ctx):
    with ctx.sessions.begin() as s:
        make_report_data(s)
        b = build_briefing(s, "month", date(2026, 3, 15), NOW)
        month = period_of("month", date(2026, 3, 15))
        kpis = overall_kpis(s, month, NOW)
        prev = overall_kpis(s, month.previous(), NOW)
        districts = grouped_rows(s, month, "district", NOW)
        ranked = ranking(s, month, NOW)
        heat = point_hour_matrix(s, month, NOW)
        recur = recurring_pairs(s, month, NOW, top=15)
    wb = load_workbook(io.BytesIO(briefing_workbook(b)))
    assert wb.sheetnames == list(T.SHEETS.values())
    ws = wb[T.SHEETS["kpi"]]
    assert "月报" in ws["A1"].value and "2026年03月" in ws["A1"].value
    by_label = {r[0]: r[1:] for r in _rows(ws)}
    assert by_label[T.KPI_ROWS["dispatched"]] == [kpis["dispatched"], prev["dispatched"],
                                                  kpis["dispatched"] - prev["dispatched"]]
    assert by_label[T.KPI_ROWS["dispatched"]][0] == 5
    assert by_label[T.KPI_ROWS["rectification_rate"]][0] == kpis["rectification_rate"] == 60.0
    assert by_label[T.KPI_ROWS["found"]][0] == kpis["found"]
    assert by_label[T.KPI_ROWS["overdue_open"]][0] == kpis["overdue_open"] == 1
    assert by_label[T.KPI_ROWS["avg_handle_hours"]][0] == pytest.approx(kpis["avg_handle_hours"])
    d = _rows(wb[T.SHEETS["districts"]])
    assert [(r[0], r[1], r[2], r[3]) for r in d] == [(x["name"], x["dispatched"], x["handled"],
                                                       x["rectification_rate"]) for x in districts]
    u = _rows(wb[T.SHEETS["units"]])
    assert [(r[1], r[2]) for r in u[:len(ranked)]] == [(x["name"], x["score"]) for x in ranked]
    assert u[0][1] == "龙文区人民政府" and u[0][2] == 90.0
    h = _rows(wb[T.SHEETS["hotspots"]])
    assert [r[0] for r in h] == [p["name"] for p in heat["points"]]
    assert [r[2:] for r in h] == heat["z"] and h[0][1] == 3
    rc = _rows(wb[T.SHEETS["recur"]])
    assert [(r[0], r[1], r[2], r[3]) for r in rc] == [(x["point"], x["type"], x["cases"], x["recurrences"])
                                                       for x in recur]
    assert rc[0][3] == 2
    t = _rows(wb[T.SHEETS["trend"]])
    assert len(t) == 15 and sum(r[2] for r in t) == kpis["dispatched"]  # up to today (the 15th), no future days


def test_daily_and_weekly_briefings(ctx):
    with ctx.sessions.begin() as s:
        make_report_data(s)
        day = build_briefing(s, "day", date(2026, 3, 2), NOW)
        assert day["current"]["dispatched"] == 1 and day["heat_period"].days == 30
        week = build_briefing(s, "week", date(2026, 3, 4), NOW)  # Mon 03-02 … Sun 03-08
        assert week["period"].first_day == date(2026, 3, 2)
        assert week["current"]["dispatched"] == 3  # C1, C2, C6 (C5 was invalidated)
        with pytest.raises(ValueError, match="briefing kind"):
            build_briefing(s, "year", date(2026, 3, 4), NOW)
