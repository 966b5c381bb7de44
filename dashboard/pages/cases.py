"""案件 ``/cases``: the case grid — filters, server-side paging and sorting, saved filters, XLSX export.

The grid uses ag-grid's infinite row model: each block of rows is one SQL query (LIMIT/OFFSET, indexed
filters) answered by :func:`rows`. Unit operators see their own unit's cases only (scoped in SQL).
"""
from __future__ import annotations

import math

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, clientside_callback, ctx as dash_ctx, dcc, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.kpi_widgets import DATE_PICKER
from dashboard.shell import desktop_page
from dashboard.text import desktop as T
from dashboard.text import errors as E
from dashboard.text.errors import translate
from models.case_queries import MAX_PAGE, CaseFilter, FilterError, Snapshot, case_count, case_page
from models.cases import CaseSource, CaseState
from models.clock import fmt_local
from models.registry import District, ProblemType, ResponsibleUnit
from models.saved_filters import delete_filter, list_filters, save_filter

ROLES = ("admin", "supervisor", "viewer", "unit")
dash.register_page(__name__, path="/cases", title="案件 · 漳州精神文明建设平台")
access.allow_page("/cases", ROLES)
access.allow_callbacks("cases-", ROLES)


def scope_of(p: access.Principal) -> int | None:
    """The unit a principal is confined to (unit operators), None for staff and viewers (every unit).

    Deny by default: an unbound operator, or any other role, is confined to no unit (-1: sees nothing)."""
    if p.role in ("admin", "supervisor", "viewer"):
        return None
    return p.unit_id if p.role == "unit" and p.unit_id is not None else -1


COLUMN_DEFS = [
    {"field": "code", "headerName": T.COL["code"], "cellRenderer": "markdown", "width": 190, "pinned": "left"},
    {"field": "state", "headerName": T.COL["state"], "width": 96},
    {"field": "type", "headerName": T.COL["type"], "width": 124},
    {"field": "district", "headerName": T.COL["district"], "width": 90},
    {"field": "point", "headerName": T.COL["point"], "flex": 1, "minWidth": 140},
    {"field": "unit", "headerName": T.COL["unit"], "flex": 1, "minWidth": 150},
    {"field": "source", "headerName": T.COL["source"], "width": 100},
    # widths that keep every column, 是否超期 included, on a 1366 px screen
    {"field": "found_at", "headerName": T.COL["found_at"], "width": 150, "sort": "desc"},
    {"field": "deadline_at", "headerName": T.COL["deadline_at"], "width": 150},
    {"field": "overdue", "headerName": T.COL["overdue"], "width": 90, "sortable": False,
     "cellClassRules": {"cw-overdue": "params.value === '是'"}},
]


def grid_row(r: dict) -> dict:
    return {
        "id": r["id"], "case": r["code"], "code": f"[{r['code']}](/cases/{r['code']})",
        "state": T.STATE_NAMES.get(r["state"], r["state"]),
        "type": r["type"] + (T.TYPE_UNCONFIRMED_SUFFIX if r.get("type_unconfirmed") else ""),
        "district": r["district"] or "",
        "point": r["point"] or "", "unit": r["unit"] or "", "source": T.SOURCE_NAMES.get(r["source"], r["source"]),
        "found_at": fmt_local(r["found_at"], "%Y-%m-%d %H:%M"),
        "deadline_at": fmt_local(r["deadline_at"], "%Y-%m-%d %H:%M"), "overdue": T.YES if r["overdue"] else T.NO,
    }


def _options(session, p: access.Principal):
    types = [{"value": str(i), "label": n} for i, n in session.execute(
        select(ProblemType.id, ProblemType.name).order_by(ProblemType.code))]
    districts = [{"value": str(i), "label": n} for i, n in session.execute(
        select(District.id, District.name).order_by(District.adcode))]
    uq = select(ResponsibleUnit.id, ResponsibleUnit.name).order_by(ResponsibleUnit.code)
    if p.role == "unit":
        uq = uq.where(ResponsibleUnit.id == (p.unit_id or -1))
    units = [{"value": str(i), "label": n} for i, n in session.execute(uq)]
    return types, districts, units


def _saved_options(saved: dict) -> list[dict]:
    return [{"value": name, "label": name} for name in sorted(saved)]


