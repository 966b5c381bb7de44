"""The Chinese 403 page (无权访问) every logged-in role gets instead of JSON, with a way on: the role's
start page and, for a unit operator, their own unit's page."""
from __future__ import annotations

from html import escape

import flask

from .text import auth as T
from .text.desktop import ROLE_NAMES


def own_unit(p) -> tuple[str, str] | None:
    """(code, name) of a unit operator's own 责任单位, or None (other roles, unbound operators)."""
    if p.role != "unit" or p.unit_id is None:
        return None
    from sqlalchemy import select

    from models.registry import ResponsibleUnit

    from .app import current_ctx

    with current_ctx().sessions() as s:
        row = s.execute(select(ResponsibleUnit.code, ResponsibleUnit.name)
                        .where(ResponsibleUnit.id == p.unit_id)).first()
    return (row[0], row[1]) if row else None


def forbidden_html(p) -> str:
    from .access import start_path

    links = [f'<a href="{escape(start_path(p.role))}">{escape(T.FORBIDDEN_START)}</a>']
    unit = own_unit(p)
    if unit:
        links.append(f'<a href="/units/{escape(unit[0])}" id="forbidden-own-unit">'
                     f'{escape(T.FORBIDDEN_OWN_UNIT.format(unit=unit[1]))}</a>')
    role = ROLE_NAMES.get(p.role, p.role)
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(T.FORBIDDEN_TITLE)}</title>'
            '<link rel="stylesheet" href="/assets/desktop.css"></head><body class="cw-auth-body">'
            f'<main class="cw-auth-card"><h1 class="cw-auth-title">{escape(T.FORBIDDEN_HEADING)}</h1>'
            f'<p>{escape(T.FORBIDDEN_TEXT.format(role=role))}</p>'
            f'<p class="cw-forbidden-links">{"　".join(links)}</p></main></body></html>')


def forbidden_response(p) -> flask.Response:
    resp = flask.make_response(forbidden_html(p), 403)
    resp.headers["Content-Type"] = "text/html; charset=utf-8"
    return resp
