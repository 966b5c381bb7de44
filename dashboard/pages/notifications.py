"""通知 ``/notifications``: the outbox for staff — the latest messages, filtered by status; dead letters (死信)
with their error, which admins put back in the queue. A citizen reporter is shown as 举报人 only."""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, callback, ctx as dash_ctx, dcc, html, no_update

from dashboard import access
from dashboard.app import current_ctx
from dashboard.shell import desktop_page
from dashboard.text import notify as T
from models.clock import fmt_local
from models.notifications import OutboxStatus
from models.notify.messages import EVENT_LABELS
from models.notify.sender import latest, retry_dead

STAFF = ("admin", "supervisor")
dash.register_page(__name__, path="/notifications", title="通知 · 漳州精神文明建设平台")
access.allow_page("/notifications", STAFF)
access.allow_callbacks("notifypage-", STAFF)
LIMIT = 300


def _table(status: str | None, admin: bool):
    with current_ctx().sessions() as s:
        rows = latest(s, LIMIT, status=status or None)
    if not rows:
        return dmc.Alert(T.NONE, color="gray", variant="light")
    keys = ["at", "case", "to", "channel", "event", "status", "attempts", "error"] + (["retry"] if admin else [])
    body = []
    for r in rows:
        to = T.REPORTER if r.event.startswith("citizen_") else (r.recipient_label or r.recipient)
        cells = [fmt_local(r.sent_at or r.created_at),
                 dcc.Link(r.case_code, href=f"/cases/{r.case_code}") if r.case_code else "—", to, r.channel,
                 EVENT_LABELS.get(r.event, r.event), T.STATUS.get(r.status, r.status), str(r.attempts),
                 (r.last_error or "")[:160]]
        if admin:
            cells.append(dmc.Button(T.RETRY, id={"type": "notifypage-retry", "id": r.id}, size="xs", variant="light")
                         if r.status == OutboxStatus.DEAD else "")
        body.append(html.Tr([html.Td(c) for c in cells], className=f"cw-notify-{r.status}"))
    return html.Table([html.Thead(html.Tr([html.Th(T.PAGE_COLS[k]) for k in keys])), html.Tbody(body)],
                      className="cw-table cw-table-compact", id="notifypage-rows")


@access.page_layout("/notifications")
def layout(**_):
    options = [{"value": "", "label": T.FILTER_ALL}] + [{"value": k, "label": v} for k, v in T.STATUS.items()]
    return desktop_page(T.PAGE_TITLE, [
        html.P(T.PAGE_HELP, className="cw-muted"),
        dmc.SegmentedControl(id="notifypage-status", data=options, value="dead"),
        html.Div(id="notifypage-result", role="status"),
        html.Div(id="notifypage-table"),
    ], active="notifications")


@callback(Output("notifypage-table", "children"), Output("notifypage-result", "children"),
          Input("notifypage-status", "value"), Input({"type": "notifypage-retry", "id": ALL}, "n_clicks"))
def show(status, retries):
    """The list for the chosen status; a retry click (admins) requeues that dead letter first."""
    p = access.current_principal()
    admin = p.role == "admin"
    message = None
    trig = dash_ctx.triggered_id
    if isinstance(trig, dict) and any(retries or []):
        if not admin:
            return no_update, dmc.Alert(T.RETRY_REFUSED, color="red", variant="light")
        with current_ctx().sessions.begin() as s:
            retry_dead(s, [int(trig.get("id", 0))])
        message = dmc.Alert(T.RETRIED, color="green", variant="light")
    status = status if status in OutboxStatus.ALL else None
    return _table(status, admin), message
