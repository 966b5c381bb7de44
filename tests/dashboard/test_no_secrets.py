"""No secret in logs or pages: a live server (waitress on loopback) is logged into and browsed — login
(right and wrong password), pages, Dash layout and callbacks, the JSON API with bearer tokens, a wall screen
opened with its token in the URL, an edge alarm, a bad token, logout — with every log record (all loggers,
DEBUG) and the process's stdout/stderr captured. None of the password, the wrong password, any token, the
SECRET_KEY or the session cookie may appear in the logs, nor in any page or response body."""
from __future__ import annotations

import base64
import logging
import re
from datetime import timedelta

import requests

from models.clock import utcnow
from models.security import add_user, create_token
from tests.dashboard.desktop_helpers import use_fast_hashing
from tests.dashboard.live_server import serve
from tests.dashboard.report.helpers import photo
from tests.factories import make_registry

SECRET_KEY = "sk-" + "7f3a9c1e5b2d4086" * 4
PASSWORD = "Pw-Unique-9d41c7aa"
WRONG_PASSWORD = "Wrong-Pw-0be3f51e"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"',
                                                                             html)
    assert m, "no csrf_token on the login page"
    return m.group(1)


def test_no_password_token_or_secret_key_in_logs_or_pages(sqlite_ctx, monkeypatch, caplog, capfd):
    from dashboard.access import token_cache
    from dashboard.app import create_app

    monkeypatch.setenv(sqlite_ctx.config.auth.secret_key_env, SECRET_KEY)
    use_fast_hashing(monkeypatch)
    with sqlite_ctx.sessions.begin() as s:
        make_registry(s)
        add_user(s, "sup_secret", PASSWORD, "supervisor")
        sup_token, _ = create_token(s, "supervisor", name="sup-api")
        wall_token, _ = create_token(s, "wall", name="wall-1")
        edge_token, _ = create_token(s, "edge", name="edge-1")
    token_cache.clear()
    caplog.set_level(logging.DEBUG)
    # the SQL log with its bound parameters too, as an operator debugging the database would switch it on
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    app = create_app(sqlite_ctx)
    bodies: list[str] = []

    def keep(resp: requests.Response) -> requests.Response:
        bodies.append(resp.text)
        bodies.append(" ".join(f"{k}: {v}" for k, v in resp.headers.items() if k.lower() != "set-cookie"))
        return resp

    with serve(app) as base:
        browser = requests.Session()
        page = keep(browser.get(f"{base}/login", timeout=30))
        assert page.status_code == 200
        bad = keep(browser.post(f"{base}/login", data={"username": "sup_secret", "password": WRONG_PASSWORD,
                                                        "csrf_token": _csrf(page.text)}, timeout=30))
        assert bad.status_code in (200, 401, 403)
        page = keep(browser.get(f"{base}/login", timeout=30))
        ok = keep(browser.post(f"{base}/login", data={"username": "sup_secret", "password": PASSWORD,
                                                       "csrf_token": _csrf(page.text)}, timeout=30))
        assert ok.status_code == 200 and "session" in browser.cookies
        cookie = browser.cookies["session"]
        for path in ("/", "/cases", "/units", "/points", "/indicators", "/reports", "/_dash-layout",
                     "/_dash-dependencies", "/api/v1/me", "/api/v1/summary", "/api/v1/cases"):
            r = keep(browser.get(base + path, timeout=60))
            assert r.status_code == 200, (path, r.status_code)
        api = {"Authorization": f"Bearer {sup_token}"}
        for path in ("/api/v1/me", "/api/v1/kpi", "/api/v1/cases?per_page=5", "/api/v1/registry/cameras"):
            assert keep(requests.get(base + path, headers=api, timeout=60)).status_code == 200
        assert keep(requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {sup_token}x"},
                                 timeout=30)).status_code == 401
        wall = requests.Session()
        assert keep(wall.get(f"{base}/wall?token={wall_token}", timeout=60)).status_code == 200
        assert keep(wall.get(f"{base}/_dash-layout", timeout=60)).status_code == 200
        alarm = {"event_id": "EV-SECRET", "camera_code": "CAM-0001", "type": "暴露垃圾",
                 "time": (utcnow() - timedelta(seconds=5)).isoformat(), "box": [0.1, 0.58, 0.2, 0.7],
                 "image": base64.b64encode(photo()).decode()}
        r = keep(requests.post(f"{base}/api/v1/events", json=alarm, headers={"Authorization": f"Bearer {edge_token}"},
                               timeout=60))
        assert r.status_code in (200, 201), r.text
        keep(browser.get(f"{base}/logout", timeout=30))
    token_cache.clear()

    out, err = capfd.readouterr()
    server_side = [r for r in caplog.records if not r.name.startswith("urllib3")]  # urllib3: this test's client
    logs = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in server_side)
    assert any(r.name.startswith("sqlalchemy.engine") for r in server_side), "no SQL log: the test would prove little"
    secrets = {"password": PASSWORD, "wrong password": WRONG_PASSWORD, "supervisor token": sup_token,
               "wall token": wall_token, "edge token": edge_token, "SECRET_KEY": SECRET_KEY, "session cookie": cookie}
    for name, value in secrets.items():
        assert value not in logs, f"{name} appears in the log records"
        assert value not in out + err, f"{name} appears on stdout/stderr"
        if name != "wall token":  # typed into the wall's URL by the operator; must not be echoed into the page
            assert not any(value in b for b in bodies), f"{name} appears in a page or response"
    assert not any(wall_token in b for b in bodies), "wall token echoed into a page"
