"""Validation of camera zones (the format in CONTRIBUTING.md): named relative polygons of a known kind."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable

from .schema import HOURS_PATTERN, ZONE_KINDS

ZONE_KEYS = {"name", "kind", "polygon", "types", "dwell_s", "sensitivity", "active_hours"}


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def zone_problems(zones: object, type_names: Iterable[str] | None = None) -> list[str]:
    """Everything wrong with a camera's zone list (empty when valid).

    ``type_names``: problem type codes and Chinese names a zone's ``types`` may name (None: not checked).
    """
    if not isinstance(zones, list):
        return [f"must be a JSON list of zones, got a {type(zones).__name__}"]
    known_types = set(type_names) if type_names is not None else None
    out: list[str] = []
    names: set[str] = set()
    for index, zone in enumerate(zones, start=1):
        where = f"zone {index}"
        if not isinstance(zone, dict):
            out.append(f"{where}: must be a JSON object with name, kind and polygon")
            continue
        name = zone.get("name")
        if isinstance(name, str) and name.strip():
            where += f" ({name})"
            if name in names:
                out.append(f"{where}: name used twice in this camera")
            names.add(name)
        else:
            out.append(f"{where}: name must be non-empty text")
        unknown = sorted(set(zone) - ZONE_KEYS)
        if unknown:
            out.append(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(ZONE_KEYS))})")
        kind = zone.get("kind")
        if kind not in ZONE_KINDS:
            out.append(f"{where}: kind must be one of {', '.join(ZONE_KINDS)}, got {kind!r}")
        polygon = zone.get("polygon")
        if (
            not isinstance(polygon, list) or len(polygon) < 3
            or not all(isinstance(p, list) and len(p) == 2 and all(_number(v) for v in p) for p in polygon)
        ):
            out.append(f"{where}: polygon must be a list of at least 3 [x, y] number pairs")
        elif not all(0 <= v <= 1 for p in polygon for v in p):
            out.append(f"{where}: polygon coordinates must be relative (between 0 and 1)")
        elif _area(polygon) <= 1e-6:
            out.append(f"{where}: polygon has no area")
        if "types" in zone:
            types = zone["types"]
            if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
                out.append(f"{where}: types must be a list of problem type codes or names")
            elif known_types is not None:
                bad = [t for t in types if t not in known_types]
                if bad:
                    out.append(f"{where}: types names unknown problem type {bad[0]!r}")
        for key in ("dwell_s", "sensitivity"):
            if key in zone and zone[key] is not None and (not _number(zone[key]) or zone[key] < 0):
                out.append(f"{where}: {key} must be a number >= 0, got {zone[key]!r}")
        hours = zone.get("active_hours")
        if hours is not None and (not isinstance(hours, str) or not re.fullmatch(HOURS_PATTERN, hours)):
            out.append(f"{where}: active_hours must be HH:MM-HH:MM, got {hours!r}")
    return out


def _area(polygon: list[list[float]]) -> float:
    """Absolute shoelace area of a simple polygon."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2
