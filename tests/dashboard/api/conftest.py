"""Fixtures of the /api/v1 tests: a Flask test client on the real app, a small city and tokens per role."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from dashboard.access import token_cache
from models.security import create_token
from tests.factories import MiniCity, make_registry


@dataclass
class Api:
    client: object
    tokens: dict[str, str] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    city_ids: dict[str, object] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, url: str, who: str = "supervisor"):
        return self.client.get(url, headers=self.headers(who))

    def post(self, url: str, who: str = "supervisor", json=None):
        return self.client.post(url, headers=self.headers(who), json=json if json is not None else {})


@pytest.fixture
def api(ctx):
    token_cache.clear()
    yield _make_api(ctx)
    token_cache.clear()


def _make_api(ctx) -> Api:
    from dashboard.app import create_app

    token_cache.clear()
    out = Api(client=None)
    with ctx.sessions.begin() as s:
        city: MiniCity = make_registry(s)
        out.units = {u.code: u.id for u in city.units}
        out.city_ids = {"types": {t.name: t.id for t in city.problem_types}, "cameras": [c.id for c in city.cameras],
                        "points": [p.id for p in city.points]}
        for who, role, unit in [("admin", "admin", None), ("supervisor", "supervisor", None),
                                ("viewer", "viewer", None), ("wall", "wall", None), ("edge", "edge", None),
                                ("unit_nq", "unit", "U-XC-NQ"), ("unit_lw", "unit", "U-LW")]:
            out.tokens[who], _ = create_token(s, role, unit_code=unit, name=who)
    app = create_app(ctx)
    out.client = app.server.test_client()
    return out
