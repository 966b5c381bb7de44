"""Plotly figures of the wall, built once per page load and then changed with ``dash.Patch``.

The map works with no internet: ``Choroplethmap`` + ``Scattermap`` with a background-only MapLibre
style given inline (no tiles, no glyphs, no sprites) and the county outlines from ``assets/map``.
No ``mode="text"`` on map traces (that would fetch glyph files) and no geo traces (they fetch topojson).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from dashboard.text import wall as T

from .registry import Registry

GEOJSON_PATH = Path(__file__).resolve().parents[2] / "assets" / "map" / "zhangzhou_admin.geojson"

# the wall's palette (assets/web/wall.css uses the same colours for the same meanings)
BG = "#06142b"
PANEL = "#0b2145"
INK = "#e6f0ff"
MUTED = "#8fa8cc"
GRID = "#1c3760"
GOOD = "#2fd27a"  # normal, rectified, online
WARN = "#ffb020"  # open, faulty
ALERT = "#ff4d4f"  # overdue, offline camera
IDLE = "#8c97a8"  # point without a working camera
ACCENT = "#3aa0ff"  # found
STATE_COLORS = {"normal": GOOD, "open": WARN, "overdue": ALERT, "offline": IDLE}
FOUND_COLOR = ACCENT
FOUND_FILL = "rgba(58,160,255,0.15)"  # ACCENT, translucent
RECTIFIED_COLOR = GOOD
FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, sans-serif"

# an inline MapLibre style: only a background colour, so nothing is fetched
OFFLINE_STYLE: dict[str, Any] = {
    "version": 8,
    "name": "civicwatch-offline",
    "sources": {},
    "layers": [{"id": "background", "type": "background", "paint": {"background-color": BG}}],
}
MAP_CENTER = {"lon": 117.57, "lat": 24.37}
MAP_ZOOM = 7.62


@lru_cache(maxsize=1)
def admin_geojson() -> tuple[dict[str, Any], dict[str, Any]]:
    """(counties, city outline) as GeoJSON FeatureCollections, read from ``assets/map``."""
    data = json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))
    counties = [f for f in data["features"] if f["properties"].get("level") == "county"]
    city = [f for f in data["features"] if f["properties"].get("level") == "city"]
    return ({"type": "FeatureCollection", "features": counties},
            {"type": "FeatureCollection", "features": city})


def point_colors(states: list[str]) -> list[str]:
    return [STATE_COLORS.get(s, STATE_COLORS["normal"]) for s in states]


def point_sizes(states: list[str]) -> list[int]:
    return [15 if s == "overdue" else 12 if s == "open" else 9 for s in states]


def map_figure(reg: Registry, states: list[str], district_open: list[int]) -> go.Figure:
    counties, city = admin_geojson()
    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=counties, featureidkey="properties.adcode", locations=reg.district_adcodes,
        z=district_open, text=reg.district_names, zmin=0, zmax=max(5, max(district_open, default=0)),
        colorscale=[[0, "#0e2a55"], [0.5, "#1f4f8f"], [1, "#3d7fd0"]], showscale=False,
        marker={"line": {"color": "#5fa8ff", "width": 1.2}, "opacity": 0.85},
        hovertemplate="%{text}<br>" + T.DISTRICT_OPEN + " %{z}<extra></extra>",
    ))
    fig.add_trace(go.Scattermap(
        lon=reg.lon, lat=reg.lat, mode="markers", text=reg.point_names,
        marker={"color": point_colors(states), "size": point_sizes(states), "opacity": 0.95},
        hovertemplate="%{text}<extra></extra>",
    ))
    fig.update_layout(
        map={"style": OFFLINE_STYLE, "center": MAP_CENTER, "zoom": MAP_ZOOM,
             "layers": [{"sourcetype": "geojson", "source": city, "type": "line", "color": "#7fc1ff",
                         "line": {"width": 2.5}}]},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, paper_bgcolor=BG, showlegend=False,
        font={"family": FONT, "color": INK}, uirevision="wall-map",
    )
    return fig


def _dark_layout(fig: go.Figure, **extra: Any) -> go.Figure:
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "color": INK, "size": 15},
        margin={"l": 8, "r": 12, "t": 8, "b": 8}, **extra,
    )
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, color=MUTED)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, color=MUTED)
    return fig


def trend_figure(trend: dict[str, list]) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=trend["days"], y=trend["found"], name=T.TREND_FOUND, mode="lines",
                             line={"color": FOUND_COLOR, "width": 3}, fill="tozeroy",
                             fillcolor=FOUND_FILL))
    fig.add_trace(go.Scatter(x=trend["days"], y=trend["rectified"], name=T.TREND_RECTIFIED, mode="lines",
                             line={"color": RECTIFIED_COLOR, "width": 3}))
    _dark_layout(fig, legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.12, "font": {"size": 15}},
                 uirevision="wall-trend")
    # the first date and the y-axis "0" meet in the corner: push the dates down and the counts left
    fig.update_xaxes(type="category", nticks=7, tickfont={"size": 15}, ticks="outside", ticklen=4,
                     tickcolor=GRID, ticklabelstandoff=6)
    fig.update_yaxes(tickfont={"size": 15}, rangemode="tozero", nticks=5, ticklabelstandoff=10)
    return fig


def types_figure(types: dict[str, list]) -> go.Figure:
    names = list(reversed(types["names"]))
    counts = list(reversed(types["counts"]))
    fig = go.Figure(go.Bar(x=counts, y=names, orientation="h", marker={"color": FOUND_COLOR},
                           text=counts, textposition="outside", textfont={"size": 15, "color": INK},
                           cliponaxis=False, constraintext="none"))  # keep the counts at 15 px (not shrunk)
    _dark_layout(fig, uirevision="wall-types", bargap=0.28)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(tickfont={"size": 15, "color": INK}, automargin=True)
    fig.update_layout(margin={"l": 8, "r": 48, "t": 4, "b": 4})
    return fig


GRAPH_CONFIG = {"displayModeBar": False, "staticPlot": False, "scrollZoom": False, "responsive": True}
