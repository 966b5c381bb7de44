"""Login, logout and password change (登录): plain Flask forms with CSRF tokens, on the Dash server.

- ``GET/POST /login``: failures are limited per (account, client address) and per client address
  (``dashboard.rate_limits``, Flask-Limiter; ``auth.max_failed_logins`` / ``auth.lockout_minutes``); a successful login starts a fresh session that expires after ``auth.session_hours``.
- ``POST /logout``: ends the session (CSRF-checked; a GET shows a small confirm form).
- ``GET/POST /password``: change the password; users created with a one-time password land here first.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import flask
from flask import Blueprint, redirect, render_template_string, request, session
from flask_login import current_user, logout_user

from models.clock import utcnow
from models.security import MIN_PASSWORD_LENGTH, AccountError, change_password, check_login

from .. import access
from ..access import csrf_ok, csrf_token, current_principal
from ..rate_limits import LoginLimits, client_address
from ..text import auth as T

blueprint = Blueprint("auth", __name__)

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ T.LOGIN_HEADING }}</title><link rel="stylesheet" href="/assets/desktop.css"></head>
<body class="cw-auth-body"><main class="cw-auth-card" id="cw-main">
<div class="cw-auth-brand"><span class="cw-logo-star" aria-hidden="true">★</span>{{ T.LOGIN_HEADING }}</div>
<h1 class="cw-auth-title">{{ title }}</h1>
{% if info %}<p class="cw-auth-info" role="status">{{ info }}</p>{% endif %}
{% if error %}<p class="cw-auth-error" role="alert" id="cw-auth-error">{{ error }}</p>{% endif %}
{{ body|safe }}
</main></body></html>"""

_LOGIN_FORM = """<form method="post" action="/login" class="cw-auth-form" novalidate>
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
<label for="username">{{ T.USERNAME }}</label>
<input id="username" name="username" autocomplete="username" value="{{ username }}" required autofocus
 {% if error %}aria-describedby="cw-auth-error"{% endif %}>
<label for="password">{{ T.PASSWORD }}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login-submit">{{ T.LOGIN_BUTTON }}</button></form>"""

_PASSWORD_FORM = """<form method="post" action="/password" class="cw-auth-form" novalidate>
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label for="current">{{ T.PW_CURRENT }}</label>
<input id="current" name="current" type="password" autocomplete="current-password" required autofocus>
<label for="new">{{ new_label }}</label>
<input id="new" name="new" type="password" autocomplete="new-password" minlength="{{ n }}" required>
<label for="repeat">{{ T.PW_REPEAT }}</label>
<input id="repeat" name="repeat" type="password" autocomplete="new-password" required>
<button type="submit" id="password-submit">{{ T.PW_SUBMIT }}</button>
{% if not must %}<a href="/" class="cw-auth-back">{{ T.BACK }}</a>{% endif %}</form>"""

_LOGOUT_FORM = """<form method="post" action="/logout" class="cw-auth-form">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button type="submit" id="logout-submit">退出登录</button>
</form>"""


