"""Issue 16 #7, #8, #9, #13, #14: cookie flags and HSTS, the wall token in the session, sessions after a
password change, the Content-Security-Policy and framing of /wall, and wall_allow_addresses."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.accounts import ApiToken
from models.clock import utcnow
from tests.dashboard.desktop_helpers import PASSWORD, csrf_from, login, use_fast_hashing
from tests.security.prod_app import build


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    use_fast_hashing(monkeypatch)


def _session_cookie(client, server) -> tuple[str, dict]:
    """The raw session cookie header value and its decoded (signed, not encrypted) content."""
    cookie = client.get_cookie(server.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None, "no session cookie"
    data = server.session_interface.get_signing_serializer(server).loads(cookie.value)
    return cookie.value, data


def _set_cookie(resp) -> str:
    return "; ".join(v for k, v in resp.headers.items() if k.lower() == "set-cookie")


# --- #7 Secure + SameSite cookies, HSTS -------------------------------------------------------------------

def test_https_public_url_makes_cookies_secure_and_sends_hsts(tmp_path):
    app, ctx, _ = build(tmp_path, server={"public_url": "https://civicwatch.example.gov.cn"})
    c = app.server.test_client()
    r = login(c, "sup1")
    assert r.status_code == 302
    flags = _set_cookie(r)
    assert "Secure" in flags and "HttpOnly" in flags and "SameSite=Lax" in flags
    r = c.get("/login")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    ctx.stop()


def test_plain_http_keeps_cookies_usable_and_sends_no_hsts(tmp_path):
    app, ctx, _ = build(tmp_path)  # no public_url: http://host:port
    c = app.server.test_client()
    r = login(c, "sup1")
    flags = _set_cookie(r)
    assert "Secure" not in flags and "SameSite=Lax" in flags
    assert "Strict-Transport-Security" not in c.get("/login").headers
    ctx.stop()


def test_secure_cookies_and_hsts_are_configurable(tmp_path):
    app, ctx, _ = build(tmp_path, server={"public_url": "http://10.0.0.5:8050", "secure_cookies": True,
                                          "hsts_max_age_s": 600})
    c = app.server.test_client()
    assert "Secure" in _set_cookie(login(c, "sup1"))
    assert c.get("/login").headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    ctx.stop()


# --- #8 the wall token in the session ------------------------------------------------------------------

def test_session_cookie_holds_no_wall_token(tmp_path):
    app, ctx, seeded = build(tmp_path)
    wall = seeded.tokens["wall"]
    kiosk = app.server.test_client()
    r = kiosk.get(f"/wall?token={wall}")
    assert r.status_code == 302 and r.headers["Location"] == "/wall"
    raw, data = _session_cookie(kiosk, app.server)
    assert wall not in raw and wall not in repr(data)
    assert kiosk.get("/wall").status_code == 200  # still remembered (by id)
    assert kiosk.get("/api/v1/me").get_json()["role"] == "wall"
    ctx.stop()


def test_revoking_the_wall_token_ends_the_remembered_wall_session(tmp_path):
    from dashboard.access import token_cache

    app, ctx, seeded = build(tmp_path)
    kiosk = app.server.test_client()
    kiosk.get(f"/wall?token={seeded.tokens['wall']}")
    with ctx.sessions.begin() as s:
        for row in s.scalars(select(ApiToken).where(ApiToken.role == "wall")):
            row.revoked_at = utcnow()
    token_cache.clear()
    assert kiosk.get("/wall").status_code == 302
    ctx.stop()


def test_wall_link_does_not_replace_a_logged_in_user(tmp_path):
    app, ctx, seeded = build(tmp_path)
    c = app.server.test_client()
    assert login(c, "sup1").status_code == 302
    r = c.get(f"/wall?token={seeded.tokens['wall']}")
    assert r.status_code == 302 and "token" not in r.headers["Location"]
    me = c.get("/api/v1/me").get_json()
    assert me["kind"] == "user" and me["name"] == "sup1" and me["role"] == "supervisor"
    assert c.get("/cases").status_code == 200  # still the supervisor
    ctx.stop()


def test_first_start_wall_token_expires_and_is_rotated(tmp_path):
    from civicwatch.runtime import first_start_credentials

    _app, ctx, _ = build(tmp_path, auth={"wall_token_days": 30})
    first = first_start_credentials(ctx, echo=lambda *_: None)["wall_token"]
    with ctx.sessions.begin() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.name == "wall (first start)"))
        assert row.expires_at is not None
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
        assert first_start_credentials(ctx, echo=lambda *_: None)["wall_token"] == first  # still live: kept
        row.expires_at = utcnow() - timedelta(seconds=1)
    second = first_start_credentials(ctx, echo=lambda *_: None)["wall_token"]
    assert second != first
    assert (ctx.config.data_path / "wall_token").read_text().strip() == second
    ctx.stop()


# --- #9 a password change ends the user's other sessions --------------------------------------------------

def test_password_change_ends_other_sessions(tmp_path):
    app, ctx, _ = build(tmp_path)
    desk, laptop = app.server.test_client(), app.server.test_client()
    assert login(desk, "sup1").status_code == 302
    assert login(laptop, "sup1").status_code == 302
    assert laptop.get("/cases").status_code == 200
    token = csrf_from(desk.get("/password").data)
    r = desk.post("/password", data={"csrf_token": token, "current": PASSWORD, "new": "another-long-secret",
                                     "repeat": "another-long-secret"})
    assert r.status_code == 302
    assert desk.get("/cases").status_code == 200  # the session that changed it goes on
    r = laptop.get("/cases")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert laptop.get("/api/v1/me").status_code == 401
    ctx.stop()


# --- #13 CSP and framing -----------------------------------------------------------------------------------

def test_pages_carry_a_csp_without_unsafe_script_sources(tmp_path):
    app, ctx, _ = build(tmp_path)
    c = app.server.test_client()
    login(c, "sup1")
    for path in ("/login", "/cases", "/report"):
        r = c.get(path)
        csp = r.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        script = directives["script-src"]
        assert "'self'" in script and "unsafe-inline" not in script and "*" not in script, (path, script)
        for source in script.split()[1:]:  # Dash's inline scripts by hash, each a well-formed source
            assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", source), source
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'self'"
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    ctx.stop()


def test_only_the_wall_may_be_framed_by_the_configured_controller(tmp_path):
    origin = "https://ops.example.gov.cn"
    app, ctx, seeded = build(tmp_path, server={"wall_frame_ancestors": [origin]})
    kiosk = app.server.test_client()
    kiosk.get(f"/wall?token={seeded.tokens['wall']}")
    r = kiosk.get("/wall")
    assert r.status_code == 200
    assert f"frame-ancestors 'self' {origin}" in r.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in r.headers
    staff = app.server.test_client()
    login(staff, "sup1")
    r = staff.get("/cases")
    assert origin not in r.headers["Content-Security-Policy"] and r.headers["X-Frame-Options"] == "SAMEORIGIN"
    ctx.stop()


def test_wall_frame_ancestors_must_be_origins(tmp_path):
    from models.config import ConfigError

    for bad in ["*", "ops.example.gov.cn", "https://a.example; script-src *", "javascript://x"]:
        with pytest.raises(ConfigError, match="wall_frame_ancestors"):
            build(tmp_path / "bad", server={"wall_frame_ancestors": [bad]})


# --- #14 wall_allow_addresses ------------------------------------------------------------------------------

def test_wall_token_only_from_allowed_addresses(tmp_path):
    app, ctx, seeded = build(tmp_path, auth={"wall_allow_addresses": ["10.20.0.0/24", "192.0.2.9"]})
    wall = seeded.tokens["wall"]
    inside = app.server.test_client()
    r = inside.get(f"/wall?token={wall}", environ_base={"REMOTE_ADDR": "10.20.0.17"})
    assert r.status_code == 302 and r.headers["Location"] == "/wall"
    assert inside.get("/wall", environ_base={"REMOTE_ADDR": "10.20.0.17"}).status_code == 200
    # the same browser session carried to another address is no longer a wall
    assert inside.get("/wall", environ_base={"REMOTE_ADDR": "10.30.0.17"}).status_code == 302
    outside = app.server.test_client()
    r = outside.get(f"/wall?token={wall}", environ_base={"REMOTE_ADDR": "10.30.0.17"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    r = outside.get("/api/v1/me", headers={"Authorization": f"Bearer {wall}"},
                    environ_base={"REMOTE_ADDR": "10.30.0.17"})
    assert r.status_code == 401
    r = outside.get("/api/v1/me", headers={"Authorization": f"Bearer {wall}"},
                    environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert r.status_code == 200 and r.get_json()["role"] == "wall"
    ctx.stop()


def test_wall_allow_addresses_must_be_addresses(tmp_path):
    from models.config import ConfigError

    with pytest.raises(ConfigError, match="wall_allow_addresses"):
        build(tmp_path / "bad", auth={"wall_allow_addresses": ["10.20.0.0/33"]})


# --- CSRF on Dash callbacks (why CSRFProtect is not needed there: CONTRIBUTING) -----------------------------

def test_dash_callbacks_refuse_bodies_a_foreign_page_could_send(tmp_path):
    """A cross-site form or no-cors fetch can only send form or text/plain bodies: refused even with the
    session cookie, and no CORS header ever allows a JSON post from another origin."""
    app, ctx, _ = build(tmp_path)
    c = app.server.test_client()
    login(c, "sup1")
    body = ('{"output": "cases-grid.rowData", "outputs": {"id": "cases-grid", "property": "rowData"},'
            ' "inputs": [], "changedPropIds": [], "state": []}')
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = c.post("/_dash-update-component", data=body, content_type=content_type,
                   headers={"Origin": "https://evil.example"})
        assert r.status_code in (400, 403, 415), (content_type, r.status_code)
    r = c.options("/_dash-update-component", headers={"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in r.headers
    ctx.stop()
