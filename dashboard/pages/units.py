"""责任单位 ``/units``: every unit's KPIs over a chosen period, the 成效排名 and the 进步最快 lists.

Positive framing (DOMAIN.md): the ranking shows results and improvement; there is no "worst" list. Figures
come from :mod:`models.reports` (definitions of :mod:`models.kpi_report`).
"""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import Input, Output, callback, html
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.kpi_widgets import base_layout, graph, kpi_strip, parse_period, period_controls
from dashboard.shell import desktop_page
from dashboard.text import registry as T
from models.registry import District, ResponsibleUnit
from models.reports import group_kpis, most_improved, overall_kpis, overdue_now, overdue_now_by_unit, ranking

ROLES = ("admin", "supervisor", "viewer")
dash.register_page(__name__, path="/units", title="责任单位 · 漳州精神文明建设平台")
access.allow_page("/units", ROLES)
access.allow_callbacks("units-", ROLES)


def _fixed(digits: int) -> dict:
    """An AG Grid value formatter: the number with ``digits`` decimals, nothing for an empty cell (so rates
    read 100.00 / 66.67 / 0.00 alike instead of 100 / 66.67 / 0)."""
    return {"function": f"params.value == null ? '' : Number(params.value).toFixed({digits})"}


def _rate_column(field: str, width: int) -> dict:
    return {"field": field, "headerName": T.KPI[field] + "%", "width": width, "type": "numericColumn",
            "valueFormatter": _fixed(2)}


COLUMN_DEFS = [
    {"field": "name", "headerName": T.UNITS_COLS["name"], "cellRenderer": "markdown", "pinned": "left",
     "width": 200, "filter": "agTextColumnFilter"},
    {"field": "kind", "headerName": T.UNITS_COLS["kind"], "width": 100},
    {"field": "district", "headerName": T.UNITS_COLS["district"], "width": 90},
    {"field": "dispatched", "headerName": T.KPI["dispatched"], "width": 80, "type": "numericColumn"},
    {"field": "handled", "headerName": T.KPI["handled"], "width": 86, "type": "numericColumn"},
    _rate_column("rectification_rate", 96),
    _rate_column("on_time_handle_rate", 116),
    _rate_column("rework_rate", 90),
    _rate_column("extension_rate", 90),
    {"field": "overdue_now", "headerName": T.KPI["overdue_open"], "headerTooltip": T.KPI_HINT["overdue_now"],
     "width": 120, "type": "numericColumn",
     "cellClassRules": {"cw-overdue": "params.value > 0"}},
    {"field": "avg_handle_hours", "headerName": T.AVG_HOURS_COL, "headerTooltip": T.KPI["avg_handle_hours"],
     "width": 116, "type": "numericColumn", "valueFormatter": _fixed(1)},
    {"field": "score", "headerName": T.KPI["score"], "width": 112, "type": "numericColumn", "sort": "desc",
     "headerTooltip": T.KPI_HINT["score"], "valueFormatter": _fixed(2)},
]


def fill_width(columns: list[dict]) -> list[dict]:
    """The columns stretched to the grid's width: each keeps its width as a minimum and grows in proportion to
    it (``flex``), so a wide screen shows no empty band to the right of the last column."""
    out = []
    for c in columns:
        c = dict(c)
        if "width" in c:
            width = c.pop("width")
            c.update(minWidth=width, flex=width)
        out.append(c)
    return out


COLUMN_DEFS = fill_width(COLUMN_DEFS)


def unit_rows(session, period, now=None, weights=None) -> list[dict]:
    """One grid row per responsible unit (units without cases in the period have empty figures)."""
    kpis = group_kpis(session, period, "unit", now, weights=weights)
    overdue = overdue_now_by_unit(session, now)
    districts = dict(session.execute(select(District.id, District.name)).all())
    rows = []
    for u in session.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.code)):
        k = kpis.get(u.id)
        row = {"code": u.code, "name": f"[{u.name}](/units/{u.code})", "kind": T.UNIT_KINDS.get(u.kind, u.kind),
               "district": districts.get(u.district_id, ""), "overdue_now": overdue.get(u.id, 0)}
        for key in ("dispatched", "handled", "rectification_rate", "on_time_handle_rate", "rework_rate",
                    "extension_rate", "avg_handle_hours", "score"):
            row[key] = None if k is None else k[key]
        if k is not None and not k["due"]:
            for key in ("on_time_handle_rate", "rework_rate", "extension_rate"):
                row[key] = None
        if k is not None and k["avg_handle_hours"] is not None:
            row["avg_handle_hours"] = round(k["avg_handle_hours"], 1)
        rows.append(row)
    return rows


