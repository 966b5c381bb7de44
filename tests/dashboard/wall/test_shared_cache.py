"""The wall snapshot shared through real Redis between web worker processes (two app contexts here, as two
gunicorn workers): one computes per tick, the other reads it; one shared version; a commit recomputes at
once; a held compute lock makes the others serve the previous tick; Redis down → each computes alone.
Also: a login session made by one worker is accepted by another (signed cookie, no server-side state)."""
from __future__ import annotations

import json
import time

import pytest
import redis

from dashboard.wall import cache
from dashboard.wall.snapshot import service_for
from dashboard.wall.synthetic import fill
from models.context import AppContext
from tests.conftest import make_config

REDIS_URL = "redis://127.0.0.1:6379/12"
pytestmark = pytest.mark.redis


@pytest.fixture
def workers(tmp_path):
    """Two contexts on one database with scale.redis_url set: what two gunicorn workers have."""
    url = f"sqlite:///{tmp_path}/cw.db"
    r = redis.Redis.from_url(REDIS_URL)
    r.delete(cache.KEY, cache.LOCK)
    first = AppContext.from_config(make_config(tmp_path, url, scale={"redis_url": REDIS_URL}))
    from models.migrate import upgrade

    upgrade(first.engine)
    fill(first.engine, cases=150, observations=200, years=1.0)
    second = AppContext.from_config(make_config(tmp_path, url, scale={"redis_url": REDIS_URL}))
    yield first, second, r
    first.stop()
    second.stop()
    r.delete(cache.KEY, cache.LOCK)


def _public(snap):
    return {k: v for k, v in snap.items() if k not in ("_reg", "computed_at", "computed_at_iso")}


def test_one_worker_computes_the_tick_the_other_reads_it(workers):
    a_ctx, b_ctx, r = workers
    a, b = cache.install(a_ctx), cache.install(b_ctx)
    assert service_for(a_ctx) is a and service_for(b_ctx) is b and isinstance(a, cache.SharedWallSnapshotService)
    a.tick_s = b.tick_s = 30.0
    snap_a = a.get()
    snap_b = b.get()
    assert a.computations == 1 and b.computations == 0 and b.shared_reads == 1
    assert json.loads(json.dumps(_public(snap_a), default=str)) == _public(snap_b)
    assert snap_b["_reg"].key == snap_a["_reg"].key  # each worker has its own registry object
    assert b_ctx.status["wall"]()["shared"] is True

    # a case committed in worker b: b recomputes at its next request, a then reads b's tick
    from models.cases import Case

    with b_ctx.sessions.begin() as s:
        case = s.query(Case).filter(Case.state == "dispatched").first()
        case.state = "rectified"
    version = snap_a["version"]
    snap_b2 = b.get()
    assert b.computations == 1 and snap_b2["version"] == version + 1
    a._at = 0.0  # a's tick is over
    snap_a2 = a.get()
    assert a.computations == 1 and snap_a2["version"] == version + 1


def test_while_another_worker_computes_the_previous_tick_is_served(workers):
    a_ctx, b_ctx, r = workers
    a, b = cache.install(a_ctx), cache.install(b_ctx)
    a.tick_s = b.tick_s = 0.2
    first = a.get()
    time.sleep(0.3)  # the tick is over …
    r.set(cache.LOCK, "another-worker", px=5000)  # … and another worker is computing the next one
    t0 = time.monotonic()
    snap = b.get()
    assert time.monotonic() - t0 < 1.0 and b.computations == 0
    assert snap["version"] == first["version"] and snap["kpi"] == first["kpi"]
    r.delete(cache.LOCK)
    b.get()
    assert b.computations == 1


def test_without_redis_each_worker_computes_alone(tmp_path):
    url = f"sqlite:///{tmp_path}/cw.db"
    ctx = AppContext.from_config(make_config(tmp_path, url, scale={"redis_url": "redis://127.0.0.1:1/0"}))
    from models.migrate import upgrade

    upgrade(ctx.engine)
    fill(ctx.engine, cases=50, observations=50, years=1.0)
    try:
        svc = cache.install(ctx)
        snap = svc.get()
        assert svc.computations == 1 and svc.redis_errors == 1 and snap["kpi"]["cameras"] == 210
    finally:
        ctx.stop()


def test_embedded_default_is_unchanged(sqlite_ctx):
    assert cache.install(sqlite_ctx) is None
    assert not isinstance(service_for(sqlite_ctx), cache.SharedWallSnapshotService)


def test_a_login_session_is_accepted_by_another_worker(tmp_path, monkeypatch):
    """Sessions are Flask's signed cookies (the configured secret key): any worker accepts them."""
    from dashboard.app import create_app
    from models.migrate import upgrade
    from models.security import add_user
    from tests.dashboard.desktop_helpers import PASSWORD, login, use_fast_hashing

    use_fast_hashing(monkeypatch)
    monkeypatch.setenv("CIVICWATCH_SECRET_KEY", "test-secret-shared-by-all-workers")
    url = f"sqlite:///{tmp_path}/cw.db"
    ctxs = [AppContext.from_config(make_config(tmp_path, url)) for _ in range(2)]
    upgrade(ctxs[0].engine)
    with ctxs[0].sessions.begin() as s:
        add_user(s, "sup1", PASSWORD, "supervisor")
    try:
        one, two = (create_app(c).server for c in ctxs)
        c1 = one.test_client()
        assert login(c1, "sup1").status_code == 302
        cookie = c1.get_cookie("session")
        assert cookie is not None
        c2 = two.test_client()
        assert c2.get("/cases").status_code == 302  # anonymous on worker two
        c2.set_cookie("session", cookie.value)
        assert c2.get("/cases").status_code == 200  # the same session, accepted by worker two
        c2.set_cookie("session", cookie.value[:-2] + "xx")
        assert c2.get("/cases").status_code == 302  # a tampered cookie is not
    finally:
        for c in ctxs:
            c.stop()
