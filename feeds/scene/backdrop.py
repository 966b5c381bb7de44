"""The static part of a camera's street scene, painted once per (zones, size, seed) and cached.

Sky and building facades above, then each zone polygon painted by its kind (asphalt with lane marks,
sidewalk tiles, shop fronts with doors and signs, plastered walls, grass, hatched no-parking bays …)
with a fixed grain texture so the scene looks like a street, not a diagram.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

import cv2
import numpy as np

# BGR base colours per zone kind
KIND_COLOURS = {
    "roadway": (72, 74, 78), "sidewalk": (150, 155, 160), "no_parking": (80, 82, 86), "fire_lane": (84, 84, 90),
    "shop_front": (125, 150, 175), "wall": (168, 178, 190), "green_space": (60, 120, 70), "water": (130, 100, 60),
    "plaza": (160, 165, 168), "construction": (100, 125, 140), "mask": (110, 110, 110),
}
# paint order: large ground areas first, details last
ORDER = ["roadway", "no_parking", "fire_lane", "plaza", "sidewalk", "green_space", "water", "construction",
         "shop_front", "wall", "mask"]


def _seed(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "little")


def _poly(zone, w, h) -> np.ndarray:
    return np.array([[round(x * (w - 1)), round(y * (h - 1))] for x, y in zone["polygon"]], np.int32)


def _grain(rng, h, w, amp) -> np.ndarray:
    small = rng.normal(0, amp, (max(2, h // 4), max(2, w // 4))).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return big + rng.normal(0, amp * 0.5, (h, w)).astype(np.float32)


def _sky_and_buildings(img, rng):
    h, w = img.shape[:2]
    top = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    sky = (np.array([235, 205, 170], np.float32) * (1 - top) + np.array([215, 215, 205], np.float32) * top)
    img[:] = sky[:, None, :].repeat(w, 1).astype(np.uint8) if sky.ndim == 2 else sky.astype(np.uint8)
    x = 0
    while x < w:
        bw = int(rng.integers(max(4, w // 10), max(6, w // 4)))
        bh = int(rng.uniform(0.25, 0.6) * h)
        colour = tuple(int(c) for c in rng.integers(110, 200, 3))
        cv2.rectangle(img, (x, h - bh), (x + bw, h), colour, -1)
        win = max(2, w // 80)
        for wy in range(h - bh + win, h - win, win * 3):
            for wx in range(x + win, x + bw - win, win * 3):
                cv2.rectangle(img, (wx, wy), (wx + win, wy + win), (90, 80, 70), -1)
        x += bw


def _paint_zone(img, zone, rng):
    h, w = img.shape[:2]
    kind = zone["kind"]
    pts = _poly(zone, w, h)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [pts], 255)
    layer = np.empty_like(img)
    layer[:] = KIND_COLOURS.get(kind, (128, 128, 128))
    x1, y1 = pts.min(0)
    x2, y2 = pts.max(0)
    zw, zh = max(1, x2 - x1), max(1, y2 - y1)
    line = max(1, w // 400)
    if kind in ("roadway", "no_parking", "fire_lane"):
        cy = (y1 + y2) // 2
        for xx in range(int(x1), int(x2), max(8, w // 12)):
            cv2.line(layer, (xx, cy), (xx + max(4, w // 24), cy), (200, 200, 200), line * 2)
        if kind == "no_parking":
            for xx in range(int(x1) - zh, int(x2), max(6, w // 30)):
                cv2.line(layer, (xx, y2), (xx + zh, y1), (40, 170, 200), line)
        if kind == "fire_lane":
            cv2.rectangle(layer, (int(x1) + line, int(y1) + line), (int(x2) - line, int(y2) - line), (40, 40, 190),
                          line * 3)
    elif kind in ("sidewalk", "plaza"):
        step = max(6, w // 40)
        for xx in range(int(x1), int(x2), step):
            cv2.line(layer, (xx, y1), (xx, y2), (135, 138, 142), line)
        for yy in range(int(y1), int(y2), step // 2 + 1):
            cv2.line(layer, (x1, yy), (x2, yy), (135, 138, 142), line)
    elif kind == "shop_front":
        sx = x1
        while sx < x2:
            sw = int(rng.integers(max(6, w // 12), max(8, w // 6)))
            colour = tuple(int(c) for c in rng.integers(60, 200, 3))
            cv2.rectangle(layer, (int(sx), int(y1)), (int(sx + sw), int(y1 + zh * 0.3)), colour, -1)  # sign
            cv2.rectangle(layer, (int(sx + sw * 0.3), int(y1 + zh * 0.4)), (int(sx + sw * 0.7), int(y2)),
                          (70, 60, 55), -1)  # door
            sx += sw + max(2, w // 100)
    elif kind == "wall":
        step = max(4, h // 30)
        for yy in range(int(y1), int(y2), step):
            cv2.line(layer, (x1, yy), (x2, yy), (158, 166, 176), line)
    elif kind == "green_space":
        for _ in range(int(zw * zh / max(1, (w // 30) ** 2))):
            cx, cy = int(rng.integers(x1, x2 + 1)), int(rng.integers(y1, y2 + 1))
            cv2.circle(layer, (cx, cy), max(2, w // 60), (40, 100 + int(rng.integers(40)), 50), -1)
    elif kind == "construction":
        for xx in range(int(x1), int(x2), max(6, w // 40)):
            cv2.line(layer, (xx, y1), (xx, y1 + max(3, zh // 5)), (60, 140, 200), line * 2)
    np.copyto(img, layer, where=mask[:, :, None] > 0)


@lru_cache(maxsize=512)
def _backdrop(key: tuple, w: int, h: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(_seed(seed, key, w, h))
    img = np.zeros((h, w, 3), np.uint8)
    _sky_and_buildings(img, rng)
    zones = [{"name": n, "kind": k, "polygon": p} for n, k, p in key]
    for kind in ORDER:
        for z in zones:
            if z["kind"] == kind:
                _paint_zone(img, z, rng)
    for z in zones:
        if z["kind"] not in ORDER:
            _paint_zone(img, z, rng)
    out = img.astype(np.float32) + _grain(rng, h, w, 5.0)[:, :, None]
    out = np.clip(out, 0, 255).astype(np.uint8)
    out.setflags(write=False)
    return out


def backdrop(zones: list[dict], width: int, height: int, seed: int) -> np.ndarray:
    """The cached static scene (read-only BGR array) of a camera with these zones at this size."""
    key = tuple((z["name"], z["kind"], tuple(tuple(map(float, p)) for p in z["polygon"])) for z in zones)
    return _backdrop(key, int(width), int(height), int(seed))
