"""The wall's shared snapshot: ONE computation per tick, served to every wall browser.

This module keeps the names other code imports (``from dashboard.wall.snapshot import service_for, Registry``);
the work is done in small modules, one job each:

- :mod:`.registry` — the static part (points and districts in a fixed order);
- :mod:`.definitions` — open / due / handled states, stuck cases, local day and year;
- :mod:`.live_sections` — the per-tick sections (KPIs, open cases, flow, events, cameras);
- :mod:`.slow_sections` — year/30-day aggregates and :mod:`.rankings` (the year's incentive scores of
  :mod:`models.incentives`), refreshed every ``slow_every_s``;
- :mod:`.compute` — one tick's snapshot put together from the sections;
- :mod:`.digest` — a content digest per section (what changed since a browser's last update);
- :mod:`.liveness` — whether the camera pipeline is delivering (the banner);
- :mod:`.service` — :class:`WallSnapshotService`, the ticking service, and :func:`service_for`.
"""
from __future__ import annotations

from .compute import compute_snapshot
from .definitions import (
    DUE_STATES, FAULTY_HEALTH, FLOW_STATES, HANDLED_STATES, OPEN_STATES, STUCK_AFTER, local_day_start,
    local_year_start,
)
from .live_sections import EVENT_ROWS, OpenCases
from .rankings import RANK_ROWS
from .registry import Registry, load_registry
from .service import WallSnapshotService, service_for
from .slow_sections import SLOW_SECTIONS, compute_slow

__all__ = [
    "DUE_STATES", "EVENT_ROWS", "FAULTY_HEALTH", "FLOW_STATES", "HANDLED_STATES", "OPEN_STATES",
    "OpenCases", "RANK_ROWS", "Registry", "SLOW_SECTIONS", "STUCK_AFTER", "WallSnapshotService", "compute_slow",
    "compute_snapshot", "load_registry", "local_day_start", "local_year_start", "service_for",
]
