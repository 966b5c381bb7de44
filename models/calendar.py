"""Working calendar (工作日历): working hours, weekends, public holidays and make-up working days (调休).

Deadlines of problem types are given in ``hours``, ``days`` (calendar time), ``working_hours`` (only time
inside the working periods of working days counts) or ``working_days`` (= that many full working days of
working time, i.e. ``value × hours of one working day`` working hours).

Holidays come from a CSV with columns ``date,kind,name`` where kind is ``holiday`` (a day off, even on a
weekday) or ``workday`` (a make-up working day, even on a weekend). Times are computed in Asia/Shanghai and
returned as aware UTC.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .clock import LOCAL_TZ, as_utc

DEADLINE_UNITS = ("hours", "working_hours", "working_days", "days")
_MAX_DAYS = 3 * 366  # a deadline walk never looks further than this


class CalendarError(ValueError):
    """A working-hours spec or holidays file is malformed; the message names where."""


def parse_work_hours(spec: str) -> list[tuple[time, time]]:
    """``"08:30-12:00,14:30-17:30"`` → [(08:30, 12:00), (14:30, 17:30)] (sorted, non-overlapping)."""
    periods: list[tuple[time, time]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            a, b = part.split("-")
            start, end = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
        except ValueError:
            raise CalendarError(f"work_hours: bad period {part!r}; expected HH:MM-HH:MM") from None
        if end <= start:
            raise CalendarError(f"work_hours: period {part!r} ends before it starts")
        periods.append((start, end))
    periods.sort()
    if not periods:
        raise CalendarError(f"work_hours: no working period in {spec!r}")
    for (_, e1), (s2, _) in zip(periods, periods[1:]):
        if s2 < e1:
            raise CalendarError(f"work_hours: periods overlap in {spec!r}")
    return periods


def read_holidays(path: str | Path) -> tuple[set[date], set[date]]:
    """Read a holidays CSV (date,kind,name) → (holidays, make-up workdays). A missing file gives empty sets."""
    path = Path(path)
    holidays: set[date] = set()
    workdays: set[date] = set()
    if not path.exists():
        return holidays, workdays
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            try:
                day = date.fromisoformat((row.get("date") or "").strip())
            except ValueError:
                raise CalendarError(f"{path}:{lineno}: bad date {row.get('date')!r}") from None
            kind = (row.get("kind") or "").strip()
            if kind == "holiday":
                holidays.add(day)
            elif kind == "workday":
                workdays.add(day)
            else:
                raise CalendarError(f"{path}:{lineno}: kind must be holiday or workday, got {kind!r}")
    return holidays, workdays


@dataclass
class WorkingCalendar:
    """When units work: periods of each working day, plus holidays and make-up working days."""

    periods: list[tuple[time, time]] = field(default_factory=lambda: parse_work_hours("08:30-12:00,14:30-17:30"))
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)

    @classmethod
    def from_config(cls, work_hours: str, holidays_file: str | Path | None) -> "WorkingCalendar":
        hol, work = read_holidays(holidays_file) if holidays_file else (set(), set())
        return cls(parse_work_hours(work_hours), hol, work)

    @property
    def hours_per_day(self) -> float:
        return sum((_secs(e) - _secs(s)) for s, e in self.periods) / 3600.0

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment when ``hours`` of working time have passed after ``start``."""
        remaining = timedelta(hours=hours)
        local = as_utc(start).astimezone(LOCAL_TZ)
        day = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                for s, e in self.periods:
                    ps = datetime.combine(day, s, LOCAL_TZ)
                    pe = datetime.combine(day, e, LOCAL_TZ)
                    begin = max(ps, local)
                    if begin >= pe:
                        continue
                    span = pe - begin
                    if remaining <= span:
                        return as_utc(begin + remaining)
                    remaining -= span
            day += timedelta(days=1)
        raise CalendarError(f"no working time within {_MAX_DAYS} days after {start.isoformat()}")

    def deadline(self, start: datetime, value: float, unit: str) -> datetime:
        """Deadline ``value`` ``unit`` after ``start`` (aware UTC)."""
        if unit == "hours":
            return as_utc(start) + timedelta(hours=value)
        if unit == "days":
            return as_utc(start) + timedelta(days=value)
        if unit == "working_hours":
            return self.add_working_hours(start, value)
        if unit == "working_days":
            return self.add_working_hours(start, value * self.hours_per_day)
        raise CalendarError(f"deadline unit must be one of {', '.join(DEADLINE_UNITS)}; got {unit!r}")


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
