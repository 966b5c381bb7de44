"""Issue 16 #1: the page gate on Dash's callbacks, attacked with bodies shaped by hand.

Dash hands a callback its inputs **by position** and finds it by the body's ``output`` key; the gate must
judge the same call. For every registered page path and every server-side callback, as anonymous and each
role: the well-formed call follows the role matrix, and reordered, duplicated, missing, extra, foreign or
wrongly typed inputs/outputs/state never answer 500 and never give a page or callback to a role that may
not have it.
"""
from __future__ import annotations

import copy
import json

import dash
import pytest

from tests.dashboard.desktop_helpers import callback_key
from tests.dashboard.test_role_matrix import CALLBACKS, PAGES

from .conftest import ROLES

ENDPOINT = "/_dash-update-component"
REFUSED = (400, 401, 403)
WRONG_VALUES = (None, 1, -1, 1e308, True, "x", "' OR 1=1 --", [], [None], {}, {"a": [1, {"b": None}]})


def body_for(app, key: str, values: dict | None = None) -> dict:
    """The body Dash's renderer sends for callback ``key`` (values by 'id.property'; patterns: one item)."""
    cb = app.callback_map[key]
    values = values or {}

    def items(deps):
        out = []
        for d in deps:
            ident = f"{d['id']}.{d['property']}"
            if d["id"].startswith("{"):
                pattern = json.loads(d["id"])
                concrete = {k: ("k1" if isinstance(v, list) else v) for k, v in pattern.items()}
                item = {"id": concrete, "property": d["property"], "value": values.get(ident)}
                wild = [v[0] for v in pattern.values() if isinstance(v, list)]
                out.append([item] if any(w in ("ALL", "ALLSMALLER") for w in wild) else item)
            else:
                out.append({"id": d["id"], "property": d["property"], "value": values.get(ident)})
        return out

    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    inputs = items(cb["inputs"])
    first = inputs[0] if inputs else None
    first = first[0] if isinstance(first, list) and first else first
    changed = []
    if isinstance(first, dict):
        fid = first["id"]
        fid = json.dumps(fid, sort_keys=True, separators=(",", ":")) if isinstance(fid, dict) else fid
        changed = [f"{fid}.{first['property']}"]
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0], "inputs": inputs,
            "state": items(cb.get("state", [])), "changedPropIds": changed}


def server_callbacks(app) -> list[str]:
    return [k for k, cb in app.callback_map.items() if "callback" in cb]


def allowed_roles(key: str) -> frozenset[str]:
    """The role matrix's roles for a callback (the intersection over its outputs' prefixes)."""
    if "_pages_content" in key:
        return frozenset(ROLES)  # the router: judged page by page
    allowed = None
    for part in (key[2:-2].split("...") if key.startswith("..") else [key]):
        out = part.rsplit(".", 1)[0]
        roles = CALLBACKS[max((p for p in CALLBACKS if out.startswith(p)), key=len)]
        allowed = roles if allowed is None else allowed & roles
    return allowed


def mutations(body: dict) -> list[tuple[str, dict]]:
    """Hand-shaped variants of a well-formed body: none of them is a call Dash's renderer would make."""
    out = []

    def variant(name, fn):
        b = copy.deepcopy(body)
        fn(b)
        out.append((name, b))

    for part in ("inputs", "state"):
        items = body[part]
        if len(items) > 1:
            variant(f"{part} reversed", lambda b, p=part: b[p].reverse())
        if items:
            variant(f"{part} duplicated", lambda b, p=part: b[p].append(copy.deepcopy(b[p][0])))
            variant(f"{part} missing", lambda b, p=part: b[p].pop())
            variant(f"{part} foreign id", lambda b, p=part: b[p][0].update(id="_pages_location")
                    if isinstance(b[p][0], dict) else b[p][0].append({"id": "x", "property": "y"}))
            variant(f"{part} foreign property", lambda b, p=part: b[p][0].update(property="pathname")
                    if isinstance(b[p][0], dict) else b[p].__setitem__(0, {"id": "x", "property": "y"}))
            variant(f"{part} id of wrong type", lambda b, p=part: b[p].__setitem__(0, {"id": ["x"], "property": "y"}))
        variant(f"{part} extra", lambda b, p=part: b[p].append({"id": "report-type", "property": "value", "value": 1}))
        variant(f"{part} not a list", lambda b, p=part: b.__setitem__(p, {"id": "x"}))
    if isinstance(body["outputs"], list) and len(body["outputs"]) > 1:
        variant("outputs reversed", lambda b: b["outputs"].reverse())
        variant("outputs missing", lambda b: b["outputs"].pop())
    foreign = "tasks-result" if "report-duplicates" in body["output"] else "report-duplicates"
    variant("outputs of another callback", lambda b: b.__setitem__("outputs", {"id": foreign,
                                                                               "property": "children"}))
    variant("output key unknown", lambda b: b.__setitem__("output", b["output"] + "x"))
    variant("output key not a string", lambda b: b.__setitem__("output", ["x"]))
    variant("changedPropIds foreign", lambda b: b.__setitem__("changedPropIds", ["_pages_location.pathname"]))
    variant("changedPropIds not a list", lambda b: b.__setitem__("changedPropIds", {"a": 1}))
    variant("body a list", lambda b: (b.clear()))
    return out


