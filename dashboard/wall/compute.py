"""One wall tick's snapshot as JSON-able data (no figures), put together from the sections."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from . import live_sections as live
from .definitions import local_day_start, local_year_start
from .registry import Registry
from .slow_sections import compute_slow


def year_and_today(session: Session, now: datetime, year: dict[str, Any]) -> dict[str, list[int]]:
    """本年 and 今日 of the funnel as of ``now``: the slow part (found this year before its cut, the start of a
    day) plus what was found since the cut, counted now. Past midnight before the slow part is refreshed, the
    cut is yesterday's start: the live part spans both days; past New Year, the year is counted live."""
    day = local_day_start(now)
    today = live.reached(session, day)
    if datetime.fromisoformat(year["year_start"]) != local_year_start(now):
        return {"year": live.reached(session, local_year_start(now)), "today": today}
    cut = datetime.fromisoformat(year["cut"])
    since_cut = today if cut == day else live.reached(session, cut)
    return {"year": [a + b for a, b in zip(year["before"], since_cut)], "today": today}


def compute_snapshot(session: Session, now: datetime, reg: Registry, dialect: str,
                     slow: dict[str, Any] | None = None, incentives=None) -> dict[str, Any]:
    """Everything one wall tick shows, as JSON-able data (no figures). ``slow``: the last
    :func:`compute_slow` result (computed now, with the ``incentives`` scoring config, when not given)."""
    slow = slow or compute_slow(session, now, reg, dialect, incentives)
    kpi = live.kpi_figures(session, now)
    open_cases = live.open_cases(session, now)
    states, state_counts = live.point_states(session, reg, open_cases)
    return {
        "registry": reg.key,
        "kpi": kpi,
        "points": states,
        "point_counts": state_counts,
        "district_open": live.district_open(reg, open_cases),
        "flow": {**year_and_today(session, now, slow["flow_year"]), **live.flow_now(open_cases),
                 "unconfirmed": live.type_unconfirmed(session)},
        "events": live.events(session, now),
        "trend": slow["trend"],
        "types": slow["types"],
        "rank": slow["rank"],
        "cameras": live.cameras(session),
        "last_frame_db": live.last_frame_db(session),
    }