def _render(title: str, body_tpl: str, status: int = 200, error: str | None = None, info: str | None = None,
            **kw):
    body = render_template_string(body_tpl, T=T, csrf=csrf_token(), error=error, **kw)
    html = render_template_string(_PAGE, T=T, title=title, body=body, error=error, info=info)
    resp = flask.make_response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _safe_next(value: str | None) -> str:
    """Only a local path is followed after login, else ``/``.

    Local means: one leading ``/`` and no scheme or host, judged on what a browser makes of it. Browsers
    drop tabs and newlines from a URL and read ``\\`` as ``/``: ``/%09/evil.example`` (a tab) and
    ``/\\evil.example`` would become ``//evil.example``. So any control character, space or backslash is
    refused outright (a newline in the header was also a 500)."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return "/"
    if "\\" in value or any(ord(ch) <= 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value):
        return "/"
    parts = urlsplit(value)
    if value.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    if value.startswith(("/login", "/logout")):
        return "/"
    return value


def _minutes_until(t: datetime) -> int:
    return max(1, int((t - utcnow()).total_seconds() // 60) + 1)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    ctx = flask.current_app.config["CIVICWATCH"]
    auth = ctx.config.auth
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_principal().kind == "user":
            return redirect(access.start_path(current_principal().role) if nxt == "/" else nxt)
        info = T.LOGGED_OUT if request.args.get("bye") else None
        return _render(T.LOGIN_TITLE, _LOGIN_FORM, info=info, next=nxt, username="")
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    if not csrf_ok():
        return _render(T.LOGIN_TITLE, _LOGIN_FORM, 400, T.CSRF_FAILED, next=nxt, username=username)
    if not username or not password:
        return _render(T.LOGIN_TITLE, _LOGIN_FORM, 400, T.MISSING_FIELDS, next=nxt, username=username)
    limits = LoginLimits(auth, username, client_address())
    wait_s = limits.wait_s()
    if wait_s > 0:
        text = T.ADDRESS_THROTTLED if limits.address_blocked() else T.PAIR_THROTTLED
        return _render(T.LOGIN_TITLE, _LOGIN_FORM, 429, text.format(minutes=int(wait_s // 60) + 1),
                       next=nxt, username=username)
    with ctx.sessions.begin() as s:
        result = check_login(s, username, password)
        if result.ok:
            access.login_principal(result.user)
            must = result.user.must_change_password
            start = access.start_path(result.user.role) if nxt == "/" else nxt  # straight there: no "/" hop
    if result.ok:
        limits.succeeded()
        return redirect("/password" if must else start)
    limits.failed()
    if result.reason == "locked":
        msg, status = T.ACCOUNT_LOCKED.format(minutes=_minutes_until(result.locked_until)), 429
    elif result.reason == "disabled":
        msg, status = T.ACCOUNT_DISABLED, 403
    else:
        msg, status = T.BAD_CREDENTIALS, 401
    return _render(T.LOGIN_TITLE, _LOGIN_FORM, status, msg, next=nxt, username=username)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return _render("退出登录", _LOGOUT_FORM)
    if not csrf_ok():
        return _render("退出登录", _LOGOUT_FORM, 400, T.CSRF_FAILED)
    logout_user()
    session.clear()
    return redirect("/login?bye=1")


@blueprint.route("/password", methods=["GET", "POST"])
def password():
    ctx = flask.current_app.config["CIVICWATCH"]
    p = current_principal()
    if p.kind != "user":
        return redirect("/login?next=/password")
    must = bool(getattr(current_user, "must_change_password", False))
    kw = dict(n=MIN_PASSWORD_LENGTH, new_label=T.PW_NEW.format(n=MIN_PASSWORD_LENGTH), must=must)
    info = T.PW_MUST_CHANGE if must else None
    if request.method == "GET":
        return _render(T.PW_TITLE, _PASSWORD_FORM, info=info, **kw)
    if not csrf_ok():
        return _render(T.PW_TITLE, _PASSWORD_FORM, 400, T.CSRF_FAILED, info=info, **kw)
    current, new, repeat = (request.form.get(k) or "" for k in ("current", "new", "repeat"))
    error = None
    if new != repeat:
        error = T.PW_MISMATCH
    elif len(new) < MIN_PASSWORD_LENGTH:
        error = T.PW_TOO_SHORT.format(n=MIN_PASSWORD_LENGTH)
    elif new == current:
        error = T.PW_SAME
    if error:
        return _render(T.PW_TITLE, _PASSWORD_FORM, 400, error, info=info, **kw)
    from models.accounts import User

    with ctx.sessions.begin() as s:
        row = s.get(User, p.id)
        try:
            change_password(row, current, new)
        except AccountError:
            return _render(T.PW_TITLE, _PASSWORD_FORM, 400, T.PW_WRONG_CURRENT, info=info, **kw)
        access.login_principal(row)  # refresh the session (must_change_password is now off)
    return redirect("/")