def router_body(app, pathname, search="", *, swap=False):
    key = callback_key(app, "_pages_content")
    body = body_for(app, key, {"_pages_location.pathname": pathname, "_pages_location.search": search})
    if swap:
        body["inputs"].reverse()
    return body


def page_paths(seeded) -> dict[str, str]:
    samples = {"/cases/<code>": f"/cases/{seeded.cases['lw_dispatched']}", "/units/<code>": "/units/U-LW",
               "/report/<code>": "/report/NO-SUCH-CODE", "/points/<code>": "/points/P-001",
               "/cameras/<code>": "/cameras/CAM-0001"}
    return {(p.get("path_template") or p["path"]): samples.get(p.get("path_template") or p["path"],
                                                               p.get("path_template") or p["path"])
            for p in dash.page_registry.values()}


# ------------------------------------------------------------------ the finding itself

@pytest.mark.parametrize("role, staff_path", [
    ("anonymous", "/points/P-001"), ("anonymous", "/wall"), ("anonymous", "/indicators"), ("anonymous", "/units"),
    ("anonymous", "/units/U-XC-NQ"), ("anonymous", "/cases"), ("unit", "/points/P-001"), ("unit", "/units"),
    ("wall", "/cases"), ("viewer", "/tasks"),
])
def test_search_listed_first_does_not_open_a_staff_page(world, role, staff_path):
    """The reported exploit: ``search`` (holding a staff path) first, a public ``pathname`` second."""
    app = world.app
    key = callback_key(app, "_pages_content")
    body = body_for(app, key)
    body["inputs"] = [{"id": "_pages_location", "property": "search", "value": staff_path},
                      {"id": "_pages_location", "property": "pathname", "value": "/report"}]
    r = world.post_json(role, ENDPOINT, body)
    assert r.status_code in REFUSED, f"{role} got {staff_path} through the router: {r.status_code}"


def test_a_staff_page_layout_refuses_a_caller_the_gate_let_through(world):
    """Defence in depth: called directly (as if the gate had let it through), each layout checks the caller."""
    from flask import g

    from dashboard.access import ANONYMOUS, Principal

    unit = Principal("user", "op_nq", "unit", world.seeded.unit_ids["U-XC-NQ"], 99)
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        allowed = PAGES[template]
        for who in (ANONYMOUS, unit):
            if who.role in allowed or "anonymous" in allowed:
                continue
            with world.app.server.test_request_context("/"):
                g.principal = who
                text = json.dumps(page["layout"](code="P-001"), cls=_PlotlyJSON)
            assert "page-forbidden" in text, f"layout of {template} rendered for {who.role}"
            assert "P-001" not in text


def test_unit_operator_sees_no_other_units_page_by_query_override(world):
    """Dash lets query parameters override path variables: ``/units/OWN?code=OTHER`` renders OTHER."""
    app, seeded = world.app, world.seeded
    r = world.post_json("unit", ENDPOINT, router_body(app, "/units/U-XC-NQ", "?code=U-LW"))
    assert r.status_code < 500
    assert "龙文区人民政府" not in r.get_data(as_text=True) or "您只能查看本单位" in r.get_data(as_text=True)
    other = seeded.cases["lw_dispatched"]
    r = world.post_json("unit", ENDPOINT, router_body(app, f"/cases/{seeded.cases['nq_dispatched']}",
                                                      f"?code={other}"))
    assert r.status_code == 403
    assert "测试案件 lw_dispatched" not in r.get_data(as_text=True)


class _PlotlyJSON(json.JSONEncoder):
    def default(self, o):
        from plotly.utils import PlotlyJSONEncoder

        return json.loads(json.dumps(o, cls=PlotlyJSONEncoder))


