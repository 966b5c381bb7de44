"""Briefings — 通报/简报: one period's figures gathered for the daily, weekly and monthly reports.

:func:`build_briefing` returns plain data (no formatting) that the printable page and the XLSX workbook
both render, so the two always show the same numbers.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from .clock import as_utc, utcnow
from .hotspots import peak_hours, point_hour_matrix, recurring_pairs, weekday_hour_matrix
from .reports import Period, grouped_rows, most_improved, overall_kpis, period_of, ranking, trend

BRIEFING_KINDS = ("day", "week", "month")
KPI_KEYS = ("found", "dispatched", "handled", "rectification_rate", "on_time_handle_rate", "rework_rate",
            "extension_rate", "overdue_open", "avg_handle_hours")


def build_briefing(session: Session, kind: str, day: date, now: datetime | None = None, *, weights=None,
                   top_units: int = 15, top_points: int = 15) -> dict[str, Any]:
    """The figures of the ``kind`` (day / week / month) briefing for the period containing local ``day``."""
    if kind not in BRIEFING_KINDS:
        raise ValueError(f"briefing kind {kind!r}: expected one of {', '.join(BRIEFING_KINDS)}")
    now = as_utc(now or utcnow())
    period: Period = period_of(kind, day)
    cur = overall_kpis(session, period, now, weights=weights)
    prev = overall_kpis(session, period.previous(), now, weights=weights)
    kpis = []
    for key in KPI_KEYS:
        a, b = _defined(cur, key), _defined(prev, key)
        change = round(a - b, 2) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        kpis.append({"key": key, "current": a, "previous": b, "change": change})
    ranked = ranking(session, period, now)
    # a single day is too thin for hot spots and trends: the daily briefing looks at the 30 days up to it
    heat_period = period if kind != "day" else period_of("custom", period.last_day - timedelta(days=29),
                                                         period.last_day)
    return {
        "kind": kind,
        "period": period,
        "now": now,
        "kpis": kpis,
        "current": cur,
        "previous": prev,
        "trend": trend(session, heat_period, now),
        "districts": grouped_rows(session, period, "district", now),
        "units_ranked": ranked[:top_units],
        "units_improved": most_improved(ranked, top=10),
        "types": grouped_rows(session, period, "type", now)[:15],
        "heat": point_hour_matrix(session, heat_period, now, top=top_points),
        "heat_period": heat_period,
        "weekday_heat": weekday_hour_matrix(session, heat_period, now),
        "recurring": recurring_pairs(session, heat_period, now, top=15),
        "empty": cur["found"] == 0 and cur["dispatched"] == 0,
    }


# a rate exists only when its base is not empty: a period that dispatched nothing has no 整改率 (not 0 %)
RATE_BASES = {"rectification_rate": "dispatched", "on_time_handle_rate": "dispatched", "rework_rate": "dispatched",
              "extension_rate": "dispatched", "avg_handle_hours": "handled"}


def _defined(kpis: dict[str, Any], key: str) -> Any:
    base = RATE_BASES.get(key)
    if base is not None and not kpis.get(base):
        return None
    return kpis.get(key)


def briefing_peaks(b: dict[str, Any]) -> list[int]:
    return peak_hours(b["heat"])