@access.page_layout("/cases")
def layout(**_):
    p = access.current_principal()
    with current_ctx().sessions() as s:
        types, districts, units = _options(s, p)
        saved = list_filters(s, p.id) if p.kind == "user" and p.id else {}
        snapshot = Snapshot.take(s).to_dict()
    states = [{"value": s.value, "label": T.STATE_NAMES[s.value]} for s in CaseState]
    sources = [{"value": s.value, "label": T.SOURCE_NAMES[s.value]} for s in CaseSource]
    ms = dict(searchable=True, clearable=True, size="sm", maxDropdownHeight=320, hidePickedOptions=True,
              comboboxProps={"withinPortal": True})
    filters = html.Div([
        dmc.MultiSelect(id="cases-f-state", label=T.FILTER["state"], data=states, **ms),
        dmc.MultiSelect(id="cases-f-type", label=T.FILTER["type"], data=types, **ms),
        dmc.MultiSelect(id="cases-f-district", label=T.FILTER["district"], data=districts, **ms),
        dmc.MultiSelect(id="cases-f-unit", label=T.FILTER["unit"], data=units, **ms),
        dmc.MultiSelect(id="cases-f-source", label=T.FILTER["source"], data=sources, **ms),
        html.Div([html.Label(T.FILTER["date"], htmlFor="cases-f-from", className="cw-label"),
                  html.Div([dmc.DatePickerInput(id="cases-f-from", clearable=True, className="cw-date-picker",
                                                **DATE_PICKER),
                            html.Label("至", htmlFor="cases-f-to"),
                            dmc.DatePickerInput(id="cases-f-to", clearable=True, className="cw-date-picker",
                                                **DATE_PICKER)],
                           className="cw-date-range")], className="cw-filter-dates"),
        dmc.TextInput(id="cases-f-text", label=T.FILTER["search"], size="sm", debounce=400),
        html.Div(dmc.Switch(id="cases-f-overdue", label=T.FILTER["overdue"], size="sm"), className="cw-switch"),
        html.Div(dmc.Switch(id="cases-f-unconfirmed", label=T.FILTER["type_unconfirmed"], size="sm"),
                 className="cw-switch"),
        html.Div([
            dmc.Button(T.FILTER["apply"], id="cases-apply", size="sm"),
            dmc.Button(T.FILTER["reset"], id="cases-reset", size="sm", variant="default"),
        ], className="cw-filter-buttons"),
    ], className="cw-filters")
    saved_row = html.Div([
        dmc.Select(id="cases-saved", placeholder=T.FILTER["saved"], data=_saved_options(saved), size="sm",
                   clearable=True, w=220, **{"aria-label": T.FILTER["saved"]}),
        dmc.Button(T.FILTER["delete_saved"], id="cases-saved-delete", size="sm", variant="subtle", color="gray"),
        dmc.TextInput(id="cases-save-name", placeholder=T.FILTER["save_name"], size="sm", w=180,
                      **{"aria-label": T.FILTER["save_name"]}),
        dmc.Button(T.FILTER["save"], id="cases-save", size="sm", variant="light"),
        html.Div(id="cases-saved-msg", className="cw-muted", role="status"),
    ], className="cw-saved-row")
    grid = dag.AgGrid(
        id="cases-grid",
        rowModelType="infinite",
        getRowId="params.data.case",  # row identity is the case code, never the position in the list
        columnDefs=COLUMN_DEFS,
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
        dashGridOptions={"rowBuffer": 0, "cacheBlockSize": 100, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": 1, "maxConcurrentDatasourceRequests": 2,
                         "rowHeight": 34, "headerHeight": 36,
                         "localeText": {"loadingOoo": "加载中…", "noRowsToShow": T.CASES_EMPTY}},
        className="ag-theme-quartz cw-grid",
        style={"height": None},
    )
    bar = html.Div([
        html.Div(id="cases-count", className="cw-muted", role="status", **{"aria-live": "polite"}),
        dmc.Button(id="cases-new", size="compact-sm", variant="light", color="orange", style={"display": "none"}),
        html.Div([
            dmc.Button(T.FILTER["export"], id="cases-export", size="sm", variant="outline"),
            html.Div(id="cases-export-status", className="cw-export-status"),
        ], className="cw-export"),
    ], className="cw-grid-bar")
    return desktop_page(T.CASES_TITLE, [
        html.Div([filters, saved_row], className="cw-card"),
        bar, html.Div(id="cases-empty", role="status"), grid,
        dcc.Store(id="cases-filter", data=CaseFilter().to_dict()),
        dcc.Store(id="cases-sort"),
        dcc.Store(id="cases-snapshot", data=snapshot),
        dcc.Interval(id="cases-new-tick", interval=30_000),
        dcc.Store(id="cases-export-job"),
        dcc.Store(id="cases-export-url"),
        dcc.Store(id="cases-export-started"),
        dcc.Interval(id="cases-export-tick", interval=700, disabled=True),
        html.Div(id="cases-refresh", hidden=True),
    ], active="cases")