def test_unit_detail_may_see_denies_by_default(world):
    from dashboard.access import ANONYMOUS, Principal
    from tests.dashboard.desktop_helpers import page_module

    mod = page_module("unit_detail")  # registered by the world's app
    assert not mod.may_see(ANONYMOUS, 1)
    assert not mod.may_see(Principal("token", "w", "wall"), 1)
    assert not mod.may_see(Principal("user", "op", "unit", None, 1), None)
    assert not mod.may_see(Principal("user", "op", "unit", 2, 1), 1)
    assert mod.may_see(Principal("user", "op", "unit", 1, 1), 1)
    assert mod.may_see(Principal("user", "v", "viewer", None, 1), 1)


# ------------------------------------------------------------------ every page, every role, every shape

def test_every_page_path_as_every_role_with_hand_shaped_router_bodies(world):
    app = world.app
    failures = []
    for template, path in page_paths(world.seeded).items():
        allowed = PAGES[template]
        for role in ROLES:
            may = role in allowed or "anonymous" in allowed
            r = world.post_json(role, ENDPOINT, router_body(app, path))
            if may:
                ok = r.status_code == 200 or (template == "/cases/<code>" and role == "unit" and r.status_code == 403)
            else:
                ok = r.status_code in REFUSED
            if not ok:
                failures.append(f"{role} {path} well-formed: {r.status_code}")
            for name, body in mutations(router_body(app, path)) + [
                    ("swapped", router_body(app, path, swap=True)),
                    ("pathname twice", _set(router_body(app, path), "inputs", lambda i: [i[0], i[0]])),
                    ("pathname only", _set(router_body(app, path), "inputs", lambda i: i[:1])),
            ] + [(f"pathname={v!r}", _value(router_body(app, path), 0, v)) for v in WRONG_VALUES] + [
                    (f"search={v!r}", _value(router_body(app, path), 1, v)) for v in WRONG_VALUES if v is not None]:
                r = world.post_json(role, ENDPOINT, body)
                if r.status_code >= 500:
                    failures.append(f"{role} {path} {name}: {r.status_code}")
                elif not may and r.status_code not in REFUSED:
                    failures.append(f"{role} {path} {name}: {r.status_code} (not refused)")
    assert not failures, "\n".join(failures[:40])


def _set(body, part, fn):
    body[part] = fn(body[part])
    return body


def _value(body, index, value):
    body["inputs"][index]["value"] = value
    return body


# ------------------------------------------------------------------ every callback, every role, every shape

def test_every_callback_as_every_role_with_hand_shaped_bodies(world):
    app = world.app
    failures = []
    for key in server_callbacks(app):
        if "_pages_content" in key:
            continue  # the router: above
        allowed = allowed_roles(key)
        good = body_for(app, key)
        for role in ROLES:
            may = role in allowed or "anonymous" in allowed
            r = world.post_json(role, ENDPOINT, good)
            if r.status_code >= 500 or (not may and r.status_code not in REFUSED) or (
                    may and r.status_code in REFUSED):
                failures.append(f"{role} {key[:50]} well-formed: {r.status_code}")
            for name, body in mutations(good):
                r = world.post_json(role, ENDPOINT, body)
                if r.status_code >= 500:
                    failures.append(f"{role} {key[:50]} {name}: {r.status_code}")
                elif (not may or name.startswith("output ")) and r.status_code not in REFUSED:
                    failures.append(f"{role} {key[:50]} {name}: {r.status_code} (not refused)")
                elif may and name.startswith(("inputs", "state", "outputs")) and r.status_code != 400:
                    failures.append(f"{role} {key[:50]} {name}: {r.status_code} (a malformed body must be a 400)")
    assert not failures, "\n".join(failures[:40])


def test_every_callback_survives_wrongly_typed_values(world):
    """Well-shaped bodies with values of every JSON type, as a role the callback allows: never a 500."""
    app = world.app
    failures = []
    for key in server_callbacks(app):
        if "_pages_content" in key:
            continue
        allowed = allowed_roles(key)
        role = next(r for r in ("anonymous", "supervisor", "admin", "unit", "wall") if r in allowed or
                    "anonymous" in allowed)
        cb = app.callback_map[key]
        deps = [f"{d['id']}.{d['property']}" for d in cb["inputs"] + cb.get("state", [])]
        for value in WRONG_VALUES:
            body = body_for(app, key, {d: value for d in deps})
            r = world.post_json(role, ENDPOINT, body)
            if r.status_code >= 500:
                failures.append(f"{role} {key[:60]} all values={value!r}: {r.status_code}")
    assert not failures, "\n".join(failures[:40])
