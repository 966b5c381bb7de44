"""Where a case's problem is, for the case page and the unit's task cards (位置): the point's name and
address, or the citizen's pin, with its coordinates (GCJ-02), and a small offline map of it."""
from __future__ import annotations

from dash import dcc, html

from .report_map import map_figure
from .text import desktop as T


def location_text(point_name: str | None, address: str | None, lon: float | None, lat: float | None) -> str:
    """胜利路（胜利路与新华路口）· 经纬度 117.65200, 24.51200 — whatever of it is known."""
    parts = []
    if point_name:
        parts.append(f"{point_name}（{address}）" if address else point_name)
    elif address:
        parts.append(address)
    if lon is not None and lat is not None:
        parts.append(T.LOCATION_COORDS.format(lon=lon, lat=lat))
    return " · ".join(parts) or T.LOCATION_NONE


def case_point(case) -> tuple[float | None, float | None]:
    """The case's own coordinates (camera or citizen pin), else its point's."""
    if case.lon is not None and case.lat is not None:
        return case.lon, case.lat
    if case.point is not None and case.point.lon is not None:
        return case.point.lon, case.point.lat
    return None, None


def locations(session, codes: list[str]) -> dict[str, str]:
    """``location_text`` of each case code (one query), for lists such as the unit's task cards."""
    from sqlalchemy import func, select

    from models.cases import Case
    from models.registry import MonitoringPoint

    if not codes:
        return {}
    rows = session.execute(
        select(Case.code, MonitoringPoint.name, MonitoringPoint.address,
               func.coalesce(Case.lon, MonitoringPoint.lon), func.coalesce(Case.lat, MonitoringPoint.lat))
        .outerjoin(MonitoringPoint, MonitoringPoint.id == Case.point_id).where(Case.code.in_(codes)))
    return {code: location_text(name, address, lon, lat) for code, name, address, lon, lat in rows}


def landmarks(session) -> list[tuple[float, float, str]]:
    """The monitoring points (GCJ-02) with their names, to find one's way on the map."""
    from sqlalchemy import select

    from models.registry import MonitoringPoint

    return [(lon, lat, name) for lon, lat, name in
            session.execute(select(MonitoringPoint.lon, MonitoringPoint.lat, MonitoringPoint.name)
                            .where(MonitoringPoint.lon.is_not(None)))]


def location_map(gid: str, lon: float | None, lat: float | None, landmarks=None):
    """A small map with the problem's place marked (no tiles: district outlines and the monitoring points
    as grey dots), or None when the place is unknown."""
    if lon is None or lat is None:
        return None
    graph = dcc.Graph(id=gid, figure=map_figure(lon, lat, zoom=13.5, landmarks=landmarks), responsive=True,
                      style={"height": "100%"},
                      config={"displayModeBar": False, "scrollZoom": True})
    return html.Div(graph, className="cw-location-map", role="img", **{"aria-label": T.LOCATION})
