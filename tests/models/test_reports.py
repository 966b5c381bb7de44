"""Period KPIs, trends and rankings (models.reports) on SQLite and PostgreSQL, against hand-checked data."""
from __future__ import annotations

from datetime import date

import pytest

from models.cases import Case
from models.kpi import summary
from models.reports import (
    Period, group_kpis, grouped_rows, most_improved, open_cases, overall_kpis, overdue_now, period_of, ranking,
    trend,
)
from tests.models.report_data import NOW, make_report_data

MARCH = period_of("month", date(2026, 3, 15))


def test_periods_are_local_calendar_units():
    assert period_of("week", date(2026, 3, 15)) == Period("week", date(2026, 3, 9), date(2026, 3, 15))
    assert MARCH.first_day == date(2026, 3, 1) and MARCH.last_day == date(2026, 3, 31)
    assert MARCH.start.isoformat() == "2026-02-28T16:00:00+00:00"  # Shanghai midnight in UTC
    assert MARCH.previous() == Period("month", date(2026, 2, 1), date(2026, 2, 28))
    assert period_of("day", date(2026, 3, 1)).previous().first_day == date(2026, 2, 28)
    assert period_of("year", date(2026, 5, 1)).previous().label == "2025年"
    with pytest.raises(ValueError, match="end date"):
        period_of("custom", date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ValueError, match="period kind"):
        period_of("fortnight", date(2026, 3, 2))


def test_unit_kpis_match_hand_count(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        A, B = city.units[2].id, city.units[3].id
        k = group_kpis(s, MARCH, "unit", NOW)
        a = k[A]
        assert (a["dispatched"], a["handled"], a["due"], a["handled_on_time"], a["reworked"], a["extended"],
                a["overdue_open"]) == (4, 2, 3, 1, 1, 0, 1)
        assert a["rectification_rate"] == 50.0 and a["on_time_handle_rate"] == 33.33 and a["rework_rate"] == 33.33
        assert a["overdue_rate"] == 33.33 and a["extension_rate"] == 0.0
        assert a["avg_handle_hours"] == 30.0  # (6 h + 54 h) / 2
        assert a["score"] == 63.33
        b = k[B]
        assert (b["dispatched"], b["handled"], b["due"], b["handled_on_time"], b["extended"]) == (1, 1, 1, 1, 1)
        assert b["score"] == 90.0 and b["avg_handle_hours"] == 3.0
        assert set(k) == {A, B}  # invalid case C5 and undispatched C9 are not in any cohort


def test_overall_trend_and_overdue(ctx):
    with ctx.sessions.begin() as s:
        city, c = make_report_data(s)
        A = city.units[2].id
        o = overall_kpis(s, MARCH, NOW)
        assert (o["dispatched"], o["handled"], o["found"]) == (5, 3, 7)  # found includes C5 (invalid) and C9
        assert overdue_now(s, NOW) == 2  # C3 (March) and C8 (February)
        assert overdue_now(s, NOW, [Case.unit_id == A]) == 2
        assert overall_kpis(s, MARCH, NOW, unit_id=A)["dispatched"] == 4
        # the year-to-date figures agree with the wall's summary (same definitions)
        ytd = overall_kpis(s, period_of("year", date(2026, 3, 15)), NOW)
        head = summary(s, NOW)
        assert (ytd["dispatched"], ytd["handled"], ytd["rectification_rate"]) == (
            head["dispatched"], head["handled"], head["rectification_rate"])
        t = trend(s, MARCH, NOW, [Case.unit_id == A])
        assert [r["day"] for r in t] == [date(2026, 3, d) for d in range(1, 16)]  # up to today (the 15th), no future
        by_day = {r["day"].day: r for r in t}
        assert by_day[2] == {"day": date(2026, 3, 2), "found": 1, "dispatched": 1, "handled": 1}
        assert by_day[7]["handled"] == 1 and by_day[14]["dispatched"] == 1
        assert sum(r["found"] for r in t) == 4  # C1-C4 (C5 invalid is not counted)
        monthly = trend(s, period_of("year", date(2026, 1, 1)), NOW)
        assert len(monthly) == 3 and monthly[1]["dispatched"] == 2 and monthly[2]["dispatched"] == 5


def test_ranking_shows_results_and_improvement(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        rows = ranking(s, MARCH, NOW)
        assert [(r["name"], r["rank"], r["score"], r["previous_score"], r["improvement"]) for r in rows] == [
            ("龙文区人民政府", 1, 90.0, 80.0, 10.0), ("南坑街道办事处", 2, 63.33, 30.0, 33.33)]
        assert [r["name"] for r in most_improved(rows)] == ["南坑街道办事处", "龙文区人民政府"]
        districts = grouped_rows(s, MARCH, "district", NOW)
        assert [(r["name"], r["dispatched"]) for r in districts] == [("芗城区", 4), ("龙文区", 1)]
        types = grouped_rows(s, MARCH, "type", NOW)
        assert types[0]["name"] == "暴露垃圾" and types[0]["dispatched"] == 3


def test_open_cases_sorted_by_deadline(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        rows = open_cases(s, [Case.unit_id == city.units[2].id], NOW)
        assert [(r["code"], r["overdue"]) for r in rows] == [("C8", True), ("C2", False), ("C3", True), ("C4", False)]

