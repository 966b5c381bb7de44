"""``/tasks/<code>``: the address notifications link to (短信/企业微信/钉钉 messages carry it) — the case page
itself, for the unit's operator (own unit's cases only) and for staff."""
from __future__ import annotations

import dash
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.case_view import VIEW_ROLES, may_view
from models.cases import Case

dash.register_page(__name__, path_template="/tasks/<code>", title="案件详情 · 漳州精神文明建设平台")
access.allow_page("/tasks/", VIEW_ROLES)


def _guard(p: access.Principal, path: str) -> bool:
    if p.role != "unit":
        return True
    code = path[len("/tasks/"):].strip("/")
    with current_ctx().sessions() as s:
        row = s.execute(select(Case.unit_id).where(Case.code == code)).first()
    return row is None or may_view(p, row.unit_id)


access.guard_page("/tasks/", _guard)


@access.page_layout("/tasks/")
def layout(code: str | None = None, **kw):
    # the case page's own layout, looked up in Dash's page registry: importing the page module directly
    # would register it a second time (Dash loads pages under its own module names)
    page = next(p for p in dash.page_registry.values() if p["module"].rsplit(".", 1)[-1] == "case_detail")
    return page["layout"](code=code, **kw)
