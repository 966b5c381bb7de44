"""创建指标 ``/indicators``: the 130 creation indicators by creation class (文明城市/单位/村镇/校园) and
category, their owner units, targets, progress and evidence; supervisors edit progress and owners.

Edits are checked on the server twice: the access gate lets only staff trigger callbacks whose outputs
start with ``indicators-edit-``, and the save callback checks the role again before writing. Every edit
records who and when (``IndicatorAssignment.updated_by`` / ``updated_at``).
"""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx as dash_ctx, dcc, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.shell import desktop_page
from dashboard.text import registry as T
from dashboard.text import errors as E
from dashboard.text.errors import translate
from models.actor_names import ActorNames
from models.clock import fmt_local
from models.indicator_history import history
from models.indicator_measures import AUTO_RULES
from models.indicator_progress import (
    CREATION_CLASSES, IndicatorError, assign, class_summary, indicator_rows, unassign, update_assignment,
)
from models.registry import Indicator, ResponsibleUnit

ROLES = ("admin", "supervisor", "viewer")
EDITORS = ("admin", "supervisor")
dash.register_page(__name__, path="/indicators", title="创建指标 · 漳州精神文明建设平台")
access.allow_page("/indicators", ROLES)
access.allow_callbacks("indicators-", ROLES)
access.allow_callbacks("indicators-edit-", EDITORS)


COLUMN_DEFS = [
    {"field": "code", "headerName": T.IND_COLS["code"], "width": 96},
    {"field": "name", "headerName": T.IND_COLS["name"], "flex": 2, "minWidth": 150, "tooltipField": "name"},
    {"field": "unit", "headerName": T.IND_COLS["unit"], "flex": 1, "minWidth": 130, "tooltipField": "unit"},
    {"field": "target_text", "headerName": T.IND_COLS["target"], "width": 84, "type": "numericColumn"},
    {"field": "progress", "headerName": T.IND_COLS["progress"], "width": 96, "type": "numericColumn"},
    {"field": "completion", "headerName": T.IND_COLS["completion"] + "%", "width": 96, "type": "numericColumn",
     "cellClassRules": {"cw-ok": "params.value >= 100"}},
    {"field": "evidence", "headerName": T.IND_COLS["evidence"], "width": 120, "tooltipField": "evidence"},
    {"field": "updated", "headerName": T.IND_COLS["updated"], "width": 140, "tooltipField": "updated_by"},
    {"field": "updated_by", "headerName": T.IND_COLS["updated_by"], "width": 110, "tooltipField": "updated_by"},
    {"field": "category", "headerName": T.IND_COLS["category"], "width": 110},
    {"field": "open_cases", "headerName": T.IND_COLS["open_cases"], "width": 110, "type": "numericColumn",
     "headerTooltip": "与该指标关联的问题类型当前在办的案件数"},
]


def grid_rows(rows: list[dict], names: ActorNames | None = None) -> list[dict]:
    """One row per (indicator, owner unit); an indicator without owners gets one row marked unassigned.
    ``names`` shows who updated a row by display name (never a login name or "registry import")."""
    who = names.name if names else (lambda actor: actor)
    out = []
    for r in rows:
        base = {"indicator_id": r["id"], "code": r["code"], "name": r["name"], "creation_class": r["creation_class"],
                "category": r["category"], "subcategory": r["subcategory"], "measure": r["measure"],
                "open_cases": r["open_cases"]}
        if not r["assignments"]:
            out.append(dict(base, key=f"{r['id']}:", unit_id=None, unit=T.IND_UNASSIGNED,
                            target_text=f"{r['target']:g}{r['measure']}", target=r["target"], progress=None,
                            completion=None, evidence="", updated="", updated_by=""))
        for a in r["assignments"]:
            row = dict(base, key=f"{r['id']}:{a['unit_id']}", unit_id=a["unit_id"], unit=a["unit"],
                       target=a["target"], own_target=a["own_target"],
                       target_text=f"{a['target']:g}{r['measure']}", progress=a["progress"],
                       completion=a["completion"], evidence=a["evidence"],
                       updated=fmt_local(a["updated_at"], "%Y-%m-%d %H:%M") if a["updated_at"] else "",
                       updated_by=who(a["updated_by"]) if a["updated_by"] else "")
            if a.get("source") == "cases":  # measured from the cases (models.indicator_measures)
                row.update(evidence=T.IND_MEASURED_CASES.format(n=a["measured_cases"], rule=AUTO_RULES[r["auto_rule"]]),
                           updated="", updated_by=T.IND_MEASURED, measured=True)
            out.append(row)
    return out


