"""Every Flask route, Dash page and Dash callback against the declared role matrix, by calling each one
as each role: allowed roles get through the gate (no 401/403), others get 401 (anonymous) or 403.

An undeclared route, page or callback fails this test: when you add one, declare who may use it below.
Roles: anonymous (no login), admin, supervisor, viewer, unit (operator of 南坑街道), wall and edge (tokens).
"""
from __future__ import annotations

import re

import dash
import pytest

from dashboard.access import token_cache
from tests.dashboard.desktop_helpers import callback_key, dash_call, login, seed, use_fast_hashing

ANON = "anonymous"
ROLES = (ANON, "admin", "supervisor", "viewer", "unit", "wall", "edge")
EVERYONE = frozenset(ROLES)
DESK = frozenset({"admin", "supervisor", "viewer", "unit"})
STAFF_VIEW = frozenset({"admin", "supervisor", "viewer"})
DESK_WALL = DESK | {"wall"}

# (rule, method) → roles allowed. EVERYONE = public.
ROUTES: dict[tuple[str, str], frozenset[str]] = {
    # Dash internals and static files
    ("/assets/<path:filename>", "GET"): EVERYONE,
    ("/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>", "GET"): EVERYONE,
    ("/_dash-layout", "GET"): EVERYONE,
    ("/_dash-dependencies", "GET"): EVERYONE,
    ("/_reload-hash", "GET"): EVERYONE,
    ("/_favicon.ico", "GET"): EVERYONE,
    ("/healthz", "GET"): EVERYONE,
    # login / logout / password (H6)
    ("/login", "GET"): EVERYONE,
    ("/login", "POST"): EVERYONE,
    ("/logout", "GET"): EVERYONE,
    ("/logout", "POST"): EVERYONE,
    ("/password", "GET"): DESK,
    ("/password", "POST"): DESK,
    # cases API and exports
    ("/api/v1/cases/exports/<job_id>", "GET"): DESK,
    ("/api/v1/cases", "GET"): DESK,
    ("/api/v1/cases", "POST"): frozenset({"admin", "supervisor"}),
    ("/api/v1/cases/<int:case_id>", "GET"): DESK,
    ("/api/v1/cases/<int:case_id>/actions/<action>", "POST"): frozenset({"admin", "supervisor", "unit"}),
    ("/api/v1/cases/<int:case_id>/documents/<kind>.<fmt>", "GET"): DESK,
    ("/api/v1/evidence/<int:evidence_id>", "GET"): DESK,  # the wall: thumbnails of what it shows only
    # edge devices, KPIs, metrics
    ("/api/v1/events", "POST"): frozenset({"edge"}),
    ("/api/v1/events/batch", "POST"): frozenset({"edge"}),
    # vendor alarm pushes: per-device HTTP Basic only (no role: 401 anonymous, 403 users and tokens)
    ("/api/v1/vendor/<vendor>/<device_code>", "POST"): frozenset(),
    ("/api/v1/summary", "GET"): DESK_WALL,
    ("/api/v1/kpi", "GET"): DESK_WALL,
    ("/api/v1/kpi/indicators", "GET"): DESK_WALL,
    ("/api/v1/metrics", "GET"): frozenset({"admin", "viewer"}),
    # notification outbox (通知记录, 死信)
    ("/api/v1/notifications", "GET"): frozenset({"admin", "supervisor"}),
    ("/api/v1/notifications/<int:notification_id>/retry", "POST"): frozenset({"admin"}),
    ("/api/v1/me", "GET"): EVERYONE - {ANON},
    # public reporting (随手拍, Open311)
    ("/open311/v2/discovery.<any(json, xml):fmt>", "GET"): EVERYONE,
    ("/open311/v2/services.<any(json, xml):fmt>", "GET"): EVERYONE,
    ("/open311/v2/services/<code>.<any(json, xml):fmt>", "GET"): EVERYONE,
    ("/open311/v2/requests.<any(json, xml):fmt>", "GET"): EVERYONE,
    ("/open311/v2/requests/<code>.<any(json, xml):fmt>", "GET"): EVERYONE,
    ("/open311/v2/requests.<any(json, xml):fmt>", "POST"): EVERYONE,
    ("/api/v1/public/reports", "POST"): EVERYONE,
    # registry
    ("/api/v1/registry/points", "GET"): DESK,
    ("/api/v1/registry/points/<code>", "GET"): DESK,
    ("/api/v1/registry/cameras", "GET"): DESK,
    ("/api/v1/registry/cameras/<code>", "GET"): DESK,
    ("/api/v1/registry/cameras/<code>/snapshot.jpg", "GET"): STAFF_VIEW,
    ("/api/v1/registry/units", "GET"): DESK,
    ("/api/v1/registry/indicators", "GET"): DESK,
    # wall
    ("/api/v1/wall/thumb/<int:evidence_id>", "GET"): STAFF_VIEW | {"wall"},
    # incentives and the funding ledger: supervisors propose, admins approve, viewers read
    ("/api/v1/incentives", "GET"): STAFF_VIEW,
    ("/api/v1/funding/proposals", "GET"): STAFF_VIEW,
    ("/api/v1/funding/proposals", "POST"): frozenset({"admin", "supervisor"}),
    ("/api/v1/funding/suggestion", "GET"): frozenset({"admin", "supervisor"}),
    ("/api/v1/funding/proposals/<int:proposal_id>/decision", "POST"): frozenset({"admin"}),
    ("/api/v1/funding/ledger.xlsx", "GET"): STAFF_VIEW,
    ("/api/v1/funding/proposals/<int:proposal_id>/commendation.html", "GET"): STAFF_VIEW,
}
# Dash serves every page from these two routes; they are checked page by page below.
DASH_PAGE_ROUTES = {"/", "/<path:path>"}
# the callback endpoint is checked callback by callback below
DASH_CALLBACK_ROUTE = "/_dash-update-component"