_FILTER_INPUTS = ["cases-f-state", "cases-f-type", "cases-f-district", "cases-f-unit", "cases-f-source",
                  "cases-f-from", "cases-f-to", "cases-f-overdue", "cases-f-unconfirmed", "cases-f-text"]
_SWITCHES = ("cases-f-overdue", "cases-f-unconfirmed")


def _filter_from_controls(state, types, districts, units, sources, d_from, d_to, overdue, unconfirmed,
                          text) -> dict:
    return {"states": state or [], "type_ids": types or [], "district_ids": districts or [],
            "unit_ids": units or [], "sources": sources or [], "date_from": d_from or None, "date_to": d_to or None,
            "overdue": bool(overdue), "type_unconfirmed": bool(unconfirmed), "text": text or ""}


def _controls_from_filter(d: dict) -> list:
    return [d.get("states") or [], [str(v) for v in d.get("type_ids") or []],
            [str(v) for v in d.get("district_ids") or []], [str(v) for v in d.get("unit_ids") or []],
            d.get("sources") or [], d.get("date_from") or None, d.get("date_to") or None, bool(d.get("overdue")),
            bool(d.get("type_unconfirmed")), d.get("text") or ""]


@callback(
    Output("cases-filter", "data"),
    Output("cases-f-state", "value"), Output("cases-f-type", "value"), Output("cases-f-district", "value"),
    Output("cases-f-unit", "value"), Output("cases-f-source", "value"), Output("cases-f-from", "value"),
    Output("cases-f-to", "value"), Output("cases-f-overdue", "checked"), Output("cases-f-unconfirmed", "checked"),
    Output("cases-f-text", "value"),
    Output("cases-saved-msg", "children", allow_duplicate=True),
    Input("cases-apply", "n_clicks"), Input("cases-reset", "n_clicks"), Input("cases-saved", "value"),
    Input("cases-f-text", "n_submit"),
    [State(i, "checked" if i in _SWITCHES else "value") for i in _FILTER_INPUTS],
    prevent_initial_call=True,
)
def set_filter(_apply, _reset, saved_name, _submit, *controls):
    """Validate the controls into the filter store (or load a saved / empty filter into the controls)."""
    trigger = dash_ctx.triggered_id
    if trigger == "cases-reset":
        d = CaseFilter().to_dict()
        return [d, *_controls_from_filter(d), ""]
    if trigger == "cases-saved":
        if not saved_name:
            return [no_update] * 12
        p = access.current_principal()
        with current_ctx().sessions() as s:
            saved = list_filters(s, p.id) if p.id else {}
        if saved_name not in saved:
            return [no_update] * 12
        try:
            d = CaseFilter.from_dict(saved[saved_name]).to_dict()
        except FilterError as exc:
            return [no_update] * 11 + [T.ERROR_GENERIC.format(error=translate(exc, E.FILTER, E.FILTER_FALLBACK))]
        return [d, *_controls_from_filter(d), ""]
    try:
        d = CaseFilter.from_dict(_filter_from_controls(*controls)).to_dict()
    except FilterError as exc:
        return [no_update] * 11 + [T.ERROR_GENERIC.format(error=translate(exc, E.FILTER, E.FILTER_FALLBACK))]
    return [d] + [no_update] * 10 + [""]


@callback(Output("cases-snapshot", "data"), Input("cases-filter", "data"), Input("cases-new", "n_clicks"),
          prevent_initial_call=True)
