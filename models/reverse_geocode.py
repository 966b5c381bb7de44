"""Reverse geocoding (逆地理编码) from the registry only — no map service: the address of a position is the
nearest monitoring point's address (its road) or name, said as "…附近" when the point is not right there.

Used for a citizen report that came with coordinates but no address (Open311 ``address_string``).
Positions are GCJ-02 like the registry.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .coords import degrees_box, distance_m
from .registry import MonitoringPoint

NEAR_M = 100.0       # within this distance the point's own address is the report's address
SEARCH_M = 2000.0    # beyond this no point describes the place (the caller falls back to the district)
MAX_LEN = 120        # Case.address


def address_near(session: Session, lon: float, lat: float, search_m: float = SEARCH_M) -> str | None:
    """The nearest monitoring point's address (or name) within ``search_m``; ``None`` when there is none."""
    x1, y1, x2, y2 = degrees_box(lon, lat, search_m)
    best: tuple[float, MonitoringPoint] | None = None
    for p in session.scalars(select(MonitoringPoint).where(MonitoringPoint.lon.between(x1, x2),
                                                           MonitoringPoint.lat.between(y1, y2))):
        d = distance_m(lon, lat, p.lon, p.lat)
        if d <= search_m and (best is None or d < best[0]):
            best = (d, p)
    if best is None:
        return None
    d, p = best
    place = (p.address or p.name).strip()
    return (place if d <= NEAR_M else f"{place}附近")[:MAX_LEN]
