"""``/report`` 随手拍: the public, mobile-first report form (no login).

Up to 3 photos (camera or album, ``dcc.Upload``); the location comes from a photo's EXIF GPS (read on the
server), else the browser's geolocation, else a tap on the offline map (GCJ-02 outlines, no tile server);
a searchable problem type; a description; an optional phone. The photos never pass through a Dash
callback: ``assets/web/report.js`` posts the form as multipart to ``POST /api/v1/public/reports`` and this
page shows the tracking code (or the Chinese error) it answers. Open reports of the same type nearby are
offered to follow instead.
"""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.case_location import landmarks as point_landmarks
from dashboard.report_map import map_figure
from dashboard.text import report as T
from models.citizen_reports import nearby_open_cases, resolve_problem_type, ReportError
from models.coords import wgs84_to_gcj02
from models.registry import ProblemType

dash.register_page(__name__, path="/report", title=T.PAGE_TITLE)
access.allow_page("/report", {"anonymous"})
access.allow_callbacks("report-", {"anonymous"})



def type_options() -> list[dict]:
    with current_ctx().sessions() as s:
        rows = s.execute(select(ProblemType.code, ProblemType.name, ProblemType.major_class)
                         .order_by(ProblemType.major_class, ProblemType.code)).all()
    return [{"label": f"{name}（{major}）", "value": code, "search": f"{name} {major} {code}"}
            for code, name, major in rows]


def landmarks() -> list[tuple[float, float, str]]:
    """The monitoring points (GCJ-02) with their names: familiar places to find one's way on the map."""
    with current_ctx().sessions() as s:
        return point_landmarks(s)


def _field(label: str, child, hint: str | None = None, id_: str | None = None) -> html.Div:
    parts = [html.Label(label, className="rp-label", htmlFor=id_) if id_ else html.Div(label, className="rp-label"),
             child]
    if hint:
        parts.append(html.Div(hint, className="rp-hint"))
    return html.Div(parts, className="rp-field")


