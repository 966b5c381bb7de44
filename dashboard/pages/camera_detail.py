"""One 摄像头 ``/cameras/<code>``: the latest picture (refreshing every 5 s) with the camera's zones drawn
over it, its details and health history, and — for supervisors and admins — the zone editor (click the
polygon's vertices on the picture; saved through :func:`models.zones.validate_zones`)."""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, clientside_callback, ctx as dash_ctx, dcc, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.shell import desktop_page, message_page
from dashboard.text import registry as T
from dashboard.zones_editor import delete_zone, save_zone, zone_error_text, zone_figure
from models.actor_names import source_kind_label
from models.clock import fmt_local
from models.latest_frames import store_for
from models.registry import Camera, CameraHealthEvent, ProblemType
from models.zones import ZoneError

ROLES = ("admin", "supervisor", "viewer")
EDITORS = ("admin", "supervisor")
dash.register_page(__name__, path_template="/cameras/<code>", title="摄像头 · 漳州精神文明建设平台")
access.allow_page("/cameras/", ROLES)
access.allow_callbacks("cameras-", ROLES)
access.allow_callbacks("cameras-edit-", EDITORS)


def _zone_options(zones: list[dict]) -> list[dict]:
    return [{"value": "new", "label": T.ZONE_NEW}] + [
        {"value": str(i), "label": f"{z['name']}（{T.ZONE_KINDS.get(z['kind'], z['kind'])}）"}
        for i, z in enumerate(zones)]


def _health_table(events) -> html.Table | html.P:
    if not events:
        return html.P(T.HEALTH_EMPTY, className="cw-muted")
    return html.Div(html.Table([
        html.Thead(html.Tr([html.Th(T.HEALTH_COLS[k]) for k in ("at", "from", "to", "detail")])),
        html.Tbody([html.Tr([html.Td(fmt_local(e.at, "%m-%d %H:%M:%S")),
                             html.Td(T.HEALTH.get(e.from_state, e.from_state)),
                             html.Td(T.HEALTH.get(e.to_state, e.to_state),
                                     className="cw-health-online" if e.to_state == "online" else "cw-health-bad"),
                             html.Td(e.detail or "")]) for e in events])],
        className="cw-table cw-table-compact"), className="cw-scroll")


def _editor(zones: list[dict]) -> html.Section:
    return html.Section([
        html.H2(T.ZONE_EDITOR),
        html.P(T.ZONE_HELP, className="cw-muted"),
        dmc.Select(id="cameras-edit-pick", label=T.ZONE_PICK, data=_zone_options(zones), value="new", size="sm",
                   allowDeselect=False, comboboxProps={"withinPortal": True}),
        dmc.TextInput(id="cameras-edit-name", label=T.ZONE_NAME, size="sm", inputProps={"maxLength": 40}),
        dmc.Select(id="cameras-edit-kind", label=T.ZONE_KIND, size="sm", value="sidewalk",
                   data=[{"value": k, "label": v} for k, v in T.ZONE_KINDS.items()], allowDeselect=False,
                   comboboxProps={"withinPortal": True}),
        html.Div(T.ZONE_POINTS.format(n=0), id="cameras-edit-count", className="cw-muted", role="status"),
        html.Div([dmc.Button(T.ZONE_UNDO, id="cameras-edit-undo", size="sm", variant="default"),
                  dmc.Button(T.ZONE_CLEAR, id="cameras-edit-clear", size="sm", variant="default"),
                  dmc.Button(T.ZONE_SAVE, id="cameras-edit-save", size="sm"),
                  # deleting asks first (the browser's own dialog): a zone is gone for detection at once
                  dcc.ConfirmDialogProvider(
                      dmc.Button(T.ZONE_DELETE, id="cameras-edit-delete", size="sm", variant="subtle", color="gray"),
                      id="cameras-edit-delete-confirm", message=T.ZONE_DELETE_CONFIRM)],
                 className="cw-zone-buttons"),
        html.Div(id="cameras-edit-msg", role="status", **{"aria-live": "polite"}),
    ], className="cw-card cw-edit-panel")


