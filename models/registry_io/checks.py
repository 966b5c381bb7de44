"""Table-level and cross-table validation: duplicate keys, references by code, zones, signals, hierarchy."""
from __future__ import annotations

import re

from .errors import Problems
from .schema import SIGNALS, ParsedTable
from .zones import zone_problems

ONNX_SIGNAL = re.compile(r"onnx:[A-Za-z0-9_.\-]+")


def _key(table, values: dict[str, object]) -> object:
    key = table.key
    return tuple(values.get(k) for k in key) if isinstance(key, tuple) else values.get(key)


def check_tables(tables: dict[str, ParsedTable], problems: Problems) -> None:
    """Run every check that needs more than one cell; problems are collected."""
    keys: dict[str, set] = {}
    for name, parsed in tables.items():
        table = parsed.table
        first_row: dict[object, int] = {}
        key_label = table.key if isinstance(table.key, str) else " + ".join(table.key)
        key_col = table.key if isinstance(table.key, str) else table.key[0]
        for row, values in parsed.rows:
            key = _key(table, values)
            if key is None or (isinstance(key, tuple) and key[0] is None):
                continue
            if key in first_row:
                shown = key if isinstance(key, str) else " / ".join("" if k is None else str(k) for k in key)
                problems.add(parsed.label, row, key_col,
                             f"duplicate {key_label} {shown!r} (first used in row {first_row[key]})")
            else:
                first_row[key] = row
        keys[name] = set(first_row)
    _unique_names(tables.get("districts"), problems)
    _unique_names(tables.get("problem_types"), problems)
    _references(tables, keys, problems)
    if "units" in tables:
        _unit_hierarchy(tables["units"], problems)
    _problem_types(tables.get("problem_types"), problems)
    _cameras(tables, problems)
    _routing(tables, problems)


def _unique_names(parsed: ParsedTable | None, problems: Problems) -> None:
    if parsed is None:
        return
    first: dict[object, int] = {}
    for row, values in parsed.rows:
        name = values.get("name")
        if name is None:
            continue
        if name in first:
            problems.add(parsed.label, row, "name", f"duplicate name {name!r} (first used in row {first[name]})")
        else:
            first[name] = row


def _references(tables: dict[str, ParsedTable], keys: dict[str, set], problems: Problems) -> None:
    for parsed in tables.values():
        for col in parsed.table.columns:
            if not col.ref:
                continue
            target = keys.get(col.ref, set())
            target_label = tables[col.ref].label if col.ref in tables else f"{col.ref}.csv"
            for row, values in parsed.rows:
                value = values.get(col.name)
                if value is None:
                    continue
                for item in value if isinstance(value, list) else [value]:
                    if item not in target:
                        noun = "district adcode" if col.ref == "districts" else f"{col.ref.rstrip('s')} code"
                        problems.add(parsed.label, row, col.name,
                                     f"unknown {noun} {item!r} (not in {target_label})")


def _unit_hierarchy(parsed: ParsedTable, problems: Problems) -> None:
    parent = {v["code"]: v.get("parent_code") for _, v in parsed.rows if v.get("code")}
    rows = {v["code"]: r for r, v in parsed.rows if v.get("code")}
    for code in parent:
        seen = {code}
        current = parent.get(code)
        while current is not None and current in parent:
            if current in seen:
                problems.add(parsed.label, rows[code], "parent_code",
                             f"unit {code!r} is its own ancestor (parent chain loops)")
                break
            seen.add(current)
            current = parent.get(current)


def _problem_types(parsed: ParsedTable | None, problems: Problems) -> None:
    if parsed is None:
        return
    for row, values in parsed.rows:
        for signal in values.get("signals") or []:
            if signal not in SIGNALS and not ONNX_SIGNAL.fullmatch(signal):
                problems.add(parsed.label, row, "signals",
                             f"unknown signal {signal!r} (expected {', '.join(SIGNALS)} or onnx:<class>)")
        if values.get("signals") and values.get("camera_visible") is False:
            problems.add(parsed.label, row, "camera_visible",
                         "must be true when signals are given (a camera raises this type)")
        params = values.get("params")
        if params is not None and not isinstance(params, dict):
            problems.add(parsed.label, row, "params", "must be a JSON object ({...}) or empty")


def _cameras(tables: dict[str, ParsedTable], problems: Problems) -> None:
    parsed = tables.get("cameras")
    if parsed is None:
        return
    names: set[str] = set()
    for _, values in tables["problem_types"].rows if "problem_types" in tables else []:
        names.update(v for v in (values.get("code"), values.get("name")) if v)
    for row, values in parsed.rows:
        zones = values.get("zones")
        if zones is None:
            continue
        for text in zone_problems(zones, names):
            problems.add(parsed.label, row, "zones", text)
        if values.get("source_kind") not in (None, "simulated") and not values.get("source_url"):
            problems.add(parsed.label, row, "source_url", f"required for source_kind {values['source_kind']!r}")


def _routing(tables: dict[str, ParsedTable], problems: Problems) -> None:
    parsed = tables.get("routing_rules")
    if parsed is None or "points" not in tables:
        return
    point_district = {v.get("code"): v.get("district_adcode") for _, v in tables["points"].rows}
    for row, values in parsed.rows:
        point, district = values.get("point_code"), values.get("district_adcode")
        if point and district and point in point_district and point_district[point] != district:
            problems.add(parsed.label, row, "point_code",
                         f"point {point!r} is in district {point_district[point]}, not {district}")