def new_snapshot(_filter, _refresh):
    """A new filter or 刷新 lists the cases as of now; until then every block is read against one snapshot."""
    with current_ctx().sessions() as s:
        return Snapshot.take(s).to_dict()


# a new snapshot empties the grid's block cache, which makes the grid ask for its first block again
clientside_callback(
    """function(f) {
        const api = window.dash_ag_grid && dash_ag_grid.getApi ? dash_ag_grid.getApi('cases-grid') : null;
        if (api) { api.purgeInfiniteCache(); }
        return Date.now();
    }""",
    Output("cases-refresh", "children"),
    Input("cases-snapshot", "data"),
    prevent_initial_call=True,
)


MAX_START_ROW = 10_000_000  # far beyond any real list: a larger offset is a hand-made request


def block_bounds(request: dict) -> tuple[int, int]:
    """``(startRow, endRow)`` of the grid's block request: whole numbers, 0 ≤ start < end, at most MAX_PAGE
    rows (the grid asks for 100 at a time). Raises ValueError naming the bad field."""
    out = []
    for name, default in (("startRow", 0), ("endRow", None)):
        value = request.get(name)
        if value is None:
            value = default if default is not None else out[0] + 100
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value != int(value):
            raise ValueError(f"{name}: expected a whole number, got {str(value)[:20]!r}")
        out.append(int(value))
    start, end = out
    if not 0 <= start <= MAX_START_ROW:
        raise ValueError(f"startRow: expected 0 … {MAX_START_ROW}, got {start}")
    if end <= start:
        raise ValueError(f"endRow: expected more than startRow ({start}), got {end}")
    return start, min(end, start + MAX_PAGE)


@callback(Output("cases-new", "children"), Output("cases-new", "style"), Input("cases-new-tick", "n_intervals"),
          State("cases-filter", "data"), State("cases-snapshot", "data"), prevent_initial_call=True)
def new_cases(_tick, filter_data, snapshot_data):
    """How many cases matching the filter arrived since the list was read (offered as 刷新)."""
    snap = Snapshot.from_dict(snapshot_data)
    try:
        f = CaseFilter.from_dict(filter_data)
    except FilterError:
        return no_update, no_update
    if snap is None:
        return "", {"display": "none"}
    p = access.current_principal()
    with current_ctx().sessions() as s:
        n = case_count(s, f, scope_unit_id=scope_of(p)) - case_count(s, f, scope_unit_id=scope_of(p),
                                                                      upto_id=snap.upto_id)
    return (T.CASES_NEW.format(n=n), {}) if n > 0 else ("", {"display": "none"})


@callback(
    Output("cases-grid", "getRowsResponse"), Output("cases-count", "children"), Output("cases-empty", "children"),
    Output("cases-sort", "data"),
    Input("cases-grid", "getRowsRequest"), State("cases-filter", "data"), State("cases-snapshot", "data"),
    prevent_initial_call=True,
)
def rows(request, filter_data, snapshot_data=None):
    """One block of rows for the grid: SQL LIMIT/OFFSET with the filter and the grid's sort."""
    if not request or not isinstance(request, dict):
        return no_update, no_update, no_update, no_update
    p = access.current_principal()
    try:
        f = CaseFilter.from_dict(filter_data)
    except FilterError as exc:
        return {"rowData": [], "rowCount": 0}, "", dmc.Alert(T.ERROR_GENERIC.format(error=translate(exc, E.FILTER, E.FILTER_FALLBACK)), color="red"), None
    try:
        start, end = block_bounds(request)
    except ValueError as exc:
        return {"rowData": [], "rowCount": 0}, "", dmc.Alert(T.ERROR_GENERIC.format(error=exc), color="red"), None
    sort = request.get("sortModel") or []
    snap = Snapshot.from_dict(snapshot_data)
    pin = {"upto_id": snap.upto_id, "now": snap.at} if snap else {}
    with current_ctx().sessions() as s:
        page = case_page(s, f, offset=start, limit=end - start, sort=sort, scope_unit_id=scope_of(p), **pin)
        total = case_count(s, f, scope_unit_id=scope_of(p), **pin) if start == 0 or len(page) < end - start else None
    response = {"rowData": [grid_row(r) for r in page]}
    if total is not None:
        response["rowCount"] = total
    count_text = T.CASES_COUNT.format(n=total) if total is not None else no_update
    empty = (dmc.Alert(T.CASES_EMPTY, color="gray", variant="light") if total == 0 else "") \
        if total is not None else no_update
    return response, count_text, empty, sort


