"""点位与摄像头 ``/points``: the 209 monitoring points on an offline map (plotly Scattermap, white-bg style,
local district outlines — no tile server, no text glyphs) and in a list; each links to its point page."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html, no_update

from dashboard import access
from dashboard.app import current_ctx
from dashboard.kpi_widgets import FONT
from dashboard.shell import desktop_page
from dashboard.text import registry as T
from models.point_status import point_rows

ROLES = ("admin", "supervisor", "viewer")
dash.register_page(__name__, path="/points", title="点位与摄像头 · 漳州精神文明建设平台")
access.allow_page("/points", ROLES)
access.allow_callbacks("points-", ROLES)

GEOJSON = Path(__file__).resolve().parents[2] / "assets" / "map" / "zhangzhou_admin.geojson"
STATE_COLORS = {"normal": "#2f9e44", "open": "#f08c00", "overdue": "#e03131", "offline": "#868e96"}
BOUNDS = {"west": 116.89, "east": 118.25, "south": 23.52, "north": 25.22}
"""The outlines' extent (lon/lat): two invisible corner markers make the map frame the whole city."""


@lru_cache(maxsize=1)
def district_outlines() -> dict:
    """The 11 county-level outlines (GeoJSON, GCJ-02), without the city outline."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    return {"type": "FeatureCollection",
            "features": [f for f in data["features"] if f["properties"].get("level") != "city"]}


def map_figure(rows: list[dict], height: int | None = None) -> go.Figure:
    """Points coloured by state over the district outlines; customdata carries the point code."""
    fig = go.Figure()
    for state in ("normal", "open", "overdue", "offline"):
        pts = [r for r in rows if r["state"] == state]
        fig.add_trace(go.Scattermap(
            lon=[r["lon"] for r in pts], lat=[r["lat"] for r in pts], mode="markers",
            name=f"{T.POINT_STATES[state]}（{len(pts)}）",
            marker=dict(size=11 if state != "normal" else 9, color=STATE_COLORS[state], opacity=0.9),
            customdata=[r["code"] for r in pts],
            text=[f"{r['name']}<br>{r['district']} · {r['category']}<br>在办 {r['open']} · 超期 {r['overdue']}"
                  f" · 摄像头 {r['online']}/{r['cameras']} 在线" for r in pts],
            hovertemplate="%{text}<extra></extra>"))
    # the city's corners as invisible markers: with fitbounds the map opens framing the whole city at the
    # graph's own size (a fixed zoom left it small on wide panels)
    fig.add_trace(go.Scattermap(lon=[BOUNDS["west"], BOUNDS["east"]], lat=[BOUNDS["south"], BOUNDS["north"]],
                                mode="markers", marker=dict(size=1, opacity=0), hoverinfo="skip", showlegend=False))
    fig.update_layout(
        map=dict(style="white-bg", fitbounds="locations",
                 layers=[dict(source=district_outlines(), type="fill", color="rgba(192,22,28,0.04)", below="traces"),
                         dict(source=district_outlines(), type="line", color="#c0161c", line=dict(width=1.2))]),
        margin=dict(l=0, r=0, t=0, b=0), font=dict(family=FONT, size=12), uirevision="points",
        showlegend=False,  # the side legend (#points-legend) names the states with their counts
        **({"height": height} if height else {}))
    return fig


COLUMN_DEFS = [
    {"field": "code_link", "headerName": T.POINT_COLS["code"], "cellRenderer": "markdown", "width": 110,
     "pinned": "left"},
    {"field": "name", "headerName": T.POINT_COLS["name"], "flex": 2, "minWidth": 160},
    {"field": "category", "headerName": T.POINT_COLS["category"], "width": 120},
    {"field": "district", "headerName": T.POINT_COLS["district"], "width": 90},
    {"field": "state_text", "headerName": T.POINT_COLS["state"], "width": 130,
     "cellClassRules": {"cw-overdue": "params.data.state === 'overdue' || params.data.state === 'offline'"}},
    {"field": "cameras", "headerName": T.POINT_COLS["cameras"], "width": 86, "type": "numericColumn"},
    {"field": "online", "headerName": T.POINT_COLS["online"], "width": 76, "type": "numericColumn"},
    {"field": "open", "headerName": T.POINT_COLS["open"], "width": 96, "type": "numericColumn"},
    {"field": "overdue", "headerName": T.POINT_COLS["overdue"], "width": 76, "type": "numericColumn",
     "cellClassRules": {"cw-overdue": "params.value > 0"}},
    {"field": "month", "headerName": T.POINT_COLS["month"], "width": 110, "type": "numericColumn"},
    {"field": "recur", "headerName": T.POINT_COLS["recur"], "width": 110, "type": "numericColumn"},
]


def grid_rows(rows: list[dict]) -> list[dict]:
    return [dict(r, code_link=f"[{r['code']}](/points/{r['code']})", state_text=T.POINT_STATES[r["state"]])
            for r in rows]


def _filter(rows, district, category, text):
    if district:
        rows = [r for r in rows if r["district"] == district]
    if category:
        rows = [r for r in rows if r["category"] == category]
    if text and text.strip():
        q = text.strip().lower()
        rows = [r for r in rows if q in r["code"].lower() or q in r["name"].lower()]
    return rows


def _legend(rows: list[dict]) -> list[html.Div]:
    """The states with their counts, the totals, and the same per district (beside the map)."""
    counts = {s: sum(r["state"] == s for r in rows) for s in STATE_COLORS}
    cams = sum(r["cameras"] for r in rows)
    online = sum(r["online"] for r in rows)
    legend = html.Div([
        html.Div([html.Span(className="cw-dot", style={"background": STATE_COLORS[s]}),
                  f"{T.POINT_STATES[s]}：{counts[s]}"]) for s in STATE_COLORS
    ] + [html.Div(f"点位 {len(rows)} 个"), html.Div(f"摄像头 {cams} 路，在线 {online} 路"),
         html.P(T.MAP_HINT, className="cw-muted")], className="cw-legend cw-card")
    return [legend, _district_table(rows)]


def _district_table(rows: list[dict]) -> html.Div:
    """Per 区县: points, points in each state, cameras online of all."""
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["district"] or T.NO_VALUE, []).append(r)
    states = list(STATE_COLORS)
    head = html.Tr([html.Th(T.POINT_COLS["district"]), html.Th(T.POINTS_BY_DISTRICT_COUNT, className="num")]
                   + [html.Th(T.POINT_STATES[s], className="num") for s in states]
                   + [html.Th(T.POINTS_BY_DISTRICT_CAMS, className="num")])
    body = [html.Tr([html.Td(d), html.Td(len(rs), className="num")]
                    + [html.Td(sum(r["state"] == s for r in rs), className="num") for s in states]
                    + [html.Td(f"{sum(r['online'] for r in rs)}/{sum(r['cameras'] for r in rs)}", className="num")])
            for d, rs in sorted(by.items())]
    return html.Div([html.H2(T.POINTS_BY_DISTRICT),
                     html.Table([html.Thead(head), html.Tbody(body)], className="cw-table cw-table-compact")],
                    className="cw-card cw-district-table")


@access.page_layout("/points")
def layout(**_):
    with current_ctx().sessions() as s:
        rows = point_rows(s)
    if not rows:
        return desktop_page(T.POINTS_TITLE, [dmc.Alert(T.POINTS_EMPTY, color="gray", variant="light")],
                            active="points")
    districts = sorted({r["district"] for r in rows if r["district"]})
    categories = sorted({r["category"] for r in rows})
    filters = html.Div([
        dmc.Select(id="points-district", placeholder=T.POINTS_FILTER_DISTRICT, data=districts, clearable=True,
                   size="sm", w=130, comboboxProps={"withinPortal": True}),
        dmc.Select(id="points-category", placeholder=T.POINTS_FILTER_CATEGORY, data=categories, clearable=True,
                   size="sm", w=150, comboboxProps={"withinPortal": True}),
        dmc.TextInput(id="points-search", placeholder=T.POINTS_SEARCH, size="sm", w=200, debounce=300,
                      **{"aria-label": T.POINTS_SEARCH}),
    ], className="cw-period")
    grid = dag.AgGrid(
        id="points-grid", columnDefs=COLUMN_DEFS, rowData=grid_rows(rows), getRowId="params.data.code",
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
        dashGridOptions={"rowHeight": 32, "headerHeight": 36, "localeText": {"noRowsToShow": T.POINTS_NONE_MATCH}},
        className="ag-theme-quartz cw-grid", style={"height": "calc(100vh - 200px)", "minHeight": "360px"})
    tabs = dmc.Tabs([
        dmc.TabsList([dmc.TabsTab(T.POINTS_TAB_MAP, value="map"), dmc.TabsTab(T.POINTS_TAB_LIST, value="list")]),
        dmc.TabsPanel(html.Div([
            # the map is as wide as the city's (tall) shape at the panel's height; the width left over
            # holds the legend and the per-district figures (a full-width map left ~60 % of it blank)
            dcc.Graph(id="points-map", figure=map_figure(rows), config={"displaylogo": False, "scrollZoom": True},
                      className="cw-points-map"),
            html.Div(_legend(rows), id="points-legend", className="cw-map-side"),
        ], className="cw-map-layout"), value="map", pt="sm"),
        dmc.TabsPanel(grid, value="list", pt="sm"),
    ], value="map", id="points-tabs", keepMounted=True)
    return desktop_page(T.POINTS_TITLE, [tabs, dcc.Location(id="points-go", refresh="callback-nav")],
                        active="points", actions=filters)


@callback(
    Output("points-map", "figure"), Output("points-grid", "rowData"), Output("points-legend", "children"),
    Input("points-district", "value"), Input("points-category", "value"), Input("points-search", "value"),
    prevent_initial_call=True,
)
def apply_filters(district, category, text):
    with current_ctx().sessions() as s:
        rows = _filter(point_rows(s), district, category, text)
    return map_figure(rows), grid_rows(rows), _legend(rows)


@callback(Output("points-go", "pathname"), Input("points-map", "clickData"), prevent_initial_call=True)
def open_point(click):
    """Clicking a point on the map opens its page."""
    try:
        code = click["points"][0]["customdata"]
    except (TypeError, KeyError, IndexError):
        return no_update
    return f"/points/{code}" if isinstance(code, str) else no_update
