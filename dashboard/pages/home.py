"""``/``: sends each role to its start page (supervisors → 案件, unit operators → 我的任务, wall → 大屏).

After a login the server already redirects there (``dashboard/api/auth.py``); this page is for a ``/`` typed or
bookmarked by hand."""
from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import access

dash.register_page(__name__, path="/", title="漳州精神文明建设平台")
access.allow_page("/", access.LOGGED_IN | {"wall"})


@access.page_layout("/")
def layout(**_):
    target = access.start_path(access.current_principal().role)
    return html.Div([dcc.Location(id="home-redirect", pathname=target, refresh=True),
                     html.A("继续", href=target)])