@access.page_layout("/cameras/")
def layout(code: str | None = None, **_):
    p = access.current_principal()
    ctx = current_ctx()
    with ctx.sessions() as s:
        cam = s.scalar(select(Camera).where(Camera.code == (code or "")))
        if cam is None:
            return message_page(T.POINTS_TITLE, T.CAMERA_NOT_FOUND.format(code=code), active="points",
                                link=("/points", T.BACK_TO_POINTS))
        zones = list(cam.zones or [])
        events = s.scalars(select(CameraHealthEvent).where(CameraHealthEvent.camera_id == cam.id)
                           .order_by(CameraHealthEvent.at.desc()).limit(50)).all()
        info = [(T.CAMERA_INFO["point"], dcc.Link(f"{cam.point.name}（{cam.point.code}）",
                                                  href=f"/points/{cam.point.code}")),
                (T.CAMERA_INFO["health"], T.HEALTH.get(cam.health, cam.health)),
                (T.CAMERA_INFO["since"], fmt_local(cam.health_since) or "—"),
                (T.CAMERA_INFO["last_frame"], fmt_local(cam.last_frame_at) or "—"),
                (T.CAMERA_INFO["source"], source_kind_label(cam.source_kind)),
                (T.CAMERA_INFO["interval"], T.SECONDS.format(s=f"{cam.sample_every_s:g}")),
                (T.CAMERA_INFO["enabled"], "是" if cam.enabled else "否")]
        title = f"{cam.name}（{cam.code}）"
        point_code = cam.point.code
    editable = p.role in EDITORS
    store_for(ctx).watch(code)  # start keeping this camera's frames for the refreshing picture
    side = [html.Section([html.H2(T.CAMERA_TITLE.format(code=code)),
                          html.Dl([x for k, v in info for x in (html.Dt(k), html.Dd(v))], className="cw-info")],
                         className="cw-card")]
    if editable:
        side.append(_editor(zones))
    else:
        side.append(html.P(T.ZONE_READONLY, className="cw-muted"))
    side.append(html.Section([html.H2(T.HEALTH_HISTORY), _health_table(events)], className="cw-card"))
    return desktop_page(title, [
        dcc.Link(T.BACK_TO_POINTS.replace("列表", "") + f"：{point_code}", href=f"/points/{point_code}",
                 className="cw-back"),
        html.Div([
            html.Section([
                html.H2([T.SNAPSHOT, html.Span(id="cameras-caption", className="cw-muted",
                                               style={"marginLeft": "12px", "fontWeight": 400})]),
                dcc.Graph(id="cameras-fig", config={"displayModeBar": False, "responsive": True},
                          style={"width": "100%", "aspectRatio": "16 / 9.6"}),
                html.P(T.ZONES_NONE, className="cw-muted") if not zones else None,
            ], className="cw-card"),
            html.Div(side, className="cw-content"),
        ], className="cw-camera-layout"),
        dcc.Interval(id="cameras-tick", interval=5000),
        dcc.Store(id="cameras-code", data=code),
        dcc.Store(id="cameras-editable", data=editable),
        dcc.Store(id="cameras-edit-zones", data=zones),
        dcc.Store(id="cameras-edit-view", data={"draft": [], "selected": "new"}),
    ], active="points")


@callback(
    Output("cameras-fig", "figure"), Output("cameras-caption", "children"),
    Input("cameras-tick", "n_intervals"), Input("cameras-edit-zones", "data"), Input("cameras-edit-view", "data"),
    State("cameras-code", "data"), State("cameras-editable", "data"),
)
def draw(tick, zones, view, code, editable):
    """The picture (refreshed every 5 s) with zones and the polygon being drawn."""
    from dashboard.api.registry_views import latest_evidence_path

    ctx = current_ctx()
    frame = store_for(ctx).get(code or "")
    src, caption = None, T.SNAPSHOT_NONE
    if frame is not None:
        src = f"/api/v1/registry/cameras/{code}/snapshot.jpg?t={tick or 0}"
        caption = T.SNAPSHOT_AT.format(at=fmt_local(frame.captured_at), source=T.SNAPSHOT_LIVE)
    else:
        with ctx.sessions() as s:
            cam_id = s.scalar(select(Camera.id).where(Camera.code == (code or "")))
        if cam_id is not None and latest_evidence_path(ctx, cam_id) is not None:
            src = f"/api/v1/registry/cameras/{code}/snapshot.jpg?t={tick or 0}"
            caption = T.SNAPSHOT_EVIDENCE
    view = view or {}
    p = access.current_principal()
    fig = zone_figure(zones or [], src, view.get("draft"), view.get("selected"),
                      editable=bool(editable) and p.role in EDITORS)
    return fig, caption