def _tree(summary: list[dict]) -> html.Nav:
    items: list = [html.Button([html.Span(T.IND_ALL), html.Span(str(sum(s["indicators"] for s in summary)),
                                                                className="cw-tree-count")],
                               id={"type": "indicators-cat", "cls": "", "cat": ""})]
    for cls in list(CREATION_CLASSES) + sorted({s["creation_class"] for s in summary} - set(CREATION_CLASSES)):
        cats = [s for s in summary if s["creation_class"] == cls]
        if not cats:
            continue
        items.append(html.Button([html.Span(cls, className="cw-tree-class"),
                                  html.Span(str(sum(c["indicators"] for c in cats)), className="cw-tree-count")],
                                 id={"type": "indicators-cat", "cls": cls, "cat": ""}))
        for c in cats:
            comp = "—" if c["completion"] is None else f"{c['completion']:.0f}%"
            items.append(html.Button([html.Span("　" + c["category"]),
                                      html.Span(f"{c['indicators']} · {comp}", className="cw-tree-count")],
                                     id={"type": "indicators-cat", "cls": cls, "cat": c["category"]},
                                     title=T.IND_SUMMARY.format(n=c["indicators"], assigned=c["assigned"],
                                                                met=c["met"])))
    return html.Nav([html.H2(T.IND_TREE, className="cw-tree-class")] + items, className="cw-tree",
                    **{"aria-label": T.IND_TREE})


def _class_cards(summary: list[dict]) -> html.Div:
    cards = []
    for cls in CREATION_CLASSES:
        cats = [s for s in summary if s["creation_class"] == cls]
        n = sum(c["indicators"] for c in cats)
        comps = [(c["completion"], c["indicators"]) for c in cats if c["completion"] is not None]
        mean = sum(v * w for v, w in comps) / sum(w for _, w in comps) if comps else None
        cards.append(html.Div([
            html.Div(cls, className="cw-kpi-label"),
            html.Div(f"{n} 项", className="cw-kpi-value"),
            html.Div(T.IND_CLASS_LINE.format(assigned=sum(c["assigned"] for c in cats),
                                             met=sum(c["met"] for c in cats)), className="cw-kpi-delta"),
            dmc.Progress(value=mean or 0, color="red", size="sm", mt=6),
            html.Div(f"{T.IND_COMPLETION} {'—' if mean is None else f'{mean:.1f}%'}", className="cw-kpi-hint"),
        ], className="cw-kpi"))
    return html.Div(cards, className="cw-class-cards")


def _edit_panel(editable: bool, units: list[dict]) -> html.Div:
    dis = not editable
    return html.Div([
        html.H2(T.IND_EDIT),
        html.Div(T.IND_EDIT_PICK, id="indicators-form-title", className="cw-muted"),
        dmc.NumberInput(id="indicators-form-progress", label=T.IND_PROGRESS, min=0, size="sm", disabled=True,
                        decimalScale=2),
        dmc.NumberInput(id="indicators-form-target", label=T.IND_OWN_TARGET.format(target=""), min=0, size="sm",
                        disabled=True, decimalScale=2),
        dmc.Textarea(id="indicators-form-evidence", label=T.IND_EVIDENCE, autosize=True, minRows=2, maxRows=5,
                     size="sm", disabled=True, inputProps={"maxLength": 2000}),
        html.Div([dmc.Button(T.IND_SAVE, id="indicators-form-save", size="sm", disabled=True),
                  dmc.Button(T.IND_REMOVE, id="indicators-form-remove", size="sm", variant="subtle", color="gray",
                             disabled=True)], className="cw-zone-buttons"),
        dmc.Divider(),
        dmc.Select(id="indicators-form-add-unit", label=T.IND_ADD_UNIT, data=units, searchable=True, size="sm",
                   disabled=True, comboboxProps={"withinPortal": True}),
        dmc.Button(T.IND_ADD, id="indicators-form-add", size="sm", variant="light", disabled=True),
        html.Div(T.IND_READONLY if dis else "", className="cw-muted"),
        html.Div(id="indicators-history", className="cw-ind-history"),
        html.Div(id="indicators-edit-msg", role="status", **{"aria-live": "polite"}),
        dcc.Store(id="indicators-form-sel"),
        dcc.Store(id="indicators-edit-refresh", data=0),
        dcc.Store(id="indicators-form-editable", data=editable),
    ], className="cw-card cw-edit-panel")