def rank_figure(rows: list[dict]) -> go.Figure:
    top = rows[:20][::-1]
    fig = go.Figure(go.Bar(
        x=[r["score"] for r in top], y=[f"{r['rank']}. {r['name']}" for r in top], orientation="h",
        marker_color="#c92a2a", text=[f"{r['score']:.1f}" for r in top], textposition="outside",
        hovertemplate="%{y}<br>综合得分 %{x:.2f}<extra></extra>", cliponaxis=False))
    fig = base_layout(fig, height=max(220, 26 * len(top) + 40), legend=False)
    fig.update_xaxes(range=[0, 108], title=T.KPI["score"])
    fig.update_yaxes(automargin=True)
    return fig


def _rank_table(rows: list[dict], improved: bool = False) -> html.Table:
    head = [T.RANK_COLS["rank"], T.UNITS_COLS["name"], T.KPI["score"], T.RANK_COLS["previous_score"],
            T.RANK_COLS["improvement"], T.KPI["dispatched"], T.KPI["rectification_rate"]]
    body = []
    for i, r in enumerate(rows):
        imp = r["improvement"]
        body.append(html.Tr([
            html.Td(i + 1 if improved else r["rank"]),
            html.Td(html.A(r["name"], href=f"/units/{r.get('code', '')}") if r.get("code") else r["name"]),
            html.Td(f"{r['score']:.1f}"),
            html.Td(T.NO_VALUE if r["previous_score"] is None else f"{r['previous_score']:.1f}"),
            html.Td(T.NO_VALUE if imp is None else f"{imp:+.1f}", className="cw-up" if imp and imp > 0 else None),
            html.Td(r["dispatched"]), html.Td(f"{r['rectification_rate']:.2f}%")]))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], className="cw-table")


@access.page_layout("/units")
def layout(**_):
    grid = dag.AgGrid(
        id="units-grid", columnDefs=COLUMN_DEFS, rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
        dashGridOptions={"rowHeight": 32, "headerHeight": 36, "animateRows": False,
                         "localeText": {"noRowsToShow": T.UNITS_EMPTY}},
        className="ag-theme-quartz cw-grid cw-grid-tall", style={"height": "calc(100vh - 330px)",
                                                                 "minHeight": "320px"})
    tabs = dmc.Tabs([
        dmc.TabsList([dmc.TabsTab(T.UNITS_TAB_ALL, value="all"), dmc.TabsTab(T.UNITS_TAB_RANK, value="rank"),
                      dmc.TabsTab(T.UNITS_TAB_IMPROVED, value="improved")]),
        dmc.TabsPanel(grid, value="all", pt="sm"),
        dmc.TabsPanel(html.Div([html.P(T.RANK_NOTE, className="cw-muted"), html.Div(id="units-rank")]),
                      value="rank", pt="sm"),
        dmc.TabsPanel(html.Div([html.P(T.IMPROVED_NOTE, className="cw-muted"), html.Div(id="units-improved")]),
                      value="improved", pt="sm"),
    ], value="all", id="units-tabs", keepMounted=True)
    return desktop_page(T.UNITS_TITLE, [
        html.Div(id="units-shown", className="cw-muted", role="status"),
        html.Div(id="units-overall"),
        html.Div(id="units-error", role="alert"),
        tabs,
    ], active="units", actions=period_controls("units"))


@callback(
    Output("units-shown", "children"), Output("units-overall", "children"), Output("units-grid", "rowData"),
    Output("units-rank", "children"), Output("units-improved", "children"), Output("units-error", "children"),
    Input("units-period", "value"), Input("units-date", "value"),
)
def update(kind, day):
    """Recompute the units' figures for the chosen period."""
    period = parse_period(kind, day)
    ctx = current_ctx()
    weights = ctx.config.workflow.score_weights
    try:
        with ctx.sessions() as s:
            overall = overall_kpis(s, period, weights=weights)
            prev = overall_kpis(s, period.previous(), weights=weights)
            rows = unit_rows(s, period, weights=weights)
            ranked = ranking(s, period, weights=weights)
            codes = dict(s.execute(select(ResponsibleUnit.id, ResponsibleUnit.code)).all())
            now_overdue = overdue_now(s)
    except Exception as exc:  # noqa: BLE001 - say so on the page instead of a broken callback
        msg = dmc.Alert(T.LOAD_ERROR.format(error=exc), color="red", variant="light")
        return "", None, [], None, None, msg
    for r in ranked:
        r["code"] = codes.get(r["key"])
    shown = T.PERIOD_SHOWN.format(label=period.label)
    strip = kpi_strip(overall, prev, now_overdue)
    if not overall["dispatched"]:
        strip = html.Div([strip, dmc.Alert(T.UNITS_EMPTY, color="gray", variant="light", mt="sm")])
    if ranked:
        rank = html.Div([
            graph(rank_figure(ranked), id="units-rank-graph"),
            _rank_table(ranked[:50]),
        ], className="cw-two-col")
    else:
        rank = dmc.Alert(T.RANK_EMPTY, color="gray", variant="light")
    best = most_improved(ranked, top=20)
    improved = _rank_table(best, improved=True) if best else dmc.Alert(T.IMPROVED_EMPTY, color="gray",
                                                                        variant="light")
    return shown, strip, rows, rank, improved, None

