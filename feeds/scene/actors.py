"""People and vehicles moving through a camera's scene: a pure function of (camera, seed, time).

Pedestrians walk along sidewalks, shop fronts and plazas and sometimes pause (up to ~25 s: waiting,
looking at a phone); vehicles drive along roadways and now and then stop briefly (traffic, drop-off in a
no-parking bay for under a minute). Neither is a problem: detection must not raise on them.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

_MASK64 = (1 << 64) - 1


def hash01(*parts: int) -> float:
    """A cheap deterministic hash of integers to [0, 1) (tuple hashes of ints do not depend on PYTHONHASHSEED)."""
    x = (hash(parts) * 0x9E3779B97F4A7C15) & _MASK64
    x ^= x >> 29
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    return (x >> 11) / 9007199254740992.0


CLOTHES = [(40, 40, 40), (200, 200, 200), (60, 60, 150), (150, 80, 40), (40, 120, 40), (30, 150, 200),
           (120, 60, 120), (90, 90, 90), (180, 130, 90), (50, 70, 110)]
CAR_COLOURS = [(235, 235, 235), (190, 190, 195), (30, 30, 30), (40, 40, 170), (150, 90, 40), (60, 60, 60)]


def zone_rect(zone, w, h):
    xs = [p[0] for p in zone["polygon"]]
    ys = [p[1] for p in zone["polygon"]]
    return min(xs) * w, min(ys) * h, max(xs) * w, max(ys) * h


def draw_person(img, cx, foot_y, height, colour, seed):
    """A pedestrian: legs, body, head; ``height`` in pixels, feet at ``foot_y``."""
    bw = max(2, int(height * 0.3))
    x1 = int(cx - bw / 2)
    head = max(1, int(height * 0.1))
    top = int(foot_y - height)
    legs = (50, 50, 60) if seed % 2 else (110, 80, 50)
    cv2.rectangle(img, (x1, int(foot_y - height * 0.45)), (x1 + bw, int(foot_y)), legs, -1)
    cv2.rectangle(img, (x1, top + 2 * head), (x1 + bw, int(foot_y - height * 0.45)), colour, -1)
    cv2.circle(img, (int(cx), top + head), head, (120, 150, 190), -1)


def draw_vehicle(img, x1, y1, x2, y2, colour):
    """A car seen from the side: body, windows, wheels."""
    x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
    h = max(2, y2 - y1)
    w = max(2, x2 - x1)
    cv2.rectangle(img, (x1, y1 + h // 3), (x2, y2 - h // 6), colour, -1)
    cv2.rectangle(img, (x1 + w // 5, y1), (x2 - w // 5, y1 + h // 3 + 1), colour, -1)
    cv2.rectangle(img, (x1 + w // 4, y1 + max(1, h // 12)), (x2 - w // 4, y1 + h // 3), (70, 50, 40), -1)
    r = max(1, h // 6)
    for wx in (x1 + w // 5, x2 - w // 5):
        cv2.circle(img, (wx, y2 - r), r, (20, 20, 20), -1)


def _activity(hour: float) -> float:
    """Share of the scene's actors out at this local hour (few at night)."""
    return 0.15 + 0.85 * max(0.0, math.sin(math.pi * (hour - 5.5) / 17.5)) if 5.5 < hour < 23 else 0.15


