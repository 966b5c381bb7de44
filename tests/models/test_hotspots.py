"""Hot spots (models.hotspots): point × hour, weekday × hour and recurring point/type pairs, both databases."""
from __future__ import annotations

from datetime import date

from models.hotspots import peak_hours, point_hour_matrix, point_totals, recurring_pairs, weekday_hour_matrix
from models.reports import period_of
from tests.models.report_data import NOW, make_report_data

MARCH = period_of("month", date(2026, 3, 15))


def test_point_hour_matrix(ctx):
    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        m = point_hour_matrix(s, MARCH, NOW)
        # March, not invalid: P-001 C1 C2 C3 at 08:00; P-002 C4 19:00, C9 19:30; P-003 C6 08:00
        assert [(p["code"], p["total"]) for p in m["points"]] == [("P-001", 3), ("P-002", 2), ("P-003", 1)]
        assert m["z"][0][8] == 3 and m["z"][1][19] == 2 and sum(m["z"][2]) == 1
        assert peak_hours(m) == [8, 19]
        assert len(point_hour_matrix(s, MARCH, NOW, top=1)["points"]) == 1


def test_weekday_hour(ctx):
    with ctx.sessions.begin() as s:
        make_report_data(s)
        z = weekday_hour_matrix(s, MARCH, NOW)
        # 03-02 Monday C1 08:00, 03-05 Thursday C2 08:00, 03-08 Sunday C6 08:00, 03-10 Tuesday C3 08:00,
        # 03-12 Thursday C9 19:30, 03-14 Saturday C4 19:00
        assert (z[0][8], z[3][8], z[6][8], z[1][8], z[3][19], z[5][19]) == (1, 1, 1, 1, 1, 1)
        assert sum(map(sum, z)) == 6


def test_recurring_pairs_use_previous_case_links(ctx):
    with ctx.sessions.begin() as s:
        city, c = make_report_data(s)
        rows = recurring_pairs(s, MARCH, NOW)
        first = rows[0]
        assert (first["point_code"], first["type"], first["cases"], first["recurrences"], first["peak_hour"]) == (
            "P-001", "暴露垃圾", 3, 2, 8)
        # pairs that never recurred are not 反复发生 (issue 18 #9): P-002 and P-003 had one case each
        assert rows[1:] == []
        totals = point_totals(s, MARCH, NOW)
        assert totals[city.points[0].id] == {"cases": 3, "recurrences": 2}
        # February alone has no recurrence
        feb = recurring_pairs(s, MARCH.previous(), NOW)
        assert feb == []


def test_point_history(ctx):
    from models.hotspots import point_history

    with ctx.sessions.begin() as s:
        city, _ = make_report_data(s)
        h = point_history(s, city.points[1].id, NOW)  # P-002: C4 (03-14 19:00), C9 (03-12 19:30), C8 (02-05 19:00)
        assert h["months"][-1] == ("2026-03", 2) and h["months"][-2] == ("2026-02", 1) and len(h["months"]) == 12
        assert h["hours"][19] == 3 and sum(h["hours"]) == 3
        assert h["types"] == [{"type": "占道经营", "cases": 3, "recurrences": 0}]
        h1 = point_history(s, city.points[0].id, NOW)
        assert h1["types"] == [{"type": "暴露垃圾", "cases": 3, "recurrences": 2}]
