"""A seeded SQLite app with chosen config overrides, for the production-defaults security tests."""
from __future__ import annotations

from models.context import AppContext
from models.migrate import upgrade
from tests.conftest import make_config
from tests.dashboard.desktop_helpers import PASSWORD, csrf_from, seed


def build(tmp_path, **overrides):
    """(dash app, ctx, seeded) on a fresh SQLite database under ``tmp_path``."""
    from dashboard.access import token_cache
    from dashboard.app import create_app

    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/sec.db", **overrides))
    upgrade(ctx.engine)
    seeded = seed(ctx)
    token_cache.clear()
    app = create_app(ctx)
    return app, ctx, seeded


def login_from(client, username: str, address: str, password: str = PASSWORD, **headers):
    """Post the login form as a browser at ``address`` (the TCP peer) with extra request headers."""
    env = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=env, headers=headers).data)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=env, headers=headers)