def draw_people(img, zones, cam_seed: int, t: float, hour: float, n_max: int = 12):
    """Pedestrians on walkable zones at time ``t``."""
    h, w = img.shape[:2]
    walk = [z for z in zones if z["kind"] in ("sidewalk", "plaza", "shop_front")]
    if not walk:
        return
    share = _activity(hour)
    for i in range(n_max):
        if hash01(cam_seed, i, 1) > share:
            continue
        speed = 0.03 + 0.03 * hash01(cam_seed, i, 2)  # frame widths per second
        period = 1.3 / speed + 40
        phase = hash01(cam_seed, i, 3) * period
        k = int((t + phase) // period)
        u = (t + phase) % period
        zone = walk[int(hash01(cam_seed, i, k, 4) * len(walk))]
        zx1, zy1, zx2, zy2 = zone_rect(zone, w, h)
        pause_at = 8 + hash01(cam_seed, i, k, 5) * (1.0 / speed - 16)
        pause = 25 * hash01(cam_seed, i, k, 6) if hash01(cam_seed, i, k, 7) < 0.3 else 0.0
        walked = u if u < pause_at else max(pause_at, u - pause)
        frac = -0.15 + walked * speed
        if frac > 1.15 or frac < -0.15:
            continue
        if hash01(cam_seed, i, k, 8) < 0.5:
            frac = 1.0 - frac
        foot = zy1 + (zy2 - zy1) * (0.3 + 0.65 * hash01(cam_seed, i, k, 9))
        height = h * (0.07 + 0.03 * hash01(cam_seed, i, k, 10))
        colour = CLOTHES[int(hash01(cam_seed, i, k, 11) * len(CLOTHES))]
        draw_person(img, frac * w, foot, height, colour, k)


def draw_vehicles(img, zones, cam_seed: int, t: float, hour: float, n_max: int = 6):
    """Vehicles driving along roadways; some stop briefly in no-parking bays."""
    h, w = img.shape[:2]
    roads = [z for z in zones if z["kind"] == "roadway"]
    share = _activity(hour)
    for i, road in enumerate(roads):
        zx1, zy1, zx2, zy2 = zone_rect(road, w, h)
        lane_h = min(zy2 - zy1, h * 0.14)
        for j in range(n_max):
            if hash01(cam_seed, i, j, 20) > share:
                continue
            speed = 0.12 + 0.15 * hash01(cam_seed, i, j, 21)
            period = 1.5 / speed + 15 + 30 * hash01(cam_seed, i, j, 22)
            phase = hash01(cam_seed, i, j, 23) * period
            k = int((t + phase) // period)
            u = (t + phase) % period
            stop_at = 3 + 3 * hash01(cam_seed, i, j, k, 24)
            stop = 30 * hash01(cam_seed, i, j, k, 25) if hash01(cam_seed, i, j, k, 26) < 0.3 else 0.0
            driven = u if u < stop_at else max(stop_at, u - stop)
            frac = -0.25 + driven * speed
            if frac > 1.1:
                continue
            length = w * 0.17
            x = frac * w if hash01(cam_seed, i, j, k, 27) < 0.5 else w - frac * w - length
            lane = hash01(cam_seed, i, j, k, 28)
            y2 = zy1 + lane_h + (zy2 - zy1 - lane_h) * lane
            colour = CAR_COLOURS[int(hash01(cam_seed, i, j, k, 29) * len(CAR_COLOURS))]
            draw_vehicle(img, x, y2 - lane_h, x + length, y2, colour)
    for i, bay in enumerate(z for z in zones if z["kind"] == "no_parking"):
        # a brief stop (drop-off, < 1 minute) now and then: not a violation
        period = 600.0
        k = int((t + 97 * i) // period)
        u = (t + 97 * i) % period
        if hash01(cam_seed, 77, i, k) < share * 0.5 and u < 20 + 25 * hash01(cam_seed, 78, i, k):
            zx1, zy1, zx2, zy2 = zone_rect(bay, w, h)
            length = min(w * 0.17, (zx2 - zx1) * 0.8)
            x = zx1 + (zx2 - zx1 - length) * hash01(cam_seed, 79, i, k)
            colour = CAR_COLOURS[int(hash01(cam_seed, 80, i, k) * len(CAR_COLOURS))]
            draw_vehicle(img, x, zy2 - min(zy2 - zy1, length * 0.45 * 16 / 9 * h / w), x + length, zy2, colour)


def crowd_people(img, box_px, variant: int, t: float):
    """A gathered crowd: ~15 people standing close together, each shifting a little every few seconds."""
    x1, y1, x2, y2 = box_px
    bw, bh = x2 - x1, y2 - y1
    n = 12 + variant % 8
    step = int(t // 2)
    for i in range(n):
        height = bh * (0.55 + 0.15 * hash01(variant, i, 1))
        cx = x1 + bw * (0.06 + 0.88 * hash01(variant, i, 2)) + bw * 0.08 * (hash01(variant, i, step) - 0.5)
        foot = y1 + height + (bh - height) * hash01(variant, i, 3)
        colour = CLOTHES[int(hash01(variant, i, 4) * len(CLOTHES))]
        draw_person(img, cx, foot, height, colour, i)


__all__ = ["hash01", "draw_people", "draw_vehicles", "draw_person", "draw_vehicle", "crowd_people", "np"]