@access.page_layout("/indicators")
def layout(**_):
    p = access.current_principal()
    with current_ctx().sessions() as s:
        rows = indicator_rows(s)
        units = [{"value": str(i), "label": n} for i, n in s.execute(
            select(ResponsibleUnit.id, ResponsibleUnit.name).order_by(ResponsibleUnit.code))]
        row_data = grid_rows(rows, ActorNames(s))
    summary = class_summary(rows)
    if not rows:
        body = [dmc.Alert("还没有创建指标。请用命令 civicwatch registry import 导入指标清单。", color="gray",
                          variant="light")]
        return desktop_page(T.IND_TITLE, body, active="indicators")
    grid = dag.AgGrid(
        id="indicators-grid", columnDefs=COLUMN_DEFS, rowData=row_data,
        getRowId="params.data.key",
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
        dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                         "rowHeight": 32, "headerHeight": 36, "tooltipShowDelay": 300,
                         "localeText": {"noRowsToShow": T.IND_EMPTY}},
        className="ag-theme-quartz cw-grid", style={"height": "calc(100vh - 300px)", "minHeight": "360px"})
    search = html.Div([
        dmc.TextInput(id="indicators-search", placeholder=T.IND_SEARCH, size="sm", w=220, debounce=300,
                      **{"aria-label": T.IND_SEARCH}),
        dmc.Select(id="indicators-unit", placeholder=T.IND_UNIT_FILTER, data=units, searchable=True, clearable=True,
                   size="sm", w=220, comboboxProps={"withinPortal": True}),
    ], className="cw-period")
    return desktop_page(T.IND_TITLE, [
        _class_cards(summary),
        html.Div([
            _tree(summary),
            html.Div([html.Div(id="indicators-count", className="cw-muted", role="status"), grid]),
            _edit_panel(p.role in EDITORS, units),
        ], className="cw-ind-layout"),
        dcc.Store(id="indicators-filter", data={"cls": "", "cat": ""}),
    ], active="indicators", actions=search)


@callback(Output("indicators-filter", "data"), Input({"type": "indicators-cat", "cls": ALL, "cat": ALL}, "n_clicks"),
          prevent_initial_call=True)
def pick_category(_clicks):
    t = dash_ctx.triggered_id
    if not t or not any(_clicks):
        return no_update
    return {"cls": t["cls"], "cat": t["cat"]}


@callback(
    Output("indicators-grid", "rowData"), Output("indicators-count", "children"),
    Input("indicators-filter", "data"), Input("indicators-search", "value"), Input("indicators-unit", "value"),
    Input("indicators-edit-refresh", "data"), prevent_initial_call=True,
)
def filter_rows(flt, text, unit, _refresh):
    """Rows of the chosen class / category, matching the search text and owner unit."""
    flt = flt or {}
    with current_ctx().sessions() as s:
        rows = grid_rows(indicator_rows(s), ActorNames(s))
    if flt.get("cls"):
        rows = [r for r in rows if r["creation_class"] == flt["cls"]]
    if flt.get("cat"):
        rows = [r for r in rows if r["category"] == flt["cat"]]
    if text and text.strip():
        q = text.strip().lower()
        rows = [r for r in rows if q in r["code"].lower() or q in r["name"].lower()]
    if unit:
        rows = [r for r in rows if str(r["unit_id"]) == str(unit)]
    where = " · ".join(x for x in (flt.get("cls"), flt.get("cat")) if x) or T.IND_ALL
    n = len({r["indicator_id"] for r in rows})
    return rows, f"{where}：{n} 项指标，{len(rows)} 行（点选一行可查看和编辑）"


@callback(
    Output("indicators-form-sel", "data"), Output("indicators-form-title", "children"),
    Output("indicators-form-progress", "value"), Output("indicators-form-target", "value"),
    Output("indicators-form-target", "label"), Output("indicators-form-evidence", "value"),
    Output("indicators-form-progress", "disabled"), Output("indicators-form-target", "disabled"),
    Output("indicators-form-evidence", "disabled"), Output("indicators-form-save", "disabled"),
    Output("indicators-form-remove", "disabled"), Output("indicators-form-add-unit", "disabled"),
    Output("indicators-form-add", "disabled"),
    Input("indicators-grid", "selectedRows"), State("indicators-form-editable", "data"),
    prevent_initial_call=True,
)
def select_row(selected, editable):
    """Load the selected (indicator, unit) row into the edit form (enabled for editors only)."""
    if not selected:
        return [None, T.IND_EDIT_PICK, None, None, T.IND_OWN_TARGET.format(target=""), ""] + [True] * 7
    r = selected[0]
    title = html.Div([html.Strong(f"{r['code']} {r['name']}"),
                      html.Div(f"{r['creation_class']} · {r['category']}"
                               + (f" · {r['subcategory']}" if r.get("subcategory") else ""), className="cw-muted"),
                      html.Div(f"{T.IND_COLS['unit']}：{r['unit']}")])
    assigned = r.get("unit_id") is not None
    lock = not (editable and assigned) or bool(r.get("measured"))  # measured from the cases: not by hand
    if not assigned:
        title = html.Div([title, html.Div(T.IND_EDIT_UNASSIGNED, className="cw-muted")])
    return [{"indicator_id": r["indicator_id"], "unit_id": r.get("unit_id")}, title, r.get("progress"),
            r.get("own_target"), T.IND_OWN_TARGET.format(target=r.get("target_text", "")), r.get("evidence") or "",
            lock, lock, lock, lock, lock, not editable, not editable]


