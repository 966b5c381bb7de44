"""``/wall``: the command-center wall display 一屏看全程 (kiosk page, read-only wall token or staff login).

A fixed 1920×1080 design canvas scaled as a whole by ``assets/web/wall.js`` (3840×2160 is ×2). Every
``config.wall.tick_s`` the browser asks for the shared snapshot's changes (``wall-interval``); the server
answers with only the changed sections, figures as ``dash.Patch``. The browser shows a banner on its own
when the server stops answering, and reloads softly each night (after checking the server is up).
"""
from __future__ import annotations

import logging

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import access
from dashboard.app import current_ctx
from dashboard.text import wall as T
from dashboard.wall import figures as F
from dashboard.wall import layout as L
from dashboard.wall.snapshot import Registry, service_for
from dashboard.wall.update import OUTPUTS, build_update, client_state

log = logging.getLogger(__name__)

WALL_ROLES = {"wall", "admin", "supervisor", "viewer"}
dash.register_page(__name__, path="/wall", title=f"{T.TITLE} · {T.SUBTITLE}")
access.allow_page("/wall", WALL_ROLES)
access.allow_callbacks("wall-", WALL_ROLES)


def thumb_url(evidence_id: int) -> str:
    return f"/api/v1/wall/thumb/{int(evidence_id)}"


def _empty_snapshot(reg: Registry) -> dict:
    return {
        "registry": "", "kpi": {}, "points": ["normal"] * len(reg.point_ids), "point_counts": {},
        "district_open": [0] * len(reg.district_ids),
        "flow": {**{k: [0] * 6 for k in ("year", "today", "now", "stuck", "overdue")}, "unconfirmed": 0},
        "events": [], "trend": {"days": [], "found": [], "rectified": []}, "types": {"names": [], "counts": []},
        "rank": {"districts": [], "units": [], "improved": []},
        "cameras": {"online": 0, "offline": 0, "faulty": 0, "unknown": 0, "total": 0},
        "computed_at": "—", "db_ok": False, "digests": {}, "pipeline": {},
    }


def _demo_badge(ctx) -> html.Span:
    """演示数据, and when the demo history was written, how many cases are simulated history."""
    from models.workflow.demo_history import history_count

    try:
        with ctx.sessions() as s:
            n = history_count(s)
    except Exception:  # the wall shows without the count while the database is away
        log.warning("wall: demo history count unavailable", exc_info=True)
        n = 0
    if not n:
        return html.Span(T.DEMO_BADGE, className="wall-demo", id="wall-demo")
    return html.Span(T.DEMO_HISTORY_BADGE.format(n=n), className="wall-demo", id="wall-demo",
                     title=T.DEMO_HISTORY_TITLE)


def _header(ctx, snap) -> html.Div:
    return html.Div(className="wall-header", children=[
        html.Div(className="wall-brand", children=[
            html.Span("★", className="wall-star"),
            html.Span(T.TITLE, className="wall-title"),
            html.Span(T.SUBTITLE, className="wall-subtitle"),
            _demo_badge(ctx) if ctx.config.demo else None,
        ]),
        html.Div(className="wall-time", children=[
            html.Div(className="wall-updated", children=[T.LAST_UPDATE + " ",
                                                         html.Span(snap["computed_at"], id="wall-updated")]),
            html.Div("", id="wall-date", className="wall-date"),
            html.Div("", id="wall-clock", className="wall-clock"),
        ]),
    ])


def _canvas(ctx, snap, reg) -> html.Div:
    text, cls = L.banner(snap)
    return html.Div(id="wall-canvas", className="wall-canvas", children=[
        _header(ctx, snap),
        html.Div(text, id="wall-banner", className=cls, role="status"),
        html.Div(T.BANNER_OFFLINE, id="wall-offline", className="wall-banner", role="alert"),
        L.kpi_strip(snap["kpi"]),
        html.Div(className="wall-main", children=[
            html.Div(className="wall-col wall-left", children=[
                L.today_panel(snap["kpi"]), L.flow_panel(snap["flow"]), L.camera_panel(snap["cameras"]),
            ]),
            html.Div(className="wall-col wall-centre", children=[
                html.Div(className="wall-panel wall-map-panel", children=[
                    html.Div(T.MAP_TITLE, className="wall-panel-title wall-map-title"),
                    L.graph("wall-map", F.map_figure(reg, snap["points"], snap["district_open"]), "wall-map"),
                    html.Div(L.legend_children(snap["point_counts"]), id="wall-legend", className="wall-legend"),
                ]),
                html.Div(className="wall-centre-bottom", children=[
                    html.Div(className="wall-panel wall-trend-panel", children=[
                        html.Div(T.TREND, className="wall-panel-title"),
                        L.graph("wall-trend", F.trend_figure(snap["trend"]), "wall-chart"),
                    ]),
                    html.Div(className="wall-panel wall-types-panel", children=[
                        html.Div(T.TYPES, className="wall-panel-title"),
                        L.graph("wall-types", F.types_figure(snap["types"]), "wall-chart"),
                    ]),
                ]),
            ]),
            html.Div(className="wall-col wall-right", children=[
                html.Div(className="wall-panel wall-events-panel", children=[
                    html.Div(T.EVENTS, className="wall-panel-title"),
                    html.Div(L.event_rows(snap["events"], thumb_url), id="wall-events", className="wall-events"),
                ]),
                html.Div(className="wall-panel wall-rank-panel", children=[
                    html.Div(L.rank_children(snap["rank"]), id="wall-rank"),
                ]),
            ]),
        ]),
    ])


@access.page_layout("/wall")
def layout(**_query):
    ctx = current_ctx()
    svc = service_for(ctx)
    try:
        snap = svc.get()
        reg = snap["_reg"]
        state = client_state(snap)
    except Exception as exc:  # noqa: BLE001 - the wall never shows a blank page; the next tick retries
        log.warning("wall layout without data: %s", exc)
        try:
            reg = svc.registry()
        except Exception:  # noqa: BLE001 - the database is away: an empty map until it is back
            reg = Registry("", [], [], [], [], [], [], [], [])
        snap, state = _empty_snapshot(reg), {}
    cfg = ctx.config.wall
    return html.Div(className="wall-root", children=[
        _canvas(ctx, snap, reg),
        dcc.Interval(id="wall-interval", interval=int(cfg.tick_s * 1000)),
        dcc.Store(id="wall-state", data=state),
        html.Div("", id="wall-heartbeat", style={"display": "none"}),
        html.Div(id="wall-config", style={"display": "none"}, **{
            "data-tick-ms": str(int(cfg.tick_s * 1000)),
            "data-nightly": cfg.nightly_reload,
            "data-rotate": ",".join(cfg.rotate_views),
            "data-rotate-every-s": str(cfg.rotate_every_s),
        }),
    ])


@callback([Output(cid, prop) for _s, cid, prop in OUTPUTS],
          Input("wall-interval", "n_intervals"), State("wall-state", "data"))
def tick(_n, client):
    svc = service_for(current_ctx())
    snap = svc.get()
    return build_update(snap, client, snap["_reg"], thumb_url)
