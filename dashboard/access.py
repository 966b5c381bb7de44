"""Who is asking, and may they? Sessions (Flask-Login), bearer tokens, and the server-side role gate.

Deny by default:
- pages: a Dash page declares its roles with ``allow_page(path, roles)``; any other path needs a login;
- Dash callbacks: each page declares the id prefix of its callback outputs with
  ``allow_callbacks(prefix, roles)``; a callback whose outputs match no prefix is refused;
- API routes: a view carries ``@require_roles(...)`` or ``@public``; one with neither is refused.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlencode

import flask
from flask import abort, g, jsonify, request, session
from flask_login import LoginManager, current_user

from models.accounts import Role, User
from models.context import AppContext
from models.security import resolve_token, resolve_token_id

ALL_ROLES = frozenset(r.value for r in Role)
STAFF = frozenset({Role.ADMIN.value, Role.SUPERVISOR.value})
PUBLIC = frozenset({"anonymous"})

# path prefix → roles; "anonymous" means no login needed
_page_rules: dict[str, frozenset[str]] = {}
_callback_rules: dict[str, frozenset[str]] = {}
# paths anyone may fetch (static files of Dash and the public pages)
_PUBLIC_PREFIXES = ("/_dash-component-suites/", "/_dash-layout", "/_dash-dependencies", "/assets/",
                    "/_favicon.ico", "/healthz", "/login", "/logout", "/_reload-hash")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a logged-in user or an API/wall/edge token."""

    kind: str  # "user" | "token" | "anonymous"
    name: str
    role: str
    unit_id: int | None = None
    id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


ANONYMOUS = Principal("anonymous", "anonymous", "anonymous")



# Where each role starts (the page ``/`` and a login without ``next`` lead there).
START_PAGES = {"admin": "/cases", "supervisor": "/cases", "viewer": "/cases", "unit": "/tasks", "wall": "/wall"}


def start_path(role: str) -> str:
    return START_PAGES.get(role, "/login")


def allow_page(path: str, roles: Iterable[str]) -> None:
    """Declare who may open the page at ``path`` (exact path or prefix ending in '/')."""
    _page_rules[path] = frozenset(roles)


# path prefix → guard(principal, path) -> bool: a finer check after the role rule (e.g. "own unit's case")
_page_guards: dict[str, Callable[["Principal", str], bool]] = {}


def guard_page(prefix: str, check: Callable[["Principal", str], bool]) -> None:
    """Add a check run (after the role rule) for pages under ``prefix``, both for the page's URL and for
    Dash's routing callback; ``check(principal, path)`` returning False answers 403."""
    _page_guards[prefix] = check


def page_allowed(p: "Principal", path: str) -> bool:
    """Whether ``p`` may open the page at ``path`` (role rule, then any guard)."""
    roles = page_roles(path)
    if not ("anonymous" in roles or p.role in roles):
        return False
    for prefix, check in _page_guards.items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            if not check(p, path):
                return False
    return True


def page_layout(path: str) -> Callable[[Callable], Callable]:
    """Decorate a Dash page's ``layout``: it checks the caller itself, behind the gate (defence in depth).

    The rule is the one ``allow_page(path, …)`` declared; a caller it does not admit gets a "no access"
    message instead of the page. Pages whose content depends on a path variable (a unit's, a case's) also
    check the record itself, with the values they are given.
    """
    def deco(layout: Callable) -> Callable:
        @wraps(layout)
        def checked(*args, **kwargs):
            roles = page_roles(path)
            p = current_principal()
            if not ("anonymous" in roles or p.role in roles):
                from dash import html

                from .text import desktop as T

                return html.Main([html.H1(T.PAGE_FORBIDDEN_TITLE), html.P(T.PAGE_FORBIDDEN)],
                                 id="page-forbidden", className="cw-message")
            return layout(*args, **kwargs)

        return checked

    return deco


def allow_callbacks(prefix: str, roles: Iterable[str]) -> None:
    """Declare who may trigger Dash callbacks whose output ids start with ``prefix``."""
    _callback_rules[prefix] = frozenset(roles)


def callback_rules() -> dict[str, frozenset[str]]:
    return dict(_callback_rules)


def page_rules() -> dict[str, frozenset[str]]:
    return dict(_page_rules)


LOGGED_IN = STAFF | {Role.VIEWER.value, Role.UNIT.value}


def page_roles(path: str) -> frozenset[str]:
    """The roles that may open ``path`` (an undeclared page needs any login of a person)."""
    roles = _match(_page_rules, path)
    return LOGGED_IN if roles is None else roles