def _field_error(exc: Exception) -> str:
    """The model's message in Chinese, the field named as on the form (进度 / 目标 …)."""
    msg = translate(exc, E.INDICATOR, E.INDICATOR_FALLBACK)
    for key, label in T.IND_FIELD_ERRORS.items():
        if msg.startswith(key + "："):
            return label + msg[len(key):]
    return msg


@callback(
    Output("indicators-edit-msg", "children"), Output("indicators-edit-refresh", "data"),
    Input("indicators-form-save", "n_clicks"), Input("indicators-form-add", "n_clicks"),
    Input("indicators-form-remove", "n_clicks"),
    State("indicators-form-sel", "data"), State("indicators-form-progress", "value"),
    State("indicators-form-target", "value"), State("indicators-form-evidence", "value"),
    State("indicators-form-add-unit", "value"), State("indicators-edit-refresh", "data"),
    prevent_initial_call=True,
)
def save(_save, _add, _remove, sel, progress, target, evidence, add_unit, refresh):
    """Save progress / add or remove an owner unit — supervisors and admins only (checked here too)."""
    p = access.current_principal()
    if p.role not in EDITORS:
        return dmc.Alert(T.IND_READONLY, color="red", variant="light"), no_update
    if not sel:
        return dmc.Alert(T.IND_EDIT_PICK, color="gray", variant="light"), no_update
    trigger = dash_ctx.triggered_id
    ctx = current_ctx()
    try:
        with ctx.sessions.begin() as s:
            ind = s.get(Indicator, sel["indicator_id"])
            if ind is None:
                raise IndicatorError(f"indicator: unknown indicator id {sel['indicator_id']}")
            if trigger == "indicators-form-add":
                if not add_unit:
                    raise IndicatorError("unit: 请先选择要添加的责任单位")
                unit = s.get(ResponsibleUnit, int(add_unit))
                assign(s, ind.id, int(add_unit), actor=p.name)
                msg = T.IND_ADDED.format(name=ind.name, unit=unit.name if unit else add_unit)
            elif trigger == "indicators-form-remove":
                unit = s.get(ResponsibleUnit, sel.get("unit_id") or -1)
                unassign(s, ind.id, sel.get("unit_id") or -1)
                msg = T.IND_REMOVED.format(name=ind.name, unit=unit.name if unit else "")
            else:
                if sel.get("unit_id") is None:
                    raise IndicatorError("unit: " + T.IND_EDIT_UNASSIGNED)
                a = update_assignment(s, ind.id, sel["unit_id"], progress=progress, target=target,
                                      evidence=evidence or "", actor=p.name)
                unit = s.get(ResponsibleUnit, sel["unit_id"])
                msg = T.IND_SAVED.format(name=ind.name, unit=unit.name, progress=f"{a.progress:g}{ind.measure or ''}",
                                         who=ActorNames(s).name(a.updated_by),
                                         when=fmt_local(a.updated_at, "%Y-%m-%d %H:%M"))
    except IndicatorError as exc:
        return dmc.Alert(T.IND_ERROR.format(error=_field_error(exc)), color="red", variant="light"), no_update
    return dmc.Alert(msg, color="green", variant="light"), (refresh or 0) + 1


@callback(Output("indicators-history", "children"), Input("indicators-form-sel", "data"),
          Input("indicators-edit-refresh", "data"), prevent_initial_call=True)
def show_history(sel, _refresh):
    """The selected assignment's full progress history (who, when, value, target, note), newest first."""
    if not sel or sel.get("unit_id") is None:
        return None
    try:
        ind_id, unit_id = int(sel["indicator_id"]), int(sel["unit_id"])
    except (TypeError, ValueError, KeyError):
        return None
    with current_ctx().sessions() as s:
        entries = history(s, ind_id, unit_id)
    if not entries:
        return html.Div(T.IND_HISTORY_EMPTY, className="cw-muted")
    items = [html.Li(T.IND_HISTORY_LINE.format(at=fmt_local(e["at"], "%Y-%m-%d %H:%M"), actor=e["actor"],
                                               value=f"{e['value']:g}",
                                               target="" if e["target"] is None else f"（目标 {e['target']:g}）",
                                               note=f"：{e['note']}" if e["note"] else ""))
             for e in reversed(entries)]
    return html.Div([html.H3(T.IND_HISTORY), html.Ol(items, reversed=True)])
