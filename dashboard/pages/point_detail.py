"""One 点位 ``/points/<code>``: its details, cameras (latest picture, health), cases and history (cases per
month, per hour of day, recurring problem types)."""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.kpi_widgets import base_layout, graph
from dashboard.shell import desktop_page, message_page
from dashboard.text import desktop as D
from dashboard.text import registry as T
from models.cases import Case
from models.clock import fmt_local
from models.hotspots import point_history
from models.registry import MonitoringPoint, ProblemType, ResponsibleUnit

ROLES = ("admin", "supervisor", "viewer")
dash.register_page(__name__, path_template="/points/<code>", title="点位 · 漳州精神文明建设平台")
access.allow_page("/points/", ROLES)
access.allow_callbacks("points-d-", ROLES)


def health_text(h: str | None) -> html.Span:
    h = h or "unknown"
    return html.Span(T.HEALTH.get(h, h), className="cw-health-online" if h == "online" else "cw-health-bad")


SOON_MS = 1500  # the next look while an online camera's first frame is on its way
TICK_MS = 10_000


def snapshot_view(ctx, code: str, camera_id: int, tick: int | None = 0, img_id: str | None = None,
                  health: str | None = None):
    """The camera's latest picture (live frame or newest evidence) as an <img>, or a placeholder saying why
    there is none and what to do (for an online camera: that it is on its way — frames are kept only while
    someone looks, so the first one arrives a moment after the page opens)."""
    from dashboard.api.registry_views import latest_evidence_path
    from models.latest_frames import store_for

    frame = store_for(ctx).get(code)
    if frame is None and latest_evidence_path(ctx, camera_id) is None:
        text = T.SNAPSHOT_LOADING if health == "online" else T.SNAPSHOT_NONE
        return html.Div(text, className="cw-snap-empty" + (" cw-snap-loading" if health == "online" else ""))
    src = f"/api/v1/registry/cameras/{code}/snapshot.jpg?t={tick or 0}"
    caption = (T.SNAPSHOT_AT.format(at=fmt_local(frame.captured_at), source=T.SNAPSHOT_LIVE) if frame
               else T.SNAPSHOT_EVIDENCE)
    return html.Figure([html.Img(src=src, alt=f"{code} {T.SNAPSHOT}", className="cw-snap-img",
                                 **({"id": img_id} if img_id else {})),
                        html.Figcaption(caption, className="cw-muted")], style={"margin": 0})


def camera_cards(ctx, cams: list[dict], tick: int | None = 0) -> list[html.Div]:
    from datetime import datetime

    cards = []
    for c in cams:
        last = datetime.fromisoformat(c["last_frame_at"]) if c.get("last_frame_at") else None
        cards.append(html.Div([
            html.Div([html.Strong(c["name"]), " ", html.Span(c["code"], className="cw-muted"), "　",
                      health_text(c["health"])]),
            snapshot_view(ctx, c["code"], c["id"], tick, health=c["health"]),
            html.Div([f"{T.CAMERA_INFO['last_frame']}：{fmt_local(last, '%m-%d %H:%M:%S') or '—'}　",
                      f"{T.ZONES} {c['zones']} 个"], className="cw-muted"),
            dcc.Link(T.OPEN_CAMERA, href=f"/cameras/{c['code']}", className="cw-back"),
        ], className="cw-cam"))
    return cards


def _history_figures(h: dict):
    months = go.Figure(go.Bar(x=[m for m, _ in h["months"]], y=[n for _, n in h["months"]], marker_color="#c92a2a",
                              hovertemplate="%{x}：%{y} 件<extra></extra>"))
    months = base_layout(months, 220, legend=False)
    months.update_xaxes(type="category")
    hours = go.Figure(go.Bar(x=[f"{i}时" for i in range(24)], y=h["hours"], marker_color="#f08c00",
                             hovertemplate="%{x}：%{y} 件<extra></extra>"))
    hours = base_layout(hours, 220, legend=False)
    hours.update_xaxes(type="category", tickangle=0, nticks=12)
    return months, hours


