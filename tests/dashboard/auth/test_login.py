"""Login, logout, CSRF, throttling, session expiry and the one-time-password change flow."""
from __future__ import annotations

import time

from sqlalchemy import select

from dashboard.rate_limits import ADDRESS_LIMIT_FACTOR
from models.accounts import User
from models.security import add_user
from tests.dashboard.desktop_helpers import PASSWORD, csrf_from, login
from tests.factories import make_registry


def _user(ctx, name="sup1", role="supervisor", must_change=False, unit=None):
    with ctx.sessions.begin() as s:
        if unit:
            make_registry(s)
        add_user(s, name, PASSWORD, role, unit_code=unit, must_change_password=must_change)


def test_fresh_install_has_no_default_credentials(app, sqlite_ctx):
    with sqlite_ctx.sessions() as s:
        assert s.scalars(select(User)).all() == []
    c = app.server.test_client()
    for name, pw in [("admin", "admin"), ("admin", "admin123456"), ("root", "password12")]:
        r = login(c, name, pw)
        assert r.status_code == 401
        assert "用户名或密码不正确" in r.get_data(as_text=True)
    assert c.get("/cases").status_code == 302  # still anonymous


def test_login_page_is_chinese_and_carries_csrf(app):
    r = app.server.test_client().get("/login")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert 'lang="zh-CN"' in text and "用户名" in text and "密码" in text
    assert csrf_from(text)
    assert r.headers["Cache-Control"] == "no-store"


def test_login_success_redirects_and_opens_pages(app, sqlite_ctx):
    _user(sqlite_ctx)
    c = app.server.test_client()
    assert c.get("/cases").status_code == 302
    r = login(c, "sup1")
    assert r.status_code == 302 and r.headers["Location"] == "/cases"  # the role's start page, no "/" hop
    assert c.get("/cases").status_code == 200
    with sqlite_ctx.sessions() as s:
        assert s.scalar(select(User).where(User.username == "sup1")).last_login_at is not None