def public(view: Callable) -> Callable:
    """Mark an API view as open to anyone (it must validate its own input)."""
    view._civicwatch_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def require_roles(*roles: str) -> Callable[[Callable], Callable]:
    """Mark an API view as open to the given roles only (checked before the view runs)."""
    allowed = frozenset(roles)
    unknown = allowed - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def deco(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            p = current_principal()
            if p.kind == "anonymous":
                abort(401)
            if p.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper._civicwatch_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return deco


def current_principal() -> Principal:
    return getattr(g, "principal", ANONYMOUS)


def _secret_key(ctx: AppContext) -> str:
    env_name = ctx.config.auth.secret_key_env
    key = os.environ.get(env_name)
    if key:
        return key
    path = Path(ctx.config.data_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class _TokenCache:
    """Short-lived cache of resolved tokens so 50 wall screens do not query the database every tick."""

    def __init__(self, ttl_s: float = 10.0):
        self.ttl_s = ttl_s
        self._items: dict[str, tuple[float, Principal | None]] = {}

    def get(self, ctx: AppContext, token: str) -> Principal | None:
        return self._cached(ctx, token, lambda s: resolve_token(s, token))

    def get_id(self, ctx: AppContext, token_id: int) -> Principal | None:
        """The principal of the live token with this id (what a wall's session remembers)."""
        return self._cached(ctx, f"id:{token_id}", lambda s: resolve_token_id(s, token_id))

    def _cached(self, ctx: AppContext, key: str, resolve) -> Principal | None:
        now = time.monotonic()
        hit = self._items.get(key)
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        with ctx.sessions() as s:
            row = resolve(s)
            p = None if row is None else Principal("token", row.name or row.prefix, row.role, row.unit_id, row.id)
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[key] = (now, p)
        return p

    def clear(self) -> None:
        self._items.clear()


token_cache = _TokenCache()


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def _wall_address_ok(ctx: AppContext, p: Principal | None) -> Principal | None:
    """``p`` unless it is a wall token used from outside ``auth.wall_allow_addresses`` (when that is set)."""
    if p is None or p.role != Role.WALL.value:
        return p
    networks = ctx.config.auth.wall_networks()
    if not networks:
        return p
    try:
        addr = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return None
    return p if any(addr in net for net in networks) else None


def _session_user(ctx: AppContext) -> Principal | None:
    """The logged-in person of this browser session, or None (expired, or password changed since)."""
    if not current_user.is_authenticated:
        return None
    login_at = session.get("login_at")
    max_age = ctx.config.auth.session_hours * 3600
    fresh = isinstance(login_at, (int, float)) and time.time() - login_at <= max_age
    if not fresh or session.get("session_version") != getattr(current_user, "session_version", None):
        from flask_login import logout_user

        logout_user()
        session.pop("login_at", None)
        session.pop("session_version", None)
        return None
    u = current_user
    return Principal("user", u.username, u.role, u.unit_id, u.id)


def _identify(ctx: AppContext) -> Principal:
    """Who is asking: a bearer token; else the logged-in person (a ``?token=`` never replaces them); else a
    wall token from ``?token=`` (remembered in the session by its id, never the token itself) or from the
    session. Wall tokens count only from ``auth.wall_allow_addresses``."""
    token = _bearer()
    if token:
        return _wall_address_ok(ctx, token_cache.get(ctx, token)) or ANONYMOUS
    user = _session_user(ctx)
    if user is not None:
        return user
    session.pop("wall_token", None)  # cookies from before: they held the token itself
    if request.args.get("token") and request.method == "GET":
        p = _wall_address_ok(ctx, token_cache.get(ctx, request.args["token"]))
        if p is not None and p.role == Role.WALL.value:
            session["wall_token_id"] = p.id
            session.permanent = True
            return p
    token_id = session.get("wall_token_id")
    if token_id is not None:
        p = _wall_address_ok(ctx, token_cache.get_id(ctx, token_id)) if isinstance(token_id, int) else None
        if p is not None and p.role == Role.WALL.value:
            return p
        session.pop("wall_token_id", None)
    return ANONYMOUS


# paths a user who must change the password may still use
_PASSWORD_CHANGE_PATHS = ("/password", "/logout", "/login")


def _match(rules: dict[str, frozenset[str]], key: str) -> frozenset[str] | None:
    best = None
    for prefix, roles in rules.items():
        if key == prefix or (prefix.endswith("/") and prefix != "/" and key.startswith(prefix)) or (
            not prefix.startswith("/") and key.startswith(prefix)
        ):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, roles)
    return None if best is None else best[1]


def _callback_gate(p: Principal):
    """Dash's callback endpoint: the callback as Dash will call it (:mod:`dashboard.callback_gate`), then its
    roles (the rule of every declared output id), then the whole body against the declaration; for the page
    router, the rule (and guards) of the page it would render."""
    from .callback_gate import CallbackRefused, check_body, resolve_call, router_path

    app = flask.current_app.extensions.get("civicwatch_dash")
    if app is None:
        return _deny(p, True)
    body = request.get_json(silent=True)
    try:
        call, cb = resolve_call(app.callback_map, body)
    except CallbackRefused as exc:  # no such callback: nobody's to call (anonymous callers are told to log in)
        if p.kind == "anonymous":
            return _deny(p, True)
        return jsonify(error="bad_callback_request", message=str(exc)), 400
    try:
        if not call.output_ids:
            return _deny(p, True)
        if not call.is_router:
            for out in call.output_ids:
                roles = _match(_callback_rules, out) if isinstance(out, str) else None
                if roles is None or not ("anonymous" in roles or p.role in roles):
                    return _deny(p, True)
        inputs = check_body(call, cb, body)
        if call.is_router:
            if set(call.output_ids) - _PAGES_OUTPUTS:
                return _deny(p, True)
            if not page_allowed(p, router_path(app, cb, inputs)):
                return _deny(p, True)
    except CallbackRefused as exc:
        return jsonify(error="bad_callback_request", message=str(exc)), 400
    return None


_PAGES_OUTPUTS = frozenset({"_pages_content", "_pages_store"})


def _deny(p: Principal, api: bool):
    if p.kind == "anonymous" and not api:
        return flask.redirect("/login?next=" + request.full_path.rstrip("?"))
    if not api:  # a page: the Chinese 403 page with a way on, never JSON
        from .forbidden import forbidden_response

        return forbidden_response(p)
    return (jsonify(error="unauthorized" if p.kind == "anonymous" else "forbidden"),
            401 if p.kind == "anonymous" else 403)


def _gate(ctx: AppContext):
    p = _identify(ctx)
    g.principal = p
    path = request.path
    if (request.method == "GET" and request.args.get("token") and not path.startswith(("/api/", "/_dash-"))
            and (p.kind == "user" or (p.role == Role.WALL.value and session.get("wall_token_id") == p.id))):
        # the wall's token is now in its session (or ignored: a person is logged in): drop it from the URL
        # (browser history, the page's og:url/twitter:url meta tags that Dash fills from the request URL,
        # Referer headers)
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        return flask.redirect(path + ("?" + urlencode(rest) if rest else ""))
    if path.startswith(_PUBLIC_PREFIXES):
        return None
    if p.kind == "user" and getattr(current_user, "must_change_password", False) and \
            not path.startswith(_PASSWORD_CHANGE_PATHS):
        if path.startswith(("/api/", "/_dash-")):
            return jsonify(error="password change required"), 403
        return flask.redirect("/password")
    if path == "/_dash-update-component":
        return _callback_gate(p)
    if path.startswith(("/api/", "/open311/")):
        view = flask.current_app.view_functions.get(request.endpoint or "")
        roles = getattr(view, "_civicwatch_roles", None)
        if view is None:
            return None  # 404 follows
        if roles is None:
            return _deny(p, True)
        if "anonymous" in roles:
            return None
        if p.kind == "anonymous":
            return _deny(p, True)
        return None if p.role in roles else _deny(p, True)
    roles = page_roles(path)
    if not ("anonymous" in roles or p.role in roles):
        return _deny(p, False)
    if not page_allowed(p, path):
        return _deny(p, False)
    return None


# --- CSRF for plain (non-Dash) form posts --------------------------------------------------------------

def csrf_token() -> str:
    """This browser session's CSRF token (created on first use); put it in a hidden ``csrf_token`` field."""
    token = session.get("csrf_token")
    if not token:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    """Whether the posted form (or ``X-CSRF-Token`` header) carries this session's CSRF token."""
    expected = session.get("csrf_token")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(expected) and hmac.compare_digest(str(expected), str(sent))


class _LoginUser:
    """Flask-Login's view of a :class:`User` row."""

    def __init__(self, row: User):
        self.id = row.id
        self.username = row.username
        self.role = row.role
        self.unit_id = row.unit_id
        self.display_name = row.display_name or row.username
        self.is_authenticated = True
        self.is_active = row.active
        self.is_anonymous = False
        self.must_change_password = bool(row.must_change_password)
        self.session_version = row.session_version or 0

    def get_id(self) -> str:
        return str(self.id)


def init_access(server: flask.Flask, ctx: AppContext) -> None:
    """Install the session, Flask-Login and the role gate on ``server``."""
    server.secret_key = _secret_key(ctx)
    # cookie flags (Secure, SameSite) and the security headers: dashboard/security_headers.py
    server.config.update(PERMANENT_SESSION_LIFETIME=timedelta(hours=ctx.config.auth.session_hours))
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str):
        with ctx.sessions() as s:
            row = s.get(User, int(user_id)) if user_id.isdigit() else None
            return _LoginUser(row) if row is not None and row.active else None

    @server.before_request
    def gate():
        return _gate(ctx)


def login_principal(row: User) -> None:
    """Log ``row`` in for this browser session (used by the login page)."""
    from flask_login import login_user

    session.clear()  # a fresh session on login (no fixation); CSRF token is re-created on demand
    session.permanent = True
    session["login_at"] = time.time()
    session["session_version"] = row.session_version or 0
    login_user(_LoginUser(row))
