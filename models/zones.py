"""Zone validation — 检测区域: the one set of rules for a camera's zones (config, ZONES.yaml, the zone editor).

A zone is ``{"name": str, "kind": str, "polygon": [[x, y], …] (relative 0–1), "types": [code or Chinese
name …] (optional), "dwell_s", "sensitivity", "active_hours" (optional overrides)}`` (CONTRIBUTING.md).
:func:`validate_zones` checks a whole list and returns it normalised, or raises :class:`ZoneError` whose
message names the zone (index and name), the field and what is expected.
"""
from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping

ZONE_KINDS = ("roadway", "sidewalk", "no_parking", "fire_lane", "shop_front", "wall", "green_space", "water",
              "plaza", "construction", "mask")
ZONE_FIELDS = ("name", "kind", "polygon", "types", "dwell_s", "sensitivity", "active_hours")
MAX_POINTS = 64
MIN_AREA = 1e-4  # of the frame (0.01 %): smaller is a mis-click, not a zone
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class ZoneError(ValueError):
    """A zone list is invalid; the message names the zone, the field and what is expected."""


def polygon_area(polygon: list[list[float]]) -> float:
    """Absolute area of a polygon (shoelace), in frame units (1.0 = the whole frame)."""
    n = len(polygon)
    s = 0.0
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def _orient(a, b, c) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a, b, c) -> bool:
    return min(a[0], b[0]) - 1e-12 <= c[0] <= max(a[0], b[0]) + 1e-12 and \
        min(a[1], b[1]) - 1e-12 <= c[1] <= max(a[1], b[1]) + 1e-12


def _spread(polygon: list[list[float]]) -> float:
    """The area the ring sweeps around its centroid, counting every part as positive (0 for collinear points)."""
    cx = sum(p[0] for p in polygon) / len(polygon)
    cy = sum(p[1] for p in polygon) / len(polygon)
    total = 0.0
    for i, (x1, y1) in enumerate(polygon):
        x2, y2 = polygon[(i + 1) % len(polygon)]
        total += abs((x1 - cx) * (y2 - cy) - (x2 - cx) * (y1 - cy))
    return total / 2.0


def _segments_cross(p1, p2, q1, q2) -> bool:
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return any(abs(d) < 1e-15 and _on_segment(a, b, c) for d, a, b, c in
               ((d1, q1, q2, p1), (d2, q1, q2, p2), (d3, p1, p2, q1), (d4, p1, p2, q2)))


def self_intersection(polygon: list[list[float]]) -> tuple[int, int] | None:
    """The first pair of non-adjacent edges (by start index) that cross or touch, or ``None``."""
    n = len(polygon)
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # adjacent edges share a vertex
            if _segments_cross(polygon[i], polygon[(i + 1) % n], polygon[j], polygon[(j + 1) % n]):
                return i, j
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def validate_polygon(polygon: Any, where: str) -> list[list[float]]:
    """Check one polygon (≥ 3 distinct points in 0–1, not self-intersecting, not degenerate)."""
    if not isinstance(polygon, (list, tuple)):
        raise ZoneError(f"{where}.polygon: expected a list of [x, y] points, got {type(polygon).__name__}")
    if len(polygon) < 3:
        raise ZoneError(f"{where}.polygon: needs at least 3 points, got {len(polygon)}")
    if len(polygon) > MAX_POINTS:
        raise ZoneError(f"{where}.polygon: at most {MAX_POINTS} points, got {len(polygon)}")
    pts: list[list[float]] = []
    for k, pt in enumerate(polygon):
        if not isinstance(pt, (list, tuple)) or len(pt) != 2:
            raise ZoneError(f"{where}.polygon[{k}]: expected [x, y], got {pt!r}")
        x, y = _number(pt[0]), _number(pt[1])
        if x is None or y is None:
            raise ZoneError(f"{where}.polygon[{k}]: x and y must be numbers, got {pt!r}")
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ZoneError(f"{where}.polygon[{k}]: {pt!r} is outside the frame; "
                            "coordinates are relative (0–1 of width and height)")
        pts.append([round(x, 4), round(y, 4)])
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]  # a closed ring repeats its first point: accept it once
    if len({tuple(p) for p in pts}) != len(pts):
        raise ZoneError(f"{where}.polygon: has repeated points")
    if len(pts) < 3:
        raise ZoneError(f"{where}.polygon: needs at least 3 distinct points")
    crossing = self_intersection(pts)
    # a crossed ring (a bow-tie) has a signed area near zero too: say that its edges cross, which is the
    # fault, unless the points really lie on a line or on top of each other (no spread around their centre)
    if polygon_area(pts) < MIN_AREA and (crossing is None or _spread(pts) < MIN_AREA):
        raise ZoneError(f"{where}.polygon: area is (almost) zero — the points lie on a line or are too close")
    if crossing is not None:
        i, j = crossing
        raise ZoneError(f"{where}.polygon: edges {i + 1}–{i + 2} and {j + 1}–{(j + 1) % len(pts) + 1} cross; "
                        "click the points in order around the area")
    return pts