def test_login_without_csrf_token_is_refused(app, sqlite_ctx):
    _user(sqlite_ctx)
    c = app.server.test_client()
    c.get("/login")
    r = c.post("/login", data={"username": "sup1", "password": PASSWORD})
    assert r.status_code == 400 and "页面已过期" in r.get_data(as_text=True)
    r = c.post("/login", data={"username": "sup1", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 400
    assert c.get("/cases").status_code == 302


def test_next_only_follows_local_paths(app, sqlite_ctx):
    _user(sqlite_ctx)
    for nxt, expected in [("/cases?x=1", "/cases?x=1"), ("//evil.example/x", "/cases"),
                          ("https://evil.example", "/cases"), ("/\\evil.example", "/cases"), ("/units", "/units")]:
        c = app.server.test_client()
        token = csrf_from(c.get("/login").data)
        r = c.post("/login", data={"username": "sup1", "password": PASSWORD, "csrf_token": token, "next": nxt})
        assert r.headers["Location"] == expected


def test_failed_logins_lock_the_account_from_that_address_only(app, sqlite_ctx):
    _user(sqlite_ctx)
    limit = sqlite_ctx.config.auth.max_failed_logins
    c = app.server.test_client()
    for _ in range(limit):
        assert login(c, "sup1", "wrong-password-x").status_code == 401
    r = login(c, "sup1", "wrong-password-x")
    assert r.status_code == 429 and "此账号在此电脑上" in r.get_data(as_text=True)
    # even the right password is refused from that address while the pair is limited
    r = login(app.server.test_client(), "sup1", PASSWORD)
    assert r.status_code == 429
    # the owner at another desk still logs in: a guesser cannot lock the account for everyone
    owner = app.server.test_client()
    r = owner.post("/login", data={"username": "sup1", "password": PASSWORD,
                                   "csrf_token": csrf_from(owner.get("/login").data)},
                   environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 302
    with sqlite_ctx.sessions() as s:
        assert s.scalar(select(User).where(User.username == "sup1")).locked_until is None


def test_success_resets_failure_count(app, sqlite_ctx):
    _user(sqlite_ctx)
    limit = sqlite_ctx.config.auth.max_failed_logins
    c = app.server.test_client()
    for _ in range(limit - 1):
        login(c, "sup1", "wrong-password-x")
    assert login(c, "sup1").status_code == 302
    with sqlite_ctx.sessions() as s:
        u = s.scalar(select(User).where(User.username == "sup1"))
        assert u.failed_logins == 0 and u.locked_until is None


def test_client_address_is_throttled_across_accounts(app, sqlite_ctx):
    _user(sqlite_ctx)
    limit = sqlite_ctx.config.auth.max_failed_logins * ADDRESS_LIMIT_FACTOR
    c = app.server.test_client()
    for i in range(limit):  # many different (unknown) names from one address
        assert login(c, f"guess{i}", "wrong-password-x").status_code == 401
    r = login(c, "sup1")  # the right password of a real account, from the throttled address
    assert r.status_code == 429 and "此电脑" in r.get_data(as_text=True)
    other = app.server.test_client()
    r = login(other, "sup1")
    assert r.status_code == 429  # same address (test client) — still blocked
    r = other.post("/login", data={"username": "sup1", "password": PASSWORD,
                                   "csrf_token": csrf_from(other.get("/login").data)},
                   environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 302  # another address may log in


def test_logout_needs_post_with_csrf(app, sqlite_ctx):
    _user(sqlite_ctx)
    c = app.server.test_client()
    login(c, "sup1")
    r = c.get("/logout")
    assert r.status_code == 200  # only a confirm form
    assert c.get("/cases").status_code == 200
    assert c.post("/logout", data={}).status_code == 400
    assert c.get("/cases").status_code == 200
    token = csrf_from(c.get("/logout").data)
    r = c.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert c.get("/cases").status_code == 302


def test_session_expires_after_session_hours(app, sqlite_ctx):
    _user(sqlite_ctx)
    c = app.server.test_client()
    login(c, "sup1")
    assert c.get("/cases").status_code == 200
    with c.session_transaction() as sess:
        sess["login_at"] = time.time() - sqlite_ctx.config.auth.session_hours * 3600 - 5
    r = c.get("/cases")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert app.server.permanent_session_lifetime.total_seconds() == sqlite_ctx.config.auth.session_hours * 3600


def test_one_time_password_must_be_changed_first(app, sqlite_ctx):
    _user(sqlite_ctx, "admin1", "admin", must_change=True)
    c = app.server.test_client()
    r = login(c, "admin1")
    assert r.headers["Location"] == "/password"
    assert c.get("/cases").headers["Location"] == "/password"
    assert c.get("/api/v1/cases").status_code == 403
    page = c.get("/password")
    assert "首次登录" in page.get_data(as_text=True)
    token = csrf_from(page.data)
    bad = c.post("/password", data={"csrf_token": token, "current": "nope-nope-nope", "new": "brand-new-pass-1",
                                    "repeat": "brand-new-pass-1"})
    assert bad.status_code == 400 and "当前密码不正确" in bad.get_data(as_text=True)
    short = c.post("/password", data={"csrf_token": token, "current": PASSWORD, "new": "short", "repeat": "short"})
    assert short.status_code == 400
    ok = c.post("/password", data={"csrf_token": csrf_from(c.get("/password").data), "current": PASSWORD,
                                   "new": "brand-new-pass-1", "repeat": "brand-new-pass-1"})
    assert ok.status_code == 302
    assert c.get("/cases").status_code == 200
    with sqlite_ctx.sessions() as s:
        assert not s.scalar(select(User).where(User.username == "admin1")).must_change_password
    fresh = app.server.test_client()
    assert login(fresh, "admin1", PASSWORD).status_code == 401
    assert login(fresh, "admin1", "brand-new-pass-1").status_code == 302


def test_disabled_account_cannot_log_in(app, sqlite_ctx):
    _user(sqlite_ctx)
    with sqlite_ctx.sessions.begin() as s:
        s.scalar(select(User).where(User.username == "sup1")).active = False
    r = login(app.server.test_client(), "sup1")
    assert r.status_code == 403 and "停用" in r.get_data(as_text=True)


def test_home_redirects_by_role(app, sqlite_ctx):
    from tests.dashboard.desktop_helpers import callback_key, dash_call, seed

    seed(sqlite_ctx)
    for user, target in [("sup1", "/cases"), ("viewer1", "/cases"), ("op_nq", "/tasks"), ("admin1", "/cases")]:
        c = app.server.test_client()
        login(c, user)
        c.get("/")
        r = dash_call(c, app, callback_key(app, "_pages_content"),
                      {"_pages_location.pathname": "/", "_pages_location.search": ""})
        assert r.status_code == 200
        loc = r.get_json()["response"]["_pages_content"]["children"]["props"]["children"][0]["props"]
        assert loc["pathname"] == target, user


def test_each_role_lands_on_its_start_page_straight_after_login(app, sqlite_ctx):
    _user(sqlite_ctx, "op1", role="unit", unit="U-CGJ")
    _user(sqlite_ctx, "view1", role="viewer")
    for name, start in [("op1", "/tasks"), ("view1", "/cases")]:
        c = app.server.test_client()
        r = login(c, name)
        assert r.status_code == 302 and r.headers["Location"] == start
        assert c.get("/login").headers["Location"] == start  # already logged in: the login page sends them on
