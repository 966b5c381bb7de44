"""Helpers for the desktop-page tests: a seeded city (registry, users of every role, tokens, cases),
logging a Flask test client in, and calling Dash callbacks the way the browser does."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from models.clock import utcnow
from models.security import add_user, create_token
from models.workflow import apply, open_case
from tests.factories import make_registry

PASSWORD = "correct-horse-battery"
USERS = {  # username → (role, unit code)
    "admin1": ("admin", None),
    "sup1": ("supervisor", None),
    "viewer1": ("viewer", None),
    "op_nq": ("unit", "U-XC-NQ"),   # 南坑街道办事处
    "op_lw": ("unit", "U-LW"),      # 龙文区人民政府
}


@dataclass
class Seeded:
    tokens: dict[str, str] = field(default_factory=dict)  # role → clear token
    cases: dict[str, str] = field(default_factory=dict)   # label → case code
    unit_ids: dict[str, int] = field(default_factory=dict)


def seed(ctx) -> Seeded:
    """Registry + one user per role + wall/edge tokens + cases in several states for two units."""
    out = Seeded()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        for name, (role, unit) in USERS.items():
            add_user(s, name, PASSWORD, role, unit_code=unit, display_name=name)
        for role in ("wall", "edge"):
            out.tokens[role], _ = create_token(s, role, name=f"{role}-test")
        out.unit_ids = {u.code: u.id for u in city.units}
        now = utcnow()
        garbage, stalls, banner = city.type("暴露垃圾"), city.type("占道经营"), city.type("违规悬挂横幅")

        def new(label, ptype, point, unit_code=None, found_h=5.0, **kw):
            c = open_case(s, source="inspector", problem_type=ptype, found_at=now - timedelta(hours=found_h),
                          actor="sup1", actor_role="supervisor", point=point, description=f"测试案件 {label}", **kw)
            if c.state == "found":
                apply(s, c, "accept", actor="sup1", actor_role="supervisor", at=now - timedelta(hours=found_h - 0.1))
            if unit_code:
                apply(s, c, "dispatch", actor="sup1", actor_role="supervisor",
                      at=now - timedelta(hours=found_h - 0.2), data={"unit_id": out.unit_ids[unit_code]})
            out.cases[label] = c.code
            return c

        new("nq_dispatched", garbage, city.points[0], "U-XC-NQ", found_h=2)
        new("nq_overdue", stalls, city.points[1], "U-XC-NQ", found_h=80)
        new("lw_dispatched", banner, city.points[2], "U-LW", found_h=3)
        new("accepted", garbage, city.points[0], None, found_h=1)
    return out


def make_client(app):
    return app.server.test_client()


def csrf_from(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").data)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def pattern_clicks(pattern_key: str, type_: str, key: str, value, n_clicks: int = 1) -> tuple[dict, str]:
    """Inputs and the triggered prop for an ALL pattern input of buttons {"type": type_, key: value}."""
    ident = {key: value, "type": type_}
    import json

    trig = json.dumps(ident, sort_keys=True, separators=(",", ":")) + ".n_clicks"
    return {pattern_key: [{"id": ident, "property": "n_clicks", "value": n_clicks}]}, trig


def callback_key(app, output_id: str) -> str:
    """The callback_map key of the callback whose outputs include ``output_id``."""
    keys = [k for k in app.callback_map if re.search(rf"(^|\.\.){re.escape(output_id)}\.", k)]
    assert keys, f"no callback outputs to {output_id}"
    return keys[0]


def dash_call(client, app, key: str, inputs: dict | None = None, state: dict | None = None, triggered=None,
              headers: dict | None = None):
    """POST /_dash-update-component for callback ``key`` with values by 'id.prop'."""
    cb = app.callback_map[key]
    values = dict(inputs or {})
    values.update(state or {})

    def items(deps):
        out = []
        for d in deps:
            ident = f"{d['id']}.{d['property']}"
            if d["id"].startswith("{"):  # pattern-matching (ALL): a list of {"id": {...}, "property", "value"}
                out.append(values.get(ident) or [])
            else:
                out.append({"id": d["id"], "property": d["property"], "value": values.get(ident)})
        return out

    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": items(cb["inputs"]),
        "state": items(cb.get("state", [])),
        "changedPropIds": [triggered] if triggered else [f"{d['id']}.{d['property']}" for d in cb["inputs"][:1]],
    }
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def use_fast_hashing(monkeypatch) -> None:
    """Argon2 with tiny costs for tests (the real parameters take ~1 s per hash on a loaded 2-core box)."""
    from argon2 import PasswordHasher

    import models.security as sec

    monkeypatch.setattr(sec, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def page_module(name: str):
    """The module of the registered Dash page ``name`` (e.g. ``"units"``), after ``create_app``.

    Dash registers ``dashboard/pages/*.py`` under its own module names; importing ``dashboard.pages.<name>``
    directly would register the page a second time and every later request would fail with
    "duplicate paths".
    """
    import sys

    import dash

    for page in dash.page_registry.values():
        if page["module"].rsplit(".", 1)[-1] == name:
            return sys.modules[page["module"]]
    raise LookupError(f"no registered page module {name!r}")
