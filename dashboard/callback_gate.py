"""A Dash callback request checked against the callback's declared definition, before Dash runs it.

Dash looks the callback up by the body's ``output`` key and hands it the body's ``inputs`` and ``state``
**by position**. So the role gate (:mod:`dashboard.access`) must judge the request the same way:

- the callback is the one Dash's callback map holds under ``output`` (a clientside or unknown one is refused);
- ``outputs``, ``inputs`` and ``state`` must match the declaration item by item: same count, same order,
  same component ids (pattern ids: same keys, fixed values equal, wildcards filled with plain values) and
  same properties; ``changedPropIds`` may only name inputs of the body;
- for Dash's page router, the page is resolved from the pathname and search **at the positions Dash reads
  them**, with Dash's own path matching and its rule that query parameters override path variables.

Anything else is refused with :class:`CallbackRefused` (HTTP 400) and never reaches Dash.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_PATTERN_ITEMS = 1000  # components one ALL pattern may list in one request
_ITEM_KEYS = frozenset({"id", "property", "value"})
_OUTPUT_KEYS = frozenset({"id", "property"})
_PLAIN = (str, int, float, bool)
ROUTER_CONTENT = "_pages_content"
_LOCATION = "_pages_location"


class CallbackRefused(ValueError):
    """The body does not describe a call of a declared server-side callback (the message says what)."""


@dataclass(frozen=True)
class CallbackCall:
    """A validated callback request: its map key, declared output ids and the page the router would render."""

    key: str
    output_ids: tuple[Any, ...]  # str ids, or dict pattern ids
    page_path: str | None = None  # router only: the path the role rule applies to (see :func:`router_path`)

    @property
    def is_router(self) -> bool:
        return ROUTER_CONTENT in self.output_ids


def _clean(prop: str) -> str:
    return prop.split("@", 1)[0]


def declared_outputs(key: str) -> list[tuple[Any, str]]:
    """``[(component id, property)]`` of a callback map key (multi-output keys are ``..a.p...b.q..``)."""
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    out = []
    for part in parts:
        cid, _, prop = part.rpartition(".")
        cid = cid.replace("\\.", ".")
        out.append((json.loads(cid) if cid.startswith("{") else cid, _clean(prop)))
    return out


def _dep(dep: dict) -> tuple[Any, str]:
    cid = dep["id"]
    return (json.loads(cid) if isinstance(cid, str) and cid.startswith("{") else cid), _clean(dep["property"])


def _is_multi(ident: Any) -> bool:
    """Whether a pattern id stands for a list of components (ALL / ALLSMALLER) rather than one (MATCH)."""
    return isinstance(ident, dict) and any(isinstance(v, list) and v and v[0] in ("ALL", "ALLSMALLER")
                                           for v in ident.values())


def _id_matches(cid: Any, ident: Any) -> bool:
    if isinstance(ident, str):
        return isinstance(cid, str) and cid == ident
    if not isinstance(cid, dict) or set(cid) != set(ident):
        return False
    for k, v in ident.items():
        if isinstance(v, list):  # a wildcard: any plain value
            if not isinstance(cid[k], _PLAIN):
                return False
        elif type(cid[k]) is not type(v) or cid[k] != v:
            return False
    return True


def _check_item(item: Any, ident: Any, prop: str, keys: frozenset[str], where: str) -> None:
    if not isinstance(item, dict):
        raise CallbackRefused(f"{where}: expected an object {{id, property}}")
    extra = set(item) - keys
    if extra or "id" not in item or "property" not in item:
        raise CallbackRefused(f"{where}: expected the keys {sorted(keys)}, got {sorted(map(str, item))[:8]}")
    if not isinstance(item["property"], str) or _clean(item["property"]) != prop:
        raise CallbackRefused(f"{where}: property {str(item['property'])[:40]!r} is not the declared {prop!r}")
    if not _id_matches(item["id"], ident):
        raise CallbackRefused(f"{where}: component id {json.dumps(item['id'])[:80]} is not the declared "
                              f"{json.dumps(ident)[:80]}")


def _check_dep(item: Any, ident: Any, prop: str, keys: frozenset[str], where: str) -> None:
    if _is_multi(ident):
        if not isinstance(item, list):
            raise CallbackRefused(f"{where}: expected a list for the pattern {json.dumps(ident)[:80]}")
        if len(item) > MAX_PATTERN_ITEMS:
            raise CallbackRefused(f"{where}: more than {MAX_PATTERN_ITEMS} components")
        for j, sub in enumerate(item):
            _check_item(sub, ident, prop, keys, f"{where}[{j}]")
    else:
        _check_item(item, ident, prop, keys, where)


def _check_list(body: dict, name: str, declared: list[tuple[Any, str]], keys: frozenset[str],
                single: bool = False) -> list:
    items = body.get(name)
    if items is None and not declared and name != "inputs":
        return []
    if single:  # a single-output callback: Dash's renderer sends the one output as an object
        items = [items]
    if not isinstance(items, list):
        raise CallbackRefused(f"{name}: expected a list")
    if len(items) != len(declared):
        raise CallbackRefused(f"{name}: {len(items)} given, the callback declares {len(declared)}")
    for i, (item, (ident, prop)) in enumerate(zip(items, declared, strict=True)):
        _check_dep(item, ident, prop, keys, f"{name}[{i}]")
    return items


def _prop_ids(items: list) -> set[str]:
    from dash._utils import stringify_id

    out = set()
    for item in items:
        for sub in item if isinstance(item, list) else [item]:
            out.add(f"{stringify_id(sub['id'])}.{sub['property']}")
    return out


def resolve_call(callback_map: dict, body: Any) -> tuple[CallbackCall, dict]:
    """The declared callback ``body`` asks for (structure not yet checked) and its map entry."""
    if not isinstance(body, dict):
        raise CallbackRefused("body: expected a JSON object")
    key = body.get("output")
    if not isinstance(key, str) or key not in callback_map:
        raise CallbackRefused(f"output: no callback {str(key)[:80]!r}")
    cb = callback_map[key]
    if "callback" not in cb:
        raise CallbackRefused("output: a clientside callback runs in the browser")
    ids = () if cb.get("no_output") else tuple(ident for ident, _ in declared_outputs(key))
    return CallbackCall(key, ids), cb


def check_body(call: CallbackCall, cb: dict, body: dict) -> list:
    """Check outputs, inputs, state and changedPropIds against the declaration; returns the inputs."""
    if cb.get("no_output"):
        if body.get("outputs") not in (None, []):
            raise CallbackRefused("outputs: this callback declares none")
    else:
        declared = declared_outputs(call.key)
        _check_list(body, "outputs", declared, _OUTPUT_KEYS, single=not call.key.startswith(".."))
    inputs = _check_list(body, "inputs", [_dep(d) for d in cb["inputs"]], _ITEM_KEYS)
    _check_list(body, "state", [_dep(d) for d in cb.get("state") or []], _ITEM_KEYS)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise CallbackRefused("changedPropIds: expected a list of 'id.property' strings")
    unknown = set(changed) - _prop_ids(inputs)
    if unknown:
        raise CallbackRefused(f"changedPropIds: {sorted(unknown)[0][:80]!r} is not an input of this call")
    return inputs


def _value_at(cb: dict, inputs: list, cid: str, prop: str) -> Any:
    for i, d in enumerate(cb["inputs"]):
        if d["id"] == cid and _clean(d["property"]) == prop:
            return inputs[i].get("value")
    raise CallbackRefused(f"the router declares no input {cid}.{prop}")


def router_path(app, cb: dict, inputs: list) -> str:
    """The path whose role rule applies to the page Dash's router would render for these inputs.

    Dash reads the pathname and search at their declared positions, matches the pathname against the
    registered pages (its own ``_path_to_page``) and calls the page's layout with the path variables
    overridden by the query parameters: the returned path is the page's template filled with exactly those
    values (so ``/units/A?code=B`` is judged as ``/units/B``). An unknown pathname is returned as is.
    """
    from dash import _pages

    pathname = _value_at(cb, inputs, _LOCATION, "pathname")
    search = _value_at(cb, inputs, _LOCATION, "search")
    if not isinstance(pathname, str) or not pathname.startswith("/") or len(pathname) > 2000:
        raise CallbackRefused("inputs: the router's pathname must be a path starting with '/'")
    if search is not None and (not isinstance(search, str) or len(search) > 4000):
        raise CallbackRefused("inputs: the router's search must be a query string")
    try:
        page, variables = _pages._path_to_page(app.strip_relative_path(pathname))
    except Exception as exc:  # noqa: BLE001 - whatever Dash refuses, the gate refuses too
        raise CallbackRefused(f"inputs: pathname {pathname[:80]!r} is not routable ({type(exc).__name__})") from None
    if not page:
        return pathname
    template = page.get("path_template")
    if not template:
        return page["path"]
    values = {**(variables or {}), **_pages._parse_query_string(search)}

    def fill(m: re.Match) -> str:
        value = values.get(m.group(1))
        if not isinstance(value, str):
            raise CallbackRefused(f"search: the path variable {m.group(1)!r} is given more than once")
        return value

    return re.sub(r"<(.*?)>", fill, template)


# a callback raising one of these on its input has been handed values of a type it does not take
_INPUT_ERRORS = (TypeError, AttributeError, ValueError, KeyError, IndexError, OverflowError)


def refuse_bad_callback_input(exc: Exception):
    """Dash's ``on_error`` for every callback: a type confusion on the input is the caller's fault (400).

    The gate has checked the body's shape (ids, properties, order), not the types of the values; a hand-made
    request can still send a dict where a callback expects text. Such a callback error is logged (with its
    traceback, so a real bug stays visible) and answered 400 instead of 500; any other error is re-raised.
    """
    import logging

    from werkzeug.exceptions import BadRequest

    if isinstance(exc, _INPUT_ERRORS):
        logging.getLogger(__name__).warning("callback refused its input: %s: %s", type(exc).__name__, exc,
                                            exc_info=exc)
        raise BadRequest(f"callback input of an unexpected type or value ({type(exc).__name__})") from exc
    raise exc
