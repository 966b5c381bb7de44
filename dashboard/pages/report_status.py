"""``/report/<code>``: the public status of a report (查询进度), by tracking code (or case code), no login.

Shows the public status only — 已受理 / 处理中 / 已解决 / 不予受理 (with the reason) — the type, the
district, the times and the citizen's own description, as text. Never the internal state, the unit,
actors, notes or the reporter's phone.
"""
from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import access
from dashboard.app import current_ctx
from dashboard.report_map import map_figure
from dashboard.text import report as T
from models.citizen_reports import find_case, public_status
from models.clock import fmt_local

dash.register_page(__name__, path_template="/report/<code>", title=f"{T.STATUS_TITLE} · {T.TITLE}")
access.allow_page("/report/", {"anonymous"})

_FMT = "%Y-%m-%d %H:%M"


def _row(label: str, value, id_: str | None = None) -> html.Div:
    dd = html.Dd(value, className="rp-dd", id=id_) if id_ else html.Dd(value, className="rp-dd")
    return html.Div([html.Dt(label, className="rp-dt"), dd],
                    className="rp-dl-row")


@access.page_layout("/report/")
def layout(code: str | None = None, **_):
    shell = [html.Header([html.H1(T.STATUS_TITLE, className="rp-title"),
                          html.P(T.SUBTITLE, className="rp-subtitle")], className="rp-header")]
    with current_ctx().sessions() as s:
        case = find_case(s, code or "")
        st = public_status(s, case) if case is not None else None
    if st is None:
        body = html.Div([html.P(T.STATUS_NOT_FOUND, className="rp-error", id="report-status-missing"),
                         dcc.Link(T.NEW_REPORT, href="/report", className="rp-submit rp-as-link")],
                        className="rp-card")
        return html.Main(shell + [body], className="rp-page")
    rows = [
        _row(T.TRACKING, st.code, "report-status-code"),
        _row(T.STATUS_TYPE, st.type_name),
        _row(T.STATUS_DISTRICT, st.district or "—"),
        _row(T.STATUS_SUBMITTED, fmt_local(st.submitted_at, _FMT)),
        _row(T.STATUS_UPDATED, fmt_local(st.updated_at, _FMT)),
    ]
    if st.expected_at is not None:
        rows.append(_row(T.STATUS_EXPECTED, fmt_local(st.expected_at, _FMT)))
    if st.reason:
        rows.append(_row(T.STATUS_REASON, st.reason, "report-status-reason"))
    if st.description:
        rows.append(_row(T.STATUS_DESCRIPTION, html.Span(st.description, className="rp-pre"),
                         "report-status-description"))
    if st.photos:
        rows.append(_row("照片", T.STATUS_PHOTOS.format(n=st.photos)))
    steps = html.Ol([html.Li([html.Span(label, className="rp-step-label"),
                              html.Span(fmt_local(at, _FMT), className="rp-step-time")], className="rp-step")
                     for label, at in st.steps], className="rp-steps")
    parts = [
        html.Div([html.Div(T.STATUS_LABEL, className="rp-hint"),
                  html.Div(st.label, id="report-status-label", className=f"rp-badge rp-badge-{st.status}"),
                  html.P(T.STATUS_EXPLAIN.get(st.status, ""), className="rp-explain")], className="rp-card"),
        html.Div(html.Dl(rows, className="rp-dl"), className="rp-card"),
        html.Div([html.H2(T.STATUS_STEPS, className="rp-h2"), steps], className="rp-card"),
    ]
    if st.lon is not None and st.lat is not None:
        graph = dcc.Graph(id="report-status-map", figure=map_figure(st.lon, st.lat, zoom=12.5), responsive=True,
                          style={"height": "100%"}, config={"displayModeBar": False, "scrollZoom": False})
        parts.append(html.Div(html.Div(graph, className="rp-map rp-map-small"), className="rp-card"))
    parts.append(dcc.Link(T.NEW_REPORT, href="/report", className="rp-secondary rp-as-link"))
    return html.Main(shell + parts, className="rp-page")