# Editing the draft runs in the browser: clicks are appended in order at once, even when the server is slow
# (a server round trip per click could lose a vertex between two quick clicks). Saving is on the server.
clientside_callback(
    """
    function(click, undo, clear, picked, view, zones, countText) {
        const C = window.dash_clientside, trig = C.callback_context.triggered_id;
        const v = Object.assign({draft: [], selected: "new"}, view || {});
        let draft = (v.draft || []).slice();
        let name = C.no_update, kind = C.no_update;
        if (trig === "cameras-fig") {
            const pt = click && click.points && click.points[0];
            if (!pt || typeof pt.x !== "number" || typeof pt.y !== "number") { return [C.no_update, C.no_update, C.no_update, C.no_update]; }
            const p = [Math.round(pt.x * 1000) / 1000, Math.round(pt.y * 1000) / 1000];
            if (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1) { return [C.no_update, C.no_update, C.no_update, C.no_update]; }
            const last = draft[draft.length - 1];
            if (!last || last[0] !== p[0] || last[1] !== p[1]) { draft.push(p); }
        } else if (trig === "cameras-edit-undo") {
            draft.pop();
        } else if (trig === "cameras-edit-clear") {
            draft = [];
        } else if (trig === "cameras-edit-pick") {
            v.selected = picked || "new";
            const i = /^[0-9]+$/.test(picked || "") ? parseInt(picked, 10) : -1;
            if (i >= 0 && zones && i < zones.length) {
                draft = (zones[i].polygon || []).map(q => [q[0], q[1]]);
                name = zones[i].name || ""; kind = zones[i].kind;
            } else { draft = []; name = ""; }
        }
        v.draft = draft;
        return [v, name, kind, (countText || "").replace(/[0-9]+/, String(draft.length))];
    }
    """,
    Output("cameras-edit-view", "data"), Output("cameras-edit-name", "value"), Output("cameras-edit-kind", "value"),
    Output("cameras-edit-count", "children"),
    Input("cameras-fig", "clickData"), Input("cameras-edit-undo", "n_clicks"), Input("cameras-edit-clear", "n_clicks"),
    Input("cameras-edit-pick", "value"),
    State("cameras-edit-view", "data"), State("cameras-edit-zones", "data"), State("cameras-edit-count", "children"),
    prevent_initial_call=True,
)


@callback(
    Output("cameras-edit-msg", "children"), Output("cameras-edit-zones", "data"),
    Output("cameras-edit-pick", "data"), Output("cameras-edit-pick", "value"),
    Input("cameras-edit-save", "n_clicks"), Input("cameras-edit-delete-confirm", "submit_n_clicks"),
    State("cameras-edit-view", "data"), State("cameras-edit-name", "value"), State("cameras-edit-kind", "value"),
    State("cameras-code", "data"),
    prevent_initial_call=True,
)
def save(_save, _delete, view, name, kind, code):
    """Validate and store the camera's zones (one transaction) — supervisors and admins only."""
    p = access.current_principal()
    if p.role not in EDITORS:
        return dmc.Alert(T.ZONE_READONLY, color="red", variant="light"), no_update, no_update, no_update
    code = code if isinstance(code, str) else ""  # a hand-made request may send any JSON here
    view = view or {}
    selected = view.get("selected") or "new"
    try:
        with current_ctx().sessions.begin() as s:
            cam = s.scalar(select(Camera).where(Camera.code == (code or "")).with_for_update())
            if cam is None:
                raise ZoneError(T.CAMERA_NOT_FOUND.format(code=code))
            if dash_ctx.triggered_id == "cameras-edit-delete-confirm":
                zones, removed = delete_zone(cam.zones or [], selected)
                if removed is None:
                    return (dmc.Alert("请先在“选择区域”中选中要删除的区域。", color="gray", variant="light"),
                            no_update, no_update, no_update)
                cam.zones = zones
                msg, value = T.ZONE_DELETED.format(name=removed), "new"
            else:
                types = s.execute(select(ProblemType.code, ProblemType.name)).all()
                zones, idx = save_zone(cam.zones or [], selected, name, kind, view.get("draft"), known_types=types)
                cam.zones = zones
                msg, value = T.ZONE_SAVED.format(name=zones[idx]["name"], n=len(zones[idx]["polygon"])), str(idx)
    except ZoneError as exc:
        return (dmc.Alert(T.ZONE_INVALID.format(error=zone_error_text(exc)), color="red", variant="light"), no_update, no_update,
                no_update)
    return dmc.Alert(msg, color="green", variant="light"), zones, _zone_options(zones), value