# Dash pages (path template) → roles
PAGES: dict[str, frozenset[str]] = {
    "/": DESK_WALL,
    "/cases": DESK,
    "/cases/<code>": DESK,
    "/tasks/<code>": DESK,  # the case page at the address notifications link to
    "/notifications": frozenset({"admin", "supervisor"}),
    "/tasks": frozenset({"unit"}),
    "/units": STAFF_VIEW,
    "/units/<code>": DESK,
    "/indicators": STAFF_VIEW,
    "/reports": STAFF_VIEW,
    "/decisions": STAFF_VIEW,
    "/points": STAFF_VIEW,
    "/points/<code>": STAFF_VIEW,
    "/cameras/<code>": STAFF_VIEW,
    "/wall": STAFF_VIEW | {"wall"},
    "/report": EVERYONE,
    "/report/<code>": EVERYONE,
    "/404": DESK,
}

# callback output-id prefix → roles
CALLBACKS: dict[str, frozenset[str]] = {
    "cases-": DESK,
    "casepage-": frozenset({"admin", "supervisor", "unit"}),
    "notifypage-": frozenset({"admin", "supervisor"}),
    "tasks-": frozenset({"unit"}),
    "units-": STAFF_VIEW,
    "units-d-": DESK,
    "indicators-": STAFF_VIEW,
    "indicators-edit-": frozenset({"admin", "supervisor"}),
    "points-": STAFF_VIEW,
    "points-d-": STAFF_VIEW,
    "cameras-": STAFF_VIEW,
    "cameras-edit-": frozenset({"admin", "supervisor"}),
    "wall-": STAFF_VIEW | {"wall"},
    "report-": EVERYONE,
    "reports-": STAFF_VIEW,
    "decisions-": STAFF_VIEW,
    "decisions-propose-": frozenset({"admin", "supervisor"}),
    "decisions-approve-": frozenset({"admin"}),
}

