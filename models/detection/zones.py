"""Zones of one camera at analysis resolution: masks, the types checked in each, per-zone overrides.

Built from the camera's zone list (validated by :func:`models.zones.validate_zones`). A zone checks the
types named in its ``types`` (code or Chinese name) or, by default, every type whose ``zone_kinds`` include
the zone's kind. ``mask`` zones are ignored areas. Overrides: ``dwell_s``, ``sensitivity``,
``active_hours``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..zones import validate_zones
from .types import TypeBook, TypeSpec, hours_active, parse_hours


@dataclass
class Zone:
    """One zone: name, kind, polygon (relative), the types checked there and its overrides."""

    name: str
    kind: str
    polygon: list[list[float]]
    types: list[TypeSpec] = field(default_factory=list)
    dwell_s: float | None = None
    sensitivity: float = 0.5
    active_hours: str | None = None
    index: int = 0

    def dwell_for(self, t: TypeSpec) -> float:
        return self.dwell_s if self.dwell_s is not None else t.dwell_s

    def active_for(self, t: TypeSpec, local) -> bool:
        hours = parse_hours(self.active_hours) if self.active_hours else t.hours
        return hours_active(hours, local)

    def types_with(self, signal: str) -> list[TypeSpec]:
        return [t for t in self.types if any(s == signal or s.startswith(signal + ":") for s in t.signals)]


def build_zones(zone_dicts: list[dict], book: TypeBook) -> list[Zone]:
    """Validate a camera's zones and attach the problem types checked in each."""
    zones = validate_zones(zone_dicts, known_types=[(t.code, t.name) for t in book])
    out = []
    for i, z in enumerate(zones):
        if z["kind"] == "mask":
            types: list[TypeSpec] = []
        elif z.get("types"):
            types = [book.resolve(r) for r in z["types"]]
        else:
            types = [t for t in book if z["kind"] in t.zone_kinds and t.signals]
        out.append(Zone(name=z["name"], kind=z["kind"], polygon=z["polygon"], types=types,
                        dwell_s=z.get("dwell_s"), sensitivity=z.get("sensitivity", 0.5),
                        active_hours=z.get("active_hours"), index=i))
    return out


class ZoneMap:
    """Zone masks at one analysis size: ``label`` holds the zone index + 1 per pixel (0 = no zone).

    Where polygons overlap, the later zone in the list wins; ``mask`` zones blank their area.
    """

    def __init__(self, zones: list[Zone], width: int, height: int):
        self.zones = zones
        self.width, self.height = width, height
        self.label = np.zeros((height, width), np.uint8)
        for z in zones:
            pts = np.array([[x * (width - 1), y * (height - 1)] for x, y in z.polygon], np.float32)
            cv2.fillPoly(self.label, [np.round(pts).astype(np.int32)], z.index + 1 if z.kind != "mask" else 0)
        self.masks = {z.name: (self.label == z.index + 1).astype(np.uint8) for z in zones}

    def of_signal(self, signal: str) -> np.ndarray:
        """Mask (uint8 0/1) of every zone checking at least one type with ``signal``."""
        m = np.zeros((self.height, self.width), np.uint8)
        for z in self.zones:
            if z.types_with(signal):
                m |= self.masks[z.name]
        return m

    def zone_of(self, region_mask: np.ndarray, x: int, y: int, w: int, h: int) -> Zone | None:
        """The zone holding most of a region's pixels (``region_mask`` covers the box ``x, y, w, h``)."""
        labels = self.label[y:y + h, x:x + w][region_mask > 0]
        if labels.size == 0:
            return None
        counts = np.bincount(labels, minlength=len(self.zones) + 1)
        counts[0] = 0
        best = int(counts.argmax())
        if counts[best] == 0:
            return None
        return self.zones[best - 1]