@access.page_layout("/points/")
def layout(code: str | None = None, **_):
    ctx = current_ctx()
    with ctx.sessions() as s:
        p = s.scalar(select(MonitoringPoint).where(MonitoringPoint.code == (code or "")))
        if p is None:
            return message_page(T.POINTS_TITLE, T.POINT_NOT_FOUND.format(code=code), active="points",
                                link=("/points", T.BACK_TO_POINTS))
        info = [(T.POINT_INFO["category"], p.category), (T.POINT_INFO["district"], p.district.name),
                (T.POINT_INFO["address"], p.address or "—"),
                (T.POINT_INFO["units"], "、".join(u.name for u in p.units) or "—"),
                (T.POINT_INFO["coords"], f"{p.lon:.5f}, {p.lat:.5f}")]
        cams = sorted(p.cameras, key=lambda c: c.code)
        cams = [{"code": c.code, "id": c.id, "name": c.name, "health": c.health, "zones": len(c.zones or []),
                 "last_frame_at": c.last_frame_at.isoformat() if c.last_frame_at else None} for c in cams]
        units = dict(s.execute(select(ResponsibleUnit.id, ResponsibleUnit.name)).all())
        types = dict(s.execute(select(ProblemType.id, ProblemType.name)).all())
        cases = s.scalars(select(Case).where(Case.point_id == p.id).order_by(Case.found_at.desc()).limit(100)).all()
        case_rows = [html.Tr([
            html.Td(dcc.Link(c.code, href=f"/cases/{c.code}")), html.Td(types.get(c.problem_type_id, "")),
            html.Td(D.STATE_NAMES.get(c.state, c.state)), html.Td(units.get(c.unit_id, "—")),
            html.Td(fmt_local(c.found_at, "%Y-%m-%d %H:%M")),
            html.Td("↻" if c.previous_case_id else "", title="反复发生（关联到此前的案件）")]) for c in cases]
        hist = point_history(s, p.id)
        name, pcode = p.name, p.code
    months, hours = _history_figures(hist)
    cards = camera_cards(ctx, cams)
    cases_block = (html.Div(html.Table([
        html.Thead(html.Tr([html.Th(x) for x in ("案件编号", "问题类型", "状态", "责任单位", "发现时间", "复发")])),
        html.Tbody(case_rows)], className="cw-table cw-table-compact"), className="cw-scroll")
        if case_rows else dmc.Alert(T.POINT_CASES_EMPTY, color="gray", variant="light"))
    recurred = [r for r in hist["types"] if r["recurrences"]]  # 反复发生: only types that did recur
    recur = (html.Table([html.Thead(html.Tr([html.Th("问题类型"), html.Th("件数"), html.Th("复发")])),
                         html.Tbody([html.Tr([html.Td(r["type"]), html.Td(r["cases"]), html.Td(r["recurrences"])])
                                     for r in recurred])], className="cw-table cw-table-compact")
             if recurred else html.P(T.POINT_NO_RECUR, className="cw-muted"))
    return desktop_page(f"{name}（{pcode}）", [
        dcc.Link(T.BACK_TO_POINTS, href="/points", className="cw-back"),
        html.Dl([x for k, v in info for x in (html.Dt(k), html.Dd(v))], className="cw-info cw-info-row"),
        html.Section([html.H2(f"{T.POINT_CAMERAS}（{len(cams)}）"),
                      html.Div(cards, id="points-d-cameras", className="cw-cams")],
                     className="cw-card"),
        html.Div([
            html.Section([html.H2(T.POINT_HISTORY), graph(months)], className="cw-card"),
            html.Section([html.H2(T.POINT_HOURS), graph(hours)], className="cw-card"),
            html.Section([html.H2(T.POINT_RECUR), recur], className="cw-card"),
        ], className="cw-three-col"),
        html.Section([html.H2(T.POINT_CASES), cases_block], className="cw-card"),
        dcc.Interval(id="points-d-tick", interval=next_tick(cards)),
        dcc.Store(id="points-d-cams", data=cams),
    ], active="points")


def next_tick(cards) -> int:
    """Look again soon while a picture is on its way, else every 10 s."""
    return SOON_MS if "cw-snap-loading" in str(cards) else TICK_MS


@callback(Output("points-d-cameras", "children"), Output("points-d-tick", "interval"),
          Input("points-d-tick", "n_intervals"), State("points-d-cams", "data"), prevent_initial_call=True)
def refresh_snapshots(tick, cams):
    """Refresh the cameras' pictures every 10 s (sooner while a first picture is on its way)."""
    cards = camera_cards(current_ctx(), cams or [], tick)
    return cards, next_tick(cards)