SAMPLE_VALUES = {"int": 1, "code": "P-001", "job_id": "no-such-job", "action": "accept", "kind": "problem_list",
                 "fmt": "html", "filename": "desktop.css", "package_name": "dash",
                 "fingerprinted_path": "dash-renderer/build/dash_renderer.min.js"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app, seeded, with a logged-in (or token) client per role."""
    from _pytest.monkeypatch import MonkeyPatch

    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade
    from tests.conftest import make_config

    mp = MonkeyPatch()
    use_fast_hashing(mp)
    tmp = tmp_path_factory.mktemp("matrix")
    ctx = AppContext.from_config(make_config(tmp, f"sqlite:///{tmp}/matrix.db"))
    upgrade(ctx.engine)
    seeded = seed(ctx)
    token_cache.clear()
    app = create_app(ctx)
    app.server.test_client().get("/login")  # Dash registers its routing callback on the first request
    users = {"admin": "admin1", "supervisor": "sup1", "viewer": "viewer1", "unit": "op_nq"}
    clients, headers = {}, {}
    for role in ROLES:
        c = app.server.test_client()
        headers[role] = {}
        if role in users:
            assert login(c, users[role]).status_code == 302
            with c.session_transaction() as sess:
                sess["csrf_token"] = "matrix-csrf"
            headers[role] = {"X-CSRF-Token": "matrix-csrf"}
        elif role in ("wall", "edge"):
            headers[role] = {"Authorization": f"Bearer {seeded.tokens[role]}"}
        clients[role] = c
    yield app, clients, headers, seeded
    ctx.stop()
    mp.undo()


def _expect(role: str, allowed: frozenset[str], status: int, what: str, page: bool = False) -> None:
    if role in allowed or ANON in allowed:
        assert status not in (401, 403), f"{what} as {role}: got {status}, matrix allows it"
        assert status < 500 or what.startswith("callback"), f"{what} as {role}: server error {status}"
    elif role == ANON:
        expected = (302,) if page else (401,)
        assert status in expected, f"{what} as anonymous: got {status}, expected {expected}"
    else:
        assert status == 403, f"{what} as {role}: got {status}, expected 403"


def _sample_url(app, rule) -> str:
    values = {}
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__.lower()
        values[arg] = SAMPLE_VALUES["int"] if "integer" in conv else SAMPLE_VALUES.get(arg, "x")
        choices = re.search(rf"<any\(([^)]*)\):{arg}>", rule.rule)
        if choices:  # any(json, xml): the first choice
            values[arg] = choices.group(1).split(",")[0].strip()
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_route_is_declared_and_enforced(world):
    app, clients, headers, _ = world
    undeclared = []
    checked = 0
    for rule in app.server.url_map.iter_rules():
        if rule.rule in DASH_PAGE_ROUTES or rule.rule == DASH_CALLBACK_ROUTE:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            allowed = ROUTES.get((rule.rule, method))
            if allowed is None:
                undeclared.append(f"{method} {rule.rule}")
                continue
            url = _sample_url(app, rule)
            is_page = not url.startswith(("/api/", "/open311/"))
            for role in ROLES:
                c = clients[role]
                if method == "GET":
                    r = c.get(url, headers=headers[role])
                elif is_page:  # login/logout/password forms: no CSRF token, so nothing happens (400)
                    r = c.post(url, data={}, headers={k: v for k, v in headers[role].items() if k != "X-CSRF-Token"})
                else:
                    r = c.post(url, json={}, headers=headers[role])
                _expect(role, allowed, r.status_code, f"{method} {url}", page=is_page)
                checked += 1
    assert not undeclared, f"routes missing from the role matrix: {undeclared}"
    assert checked > 100


def _page_paths(seeded) -> dict[str, str]:
    samples = {"/cases/<code>": f"/cases/{seeded.cases['nq_dispatched']}",
               "/tasks/<code>": f"/tasks/{seeded.cases['nq_dispatched']}", "/units/<code>": "/units/U-XC-NQ",
               "/report/<code>": "/report/NO-SUCH-CODE",
               "/points/<code>": "/points/P-001", "/cameras/<code>": "/cameras/CAM-0001"}
    out = {}
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        out[template] = samples.get(template, template)
    return out


def test_every_page_is_declared_and_enforced(world):
    app, clients, headers, seeded = world
    pages = _page_paths(seeded)
    undeclared = sorted(set(pages) - set(PAGES))
    assert not undeclared, f"Dash pages missing from the role matrix: {undeclared}"
    key = callback_key(app, "_pages_content")
    for template, path in pages.items():
        allowed = PAGES[template]
        for role in ROLES:
            r = clients[role].get(path, headers=headers[role])
            _expect(role, allowed, r.status_code, f"GET page {path}", page=True)
            if role == ANON and ANON not in allowed:
                assert r.headers["Location"].startswith("/login")
            # the router callback must apply the same rule (else any layout could be fetched by pathname)
            r = dash_call(clients[role], app, key, {"_pages_location.pathname": path, "_pages_location.search": ""},
                          headers=headers[role])
            _expect(role, allowed, r.status_code, f"callback router {path}")


def test_every_callback_is_declared_and_enforced(world):
    app, clients, headers, _ = world
    undeclared = []
    for key, cb in app.callback_map.items():
        if "_pages_content" in key:
            continue  # the router: checked page by page
        if "callback" not in cb:
            continue  # clientside: runs in the browser, never reaches the server
        outputs = [part.rsplit(".", 1)[0] for part in key.strip(".").split("...")]
        allowed = None
        for out in outputs:
            matches = [p for p in CALLBACKS if out.startswith(p)]
            if not matches:
                undeclared.append(key)
                break
            roles = CALLBACKS[max(matches, key=len)]
            allowed = roles if allowed is None else allowed & roles
        else:
            for role in ROLES:
                r = dash_call(clients[role], app, key, headers=headers[role])
                _expect(role, allowed, r.status_code, f"callback {key[:60]}")
    assert not undeclared, f"callbacks whose outputs match no declared prefix: {undeclared}"


def test_unit_operator_cannot_reach_another_units_case(world):
    app, clients, headers, seeded = world
    other = seeded.cases["lw_dispatched"]
    c = clients["unit"]
    assert c.get(f"/cases/{other}").status_code == 403
    r = dash_call(c, app, callback_key(app, "_pages_content"),
                  {"_pages_location.pathname": f"/cases/{other}", "_pages_location.search": ""})
    assert r.status_code == 403
    own = seeded.cases["nq_dispatched"]
    assert c.get(f"/cases/{own}").status_code == 200
    assert c.get(f"/tasks/{other}").status_code == 403  # the notifications' link: the same rule
    assert c.get(f"/tasks/{own}").status_code == 200


def test_forged_callback_outputs_are_refused(world):
    """Bodies naming no declared callback are refused (400: not a callback; 403: a callback not for this role);
    tests/security/ plays many more forged bodies."""
    app, clients, headers, _ = world
    c = clients["viewer"]
    body = {"output": "tasks-result.children", "outputs": {"id": "tasks-result", "property": "children"},
            "inputs": [], "state": [], "changedPropIds": []}
    assert c.post("/_dash-update-component", json=body).status_code == 400
    body = {"output": "x.children", "outputs": [], "inputs": [], "state": []}
    assert c.post("/_dash-update-component", json=body).status_code == 400
    body = {"output": "..{\"type\":\"casepage-action\"}.children..",
            "outputs": [{"id": {"type": "casepage-action"}, "property": "children"}], "inputs": []}
    assert clients["supervisor"].post("/_dash-update-component", json=body).status_code == 400
    r = dash_call(c, app, callback_key(app, "tasks-result"), {"tasks-submit.n_clicks": 1})
    assert r.status_code == 403  # a real callback, but of the unit operators' task page
