"""The desktop shell shared by every supervisor / unit page: header, navigation, user and logout.

Use it in a page's layout *function* (it reads the logged-in user of the current request)::

    def layout(**_):
        return desktop_page("责任单位", [...], active="units")

Navigation shows only the pages the user's role may open (the same rules the server enforces in
``dashboard.access``).
"""
from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import dcc, html
from flask import has_request_context

from . import access
from .forbidden import own_unit
from .text import desktop as T

# (key, path) in header order; labels come from dashboard.text.desktop.NAV
NAV_ITEMS: list[tuple[str, str]] = [
    ("cases", "/cases"),
    ("tasks", "/tasks"),
    ("units", "/units"),
    ("indicators", "/indicators"),
    ("points", "/points"),
    ("reports", "/reports"),
    ("decisions", "/decisions"),
    ("notifications", "/notifications"),
    ("wall", "/wall"),
]

DATES = {"locale": "zh-cn", "firstDayOfWeek": 1, "weekendDays": [0, 6]}
"""Date pickers in Chinese (weekdays 一 … 日, months 十一月), weeks from Monday. The dayjs locale ships in
assets/web/dayjs-locale-zh-cn.js (no network); DatesProvider registers it on dmc's own dayjs."""
THEME = {
    "primaryColor": "red",
    "fontFamily": '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif',
    "defaultRadius": "sm",
}


def role_may_open(role: str, path: str) -> bool:
    """Whether ``role`` may open ``path`` under the declared page rules (undeclared: any logged-in user)."""
    roles = access.page_roles(path)
    return "anonymous" in roles or role in roles


def nav_items_for(role: str) -> list[tuple[str, str]]:
    """The navigation entries (key, path) shown to ``role``."""
    items = [(k, p) for k, p in NAV_ITEMS if role_may_open(role, p)]
    if role != "unit":  # the task list is the unit operators' start page
        items = [(k, p) for k, p in items if k != "tasks"]
    return items


def _principal() -> access.Principal:
    return access.current_principal() if has_request_context() else access.ANONYMOUS


def _display_name(p: access.Principal) -> str:
    if p.kind != "user" or p.id is None:
        return p.name
    try:
        from flask_login import current_user

        return getattr(current_user, "display_name", None) or p.name
    except Exception:  # noqa: BLE001 - outside a login-managed request
        return p.name


def _logout_form() -> html.Form:
    token = access.csrf_token() if has_request_context() else ""
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=token, id="shell-csrf"),
            html.Button(T.LOGOUT, type="submit", className="cw-logout", id="shell-logout"),
        ],
        method="POST", action="/logout", className="cw-logout-form",
    )


def header(active: str | None = None) -> html.Header:
    """The top bar: product name, navigation for this role, user name / role and logout."""
    p = _principal()
    links = [
        html.A(T.NAV[key], href=path, className="cw-nav-link" + (" cw-nav-active" if key == active else ""),
                 **({"aria-current": "page"} if key == active else {}))
        for key, path in nav_items_for(p.role)
    ]
    own = own_unit(p) if p.role == "unit" and has_request_context() else None
    if own:  # a unit operator's own unit page (results, indicators)
        links.append(html.A(T.NAV["my_unit"], href=f"/units/{own[0]}", id="shell-own-unit",
                            className="cw-nav-link" + (" cw-nav-active" if active == "units" else "")))
    user_bits: list[Any] = []
    if p.kind == "user":
        user_bits = [
            html.Span(_display_name(p), className="cw-user-name"),
            dmc.Badge(T.ROLE_NAMES.get(p.role, p.role), variant="light", color="gray", size="sm"),
            html.A(T.CHANGE_PASSWORD, href="/password", className="cw-user-link"),
            _logout_form(),
        ]
    return html.Header(
        [
            html.A(T.SKIP_TO_CONTENT, href="#cw-main", className="cw-skip"),
            html.A([html.Span("★", className="cw-logo-star", **{"aria-hidden": "true"}), T.PRODUCT],
                   href="/", className="cw-brand"),
            html.Nav(links, className="cw-nav", **{"aria-label": "主导航"}),
            html.Div(user_bits, className="cw-user"),
        ],
        className="cw-header",
    )


def desktop_page(title: str, children: Any, active: str | None = None, actions: Any = None) -> dmc.MantineProvider:
    """A full desktop page: the shared header, then ``title`` (and optional ``actions`` on its right) and
    ``children``. ``active`` is the navigation key to highlight (cases, tasks, units, indicators, points,
    reports, wall)."""
    title_row = html.Div(
        [html.H1(title, className="cw-title"), html.Div(actions, className="cw-title-actions") if actions else None],
        className="cw-title-row",
    )
    return dmc.MantineProvider(
        dmc.DatesProvider(
            html.Div(
                [header(active), html.Main([title_row, html.Div(children, className="cw-content")],
                                           id="cw-main", className="cw-main", tabIndex="-1")],
                className="cw-page",
            ),
            settings=DATES,
        ),
        theme=THEME,
    )


def message_page(title: str, text: str, active: str | None = None, link: tuple[str, str] | None = None):
    """A page that only says something (empty / error / forbidden states) and where to go next."""
    body = [dmc.Alert(text, color="gray", variant="light", className="cw-message")]
    if link:
        body.append(dcc.Link(link[1], href=link[0], className="cw-button-link"))
    return desktop_page(title, body, active=active)
