"""Issue 16 #6 and #10: the client address of the rate limits cannot be forged, login failures lock the
(account, address) pair rather than the account for everyone, and the counts are shared by every worker."""
from __future__ import annotations

import uuid

import pytest

from tests.dashboard.desktop_helpers import use_fast_hashing
from tests.security.prod_app import build, login_from

PROXY = "127.0.0.1"  # the reverse proxy, as the app sees the TCP peer


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    use_fast_hashing(monkeypatch)


def _report(client, forwarded: str | None, peer: str = PROXY):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    data = {"problem_type": "PT01", "description": "路边垃圾", "lon": "117.65", "lat": "24.51", "datum": "gcj02"}
    return client.post("/api/v1/public/reports", data=data, content_type="multipart/form-data",
                       headers=headers, environ_base={"REMOTE_ADDR": peer})


def test_forged_forwarded_for_does_not_escape_the_report_limit(tmp_path):
    """Behind one proxy, the client's own X-Forwarded-For entries (left of the proxy's) are ignored."""
    app, ctx, _ = build(tmp_path, server={"trusted_proxies": 1},
                        reporting={"rate_limit": {"per_address": 3, "per_phone": 50}})
    c = app.server.test_client()
    codes = [_report(c, f"198.51.100.{i}, 203.0.113.7").status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429], codes
    # another real client behind the same proxy is counted on its own
    assert _report(c, "203.0.113.8").status_code == 201
    ctx.stop()


def test_forwarded_for_is_ignored_without_trusted_proxies(tmp_path):
    app, ctx, _ = build(tmp_path, reporting={"rate_limit": {"per_address": 2, "per_phone": 50}})
    c = app.server.test_client()
    codes = [_report(c, f"203.0.113.{i}", peer="192.0.2.5").status_code for i in range(3)]
    assert codes == [201, 201, 429], codes
    ctx.stop()


def test_failed_logins_do_not_lock_a_known_account_for_everyone(tmp_path):
    app, ctx, _ = build(tmp_path)
    limit = ctx.config.auth.max_failed_logins
    attacker = app.server.test_client()
    for _ in range(limit + 3):
        login_from(attacker, "admin1", "192.0.2.66", password="wrong-password-x")
    assert login_from(attacker, "admin1", "192.0.2.66").status_code == 429
    owner = app.server.test_client()
    r = login_from(owner, "admin1", "192.0.2.10")
    assert r.status_code == 302 and r.headers["Location"] == "/cases"
    ctx.stop()


def test_login_limits_key_on_the_client_behind_the_proxy(tmp_path):
    """Every login arrives from the proxy's address; the limits still count per real client."""
    app, ctx, _ = build(tmp_path, server={"trusted_proxies": 1})
    per_address = ctx.config.auth.max_failed_logins * 4
    guesser = app.server.test_client()
    for i in range(per_address + 1):
        login_from(guesser, f"guess{i}", PROXY, password="wrong-password-x",
                   **{"X-Forwarded-For": f"10.9.9.{i}, 203.0.113.66"})
    blocked = login_from(guesser, "sup1", PROXY, **{"X-Forwarded-For": "203.0.113.66"})
    assert blocked.status_code == 429 and "此电脑" in blocked.get_data(as_text=True)
    colleague = app.server.test_client()
    assert login_from(colleague, "sup1", PROXY, **{"X-Forwarded-For": "203.0.113.67"}).status_code == 302
    ctx.stop()


@pytest.mark.redis
def test_login_limits_are_shared_by_every_worker_through_redis(tmp_path):
    """Two app instances (two gunicorn workers) on Redis count one guesser's failures together."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=2).ping()
    except redis.RedisError:
        pytest.fail("Redis at 127.0.0.1:6379 is not reachable")
    cfg = {"rate_limit": {"backend": "redis", "redis_url": "redis://127.0.0.1:6379/15"}}
    app1, ctx1, _ = build(tmp_path / "w1", reporting=cfg)
    app2, ctx2, _ = build(tmp_path / "w2", reporting=cfg)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    limit = ctx1.config.auth.max_failed_logins
    c1, c2 = app1.server.test_client(), app2.server.test_client()
    for i in range(limit):
        assert login_from(c1 if i % 2 else c2, "sup1", address, password="wrong-password-x").status_code == 401
    assert login_from(c1, "sup1", address).status_code == 429
    assert login_from(c2, "sup1", address).status_code == 429
    ctx1.stop()
    ctx2.stop()


def test_logins_and_limits_survive_an_unreachable_redis(tmp_path, caplog):
    """Redis down (nothing listens on the port): logins work, and failures are still limited (in memory)."""
    import socket

    with socket.socket() as s:  # a loopback port with nothing listening on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app, ctx, _ = build(tmp_path, reporting={"rate_limit": {"backend": "redis",
                                                            "redis_url": f"redis://127.0.0.1:{port}/0"}})
    c = app.server.test_client()
    assert login_from(c, "sup1", "192.0.2.20").status_code == 302
    limit = ctx.config.auth.max_failed_logins
    other = app.server.test_client()
    codes = [login_from(other, "viewer1", "192.0.2.21", password="wrong-password-x").status_code
             for _ in range(limit + 1)]
    assert codes == [401] * limit + [429], codes
    assert "rate-limit storage unavailable" in caplog.text
    ctx.stop()
