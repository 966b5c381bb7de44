"""Classifier rules on features: a holed piece beside other static parts is not a garbage pile."""
from __future__ import annotations

import cv2
import numpy as np

from models.detection.classify import classify
from models.detection.features import RegionFeatures, region_features, static_neighbours

from .helpers import book


def _garbage_like(**kw) -> RegionFeatures:
    base = dict(rel_w=0.07, rel_h=0.08, rel_area=0.004, aspect=0.65, fill=0.6, sat=0.4, red=0.0, bright=0.6,
                dark=0.5, pale=0.0, top_colour=0.1, brownish=0.0, edges=4.5, stripes=0.0)
    base.update(kw)
    return RegionFeatures(**base)


def _garbage_types():
    return [t for t in book() if t.name in ("暴露垃圾", "乱堆物料")]


def test_compact_lone_pile_is_garbage():
    t, s = classify(_garbage_types(), _garbage_like(holes=0.02, neighbours=0.0))
    assert t is not None and t.name == "暴露垃圾" and s >= 0.5


def test_holed_piece_alone_or_solid_piece_with_neighbours_is_still_garbage():
    assert classify(_garbage_types(), _garbage_like(holes=0.25, neighbours=0.0))[0].name == "暴露垃圾"
    assert classify(_garbage_types(), _garbage_like(holes=0.03, neighbours=0.4))[0].name == "暴露垃圾"


def test_holed_piece_of_a_heap_is_not_garbage():
    t, s = classify(_garbage_types(), _garbage_like(holes=0.25, neighbours=0.3))
    assert t is None and s == 0.0


def _ring_mask(w=24, h=16) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (w // 2, h // 2), (w // 2 - 2, h // 2 - 2), 0, 0, 360, 1, 2)  # a wheel: outline only
    return m


def test_holes_feature_wheel_versus_blob():
    frame = np.full((60, 80, 3), 100, np.uint8)
    bg = np.full((60, 80, 3), 150, np.uint8)
    ring = _ring_mask()
    blob = np.zeros_like(ring)
    cv2.ellipse(blob, (12, 8), (10, 6), 0, 0, 360, 1, -1)
    assert region_features(frame, bg, ring, 10, 10, 24, 16).holes > 0.5
    assert region_features(frame, bg, blob, 10, 10, 24, 16).holes < 0.05


def test_static_neighbours_alone_versus_beside_another_part():
    static = np.zeros((60, 80), np.uint8)
    region = np.ones((10, 10), np.uint8)
    static[20:30, 20:30] = 1
    assert static_neighbours(static, region, 20, 20, 10, 10) == 0.0
    static[20:30, 31:35] = 1  # another static part 1 px to the right (4 of its columns within reach)
    assert static_neighbours(static, region, 20, 20, 10, 10) > 0.3
    static[20:30, 50:60] = 1  # far away: not counted beyond the first part
    assert abs(static_neighbours(static, region, 20, 20, 10, 10) - 0.4) < 1e-9
