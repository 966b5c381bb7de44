"""页面不存在: the page Dash shows for an unknown address (Dash's own says "404 - Page not found")."""
from __future__ import annotations

import dash

from dashboard import access
from dashboard.shell import message_page
from dashboard.text import desktop as T

dash.register_page(__name__, path="/404", title=f"{T.PAGE_NOT_FOUND_TITLE} · 漳州精神文明建设平台")
access.allow_page("/404", ("admin", "supervisor", "viewer", "unit"))


@access.page_layout("/404")
def layout(**_):
    p = access.current_principal()
    return message_page(T.PAGE_NOT_FOUND_TITLE, T.PAGE_NOT_FOUND, link=(access.start_path(p.role), T.BACK_TO_START))
