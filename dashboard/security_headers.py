"""HTTP security headers and cookie flags of every response (production defaults).

- Session cookie ``HttpOnly`` + ``SameSite=Lax``, and ``Secure`` when ``server.public_url`` is https
  (``server.secure_cookies`` overrides); with secure cookies ``Strict-Transport-Security`` is sent
  (``server.hsts_max_age_s``, 0 = none).
- ``Content-Security-Policy``: scripts only from this server plus the hashes of Dash's own inline
  scripts (``app.csp_hashes()``), no plugins, no foreign form targets. Inline *styles* are allowed: React
  and Plotly set them at run time. Maps are drawn from local GeoJSON (no tile server), MapLibre starts
  its workers from ``blob:`` URLs.
- Framing: every page may be framed by this origin only (``frame-ancestors 'self'`` +
  ``X-Frame-Options: SAMEORIGIN``); ``/wall`` additionally by ``server.wall_frame_ancestors`` (a wall
  controller on another origin), and then without ``X-Frame-Options`` (which cannot name another origin).
"""
from __future__ import annotations

import dash
import flask
from flask import request

from models.config import AppConfig

WALL_PATHS = ("/wall",)


def cookie_settings(config: AppConfig) -> dict:
    """Flask config keys for the session cookie."""
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": config.server.cookies_secure,
    }


def content_security_policy(script_hashes: list[str], frame_ancestors: list[str]) -> str:
    directives = [
        "default-src 'self'",
        "script-src 'self' " + " ".join(h if h.startswith("'") else f"'{h}'" for h in script_hashes),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors " + " ".join(["'self'", *frame_ancestors]),
    ]
    return "; ".join(d.strip() for d in directives)


def _is_wall(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in WALL_PATHS)


def init_security_headers(server: flask.Flask, app: dash.Dash, config: AppConfig) -> None:
    """Set the cookie flags on ``server`` and add the headers to every response."""
    server.config.update(cookie_settings(config))
    hashes = app.csp_hashes()
    page_csp = content_security_policy(hashes, [])
    wall_origins = list(config.server.wall_frame_ancestors)
    wall_csp = content_security_policy(hashes, wall_origins)
    hsts = config.server.hsts_max_age_s if config.server.cookies_secure else 0

    @server.after_request
    def security_headers(resp: flask.Response):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        wall = _is_wall(request.path)
        resp.headers.setdefault("Content-Security-Policy", wall_csp if wall else page_csp)
        if not (wall and wall_origins):
            resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if hsts:
            resp.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        return resp
