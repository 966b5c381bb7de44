"""Working calendar (weekends, holidays, make-up days, working hours) and routing (most specific wins,
no route → supervisor queue)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from models.calendar import CalendarError, WorkingCalendar, parse_work_hours, read_holidays
from models.clock import LOCAL_TZ
from models.registry import RoutingRule
from models.workflow import open_case, resolve_unit
from tests.factories import make_registry

ROOT = Path(__file__).resolve().parents[3]


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_working_hours_skip_lunch_nights_weekends_and_holidays():
    cal = WorkingCalendar(parse_work_hours("08:30-12:00,14:30-17:30"), holidays={date(2026, 3, 9)},
                          workdays={date(2026, 3, 14)})
    assert cal.hours_per_day == 6.5
    # Friday 16:30 + 2 working hours: 1 h on Friday, then Monday is a holiday → Tuesday 09:30
    got = cal.deadline(local(2026, 3, 6, 16, 30), 2, "working_hours")
    assert got == local(2026, 3, 10, 9, 30).astimezone(timezone.utc)
    # starting at lunch counts from 14:30
    assert cal.deadline(local(2026, 3, 10, 12, 30), 1, "working_hours") == local(2026, 3, 10, 15, 30)
    # a make-up Saturday (调休) is a working day
    assert cal.deadline(local(2026, 3, 13, 17, 0), 1, "working_hours") == local(2026, 3, 14, 9, 0)
    # working days = full working days of working time
    assert cal.deadline(local(2026, 3, 10, 9, 0), 2, "working_days") == local(2026, 3, 12, 9, 0)
    assert cal.deadline(local(2026, 3, 6, 16, 30), 2, "hours") == local(2026, 3, 6, 18, 30)
    assert cal.deadline(local(2026, 3, 6, 16, 30), 3, "days") == local(2026, 3, 9, 16, 30)
    with pytest.raises(CalendarError, match="weeks"):
        cal.deadline(local(2026, 3, 6), 1, "weeks")


def test_bad_work_hours_and_holiday_files_are_named(tmp_path):
    with pytest.raises(CalendarError, match="08:30-"):
        parse_work_hours("08:30-")
    with pytest.raises(CalendarError, match="overlap"):
        parse_work_hours("08:00-12:00,11:00-13:00")
    bad = tmp_path / "h.csv"
    bad.write_text("date,kind,name\n2026-01-01,party,元旦\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"h.csv:2: kind"):
        read_holidays(bad)
    assert read_holidays(tmp_path / "missing.csv") == (set(), set())


def test_shipped_holiday_calendar_has_spring_festival_and_make_up_days():
    holidays, workdays = read_holidays(ROOT / "assets" / "calendar" / "cn_holidays.csv")
    assert date(2024, 2, 10) in holidays and date(2024, 2, 4) in workdays
    cal = WorkingCalendar(holidays=holidays, workdays=workdays)
    assert not cal.is_working_day(date(2024, 2, 12)) and cal.is_working_day(date(2024, 2, 4))


def test_routing_most_specific_rule_wins_then_type_default_then_point_unit(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        city_bureau, xc, street, lw = city.units
        garbage, stall, banner, pets = city.problem_types
        p1, p2, p3 = city.points
        # factory: 暴露垃圾 × 芗城区 → street; type default → city bureau
        assert resolve_unit(s, garbage.id, p1.district_id, p1.id) == (street.id, f"rule:{s.query(RoutingRule).one().id}")
        assert resolve_unit(s, garbage.id, p3.district_id, p3.id) == (city_bureau.id, "type_default")
        point_rule = RoutingRule(problem_type_id=garbage.id, point_id=p2.id, unit_id=xc.id)
        type_rule = RoutingRule(problem_type_id=garbage.id, unit_id=lw.id)
        s.add_all([point_rule, type_rule])
        s.flush()
        assert resolve_unit(s, garbage.id, p2.district_id, p2.id) == (xc.id, f"rule:{point_rule.id}")
        assert resolve_unit(s, garbage.id, p3.district_id, p3.id) == (lw.id, f"rule:{type_rule.id}")
        pets.default_unit_id = None
        s.flush()
        assert resolve_unit(s, pets.id, p3.district_id, p3.id) == (lw.id, "point_unit")
        assert resolve_unit(s, pets.id, None, None) == (None, "none")
        # a camera case with no route: accepted, no unit, waiting in the supervisor queue
        banner.default_unit_id = None
        s.flush()
        case = open_case(s, source="camera", problem_type=banner, found_at=datetime(2026, 3, 2, 1, tzinfo=timezone.utc),
                         actor="c", actor_role="system", lon=117.6, lat=24.5)
        assert case.state == "accepted" and case.unit_id is None and case.point_id is None
