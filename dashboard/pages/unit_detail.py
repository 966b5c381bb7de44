"""One 责任单位 ``/units/<code>``: its KPIs over a chosen period with the previous period, the trend, open
and overdue cases, and its creation indicators with progress.

Unit operators may open their own unit's page (their results and indicators); staff and viewers any unit.
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.kpi_widgets import graph, kpi_strip, parse_period, period_controls, trend_figure
from dashboard.shell import desktop_page, message_page
from dashboard.text import desktop as D
from dashboard.text import registry as T
from dashboard.unit_contacts_panel import contacts_section, register_callbacks
from models.cases import Case
from models.clock import fmt_local
from models.indicator_progress import indicator_rows
from models.registry import ResponsibleUnit
from models.reports import open_cases, overall_kpis, overdue_now, trend

ROLES = ("admin", "supervisor", "viewer", "unit")
dash.register_page(__name__, path_template="/units/<code>", title="责任单位 · 漳州精神文明建设平台")
access.allow_page("/units/", ROLES)
access.allow_callbacks("units-d-", ROLES)
register_callbacks()  # 通知联系人 (dashboard/unit_contacts_panel.py)


_SEE_ALL = frozenset({"admin", "supervisor", "viewer"})


def may_see(p: access.Principal, unit_id: int) -> bool:
    """Staff and viewers see every unit; a unit operator only their own; anyone else nothing (deny by default)."""
    if p.role in _SEE_ALL:
        return True
    return p.role == "unit" and p.unit_id is not None and p.unit_id == unit_id


def _cases_table(rows: list[dict]) -> html.Table | dmc.Alert:
    if not rows:
        return dmc.Alert(T.UNIT_OPEN_EMPTY, color="gray", variant="light")
    head = [T.CASE_COLS[k] for k in ("code", "state", "type", "point", "deadline_at", "overdue")]
    body = [html.Tr([
        html.Td(dcc.Link(r["code"], href=f"/cases/{r['code']}")),
        html.Td(D.STATE_NAMES.get(r["state"], r["state"])), html.Td(r["type"]), html.Td(r["point"]),
        html.Td(fmt_local(r["deadline_at"], "%m-%d %H:%M")),
        html.Td(T.OVERDUE_YES if r["overdue"] else "", className="cw-overdue" if r["overdue"] else None),
    ]) for r in rows]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                      className="cw-table cw-table-compact")


def indicator_list(rows: list[dict], unit_id: int) -> html.Div | dmc.Alert:
    """The unit's indicators with a progress bar each (its own assignment's completion)."""
    if not rows:
        return dmc.Alert(T.UNIT_INDICATORS_EMPTY, color="gray", variant="light")
    items = []
    for r in rows:
        a = next((a for a in r["assignments"] if a["unit_id"] == unit_id), None)
        if a is None:
            continue
        items.append(html.Div([
            html.Div([html.Span(r["code"], className="cw-muted"), " ", r["name"],
                      html.Span(f"{r['creation_class']} · {r['category']}", className="cw-tag")],
                     className="cw-ind-name"),
            dmc.Progress(value=a["completion"], color="green" if a["met"] else "red", size="md",
                         **{"aria-label": f"{r['name']} 完成度 {a['completion']}%"}),
            html.Div(f"{a['progress']:g} / {a['target']:g}{r['measure']}　{a['completion']:.1f}%",
                     className="cw-ind-figure"),
        ], className="cw-ind-row"))
    return html.Div(items, className="cw-ind-list")


@access.page_layout("/units/")
def layout(code: str | None = None, **_):
    p = access.current_principal()
    with current_ctx().sessions() as s:
        unit = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == (code or "")))
        if unit is None:
            return message_page(T.UNITS_TITLE, T.UNIT_NOT_FOUND.format(code=code), active="units",
                                link=("/units", T.BACK_TO_UNITS))
        if not may_see(p, unit.id):
            return message_page(T.UNITS_TITLE, T.UNIT_FORBIDDEN, active="units")
        parent = s.get(ResponsibleUnit, unit.parent_id) if unit.parent_id else None
        info = [(T.UNIT_INFO["kind"], T.UNIT_KINDS.get(unit.kind, unit.kind)),
                (T.UNIT_INFO["district"], unit.district.name if unit.district else "—"),
                (T.UNIT_INFO["parent"], parent.name if parent else "—"),
                (T.UNIT_INFO["contact"], " ".join(x for x in (unit.contact_name, unit.contact_phone) if x) or "—")]
        cases = open_cases(s, [Case.unit_id == unit.id], limit=100)
        indicators = indicator_rows(s, unit_id=unit.id)
        contacts = contacts_section(s, unit, p, [c.name for c in current_ctx().config.notify.channels])
        name, uid = unit.name, unit.id
    back = dcc.Link(T.BACK_TO_UNITS, href="/units", className="cw-back") if p.role != "unit" else None
    return desktop_page(name, [
        back,
        html.Dl([x for k, v in info for x in (html.Dt(k), html.Dd(v))], className="cw-info cw-info-row"),
        html.Div(id="units-d-shown", className="cw-muted", role="status"),
        html.Div(id="units-d-kpis"),
        html.Div([
            html.Section([html.H2(T.UNIT_TREND),
                          graph(trend_figure([], T.TREND_SERIES), id="units-d-trend")],
                         className="cw-card"),
            html.Section([html.H2(T.UNIT_INDICATORS), indicator_list(indicators, uid)], className="cw-card"),
        ], className="cw-two-col"),
        html.Section([html.H2(f"{T.UNIT_OPEN}（{len(cases)}）"), _cases_table(cases)], className="cw-card"),
        contacts,
        dcc.Store(id="units-d-code", data=code),
    ], active="units", actions=period_controls("units-d"))


@callback(
    Output("units-d-shown", "children"), Output("units-d-kpis", "children"), Output("units-d-trend", "figure"),
    Input("units-d-period", "value"), Input("units-d-date", "value"), State("units-d-code", "data"),
)
def update(kind, day, code):
    """The unit's KPIs and trend for the chosen period (role and unit checked again here)."""
    period = parse_period(kind, day)
    ctx = current_ctx()
    p = access.current_principal()
    with ctx.sessions() as s:
        unit = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == (code or "")))
        if unit is None or not may_see(p, unit.id):
            return T.UNIT_FORBIDDEN, None, trend_figure([], T.TREND_SERIES)
        w = ctx.config.workflow.score_weights
        k = overall_kpis(s, period, unit_id=unit.id, weights=w)
        prev = overall_kpis(s, period.previous(), unit_id=unit.id, weights=w)
        late = overdue_now(s, where=[Case.unit_id == unit.id])
        rows = trend(s, period, where=[Case.unit_id == unit.id])
    strip = kpi_strip(k, prev, late)
    if not k["dispatched"]:
        strip = html.Div([strip, dmc.Alert(T.UNITS_EMPTY, color="gray", variant="light", mt="sm")])
    return T.PERIOD_SHOWN.format(label=period.label), strip, trend_figure(rows, T.TREND_SERIES)
