"""Drawing the scripted problem objects (pixels only): stalls, garbage heaps, parked cars, banners …

Each object has the look of the real thing at street-camera scale, so that rules based on size,
shape, colour and texture can tell them apart: a stall is a table under a striped awning, a garbage
heap an irregular pile of dark and white bags, a parked car a car, a banner a long red strip with
yellow characters, posters small pale sheets, a bike heap wheels and thin frames, a material pile
stacked brown boxes and grey bricks, a crowd many people close together.
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from .actors import CAR_COLOURS, crowd_people, draw_vehicle, hash01


def _px(box, w, h):
    return int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)


def draw_garbage(img, b, v):
    x1, y1, x2, y2 = b
    bw, bh = x2 - x1, y2 - y1
    colours = [(25, 25, 25), (35, 35, 30), (225, 225, 220), (40, 60, 30), (150, 100, 40), (30, 30, 120)]
    for i in range(14):
        cx = x1 + bw * (0.15 + 0.7 * hash01(v, i, 1))
        cy = y1 + bh * (0.35 + 0.45 * hash01(v, i, 2))
        ax = bw * (0.12 + 0.12 * hash01(v, i, 3))
        ay = bh * (0.14 + 0.14 * hash01(v, i, 4))
        cv2.ellipse(img, (int(cx), int(cy)), (max(1, int(ax)), max(1, int(ay))), 360 * hash01(v, i, 5), 0, 360,
                    colours[int(hash01(v, i, 6) * len(colours))], -1)


def draw_stall(img, b, v):
    x1, y1, x2, y2 = b
    bw, bh = x2 - x1, y2 - y1
    stripe = (40, 40, 200) if v % 2 else (180, 90, 20)
    cv2.rectangle(img, (x1, int(y1 + bh * 0.55)), (x2, y2), (40, 80, 130), -1)  # table / cart
    cv2.rectangle(img, (x1 + 1, int(y1 + bh * 0.32)), (x1 + max(2, bw // 20), int(y1 + bh * 0.55)), (60, 60, 60), -1)
    cv2.rectangle(img, (x2 - max(2, bw // 20), int(y1 + bh * 0.32)), (x2 - 1, int(y1 + bh * 0.55)), (60, 60, 60), -1)
    n = 6
    for i in range(n):  # striped awning
        sx = x1 + bw * i // n
        cv2.rectangle(img, (sx, y1), (x1 + bw * (i + 1) // n, int(y1 + bh * 0.32)),
                      stripe if i % 2 == 0 else (235, 235, 235), -1)
    for i in range(8):  # goods on the table
        gx = x1 + bw * (0.1 + 0.8 * hash01(v, i, 1))
        gy = y1 + bh * (0.5 + 0.08 * hash01(v, i, 2))
        cv2.circle(img, (int(gx), int(gy)), max(1, bw // 18), (30, 160 + int(80 * hash01(v, i, 3)), 220), -1)


def draw_car(img, b, v):
    draw_vehicle(img, *b, CAR_COLOURS[v % len(CAR_COLOURS)])


def draw_banner(img, b, v):
    x1, y1, x2, y2 = b
    bw, bh = x2 - x1, y2 - y1
    cv2.rectangle(img, (x1, y1), (x2, y2), (30, 30, 200), -1)
    n = 6 + v % 4
    for i in range(n):  # characters
        cx1 = x1 + int(bw * (0.06 + 0.88 * i / n))
        cv2.rectangle(img, (cx1, y1 + bh // 4), (cx1 + max(1, int(bw * 0.6 / n)), y2 - bh // 4), (0, 215, 255), -1)


def draw_posters(img, b, v):
    x1, y1, x2, y2 = b
    bw, bh = x2 - x1, y2 - y1
    colours = [(245, 245, 245), (190, 235, 250), (220, 200, 250), (240, 240, 200)]
    cols, rows = 3, 3
    for i in range(cols * rows):
        c, r = i % cols, i // cols
        if hash01(v, i, 0) < 0.2 and i not in (0, 8):
            continue
        px1 = x1 + bw * c // cols + 1
        py1 = y1 + bh * r // rows + 1
        px2 = x1 + bw * (c + 1) // cols - 1
        py2 = y1 + bh * (r + 1) // rows - 1
        cv2.rectangle(img, (px1, py1), (px2, py2), colours[int(hash01(v, i, 1) * len(colours))], -1)
        cv2.line(img, (px1 + 1, (py1 + py2) // 2), (px2 - 1, (py1 + py2) // 2), (60, 60, 60), 1)


def draw_bikes(img, b, v):
    x1, y1, x2, y2 = b
    bw, bh = x2 - x1, y2 - y1
    colours = [(30, 30, 30), (40, 40, 180), (160, 120, 30), (40, 150, 40), (20, 160, 220)]
    n = 5
    for i in range(n):
        r = max(2, int(bh * 0.28))
        cx1 = x1 + r + int((bw - 4 * r) * i / (n - 1)) if bw > 4 * r else x1 + r
        cy = y2 - r - 1 - int(bh * 0.15 * hash01(v, i, 1))
        col = colours[int(hash01(v, i, 2) * len(colours))]
        th = max(1, r // 5)
        cv2.circle(img, (cx1, cy), r, (20, 20, 20), th)
        cv2.circle(img, (cx1 + 2 * r, cy), r, (20, 20, 20), th)
        cv2.line(img, (cx1, cy), (cx1 + r, cy - r), col, th + 1)
        cv2.line(img, (cx1 + r, cy - r), (cx1 + 2 * r, cy), col, th + 1)
        cv2.line(img, (cx1 + r, cy - r), (cx1 + r, max(y1, cy - int(1.6 * r))), col, th + 1)


def draw_materials(img, b, v):
    x1, y1, x2, y2 = b
    bw, bh = x2 - x1, y2 - y1
    colours = [(60, 110, 160), (80, 130, 175), (120, 120, 125), (50, 90, 140)]
    rows = 3
    for r in range(rows):
        ry2 = y2 - bh * r // rows
        ry1 = y2 - bh * (r + 1) // rows
        inset = int(bw * 0.08 * r)
        n = 3 - (r == rows - 1)
        for c in range(n):
            cx1 = x1 + inset + (bw - 2 * inset) * c // n
            cx2 = x1 + inset + (bw - 2 * inset) * (c + 1) // n - 1
            cv2.rectangle(img, (cx1, ry1), (cx2, ry2 - 1), colours[int(hash01(v, r, c) * len(colours))], -1)
            cv2.rectangle(img, (cx1, ry1), (cx2, ry2 - 1), (40, 60, 80), 1)


def draw_crowd(img, b, v, t):
    crowd_people(img, b, v, t)


DRAW = {"garbage": draw_garbage, "stall": draw_stall, "car": draw_car, "fire_car": draw_car,
        "banner": draw_banner, "posters": draw_posters, "bikes": draw_bikes, "materials": draw_materials}


@lru_cache(maxsize=2048)
def _sprite(obj: str, variant: int, box: tuple, w: int, h: int):
    """A static object drawn once on a blank patch: (patch, mask, x1, y1)."""
    x1, y1, x2, y2 = _px(box, w, h)
    pw, ph = max(1, x2 - x1 + 1), max(1, y2 - y1 + 1)
    patch = np.zeros((ph, pw, 3), np.uint8)
    marker = np.zeros((ph, pw, 3), np.uint8)
    DRAW[obj](patch, (0, 0, x2 - x1, y2 - y1), variant)
    marker[:] = 1
    DRAW[obj](marker, (0, 0, x2 - x1, y2 - y1), variant)  # drawn twice on different grounds: where
    mask = np.any(patch != marker, axis=2) | np.any(patch != 0, axis=2)  # the object covers the ground
    mask &= ~np.all(marker == 1, axis=2)
    return patch, mask, x1, y1


def draw_problem(img, problem, t: float) -> None:
    """Draw one scripted problem object onto ``img`` (in place) at time ``t``."""
    h, w = img.shape[:2]
    if problem.obj == "crowd":
        draw_crowd(img, _px(problem.box, w, h), problem.variant, t)
        return
    patch, mask, x1, y1 = _sprite(problem.obj, problem.variant, problem.box, w, h)
    ph, pw = mask.shape
    region = img[y1:y1 + ph, x1:x1 + pw]
    m = mask[:region.shape[0], :region.shape[1]]
    np.copyto(region, patch[:region.shape[0], :region.shape[1]], where=m[:, :, None])
