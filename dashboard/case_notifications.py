"""The 通知记录 section of a case page: when, to whom, over which channel, delivered or failed.

Shows who was told by their label (unit · contact name, 指挥中心 …), never an address: a citizen reporter is
shown as 举报人 only, and the provider's error text only to staff.
"""
from __future__ import annotations

from dash import html

from dashboard.text import notify as T
from models.clock import fmt_local
from models.notify.messages import EVENT_LABELS
from models.notify.sender import latest

LIMIT = 100


def notifications_section(session, case, staff: bool) -> html.Section:
    rows = latest(session, LIMIT, case_id=case.id)
    if not rows:
        body = html.P(T.NONE, className="cw-muted", id="casepage-notifications-empty")
    else:
        keys = ["at", "to", "channel", "event", "status"] + (["error"] if staff else [])
        head = html.Tr([html.Th(T.COLS[k]) for k in keys])
        trs = []
        for r in sorted(rows, key=lambda r: r.id):
            to = T.REPORTER if r.event.startswith("citizen_") else (r.recipient_label or "")
            cells = [fmt_local(r.sent_at or r.created_at), to, r.channel, EVENT_LABELS.get(r.event, r.event),
                     T.STATUS.get(r.status, r.status)]
            if staff:
                cells.append((r.last_error or "")[:120])
            trs.append(html.Tr([html.Td(c) for c in cells], className=f"cw-notify-{r.status}"))
        body = html.Table([html.Thead(head), html.Tbody(trs)], className="cw-timeline", id="casepage-notifications")
    return html.Section([html.H2(T.SECTION), body], className="cw-card")
