"""统计报表 ``/reports``: the daily, weekly and monthly briefings (通报/简报) — KPIs against the previous period,
trend, districts, units (成效排名 and 进步最快), problem types, hot spots by point and hour of day, and
recurring problems — as a printable page (print CSS) and an XLSX download with the same figures."""
from __future__ import annotations

from datetime import date

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import access
from dashboard.app import current_ctx
from dashboard.kpi_widgets import base_layout, graph, period_controls, trend_figure
from dashboard.report_workbook import group_row, rank_row, recur_row
from dashboard.shell import desktop_page
from dashboard.text import reports as T
from models.briefing import build_briefing
from models.clock import fmt_local
from models.hotspots import WEEKDAYS, peak_hours
from models.reports import local_today

ROLES = ("admin", "supervisor", "viewer")
dash.register_page(__name__, path="/reports", title="统计报表 · 漳州精神文明建设平台")
access.allow_page("/reports", ROLES)
access.allow_callbacks("reports-", ROLES)


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else local_today()
    except ValueError:
        return local_today()


def _fmt(v) -> str:
    """A table cell: counts as they are, every other number (rates, scores, hours) with two decimals, so a
    column reads 100.00 / 66.67 / 0.00 alike."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _change(v) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "0.00" if isinstance(v, float) else "0"
    return f"{v:+.2f}" if isinstance(v, float) else f"{v:+d}"


def _table(header, rows, num_from: int = 1) -> html.Table:
    return html.Table([
        html.Thead(html.Tr([html.Th(h, className="num" if i >= num_from else None) for i, h in enumerate(header)])),
        html.Tbody([html.Tr([html.Td(_fmt(v), className="num" if i >= num_from else None) for i, v in enumerate(r)])
                    for r in rows])], className="cw-table cw-table-compact")


def _or_empty(rows, build):
    return build() if rows else html.P(T.SECTION_EMPTY, className="cw-muted")


def heat_figure(heat: dict) -> go.Figure:
    names = [f"{p['name']}" for p in heat["points"]][::-1]
    fig = go.Figure(go.Heatmap(z=heat["z"][::-1], x=[T.HOUR.format(h=h) for h in heat["hours"]], y=names,
                               colorscale="Reds", hovertemplate="%{y} %{x}：%{z} 件<extra></extra>",
                               colorbar=dict(thickness=10, title="件")))
    fig = base_layout(fig, height=max(220, 22 * len(names) + 60), legend=False)
    fig.update_xaxes(type="category", tickangle=0, nticks=12, gridcolor=None)
    fig.update_yaxes(automargin=True, type="category")
    return fig


def weekday_figure(z: list[list[int]]) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=z[::-1], x=[T.HOUR.format(h=h) for h in range(24)], y=list(WEEKDAYS)[::-1],
                               colorscale="Oranges", hovertemplate="%{y} %{x}：%{z} 件<extra></extra>",
                               colorbar=dict(thickness=10, title="件")))
    fig = base_layout(fig, height=230, legend=False)
    fig.update_xaxes(type="category", tickangle=0, nticks=12)
    return fig


def render_briefing(b: dict, demo: bool = False) -> html.Article:
    """The printable briefing page of :func:`models.briefing.build_briefing`'s figures."""
    period = b["period"]
    heading = T.HEADING.format(kind=T.KINDS[b["kind"]]) + (T.DEMO_NOTE if demo else "")
    parts: list = [
        html.H1(heading),
        html.Div(T.SUBHEADING.format(label=period.label, now=fmt_local(b["now"], "%Y-%m-%d %H:%M")),
                 className="cw-report-sub"),
    ]
    if b["empty"]:
        parts.append(dmc.Alert(T.EMPTY, color="gray", variant="light"))
    kpi_rows = [[T.KPI_ROWS[k["key"]], k["current"], k["previous"],
                 _change(k["change"])] for k in b["kpis"]]
    peaks = peak_hours(b["heat"])
    parts += [
        html.Section([html.H2(T.SECTION_KPI), _table(T.KPI_COLS, kpi_rows)]),
        html.Section([html.H2(T.SECTION_TREND + ("（近30天）" if b["kind"] == "day" else "")),
                      graph(trend_figure(b["trend"], T.TREND_SERIES, 240))]),
        html.Section([html.H2(T.SECTION_DISTRICTS),
                      _or_empty(b["districts"], lambda: _table(T.GROUP_COLS, [group_row(r) for r in b["districts"]]))]),
        html.Section([html.H2(T.SECTION_UNITS), html.Div([
            html.Div([html.H3(T.UNIT_TOP.format(n=len(b["units_ranked"]))),
                      _or_empty(b["units_ranked"],
                                lambda: _table(T.RANK_COLS, [rank_row(r) for r in b["units_ranked"]], 2))]),
            html.Div([html.H3(T.UNIT_IMPROVED),
                      _or_empty(b["units_improved"],
                                lambda: _table(T.RANK_COLS, [rank_row(r) for r in b["units_improved"]], 2))]),
        ], className="cw-two-col")]),
        html.Section([html.H2(T.SECTION_TYPES),
                      _or_empty(b["types"], lambda: _table(T.GROUP_COLS, [group_row(r) for r in b["types"]]))]),
        html.Section([
            html.H2(T.SECTION_HOTSPOTS + f"（{b['heat_period'].label}）"),
            html.P(T.PEAK.format(hours="、".join(T.HOUR.format(h=h) for h in peaks)) if peaks else T.SECTION_EMPTY,
                   className="cw-muted"),
            html.Div([
                html.Div([html.H3(T.HEAT_TITLE), _or_empty(b["heat"]["points"], lambda: graph(
                    heat_figure(b["heat"]), id="reports-heat"))]),
                html.Div([html.H3(T.WEEK_HEAT_TITLE), graph(weekday_figure(b["weekday_heat"]))]),
            ], className="cw-two-col"),
        ]),
        html.Section([html.H2(T.SECTION_RECUR), html.P(T.RECUR_NOTE, className="cw-muted"),
                      _or_empty(b["recurring"], lambda: _table(T.RECUR_COLS, [recur_row(r) for r in b["recurring"]],
                                                               2))]),
    ]
    return html.Article(parts, className="cw-report", id="reports-article")


