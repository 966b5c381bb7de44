"""The test registry builder produces a consistent registry on both databases."""
from __future__ import annotations

from sqlalchemy import func, select

from models.registry import Camera, MonitoringPoint, ProblemType
from tests.factories import make_registry


def test_make_registry_on_both_databases(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        assert city.type("占道经营").code == "PT02"
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(MonitoringPoint)) == 3
        assert s.scalar(select(func.count()).select_from(Camera)) == 4
        assert s.scalar(select(func.count()).select_from(ProblemType)) == 4
        p = s.scalar(select(MonitoringPoint).where(MonitoringPoint.code == "P-001"))
        assert len(p.cameras) == 2 and p.units[0].code == "U-XC-NQ"