@access.page_layout("/report")
def layout(**_):
    form = html.Div(id="report-form", className="rp-form", children=[
        _field(T.PHOTOS, html.Div([
            dcc.Upload(id="report-upload", accept="image/*", multiple=True, className="rp-upload",
                       children=html.Div([html.Span("+", className="rp-cam", **{"aria-hidden": "true"}),
                                          html.Span(T.PHOTO_BUTTON)])),
            html.Div(id="report-previews", className="rp-previews", children=[
                html.Img(id=f"report-preview-{i}", className="rp-thumb", style={"display": "none"}, alt="")
                for i in range(3)]),
            html.Button("清除照片", id="report-clear-photos", className="rp-link", n_clicks=0,
                        style={"display": "none"}),
        ]), T.PHOTOS_HINT),
        _field(T.TYPE, dcc.Dropdown(id="report-type", options=type_options(), searchable=True, clearable=True,
                                    placeholder=T.TYPE_PLACEHOLDER, optionHeight=44, className="rp-dropdown")),
        _field(T.LOCATION, html.Div([
            html.Div([html.Button(T.LOCATE_ME, id="report-locate", className="rp-secondary", n_clicks=0),
                      html.Span(T.NO_LOCATION, id="report-location-text", className="rp-location-text",
                                role="status")], className="rp-row"),
            html.Div(T.MAP_HINT, className="rp-hint"),
            # the box has the height (CSS): a responsive graph given the height itself is styled 100 % of an
            # auto-height parent and collapsed to 2 px on its first re-render (a tap or 使用我的位置)
            html.Div(dcc.Graph(id="report-map", figure=map_figure(landmarks=landmarks()), responsive=True,
                               style={"height": "100%"},
                               config={"displayModeBar": False, "scrollZoom": True, "doubleClick": False}),
                     className="rp-map"),
        ])),
        html.Div(id="report-duplicates", className="rp-duplicates", role="status"),
        _field(T.DESCRIPTION, dcc.Textarea(id="report-description", placeholder=T.DESCRIPTION_PLACEHOLDER,
                                           maxLength=1000, className="rp-textarea"), id_="report-description"),
        _field(T.PHONE, dcc.Input(id="report-phone", type="tel", inputMode="tel", placeholder=T.PHONE_PLACEHOLDER,
                                  autoComplete="tel", maxLength=20, className="rp-input"), id_="report-phone"),
        dcc.Checklist(id="report-notify", options=[{"label": T.NOTIFY_CONSENT, "value": "yes"}], value=[],
                      className="rp-consent"),
        html.Div(id="report-error", className="rp-error", role="alert"),
        html.Button(T.SUBMIT, id="report-submit", className="rp-submit", n_clicks=0),
        html.Div(T.SUBMITTING, id="report-progress", className="rp-progress", style={"display": "none"}),
        html.P(T.PRIVACY, className="rp-privacy"),
    ])
    lookup = html.Div(className="rp-field rp-lookup", children=[
        html.Label(T.STATUS_LOOKUP, htmlFor="report-lookup-code", className="rp-label"),
        html.Div([dcc.Input(id="report-lookup-code", type="text", maxLength=40, placeholder="SP…",
                            className="rp-input", autoComplete="off"),
                  html.Button(T.STATUS_LOOKUP_BUTTON, id="report-lookup-go", n_clicks=0, className="rp-secondary")],
                 className="rp-row rp-nowrap"),
        dcc.Location(id="report-lookup-loc", refresh="callback-nav"),
    ])
    return html.Main(className="rp-page", children=[
        html.Header([html.H1(T.TITLE, className="rp-title"), html.P(T.SUBTITLE, className="rp-subtitle")],
                    className="rp-header"),
        dcc.Store(id="report-photos", data=[]),
        dcc.Store(id="report-location", data=None),
        dcc.Store(id="report-result", data=None),
        form,
        html.Div(id="report-done", className="rp-done", style={"display": "none"}),
        html.Div(lookup, className="rp-form"),
    ])


# photos stay in the browser: accumulated (≤ 3) and previewed client-side, posted by report.js
clientside_callback(
    "function(c, n, f, cur) { return window.civicwatchReport.addPhotos(c, f, cur, n); }",
    Output("report-photos", "data"),
    Input("report-upload", "contents"), Input("report-clear-photos", "n_clicks"),
    State("report-upload", "filename"), State("report-photos", "data"),
    prevent_initial_call=True,
)
clientside_callback(
    "function(p) { return window.civicwatchReport.previews(p); }",
    [Output(f"report-preview-{i}", "src") for i in range(3)]
    + [Output(f"report-preview-{i}", "style") for i in range(3)] + [Output("report-clear-photos", "style")],
    Input("report-photos", "data"),
)
clientside_callback(
    "function(n) { return window.civicwatchReport.locate(n); }",
    Output("report-location", "data"), Input("report-locate", "n_clicks"), prevent_initial_call=True,
)
clientside_callback(
    "function(n, t, d, p, loc, photos, ok) { return window.civicwatchReport.submit(n, t, d, p, loc, photos, ok); }",
    Output("report-result", "data"),
    Input("report-submit", "n_clicks"),
    State("report-type", "value"), State("report-description", "value"), State("report-phone", "value"),
    State("report-location", "data"), State("report-photos", "data"), State("report-notify", "value"),
    prevent_initial_call=True,
)


