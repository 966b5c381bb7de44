"""案件详情 ``/cases/<code>``: evidence by stage, the transition timeline, the four documents (四单) and
the actions the user's role allows, with a confirmation (and a required reason where the workflow asks).

Unit operators may open only their own unit's cases: the URL answers 403 (``access.guard_page``) and
every callback checks again; the workflow itself checks role and unit once more on each action.
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx as dash_ctx, dcc, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.case_location import case_point, landmarks, location_map, location_text
from dashboard.case_notifications import notifications_section
from dashboard.case_view import DANGEROUS, VIEW_ROLES, allowed_actions, documents, gallery, load_case, may_view
from dashboard.shell import desktop_page, message_page
from dashboard.text import desktop as T
from dashboard.text.workflow import workflow_message
from models.actor_names import ActorNames
from models.cases import Case
from models.clock import fmt_local
from models.registry import ProblemType, ResponsibleUnit
from models.workflow import RULES, WorkflowError, WorkflowForbidden, apply, awaiting_person
from models.workflow.settings import bind

dash.register_page(__name__, path_template="/cases/<code>", title="案件详情 · 漳州精神文明建设平台")
access.allow_page("/cases/", VIEW_ROLES)
access.allow_callbacks("casepage-", ("admin", "supervisor", "unit"))


def _unit_of_code(code: str) -> tuple[bool, int | None]:
    with current_ctx().sessions() as s:
        row = s.execute(select(Case.id, Case.unit_id).where(Case.code == code)).first()
    return (row is not None, row.unit_id if row else None)


def _guard(p: access.Principal, path: str) -> bool:
    if p.role != "unit":
        return True
    code = path[len("/cases/"):].strip("/")
    exists, unit_id = _unit_of_code(code)
    return not exists or may_view(p, unit_id)  # unknown codes get the page's "not found" message


access.guard_page("/cases/", _guard)


def _label(action: str) -> str:
    return RULES[action].label if action in RULES else T.ACTION_NAMES.get(action, action)


def _state(state: str | None) -> str:
    return T.STATE_NAMES.get(state, state or "")


def _info(case: Case, p: access.Principal) -> html.Dl:
    pairs = [
        ("code", case.code), ("state", _state(case.state)),
        ("type", case.problem_type.name + (T.TYPE_UNCONFIRMED_SUFFIX if case.type_unconfirmed else "")),
        ("source", T.SOURCE_NAMES.get(case.source, case.source)),
        ("district", case.district.name if case.district else ""), ("point", case.point.name if case.point else ""),
        ("camera", case.camera.name if case.camera else ""), ("unit", case.unit.name if case.unit else "—"),
        ("found_at", fmt_local(case.found_at)), ("dispatched_at", fmt_local(case.dispatched_at)),
        ("deadline_at", fmt_local(case.deadline_at)), ("handled_at", fmt_local(case.handled_at)),
        ("closed_at", fmt_local(case.closed_at)),
    ]
    lon, lat = case_point(case)
    pairs.insert(6, ("location", location_text(case.point.name if case.point else None,
                                               case.point.address if case.point else None, lon, lat)))
    if p.is_staff and case.reporter_contact:
        pairs.append(("reporter_contact", case.reporter_contact))
    items = []
    for key, value in pairs:
        items += [html.Dt(T.LOCATION if key == "location" else T.INFO[key]),
                  html.Dd(value or "—", **({"id": "casepage-location-text"} if key == "location" else {}))]
    items += [html.Dt(T.INFO["description"], style={"gridColumn": "1"}),
              html.Dd(case.description or "—", style={"gridColumn": "2 / span 3"})]
    return html.Dl(items, className="cw-info")


def _gallery(case: Case) -> html.Div:
    cols = []
    for kind, ids in gallery(case).items():
        imgs = [html.A(html.Img(src=f"/api/v1/evidence/{i}", alt=f"{T.EVIDENCE_KINDS[kind]}证据 {n}"),
                       href=f"/api/v1/evidence/{i}", target="_blank") for n, i in enumerate(ids, 1)]
        cols.append(html.Div([html.H3(T.EVIDENCE_KINDS[kind]), *(imgs or [html.P(T.NO_EVIDENCE, className="cw-muted")])],
                             className="cw-gallery-col"))
    return html.Div(cols, className="cw-gallery")


def _timeline(case: Case, names: ActorNames):
    if not case.transitions:
        return html.P(T.NO_TIMELINE, className="cw-muted")
    head = html.Tr([html.Th(T.TIMELINE_COLS[k]) for k in ("at", "actor", "action", "from", "to", "note")])
    rows = [html.Tr([html.Td(fmt_local(t.at)), html.Td(names.name(t.actor, t.actor_role)), html.Td(_label(t.action)),
                     html.Td(_state(t.from_state) or "—"), html.Td(_state(t.to_state)), html.Td(t.note or "")])
            for t in case.transitions]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="cw-timeline", id="casepage-timeline")


def _documents(case: Case, names) -> html.Div:
    links = []
    for d in documents(case):
        name = getattr(names, d.kind)
        if d.ready:
            links.append(html.Span([
                html.A(name, href=f"/api/v1/cases/{case.id}/documents/{d.kind}.html", target="_blank",
                       className="cw-doc"),
                html.A("XLSX", href=f"/api/v1/cases/{case.id}/documents/{d.kind}.xlsx", className="cw-doc-x",
                       **{"aria-label": f"{name} XLSX"})]))
        else:
            links.append(html.Span(name + T.DOC_NOT_YET, className="cw-doc cw-doc-missing"))
    return html.Div(links, className="cw-docs")


def _actions(case: Case, p: access.Principal, unit_options: list[dict], type_options: list[dict]) -> list:
    """Buttons for the allowed actions and their fields. Every field a callback reads is always present
    (hidden when it does not apply), since Dash refuses callbacks whose inputs are missing."""
    actions = allowed_actions(p, case)
    hide = {"display": "none"}
    out: list = []
    if not actions:
        hint = T.NO_ACTIONS
        if p.role == "unit" and case.state == "dispatched":
            hint = "报告整改请到“我的任务”页面上传整改照片。"
        out.append(html.P(hint, className="cw-muted", id="casepage-no-actions"))
    buttons = [dmc.Button(_label(a), id={"type": "casepage-action", "action": a}, size="sm",
                          color="red" if a in DANGEROUS else None,
                          variant="outline" if a in DANGEROUS else "filled") for a in actions]
    out += [
        html.Div(dmc.Textarea(id="casepage-note", label=T.NOTE, autosize=True, minRows=2, maxRows=6,
                              placeholder="退回、作废、返工、驳回延期、申请延期时必须填写理由"),
                 style=None if actions else hide),
        html.Div(dmc.Select(id="casepage-unit", label=T.UNIT_PICK, data=unit_options, searchable=True,
                            clearable=True, placeholder="不选则按路由规则自动确定",
                            comboboxProps={"withinPortal": True}),
                 style=None if "dispatch" in actions else hide),
        # 立案 confirms or changes the problem type (required when detection marked it 类型待确认)
        html.Div([dmc.Alert(T.TYPE_UNCONFIRMED_HINT, color="orange", variant="light", id="casepage-type-hint")
                  if case.type_unconfirmed else None,
                  dmc.Select(id="casepage-type", label=T.TYPE_PICK, data=type_options, searchable=True,
                             value=str(case.problem_type_id), allowDeselect=False,
                             comboboxProps={"withinPortal": True})],
                 style=None if "accept" in actions else hide),
        html.Div(dmc.NumberInput(id="casepage-hours", label="延长小时数", min=1, max=2160, value=24),
                 style=None if "request_extension" in actions else hide),
        html.Div(buttons, className="cw-action-buttons"),
    ]
    return out


@access.page_layout("/cases/")
def layout(code: str | None = None, done: str | None = None, **_):
    p = access.current_principal()
    ctx = current_ctx()
    with ctx.sessions() as s:
        case = load_case(s, code or "")
        if case is None:
            return message_page(T.CASES_TITLE, T.CASE_NOT_FOUND.format(code=code), active="cases",
                                link=("/cases", T.BACK_TO_CASES))
        if not may_view(p, case.unit_id):
            return message_page(T.CASES_TITLE, T.CASE_FORBIDDEN, active="cases", link=("/", "返回首页"))
        units = [{"value": str(i), "label": n} for i, n in s.execute(
            select(ResponsibleUnit.id, ResponsibleUnit.name).order_by(ResponsibleUnit.code))]
        info, gal, timeline = _info(case, p), _gallery(case), _timeline(case, ActorNames(s))
        place = location_map("casepage-map", *case_point(case), landmarks=landmarks(s))
        docs = _documents(case, ctx.config.workflow.documents)
        types = [{"value": str(i), "label": n} for i, n in s.execute(
            select(ProblemType.id, ProblemType.name).order_by(ProblemType.code))]
        action_body = _actions(case, p, units, types)
        notes = notifications_section(s, case, p.is_staff)
        state = case.state
        manual = awaiting_person(case)
    notice = []
    if manual is not None:  # 人工复核: the camera could not compare; a supervisor decides (复核通过 / 返工)
        notice.append(dmc.Alert(T.MANUAL_RECHECK.format(reason=manual.note or ""), title=T.MANUAL_RECHECK_TITLE,
                                color="orange", variant="light", id="casepage-manual-recheck"))
    if done in RULES:
        notice += [dmc.Alert(T.ACTION_DONE.format(action=_label(done), code=code, state=_state(state)), color="green",
                            variant="light", id="casepage-done")]
    back = ("/tasks", T.BACK_TO_TASKS) if p.role == "unit" else ("/cases", T.BACK_TO_CASES)
    left = html.Div([
        html.Section([html.H2(T.SECTION_INFO), info], className="cw-card"),
        html.Section([html.H2(T.SECTION_EVIDENCE), gal], className="cw-card"),
        html.Section([html.H2(T.SECTION_TIMELINE), timeline], className="cw-card"),
        notes,
    ], className="cw-content")
    right = html.Div([
        html.Section([html.H2(T.SECTION_ACTIONS), html.Div(action_body, className="cw-actions"),
                      html.Div(id="casepage-result", role="alert")], className="cw-card"),
        html.Section([html.H2(T.SECTION_DOCUMENTS), docs], className="cw-card"),
        *([html.Section([html.H2(T.LOCATION), place], className="cw-card")] if place else []),
    ], className="cw-content")
    modal = dmc.Modal(id="casepage-modal", title="", opened=False, centered=True, children=[
        html.P(id="casepage-modal-body"),
        html.Div([dmc.Button(T.CONFIRM, id="casepage-confirm", color="red"),
                  dmc.Button(T.CANCEL, id="casepage-cancel", variant="default")], className="cw-action-buttons"),
    ])
    return desktop_page(f"{T.CASES_TITLE} {code}", [
        *notice,
        html.Div([left, right], className="cw-case-layout"),
        modal, dcc.Store(id="casepage-code", data=code), dcc.Store(id="casepage-pending"),
        dcc.Location(id="casepage-location", refresh=True),
    ], active="tasks" if p.role == "unit" else "cases",
        actions=[dmc.Badge(_state(state), size="lg", variant="light", id="casepage-state"),
                 dcc.Link(back[1], href=back[0], className="cw-button-link")])


@callback(
    Output("casepage-modal", "opened"), Output("casepage-modal", "title"), Output("casepage-modal-body", "children"),
    Output("casepage-pending", "data"), Output("casepage-result", "children", allow_duplicate=True),
    Input({"type": "casepage-action", "action": ALL}, "n_clicks"), Input("casepage-cancel", "n_clicks"),
    State("casepage-code", "data"), State("casepage-note", "value"),
    prevent_initial_call=True,
)
def ask(clicks, _cancel, code, note):
    """Ask for confirmation of the clicked action (and say when a reason is missing)."""
    trig = dash_ctx.triggered_id
    if trig == "casepage-cancel" or not isinstance(trig, dict) or not any(clicks or []):
        return False, no_update, no_update, None, no_update
    action = trig.get("action")
    if action not in RULES:
        return False, no_update, no_update, None, no_update
    if RULES[action].needs_note and not (note or "").strip():
        return False, no_update, no_update, None, dmc.Alert(T.REASON_REQUIRED.format(action=_label(action)),
                                                             color="orange", variant="light")
    label = _label(action)
    return True, T.CONFIRM_TITLE.format(action=label), T.CONFIRM_BODY.format(code=code, action=label), action, ""


@callback(
    Output("casepage-location", "href"), Output("casepage-result", "children"),
    Output("casepage-modal", "opened", allow_duplicate=True),
    Input("casepage-confirm", "n_clicks"),
    State("casepage-pending", "data"), State("casepage-code", "data"), State("casepage-note", "value"),
    State("casepage-unit", "value"), State("casepage-hours", "value"), State("casepage-type", "value"),
    prevent_initial_call=True,
)
def perform(_n, action, code, note, unit, hours, ptype=None):
    """Perform the confirmed action through the workflow (which checks role, unit, state and reason)."""
    p = access.current_principal()
    if not action or action not in RULES:
        return no_update, no_update, False
    data: dict = {}
    if action == "dispatch" and unit:
        data["unit_id"] = int(unit)
    if action == "accept" and ptype:  # the type confirmed or changed at 立案 (logged with the old one)
        if not str(ptype).isdigit():
            return no_update, dmc.Alert(T.ACTION_FAILED.format(error=f"problem_type_id: {ptype!r}"), color="red"), False
        data["problem_type_id"] = int(ptype)
    if action == "request_extension":
        try:
            data["hours"] = float(hours)
        except (TypeError, ValueError):
            return no_update, dmc.Alert("请填写延长的小时数。", color="orange"), False
    ctx = current_ctx()
    bind(ctx)
    try:
        with ctx.sessions.begin() as s:
            case = s.scalar(select(Case).where(Case.code == code).with_for_update())
            if case is None or not may_view(p, case.unit_id):
                return no_update, dmc.Alert(T.FORBIDDEN, color="red"), False
            apply(s, case, action, actor=p.name, actor_role=p.role, note=(note or "").strip() or None, data=data,
                  actor_unit_id=p.unit_id)
    except WorkflowForbidden:
        return no_update, dmc.Alert(T.FORBIDDEN, color="red"), False
    except WorkflowError as exc:
        return no_update, dmc.Alert(workflow_message(exc), color="red"), False
    return f"/cases/{code}?done={action}", no_update, False
