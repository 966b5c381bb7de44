"""Layout pieces of the wall: each builder turns a part of the snapshot into Dash components.

The same builders make the first render and the per-tick updates, so both always agree.
All ids start with ``wall-`` (the prefix the wall's callbacks are allowed to write to).
"""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.text import wall as T

from . import figures as F

KPI_IDS = ("points", "cameras", "online", "units", "indicators", "types", "dispatched", "handled", "rate")
TODAY_IDS = ("found", "dispatched", "rectified", "overdue")


def fmt_int(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "—"


def fmt_rate(value: Any) -> str:
    """整改率 with two decimals, as the city reports it (99.86%)."""
    if value is None:
        return "—"
    v = float(value)  # models.kpi gives percent with 2 decimals
    return f"{v:.2f}%"


def kpi_values(kpi: dict[str, Any]) -> dict[str, str]:
    """The KPI strip's texts (ids ``wall-kpi-<key>``) from ``models.kpi.summary``."""
    return {
        "points": fmt_int(kpi.get("points")),
        "cameras": fmt_int(kpi.get("cameras")),
        "online": fmt_int(kpi.get("cameras_online")),
        "units": fmt_int(kpi.get("units")),
        "indicators": fmt_int(kpi.get("indicators")),
        "types": fmt_int(kpi.get("problem_types")),
        "dispatched": fmt_int(kpi.get("dispatched")),
        "handled": fmt_int(kpi.get("handled")),
        "rate": fmt_rate(kpi.get("rectification_rate")),
    }


def today_values(kpi: dict[str, Any]) -> dict[str, str]:
    today = kpi.get("today") or {}
    return {k: fmt_int(today.get(k)) for k in TODAY_IDS}


def _kpi_cell(key: str, label: str, value: str, unit: str = "", sub: Any = None, cls: str = "") -> html.Div:
    return html.Div(className=f"wall-kpi {cls}", children=[
        html.Div(label, className="wall-kpi-label"),
        html.Div([html.Span(value, id=f"wall-kpi-{key}", className="wall-kpi-value"),
                  html.Span(unit, className="wall-kpi-unit")], className="wall-kpi-line"),
        html.Div(sub, className="wall-kpi-sub") if sub is not None else None,
    ])


def kpi_strip(kpi: dict[str, Any]) -> html.Div:
    v = kpi_values(kpi)
    online = html.Span([T.KPI_ONLINE + " ", html.Span(v["online"], id="wall-kpi-online"), " " + T.UNIT_LU])
    return html.Div(className="wall-kpis", children=[
        _kpi_cell("points", T.KPI_POINTS, v["points"], T.UNIT_GE),
        _kpi_cell("cameras", T.KPI_CAMERAS, v["cameras"], T.UNIT_LU, sub=online),
        _kpi_cell("units", T.KPI_UNITS, v["units"], T.UNIT_GE),
        _kpi_cell("indicators", T.KPI_INDICATORS, v["indicators"], T.UNIT_GE),
        _kpi_cell("types", T.KPI_TYPES, v["types"], T.UNIT_GE),
        _kpi_cell("dispatched", T.KPI_DISPATCHED, v["dispatched"], T.UNIT_JIAN, cls="wall-kpi-year"),
        _kpi_cell("handled", T.KPI_HANDLED, v["handled"], T.UNIT_JIAN, cls="wall-kpi-year"),
        _kpi_cell("rate", T.KPI_RATE, v["rate"], "", cls="wall-kpi-year wall-kpi-rate"),
    ])


def today_panel(kpi: dict[str, Any]) -> html.Div:
    v = today_values(kpi)
    labels = {"found": T.TODAY_FOUND, "dispatched": T.TODAY_DISPATCHED, "rectified": T.TODAY_RECTIFIED,
              "overdue": T.TODAY_OVERDUE}
    return html.Div(className="wall-panel wall-today", children=[
        html.Div(T.TODAY, className="wall-panel-title"),
        html.Div(className="wall-today-grid", children=[
            html.Div(className=f"wall-today-cell wall-today-{k}", children=[
                html.Div(v[k], id=f"wall-today-{k}", className="wall-today-value"),
                html.Div(labels[k], className="wall-today-label"),
            ]) for k in TODAY_IDS
        ]),
    ])


def flow_rows(flow: dict[str, list[int]]) -> list[html.Div]:
    year, today = flow["year"], flow["today"]
    top = max(year[0], 1)
    rows = []
    for i, stage in enumerate(T.STAGES):
        width = max(2.0, 100.0 * year[i] / top)
        stuck, overdue, now = flow["stuck"][i], flow["overdue"][i], flow["now"][i]
        rows.append(html.Div(className="wall-flow-row", children=[
            html.Div([html.Div(stage, className="wall-flow-stage"),
                      html.Div(T.DOCS[i], className="wall-flow-doc")], className="wall-flow-name"),
            html.Div(className="wall-flow-bar", children=[
                html.Div(className="wall-flow-fill", style={"width": f"{width:.1f}%"}),
                html.Span(fmt_int(year[i]), className="wall-flow-year"),
            ]),
            html.Div(fmt_int(today[i]), className="wall-flow-num wall-flow-today"),
            html.Div(fmt_int(now) if i < 5 else "", className="wall-flow-num"),
            html.Div(fmt_int(stuck) if i < 5 else "", className="wall-flow-num" + (" wall-warn" if stuck else "")),
            html.Div(fmt_int(overdue) if i < 5 else "",
                     className="wall-flow-num" + (" wall-alert" if overdue else "")),
        ]))
    unconfirmed = int(flow.get("unconfirmed", 0))
    rows.append(html.Div([T.TYPE_UNCONFIRMED, " ", html.B(fmt_int(unconfirmed), id="wall-flow-unconfirmed"),
                          " " + T.UNIT_JIAN],
                         className="wall-flow-unconfirmed" + (" wall-warn" if unconfirmed else "")))
    return rows


def flow_panel(flow: dict[str, list[int]]) -> html.Div:
    head = html.Div(className="wall-flow-row wall-flow-head", children=[
        html.Div(""), html.Div(T.FLOW_YEAR), html.Div(T.FLOW_TODAY, className="wall-flow-num"),
        html.Div(T.FLOW_NOW, className="wall-flow-num"), html.Div(T.FLOW_STUCK, className="wall-flow-num"),
        html.Div(T.FLOW_OVERDUE, className="wall-flow-num"),
    ])
    return html.Div(className="wall-panel wall-flow", children=[
        html.Div([T.PROCESS, html.Span(T.STUCK_HINT, className="wall-panel-hint")], className="wall-panel-title"),
        head,
        html.Div(flow_rows(flow), id="wall-flow-rows"),
    ])


def camera_children(cams: dict[str, int]) -> list:
    total = max(cams.get("total", 0), 1)
    bar = html.Div(className="wall-cam-bar", children=[
        html.Div(className=f"wall-cam-seg wall-cam-{k}", style={"width": f"{100.0 * cams.get(k, 0) / total:.2f}%"})
        for k in ("online", "faulty", "offline", "unknown")
    ])
    legend = html.Div(className="wall-cam-legend", children=[
        html.Span([html.I(className=f"wall-dot wall-cam-{k}"), f"{T.CAMERA_STATES[k]} ",
                   html.B(fmt_int(cams.get(k, 0)))]) for k in ("online", "faulty", "offline", "unknown")
    ])
    return [bar, legend]


def camera_panel(cams: dict[str, int]) -> html.Div:
    return html.Div(className="wall-panel wall-cams", children=[
        html.Div(T.CAMERA_HEALTH, className="wall-panel-title"),
        html.Div(camera_children(cams), id="wall-cameras"),
    ])


def legend_children(counts: dict[str, int]) -> list:
    return [html.Span(className="wall-legend-item", children=[
        html.I(className="wall-dot", style={"background": F.STATE_COLORS[k]}), T.POINT_STATES[k] + " ",
        html.B(fmt_int(counts.get(k, 0)))]) for k in ("normal", "open", "overdue", "offline")]


def event_rows(events: list[dict[str, Any]], thumb_url) -> list:
    if not events:
        return [html.Div(T.EVENTS_EMPTY, className="wall-empty")]
    rows = []
    for e in events:
        img = (html.Img(src=thumb_url(e["evidence"]), className="wall-event-thumb", alt="")
               if e.get("evidence") else html.Div(T.NO_IMAGE, className="wall-event-thumb wall-noimg"))
        state = e["state"]
        label = T.TODAY_OVERDUE if state == "overdue" else T.CASE_STATES.get(state, state)
        rows.append(html.Div(className="wall-event", key=str(e["id"]), **{"data-case": e["code"]}, children=[
            img,
            html.Div(className="wall-event-body", children=[
                html.Div(e["type"], className="wall-event-type"),
                html.Div(f"{e['district']} · {e['point']}" if e["district"] and e["district"] != e["point"]
                         else e["point"], className="wall-event-point"),
            ]),
            html.Div(className="wall-event-side", children=[
                html.Div(e["time"], className="wall-event-time"),
                html.Div(label, className=f"wall-state wall-state-{state}"),
            ]),
        ]))
    return rows


def _rank_list(title: str, items: list[dict[str, Any]], improved: bool = False) -> html.Div:
    body: list = []
    for i, it in enumerate(items):
        value = f"+{it['gain']:.2f}" if improved else f"{it['score']:.2f}"
        # short side text: the unit names need the room (the score itself is the value)
        extra = (f"{T.RANK_SCORE} {it['score']:.2f}" if improved
                 else f"{T.RANK_ONTIME} {fmt_rate(it['ontime'])} · {fmt_int(it['handled'])}{T.UNIT_JIAN}")
        body.append(html.Div(className="wall-rank-row", children=[
            html.Span(str(i + 1), className=f"wall-rank-no wall-rank-no{i + 1}"),
            html.Span(it["name"], className="wall-rank-name"),
            html.Span(extra, className="wall-rank-extra"),
            html.Span(value, className="wall-rank-value"),
        ]))
    if not body:
        body = [html.Div(T.RANK_EMPTY, className="wall-empty")]
    return html.Div(className="wall-rank-block", children=[html.Div(title, className="wall-rank-title"), *body])


def rank_children(rank: dict[str, list[dict[str, Any]]]) -> list:
    return [
        _rank_list(T.RANK_DISTRICTS, rank["districts"]),
        _rank_list(T.RANK_UNITS, rank["units"][:3]),
        _rank_list(T.RANK_IMPROVED, rank["improved"][:3], improved=True),
    ]


def banner(snapshot: dict[str, Any]) -> tuple[str, str]:
    """(text, class) of the server-side banner: database trouble or a stalled pipeline; empty when fine."""
    if not snapshot.get("db_ok", True):
        return T.BANNER_DB, "wall-banner wall-banner-show wall-banner-alert"
    pipe = snapshot.get("pipeline") or {}
    if pipe.get("state") == "stale":
        return T.BANNER_STALE.format(seconds=pipe.get("age_s")), "wall-banner wall-banner-show wall-banner-alert"
    if pipe.get("state") == "not_running":
        return T.BANNER_NOT_RUNNING, "wall-banner wall-banner-show wall-banner-info"
    return "", "wall-banner"


def graph(gid: str, figure, cls: str) -> dcc.Graph:
    return dcc.Graph(id=gid, figure=figure, config=F.GRAPH_CONFIG, className=cls,
                     style={"width": "100%", "height": "100%"})
