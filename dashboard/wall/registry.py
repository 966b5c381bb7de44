"""The static part of the wall: points and districts in a fixed order (every tick's arrays align with it)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.registry import District, MonitoringPoint


@dataclass(frozen=True)
class Registry:
    """The static part of the wall (points and districts in a fixed order); reloaded rarely."""

    key: str
    point_ids: list[int]
    point_names: list[str]
    point_district: list[str]
    lon: list[float]
    lat: list[float]
    district_ids: list[int]
    district_adcodes: list[str]
    district_names: list[str]


def load_registry(session: Session) -> Registry:
    pts = session.execute(
        select(MonitoringPoint.id, MonitoringPoint.name, District.name, MonitoringPoint.lon, MonitoringPoint.lat)
        .join(District, District.id == MonitoringPoint.district_id)
        .order_by(MonitoringPoint.id)
    ).all()
    dists = session.execute(select(District.id, District.adcode, District.name).order_by(District.id)).all()
    key = hashlib.sha1(json.dumps([[p[0], p[3], p[4]] for p in pts] + [list(d) for d in dists],
                                  ensure_ascii=False).encode()).hexdigest()[:12]
    return Registry(
        key=key,
        point_ids=[p[0] for p in pts], point_names=[p[1] for p in pts], point_district=[p[2] for p in pts],
        lon=[float(p[3]) for p in pts], lat=[float(p[4]) for p in pts],
        district_ids=[d[0] for d in dists], district_adcodes=[d[1] for d in dists],
        district_names=[d[2] for d in dists],
    )
