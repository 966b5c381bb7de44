"""我的任务 ``/tasks``: a unit operator's open cases (overdue first, then by deadline, with a countdown),
reporting rectification with a note and a photo, requesting an extension, returning a misrouted case.

Photos go through :func:`models.images.clean_image` (content sniffed, ≤ 10 MB, ≤ 40 MP, EXIF orientation
applied, metadata stripped) and are stored by SHA-256 as ``Evidence(kind="rectification")`` in the same
transaction as the workflow's ``rectify`` transition.
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx as dash_ctx, dcc, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.case_location import locations
from dashboard.shell import desktop_page, message_page
from dashboard.text import desktop as T
from dashboard.text.workflow import workflow_message
from models.case_queries import open_cases_of_unit
from models.cases import Case, Evidence
from models.clock import as_utc, fmt_local, utcnow
from models.images import MAX_BYTES, ImageRejected, clean_image, evidence_root, store_image
from models.registry import ResponsibleUnit
from models.workflow import RULES, WorkflowError, WorkflowForbidden, apply
from models.workflow.settings import bind

dash.register_page(__name__, path="/tasks", title="我的任务 · 漳州精神文明建设平台")
access.allow_page("/tasks", ("unit",))
access.allow_callbacks("tasks-", ("unit",))

MODES = {"rectify": T.TASK_REPORT, "request_extension": T.TASK_EXTEND, "return": T.TASK_RETURN}


def duration_text(seconds: float) -> str:
    """3天4小时 / 5小时20分钟 / 12分钟."""
    seconds = abs(int(seconds))
    d, rem = divmod(seconds, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    if d:
        return T.DAYS.format(d=d) + (T.HOURS.format(h=h) if h else "")
    if h:
        return T.HOURS.format(h=h) + (T.MINUTES.format(m=m) if m else "")
    return T.MINUTES.format(m=max(m, 1))


def countdown(deadline: datetime | None, now: datetime) -> tuple[str, bool]:
    """(text, overdue) for a deadline."""
    if deadline is None:
        return T.TASK_NO_DEADLINE, False
    left = (as_utc(deadline) - now).total_seconds()
    if left < 0:
        return T.TASK_OVERDUE.format(text=duration_text(left)), True
    return T.TASK_DUE_IN.format(text=duration_text(left)), False


def _task_cards(rows: list[dict], now: datetime, places: dict[str, str] | None = None):
    if not rows:
        return dmc.Alert(T.TASKS_EMPTY, color="gray", variant="light", id="tasks-empty")
    cards = []
    for r in rows:
        text, overdue = countdown(r["deadline_at"], now)
        cards.append(html.Div([
            html.Div([html.A(r["code"], href=f"/cases/{r['code']}", className="cw-task-code"),
                      html.Div(r["type"], className="cw-muted")]),
            html.Div([html.Div(r["point"] or r["district"] or "—"),
                      html.Div([(places or {}).get(r["code"], ""), " ",
                                html.A(T.LOCATION_MAP, href=f"/cases/{r['code']}#casepage-map")],
                               className="cw-muted cw-task-place"),
                      html.Div(r["description"] or "", className="cw-muted cw-task-desc")]),
            html.Div([html.Div(text, className="cw-countdown " + ("cw-overdue" if overdue else "cw-ok")),
                      html.Div("期限 " + fmt_local(r["deadline_at"], "%m-%d %H:%M"), className="cw-muted")]),
            dmc.Button("办理", id={"type": "tasks-pick", "code": r["code"]}, size="xs", variant="light"),
        ], className="cw-card cw-task" + (" cw-task-overdue" if overdue else ""), **{"data-code": r["code"]}))
    return cards


def _rows(unit_id: int) -> tuple[list[dict], dict[str, str]]:
    with current_ctx().sessions() as s:
        rows = open_cases_of_unit(s, unit_id)
        return rows, locations(s, [r["code"] for r in rows])


@access.page_layout("/tasks")
def layout(done: str | None = None, code: str | None = None, **_):
    p = access.current_principal()
    if p.unit_id is None:
        return message_page(T.TASKS_TITLE, T.TASKS_NO_UNIT, active="tasks")
    now = utcnow()
    with current_ctx().sessions() as s:
        unit = s.get(ResponsibleUnit, p.unit_id)
        rows = open_cases_of_unit(s, p.unit_id, now=now)
        places = locations(s, [r["code"] for r in rows])
    notice = []
    if done in MODES and code:
        notice = [dmc.Alert(f"已{MODES[done].split('（')[0]}：{code}", color="green", variant="light",
                            id="tasks-done")]
    options = [{"value": r["code"], "label": f"{r['code']} {r['type']}"} for r in rows]
    form = html.Section([
        html.H2("办理"),
        dmc.Select(id="tasks-case", label="案件", data=options, placeholder="在左侧点“办理”或在此选择",
                   searchable=True, comboboxProps={"withinPortal": True}),
        dmc.SegmentedControl(id="tasks-mode", value="rectify", fullWidth=True, mt="sm",
                             data=[{"value": k, "label": v} for k, v in MODES.items()]),
        dmc.Textarea(id="tasks-note", label=T.TASK_NOTE, autosize=True, minRows=3, maxRows=8, mt="sm",
                     placeholder="整改说明；申请延期或退回时填写理由"),
        html.Div([
            html.Label(T.TASK_PHOTO, htmlFor="tasks-photo", className="cw-label"),
            dcc.Upload(id="tasks-photo", children=html.Div(T.TASK_PHOTO_DROP), className="cw-upload",
                       accept="image/jpeg,image/png,image/webp", max_size=MAX_BYTES, multiple=False),
            html.Div(id="tasks-photo-name", className="cw-muted"),
        ], id="tasks-photo-box", style={"marginTop": "10px"}),
        html.Div(dmc.NumberInput(id="tasks-hours", label="延长小时数", min=1, max=2160, value=24),
                 id="tasks-hours-box", style={"display": "none", "marginTop": "10px"}),
        dmc.Button(T.TASK_SUBMIT, id="tasks-submit", mt="md", fullWidth=True),
        html.Div(id="tasks-result", role="alert", style={"marginTop": "10px"}),
    ], className="cw-card cw-task-form-card")
    body = html.Div([
        html.Div([html.Div(unit.name if unit else "", className="cw-muted"),
                  html.Div(_task_cards(rows, now, places), id="tasks-list", className="cw-content")], className="cw-content"),
        form,
    ], className="cw-tasks-layout")
    return desktop_page(T.TASKS_TITLE, [*notice, body, dcc.Interval(id="tasks-tick", interval=60_000),
                                        dcc.Location(id="tasks-location", refresh=True)], active="tasks")


@callback(Output("tasks-list", "children"), Input("tasks-tick", "n_intervals"), prevent_initial_call=True)
def refresh(_n):
    """Refresh the list and its countdowns every minute."""
    p = access.current_principal()
    if p.unit_id is None:
        return no_update
    rows, places = _rows(p.unit_id)
    return _task_cards(rows, utcnow(), places)


@callback(Output("tasks-case", "value"), Input({"type": "tasks-pick", "code": ALL}, "n_clicks"),
          prevent_initial_call=True)
def pick(clicks):
    trig = dash_ctx.triggered_id
    if not isinstance(trig, dict) or not any(clicks or []):
        return no_update
    return trig.get("code")


@callback(Output("tasks-photo-box", "style"), Output("tasks-hours-box", "style"), Output("tasks-note", "label"),
          Output("tasks-note", "placeholder"), Input("tasks-mode", "value"))
def mode_fields(mode):
    """The fields of the chosen way (photo for 报告整改, hours for 申请延期) and the note named for it."""
    show, hide = {"display": "block", "marginTop": "10px"}, {"display": "none"}
    return ((show if mode == "rectify" else hide), (show if mode == "request_extension" else hide),
            T.TASK_NOTE_LABELS.get(mode, T.TASK_NOTE), T.TASK_NOTE_HINTS.get(mode, ""))


@callback(Output("tasks-result", "children", allow_duplicate=True), Input("tasks-note", "value"),
          Input("tasks-photo", "filename"), Input("tasks-case", "value"), Input("tasks-mode", "value"),
          prevent_initial_call=True)
def clear_message(*_):
    """A message about what was missing goes once the form changes (it stayed after the field was filled)."""
    return ""


@callback(Output("tasks-photo-name", "children"), Input("tasks-photo", "filename"), prevent_initial_call=True)
def photo_name(name):
    return f"已选择：{name}" if name else ""


def decode_upload(contents: str) -> bytes:
    """The bytes of a dcc.Upload data URL (``data:<type>;base64,<data>``)."""
    try:
        _, b64 = contents.split(",", 1)
        return base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        raise ImageRejected("not_image", "上传的数据无法读取，请重新选择照片。") from None


def _error(text: str):
    return dmc.Alert(text, color="red", variant="light")


@callback(
    Output("tasks-location", "href"), Output("tasks-result", "children"),
    Input("tasks-submit", "n_clicks"),
    State("tasks-case", "value"), State("tasks-mode", "value"), State("tasks-note", "value"),
    State("tasks-photo", "contents"), State("tasks-hours", "value"),
    prevent_initial_call=True,
)
def submit(_n, code, mode, note, photo, hours):
    """Report rectification (with photo), request an extension or return the case, via the workflow."""
    p = access.current_principal()
    note = (note or "").strip()
    if not code:
        return no_update, _error("请先选择要办理的案件。")
    if mode not in MODES:
        return no_update, _error("请选择办理方式。")
    missing = []  # every missing field at once, not one per click
    if mode == "rectify":
        if not note:
            missing.append(T.TASK_NOTE_NEEDED)
        if not photo:
            missing.append(T.TASK_PHOTO_NEEDED)
    elif not note:
        missing.append(T.REASON_REQUIRED.format(action=RULES[mode].label))
    if mode == "request_extension" and hours in (None, ""):
        missing.append("请填写延长的小时数。")
    if missing:
        return no_update, _error(" ".join(missing))
    data: dict = {}
    ctx = current_ctx()
    bind(ctx)
    clean = None
    if mode == "rectify":
        try:
            clean = clean_image(decode_upload(photo))
        except ImageRejected as exc:
            return no_update, _error(exc.message)
    elif mode == "request_extension":
        try:
            data["hours"] = float(hours)
        except (TypeError, ValueError):
            return no_update, _error("请填写延长的小时数。")
    try:
        with ctx.sessions.begin() as s:
            case = s.scalar(select(Case).where(Case.code == code).with_for_update())
            if case is None or case.unit_id is None or case.unit_id != p.unit_id:
                return no_update, _error(T.FORBIDDEN)
            if clean is not None:
                root = evidence_root(ctx.config)
                path = store_image(clean, root)
                ev = Evidence(sha256=clean.sha256, path=str(path.relative_to(root)), kind="rectification",
                              case_id=case.id, camera_id=None, width=clean.width, height=clean.height,
                              created_at=utcnow())
                s.add(ev)
                s.flush()
                data["attachments"] = [ev.id]
            apply(s, case, mode, actor=p.name, actor_role=p.role, note=note, data=data, actor_unit_id=p.unit_id)
    except WorkflowForbidden:
        return no_update, _error(T.FORBIDDEN)
    except WorkflowError as exc:
        return no_update, _error(workflow_message(exc))
    return f"/tasks?done={mode}&code={code}", no_update