@access.page_layout("/reports")
def layout(**_):
    actions = html.Div([
        period_controls("reports", kinds=("day", "week", "month"), default="week",
                        labels={k: v for k, v in T.KINDS.items()}),
        dmc.Button(T.DOWNLOAD, id="reports-xlsx", size="sm", variant="outline"),
        dmc.Button(T.PRINT, id="reports-print", size="sm", variant="light"),
    ], className="cw-period cw-no-print")
    return desktop_page(T.TITLE, [
        dcc.Loading(html.Div(id="reports-body"), type="dot", color="#c0161c"),
        dcc.Download(id="reports-download"),
        html.Div(id="reports-print-done", hidden=True),
    ], active="reports", actions=actions)


def _briefing(kind: str | None, day: str | None) -> dict:
    ctx = current_ctx()
    with ctx.sessions() as s:
        return build_briefing(s, kind if kind in T.KINDS else "week", _day(day),
                              weights=ctx.config.workflow.score_weights)


@callback(Output("reports-body", "children"), Input("reports-period", "value"), Input("reports-date", "value"))
def show(kind, day):
    """Build the briefing for the chosen kind and date."""
    try:
        b = _briefing(kind, day)
    except Exception as exc:  # noqa: BLE001 - the page says what happened and what to do
        return dmc.Alert(T.ERROR.format(error=exc), color="red", variant="light")
    return render_briefing(b, demo=current_ctx().config.demo)


@callback(Output("reports-download", "data"), Input("reports-xlsx", "n_clicks"),
          State("reports-period", "value"), State("reports-date", "value"), prevent_initial_call=True)
def download(_n, kind, day):
    """The same briefing as an XLSX workbook."""
    from dashboard.report_workbook import briefing_workbook

    b = _briefing(kind, day)
    name = f"{T.HEADING.format(kind=T.KINDS[b['kind']])}_{b['period'].first_day:%Y%m%d}.xlsx".replace(" · ", "_")
    return dcc.send_bytes(briefing_workbook(b), name)


clientside_callback("function(n) { if (n) { window.print(); } return ''; }",
                    Output("reports-print-done", "children"), Input("reports-print", "n_clicks"),
                    prevent_initial_call=True)