def _gcj02(loc) -> tuple[float, float] | None:
    """The GCJ-02 point of a location store value (browser positions are WGS-84), or None."""
    if not isinstance(loc, dict) or loc.get("error"):
        return None
    try:
        lon, lat = float(loc["lon"]), float(loc["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return (lon, lat) if loc.get("datum") == "gcj02" else wgs84_to_gcj02(lon, lat)


@callback(Output("report-map", "figure"), Output("report-location-text", "children"),
          Input("report-location", "data"), prevent_initial_call=True)
def _show_location(loc):
    """Put the marker on the chosen point and say where the location came from."""
    if not isinstance(loc, dict):
        return dash.no_update, dash.no_update
    point = _gcj02(loc)
    if point is None:
        return dash.no_update, T.LOCATE_FAILED
    patch = dash.Patch()
    patch["data"][0]["lon"] = [point[0]]
    patch["data"][0]["lat"] = [point[1]]
    if loc.get("source") == "browser":
        patch["layout"]["map"]["center"] = {"lon": point[0], "lat": point[1]}
        patch["layout"]["map"]["zoom"] = 15
    label = T.LOCATED if loc.get("source") == "browser" else T.MAP_PICKED
    return patch, f"{label}（{point[0]:.5f}, {point[1]:.5f}）"


@callback(Output("report-duplicates", "children"), Input("report-type", "value"), Input("report-location", "data"))
def _duplicates(type_code, loc):
    """Open reports of the same type within the configured radius: follow them instead."""
    point = _gcj02(loc)
    if not type_code or point is None:
        return None
    lon, lat = point
    ctx = current_ctx()
    with ctx.sessions() as s:
        try:
            ptype = resolve_problem_type(s, type_code)
        except ReportError:
            return None
        near = nearby_open_cases(s, ptype.id, lon, lat, ctx.config.reporting.duplicate_radius_m)
    return duplicate_notice(near)


def duplicate_notice(near) -> html.Div | None:
    if not near:
        return None
    return html.Div(className="rp-dup", children=[
        html.Strong(T.DUPLICATE),
        html.Ul([html.Li(dcc.Link(T.DUPLICATE_FOLLOW.format(code=n.code, d=n.distance_m, status=n.status_label),
                                  href=f"/report/{n.code}", className="rp-dup-link")) for n in near]),
        html.Div(T.DUPLICATE_STILL, className="rp-hint"),
    ])


@callback(Output("report-error", "children"), Output("report-done", "children"), Output("report-done", "style"),
          Output("report-form", "style"), Input("report-result", "data"), prevent_initial_call=True)
def _result(result):
    """Show the tracking code after a successful submit, or the server's Chinese message (as text)."""
    if result is None:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    if not isinstance(result, dict):
        return T.NETWORK_ERROR, None, {"display": "none"}, {}
    if not result.get("ok"):
        body = result.get("body") if isinstance(result.get("body"), dict) else {}
        return str(body.get("message") or T.NETWORK_ERROR), None, {"display": "none"}, {}
    body = result["body"]
    code = str(body.get("tracking_code", ""))

    class _Near:  # the API's duplicate entries, shaped for duplicate_notice
        def __init__(self, d):
            self.code, self.distance_m, self.status_label = str(d["code"]), float(d["distance_m"]), \
                str(d["status_label"])

    done = [
        html.H2(T.THANKS, className="rp-done-title"),
        html.P(T.TRACKING_HINT),
        html.Div(code, id="report-tracking-code", className="rp-code"),
        dcc.Link(T.VIEW_STATUS, href=f"/report/{code}", id="report-status-link", className="rp-submit rp-as-link"),
        duplicate_notice([_Near(d) for d in body.get("duplicates") or []]),
    ]
    return None, done, {}, {"display": "none"}


@callback(Output("report-lookup-loc", "pathname"), Input("report-lookup-go", "n_clicks"),
          Input("report-lookup-code", "n_submit"), State("report-lookup-code", "value"), prevent_initial_call=True)
def _lookup(_n, _s, code):
    """Go to the status page of a tracking code (letters and digits only)."""
    code = "".join(ch for ch in str(code or "").strip().upper() if ch.isascii() and (ch.isalnum() or ch == "-"))
    return f"/report/{code[:40]}" if code else dash.no_update
