"""辅助决策 ``/decisions``: the leaders' page — incentive scores and ranks of units and counties for a year
(正向激励: 先进 and 进步, no 后进 list unless configured), funds each received this year, and the funding
proposal → approval flow (经费补助台账) with its XLSX and printable 表扬通报.

Roles, checked on the server: viewers read (``decisions-``); supervisors and admins propose
(``decisions-propose-``); admins approve (``decisions-approve-``). The callbacks check the role again, and the
ledger rules (:mod:`models.funding_ledger`) a third time (four-eyes, once only)."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.shell import desktop_page
from dashboard.text import decisions as T
from models.clock import fmt_local, to_local, utcnow
from models.funding import FundingProposal
from models.funding_ledger import (
    DECISION_LABELS, FundingError, decide, funds_by_recipient, proposals, propose, snapshot, status, suggest_lines,
)
from models.incentives import IncentiveError, parse_period, score_period
from models.indicator_progress import CREATION_CLASSES, class_progress, indicator_rows
from models.registry import ResponsibleUnit

ROLES = ("admin", "supervisor", "viewer")
PROPOSERS = ("admin", "supervisor")
APPROVERS = ("admin",)
dash.register_page(__name__, path="/decisions", title="辅助决策 · 漳州精神文明建设平台")
access.allow_page("/decisions", ROLES)
access.allow_callbacks("decisions-", ROLES)
access.allow_callbacks("decisions-propose-", PROPOSERS)
access.allow_callbacks("decisions-approve-", APPROVERS)

LINE_COLUMNS = [
    {"field": "recipient_name", "headerName": T.LINE_COLS["recipient_name"], "flex": 2, "minWidth": 160},
    {"field": "kind", "headerName": T.LINE_COLS["kind"], "width": 90},
    {"field": "score", "headerName": T.LINE_COLS["score"], "width": 100, "type": "numericColumn"},
    {"field": "suggested_yuan", "headerName": T.LINE_COLS["suggested_yuan"], "width": 140, "type": "numericColumn"},
    {"field": "amount_yuan", "headerName": T.LINE_COLS["amount_yuan"], "width": 140, "type": "numericColumn",
     "editable": True, "cellEditor": "agNumberCellEditor", "cellClass": "cw-editable"},
    {"field": "purpose", "headerName": T.LINE_COLS["purpose"], "flex": 2, "minWidth": 160, "editable": True,
     "cellClass": "cw-editable"},
]


def _this_year() -> int:
    return to_local(utcnow()).year


def _fmt(v) -> str:
    if v is None:
        return "—"
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def _table(head, rows, num_from: int = 2) -> html.Table:
    return html.Table([
        html.Thead(html.Tr([html.Th(h, className="num" if i >= num_from else None) for i, h in enumerate(head)])),
        html.Tbody([html.Tr([html.Td(v if isinstance(v, str) or hasattr(v, "to_plotly_json") else _fmt(v),
                                     className="num" if i >= num_from else None) for i, v in enumerate(r)])
                    for r in rows])], className="cw-table cw-table-compact")


def class_view(result: dict, by_class: dict) -> html.Div:
    """Indicator progress by creation class (分类指导) of the rows of ``result`` that own indicators."""
    rows = [[r["name"]] + [by_class[r["key"]].get(c) for c in CREATION_CLASSES]
            for r in result["rows"] if r["key"] in by_class]
    return html.Div([html.H2(T.CLASS_PROGRESS),
                     _table(T.CLASS_COLS, rows, num_from=1) if rows else html.P(T.CLASS_EMPTY, className="cw-muted")],
                    id="decisions-classes", className="cw-table-scroll")


def score_view(result: dict, funds: dict, show_lagging: bool) -> html.Div:
    """Scores table (scored rows ranked, then those below the minimum volume) and the 先进/进步 lists."""
    level = result["level"]
    rows = []
    for r in result["rows"]:
        got = funds.get((level, r["key"]), 0)
        rows.append([r["rank"] or T.NOT_ENOUGH, r["name"], r["score"], r["base"],
                     None if r["improvement"] is None else f"{r['improvement']:+.2f}", r["dispatched"],
                     r["rectification_rate"], r["on_time_rate"], r["rework_rate"], r["indicator_progress"],
                     f"{got:,}" if got else "—"])
    cfg = result["config"]
    lists = [html.Div([html.H3(T.ADVANCED), html.Ol([html.Li(f"{r['name']}　{r['score']:.2f}")
                                                     for r in result["advanced"]]) if result["advanced"]
                       else html.P(T.NONE_SCORED, className="cw-muted")], id="decisions-advanced"),
             html.Div([html.H3(T.IMPROVED), html.Ol([html.Li(f"{r['name']}　+{r['improvement']:.2f}")
                                                     for r in result["improved"]]) if result["improved"]
                       else html.P("—", className="cw-muted")], id="decisions-improved")]
    if show_lagging and "lagging" in result:
        lists.append(html.Div([html.H3(T.LAGGING), html.Ol([html.Li(r["name"]) for r in result["lagging"]])]))
    return html.Div([
        html.H2(T.SCORES.format(period=result["period"])),
        html.P(T.SCORE_NOTE.format(min_dispatched=cfg["min_dispatched"], min_due=cfg["min_due"]),
               className="cw-muted"),
        html.Div(lists, className="cw-two-col"),
        html.Div(_table(T.SCORE_COLS, rows), className="cw-table-scroll", id="decisions-scores"),
    ])


def ledger_view(items) -> html.Div:
    if not items:
        return html.P(T.LEDGER_EMPTY, className="cw-muted")
    rows = []
    for p in items:
        d = p.decisions[-1] if p.decisions else None
        link = html.A(T.COMMENDATION, href=f"/api/v1/funding/proposals/{p.id}/commendation.html", target="_blank",
                      rel="noopener") if status(p) == "approved" else "—"
        rows.append([p.code, p.title, p.period_label, f"{p.total_yuan:,}", DECISION_LABELS[status(p)],
                     p.proposed_by, fmt_local(p.proposed_at, "%Y-%m-%d %H:%M"), d.actor if d else "—",
                     fmt_local(d.at, "%Y-%m-%d %H:%M") if d else "—", link])
    return _table(T.LEDGER_COLS, rows, num_from=3)


@access.page_layout("/decisions")
def layout(**_):
    p = access.current_principal()
    year = _this_year()
    years = [{"value": str(y), "label": f"{y}年"} for y in range(year, year - 4, -1)]
    actions = html.Div([
        dmc.Select(id="decisions-period", data=years, value=str(year), size="sm", w=120, allowDeselect=False,
                   **{"aria-label": T.PERIOD}),
        dmc.SegmentedControl(id="decisions-level", value="unit", size="sm",
                             data=[{"value": k, "label": v} for k, v in T.LEVELS.items()]),
    ], className="cw-period cw-no-print")
    hidden = {"display": "none"}
    propose_card = html.Section([
        html.H2(T.PROPOSE),
        html.Div([
            dmc.NumberInput(id="decisions-propose-total", label=T.TOTAL, value=900000, min=1, max=100_000_000,
                            step=10000, thousandSeparator=",", w=200, size="sm"),
            dmc.Button(T.SUGGEST, id="decisions-propose-suggest", size="sm", variant="light"),
            dmc.TextInput(id="decisions-propose-title", label=T.PROPOSAL_TITLE, size="sm", w=320),
            dmc.TextInput(id="decisions-propose-note", label=T.NOTE, size="sm", w=260),
            dmc.Button(T.SUBMIT, id="decisions-propose-submit", size="sm"),
        ], className="cw-form-row"),
        html.Div(id="decisions-propose-hint", className="cw-muted", role="status"),
        dag.AgGrid(id="decisions-propose-grid", columnDefs=LINE_COLUMNS, rowData=[],
                   defaultColDef={"resizable": True, "suppressHeaderMenuButton": True},
                   dashGridOptions={"rowHeight": 32, "headerHeight": 36, "singleClickEdit": True,
                                    "stopEditingWhenCellsLoseFocus": True,
                                    "localeText": {"noRowsToShow": T.SUGGEST_EMPTY}},
                   className="ag-theme-quartz cw-grid", style={"height": "260px"}),
        html.Div(id="decisions-propose-msg", role="status", **{"aria-live": "polite"}),
        dcc.Store(id="decisions-propose-tick", data=0),
    ], className="cw-card", style=None if p.role in PROPOSERS else hidden, id="decisions-propose-card")
    approve_card = html.Section([
        html.H2(T.APPROVE),
        html.Div([
            dmc.Select(id="decisions-pending", label=T.PENDING, data=[], size="sm", w=360,
                       comboboxProps={"withinPortal": True}),
            dmc.TextInput(id="decisions-approve-note", label=T.APPROVE_NOTE, size="sm", w=300),
            dmc.Button(T.APPROVE_YES, id="decisions-approve-yes", size="sm", color="green"),
            dmc.Button(T.APPROVE_NO, id="decisions-approve-no", size="sm", variant="outline", color="gray"),
        ], className="cw-form-row"),
        html.Div(id="decisions-approve-msg", role="status", **{"aria-live": "polite"}),
        dcc.Store(id="decisions-approve-tick", data=0),
    ], className="cw-card", style=None if p.role in APPROVERS else hidden, id="decisions-approve-card")
    return desktop_page(T.TITLE, [
        dcc.Loading(html.Div(id="decisions-body"), type="dot", color="#c0161c"),
        propose_card,
        approve_card,
        html.Section([html.Div([html.H2(T.LEDGER), html.A(T.XLSX, href="/api/v1/funding/ledger.xlsx",
                                                          id="decisions-xlsx", className="cw-button-link")],
                               className="cw-title-row"),
                      html.Div(id="decisions-ledger")], className="cw-card"),
    ], active="decisions", actions=actions)


def _period(value):
    try:
        return parse_period(value or str(_this_year()))
    except IncentiveError:
        return parse_period(str(_this_year()))


@callback(Output("decisions-body", "children"), Input("decisions-period", "value"),
          Input("decisions-level", "value"), Input("decisions-approve-tick", "data"))
def show_scores(period, level, _tick):
    """Scores, ranks, lists and funds received this year."""
    ctx = current_ctx()
    try:
        with ctx.sessions() as s:
            per = _period(period)
            lv = level if level in T.LEVELS else "unit"
            result = score_period(s, per, lv, cfg=ctx.config.incentives)
            funds = funds_by_recipient(s, _this_year())
            district_of = None if lv == "unit" else dict(s.execute(select(ResponsibleUnit.id,
                                                                          ResponsibleUnit.district_id)).all())
            by_class = class_progress(indicator_rows(s, period=per), district_of)
    except Exception as exc:  # noqa: BLE001 - the page says what went wrong
        return dmc.Alert(T.ERROR.format(error=exc), color="red", variant="light")
    return html.Div([score_view(result, funds, ctx.config.incentives.show_lagging), class_view(result, by_class)])


@callback(Output("decisions-ledger", "children"), Output("decisions-pending", "data"),
          Input("decisions-propose-tick", "data"), Input("decisions-approve-tick", "data"))
def show_ledger(_a, _b):
    """The ledger, newest first, and the pending proposals to choose from."""
    with current_ctx().sessions() as s:
        items = proposals(s)
        pending = [{"value": str(p.id), "label": f"{p.code} {p.title}（{p.total_yuan:,} 元）"}
                   for p in items if status(p) == "pending"]
        return ledger_view(items), pending


@callback(Output("decisions-propose-grid", "rowData"), Output("decisions-propose-hint", "children"),
          Output("decisions-propose-title", "value"),
          Input("decisions-propose-suggest", "n_clicks"), State("decisions-propose-total", "value"),
          State("decisions-period", "value"), State("decisions-level", "value"), prevent_initial_call=True)
def suggest(_n, total, period, level):
    """Suggested lines by score (editable in the grid before submitting)."""
    if access.current_principal().role not in PROPOSERS:
        return no_update, T.FORBIDDEN, no_update
    if not isinstance(total, (int, float)) or not 0 < total <= 100_000_000 or total != int(total):
        return no_update, T.ERROR.format(error=T.TOTAL), no_update
    ctx = current_ctx()
    per = _period(period)
    lv = level if level in T.LEVELS else "unit"
    with ctx.sessions() as s:
        lines = suggest_lines(snapshot(s, per, cfg=ctx.config.incentives), lv, int(total))
    rows = [dict(x, kind=T.LEVELS[lv]) for x in lines]
    hint = T.SUGGEST_DONE.format(n=len(rows)) if rows else T.SUGGEST_EMPTY
    return rows, hint, T.PROPOSAL_TITLE_DEFAULT.format(period=per.label)


@callback(Output("decisions-propose-msg", "children"), Output("decisions-propose-tick", "data"),
          Input("decisions-propose-submit", "n_clicks"), State("decisions-propose-grid", "rowData"),
          State("decisions-propose-title", "value"), State("decisions-propose-note", "value"),
          State("decisions-period", "value"), State("decisions-propose-tick", "data"), prevent_initial_call=True)
def submit(_n, rows, title, note, period, tick):
    """Record the proposal (lines as edited) with the frozen score snapshot."""
    p = access.current_principal()
    if p.role not in PROPOSERS:
        return dmc.Alert(T.FORBIDDEN, color="red", variant="light"), no_update
    keys = ("recipient_kind", "recipient_id", "recipient_name", "amount_yuan", "suggested_yuan", "score", "purpose")
    lines = [{k: r.get(k) for k in keys} for r in (rows or []) if isinstance(r, dict)]
    ctx = current_ctx()
    try:
        with ctx.sessions.begin() as s:
            prop = propose(s, _period(period), lines, actor=p.name, actor_role=p.role, title=title, note=note,
                           cfg=ctx.config.incentives)
            msg = T.SUBMITTED.format(code=prop.code, total=f"{prop.total_yuan:,}")
    except FundingError as exc:
        return dmc.Alert(T.ERROR.format(error=exc), color="red", variant="light"), no_update
    return dmc.Alert(msg, color="green", variant="light", id="decisions-propose-ok"), (tick or 0) + 1


@callback(Output("decisions-approve-msg", "children"), Output("decisions-approve-tick", "data"),
          Input("decisions-approve-yes", "n_clicks"), Input("decisions-approve-no", "n_clicks"),
          State("decisions-pending", "value"), State("decisions-approve-note", "value"),
          State("decisions-approve-tick", "data"), prevent_initial_call=True)
def approve(_yes, _no, proposal_id, note, tick):
    """Approve or reject the chosen pending proposal (admins; not one's own)."""
    p = access.current_principal()
    if p.role not in APPROVERS:
        return dmc.Alert(T.FORBIDDEN, color="red", variant="light"), no_update
    if not proposal_id or not str(proposal_id).isdigit():
        return dmc.Alert(T.PICK_PENDING, color="gray", variant="light"), no_update
    decision = "approved" if dash.ctx.triggered_id == "decisions-approve-yes" else "rejected"
    try:
        with current_ctx().sessions.begin() as s:
            d = decide(s, int(proposal_id), decision, actor=p.name, actor_role=p.role, note=note)
            code = s.get(FundingProposal, d.proposal_id).code
    except FundingError as exc:
        return dmc.Alert(T.ERROR.format(error=exc), color="red", variant="light"), no_update
    return (dmc.Alert(T.DECIDED.format(code=code, status=DECISION_LABELS[decision]), color="green", variant="light"),
            (tick or 0) + 1)
