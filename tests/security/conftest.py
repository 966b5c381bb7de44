"""Fixtures of the attacker suite: one seeded app (SQLite) with a client per role, as in the role matrix.

Roles: anonymous, admin, supervisor, viewer, unit (operator of 南坑街道 U-XC-NQ), wall and edge (tokens).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from dashboard.access import token_cache
from tests.dashboard.desktop_helpers import Seeded, login, seed, use_fast_hashing

ROLES = ("anonymous", "admin", "supervisor", "viewer", "unit", "wall", "edge")
USERS = {"admin": "admin1", "supervisor": "sup1", "viewer": "viewer1", "unit": "op_nq"}


@dataclass
class World:
    app: object
    ctx: object
    clients: dict
    headers: dict
    seeded: Seeded

    def get(self, role: str, url: str, **kw):
        return self.clients[role].get(url, headers=self.headers[role], **kw)

    def post_json(self, role: str, url: str, body):
        return self.clients[role].post(url, json=body, headers=self.headers[role])


def build_world(tmp_path_factory, name: str, **config) -> tuple[World, object]:
    from _pytest.monkeypatch import MonkeyPatch

    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade
    from tests.conftest import make_config

    mp = MonkeyPatch()
    use_fast_hashing(mp)
    tmp = tmp_path_factory.mktemp(name)
    ctx = AppContext.from_config(make_config(tmp, f"sqlite:///{tmp}/{name}.db", **config))
    upgrade(ctx.engine)
    seeded = seed(ctx)
    token_cache.clear()
    app = create_app(ctx)
    clients, headers = {}, {}
    for role in ROLES:
        c = app.server.test_client()
        headers[role] = {}
        if role in USERS:
            assert login(c, USERS[role]).status_code == 302
            with c.session_transaction() as sess:
                sess["csrf_token"] = "attacker-csrf"
            headers[role] = {"X-CSRF-Token": "attacker-csrf"}
        elif role in ("wall", "edge"):
            headers[role] = {"Authorization": f"Bearer {seeded.tokens[role]}"}
        clients[role] = c
    return World(app, ctx, clients, headers, seeded), mp


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w, mp = build_world(tmp_path_factory, "attack")
    yield w
    w.ctx.stop()
    mp.undo()