def _type_lookup(known_types: Iterable[Any] | Mapping[str, str] | None) -> dict[str, str] | None:
    """code/name → code, from ProblemType rows, (code, name) pairs or a mapping."""
    if known_types is None:
        return None
    if isinstance(known_types, Mapping):
        return dict(known_types)
    out: dict[str, str] = {}
    for t in known_types:
        code, name = (t if isinstance(t, (tuple, list)) else (t.code, t.name))
        out[code] = code
        out[name] = code
    return out


def validate_zone(zone: Any, index: int, known_types=None) -> dict[str, Any]:
    """Check one zone; see :func:`validate_zones`."""
    where = f"zones[{index}]"
    if not isinstance(zone, Mapping):
        raise ZoneError(f"{where}: expected a mapping with name, kind and polygon, got {type(zone).__name__}")
    name = zone.get("name")
    if isinstance(name, str) and name.strip():
        where = f"zones[{index}] ({name.strip()})"
    extra = sorted(set(zone) - set(ZONE_FIELDS))
    if extra:
        raise ZoneError(f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(ZONE_FIELDS)}")
    if not isinstance(name, str) or not name.strip():
        raise ZoneError(f"{where}.name: a zone needs a non-empty name")
    if len(name.strip()) > 40:
        raise ZoneError(f"{where}.name: at most 40 characters")
    kind = zone.get("kind")
    if kind not in ZONE_KINDS:
        raise ZoneError(f"{where}.kind: unknown zone kind {kind!r}; expected one of {', '.join(ZONE_KINDS)}")
    out: dict[str, Any] = {"name": name.strip(), "kind": kind,
                           "polygon": validate_polygon(zone.get("polygon"), where)}
    if zone.get("types") is not None:
        types = zone["types"]
        if not isinstance(types, (list, tuple)) or not all(isinstance(t, str) and t.strip() for t in types):
            raise ZoneError(f"{where}.types: expected a list of problem type codes or Chinese names")
        lookup = _type_lookup(known_types)
        if lookup is not None:
            unknown = [t for t in types if t.strip() not in lookup]
            if unknown:
                raise ZoneError(f"{where}.types: unknown problem type(s) {', '.join(unknown)}")
        out["types"] = [t.strip() for t in types]
    if zone.get("dwell_s") is not None:
        dwell = _number(zone["dwell_s"])
        if dwell is None or not 0 < dwell <= 86400:
            raise ZoneError(f"{where}.dwell_s: expected seconds in (0, 86400], got {zone['dwell_s']!r}")
        out["dwell_s"] = dwell
    if zone.get("sensitivity") is not None:
        sens = _number(zone["sensitivity"])
        if sens is None or not 0 < sens <= 1:
            raise ZoneError(f"{where}.sensitivity: expected a number in (0, 1], got {zone['sensitivity']!r}")
        out["sensitivity"] = sens
    if zone.get("active_hours") is not None:
        hours = zone["active_hours"]
        if not isinstance(hours, str) or not _HOURS.match(hours.strip()):
            raise ZoneError(f"{where}.active_hours: expected HH:MM-HH:MM (e.g. 07:00-22:00), got {hours!r}")
        out["active_hours"] = hours.strip()
    return out


def validate_zones(zones: Any, known_types=None) -> list[dict[str, Any]]:
    """Validate a camera's zone list and return it normalised (stripped names, rounded coordinates).

    ``known_types``: ProblemType rows, ``(code, name)`` pairs or a ``{code or name: code}`` mapping; when
    given, every entry of a zone's ``types`` must be one of them. Zone names must be unique per camera.
    """
    if zones is None:
        return []
    if not isinstance(zones, (list, tuple)):
        raise ZoneError(f"zones: expected a list of zones, got {type(zones).__name__}")
    out = [validate_zone(z, i, known_types) for i, z in enumerate(zones)]
    seen: dict[str, int] = {}
    for i, z in enumerate(out):
        if z["name"] in seen:
            raise ZoneError(f"zones[{i}] ({z['name']}).name: the name is already used by zones[{seen[z['name']]}]; "
                            "zone names must be unique per camera")
        seen[z["name"]] = i
    return out