@callback(
    Output("cases-saved", "data"), Output("cases-saved", "value"),
    Output("cases-saved-msg", "children"), Output("cases-save-name", "value"),
    Input("cases-save", "n_clicks"), Input("cases-saved-delete", "n_clicks"),
    State("cases-save-name", "value"), State("cases-saved", "value"), State("cases-filter", "data"),
    prevent_initial_call=True,
)
def manage_saved(_save, _delete, name, selected, filter_data):
    """Save the current filter under a name, or delete the selected saved filter (per user)."""
    p = access.current_principal()
    if p.kind != "user" or not p.id:
        return no_update, no_update, T.FORBIDDEN, no_update
    with current_ctx().sessions.begin() as s:
        if dash_ctx.triggered_id == "cases-saved-delete":
            if not selected:
                return no_update, no_update, "请先在“已保存的筛选”中选择要删除的一项。", no_update
            delete_filter(s, p.id, selected)
            msg, value, new_name = T.SAVED_DELETED.format(name=selected), None, no_update
        else:
            if not (name or "").strip():
                return no_update, no_update, T.SAVED_NEED_NAME, no_update
            try:
                save_filter(s, p.id, name, CaseFilter.from_dict(filter_data))
            except FilterError as exc:
                return no_update, no_update, T.ERROR_GENERIC.format(error=translate(exc, E.FILTER, E.FILTER_FALLBACK)), no_update
            msg, value, new_name = T.SAVED_OK.format(name=name.strip()), name.strip(), ""
        saved = list_filters(s, p.id)
    return _saved_options(saved), value, msg, new_name


# the finished export downloads at once (one click); the link stays for a second copy
clientside_callback(
    """function(url) { if (url) { window.location.assign(url); } return url ? 1 : 0; }""",
    Output("cases-export-started", "data"), Input("cases-export-url", "data"), prevent_initial_call=True,
)


@callback(
    Output("cases-export-job", "data"), Output("cases-export-tick", "disabled"),
    Output("cases-export-status", "children"), Output("cases-export-url", "data"),
    Input("cases-export", "n_clicks"), Input("cases-export-tick", "n_intervals"),
    State("cases-filter", "data"), State("cases-sort", "data"), State("cases-export-job", "data"),
    prevent_initial_call=True,
)
def export(_click, _tick, filter_data, sort, job_id):
    """Start an XLSX export of the filtered rows, then show its progress and the download link."""
    from dashboard.case_export import get_job, start_export

    p = access.current_principal()
    if dash_ctx.triggered_id == "cases-export":
        try:
            job = start_export(current_ctx(), CaseFilter.from_dict(filter_data), sort or [], scope_unit_id=scope_of(p),
                               owner_id=p.id, owner_name=p.name)
        except (ValueError, FilterError) as exc:
            return None, True, dmc.Text(translate(exc, E.FILTER, E.EXPORT_FALLBACK), c="red", size="sm"), None
        return job.id, False, dmc.Progress(value=0, size="lg", w=200, animated=True, striped=True), None
    job = get_job(job_id) if job_id else None
    if job is None or job.owner_id != p.id:
        return None, True, "", None
    if job.error:
        return None, True, dmc.Text(T.ERROR_GENERIC.format(error=translate(job.error, [], E.EXPORT_FALLBACK)), c="red",
                                    size="sm"), None
    if not job.finished:
        pct = 100 * job.done / job.total if job.total else 50
        return no_update, False, html.Div([
            dmc.Progress(value=pct, size="lg", w=200, animated=True, striped=True),
            html.Span(T.EXPORT_RUNNING.format(done=job.done, total=job.total), className="cw-muted")],
            className="cw-export-progress"), None
    url = f"/api/v1/cases/exports/{job.id}"
    return None, True, html.A(T.EXPORT_DONE.format(n=job.done) + T.EXPORT_STARTED, href=url,
                              id="cases-export-link", className="cw-download"), url
