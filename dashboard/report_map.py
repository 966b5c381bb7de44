"""The offline pick-a-place map of 随手拍: Zhangzhou's district outlines (GCJ-02 GeoJSON shipped in
``assets/map``) on a white background — no tile server, nothing fetched — and the chosen point."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

GEOJSON = Path(__file__).resolve().parents[1] / "assets" / "map" / "zhangzhou_admin.geojson"
MAP_CENTER = {"lon": 117.66, "lat": 24.515}  # 芗城区 / 龙文区 (GCJ-02)


@lru_cache(maxsize=1)
def _outlines() -> dict:
    try:
        return json.loads(GEOJSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"type": "FeatureCollection", "features": []}


def map_figure(lon: float | None = None, lat: float | None = None, zoom: float = 11,
               landmarks: list[tuple[float, float, str]] | None = None) -> go.Figure:
    """The offline pick-a-place map: district outlines on a white background, the chosen point as a marker
    (trace 0) and, for orientation, the monitoring points as small grey dots (trace 1)."""
    fig = go.Figure(go.Scattermap(
        lon=[lon] if lon is not None else [], lat=[lat] if lat is not None else [], mode="markers",
        marker={"size": 16, "color": "#d62728"}, hoverinfo="skip", name="",
    ))
    if landmarks:
        fig.add_trace(go.Scattermap(lon=[p[0] for p in landmarks], lat=[p[1] for p in landmarks], mode="markers",
                                    marker={"size": 6, "color": "#8a99a8"}, text=[p[2] for p in landmarks],
                                    hoverinfo="text", name=""))
    fig.update_layout(
        map={"style": "white-bg", "center": MAP_CENTER if lon is None else {"lon": lon, "lat": lat}, "zoom": zoom,
             "layers": [{"source": _outlines(), "type": "fill", "color": "rgba(200, 220, 240, 0.35)", "below": "traces"},
                        {"source": _outlines(), "type": "line", "color": "#5b7da8", "line": {"width": 1.2}}]},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False, dragmode="pan", clickmode="none",
        paper_bgcolor="#f3f6fa",
    )
    return fig
