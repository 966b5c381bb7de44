"""Signal ``crowd`` (人群聚集): many people close together, staying.

Foreground (moving or not) in zones checking a crowd type is dilated so that people standing close
merge into one cluster. A cluster counts as a crowd when it is wide (≥ 12 % of the frame), dense (≥ 20 %
of its box is foreground) and alive (a quarter of it moves between samples and at most 65 % of it is still — a crowd
fidgets, a parked object with people walking past does not) and made of people (at least 5 heads: peaks of the cluster's top outline; a car or a bus is one plateau). The problem tracker then requires it to stay for the type's dwell time. Boxes claimed by a
crowd (a cluster found on two samples in a row) are not offered to the stationary signal.
"""
from __future__ import annotations

import cv2
import numpy as np

from .plugins import FrameContext, register_detector
from .problems import Observation
from .problems import iou as _iou

_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))


@register_detector("crowd")
class CrowdDetector:
    signal = "crowd"
    min_rel_w = 0.12
    min_density = 0.2
    min_moving = 0.25
    max_static = 0.65

    min_people = 5

    def __init__(self, zones, config=None):
        self._mask = None
        self._previous: list = []  # cluster boxes of the previous sample

    @staticmethod
    def _people(region: np.ndarray) -> int:
        """Heads: local peaks of the cluster's top outline (people standing side by side each make one;
        a car's roof or a bus is one plateau)."""
        h, w = region.shape
        has = region.any(axis=0)
        tops = np.where(has, region.argmax(axis=0), h).astype(int)
        peaks, i = 0, 0
        while i < w:
            j = i
            while j + 1 < w and tops[j + 1] == tops[i]:
                j += 1
            left = tops[i - 1] if i > 0 else h
            right = tops[j + 1] if j + 1 < w else h
            if tops[i] < h and tops[i] < left and tops[i] < right:
                peaks += 1
            i = j + 1
        return peaks

    def health(self) -> dict:
        return {"ok": True}

    def detect(self, fc: FrameContext) -> list[Observation]:
        if self._mask is None or self._mask.shape != fc.frame.shape[:2]:
            self._mask = fc.zones.of_signal(self.signal)
        if not self._mask.any():
            return []
        fg = fc.bg.fg & self._mask
        if int(fg.sum()) < 50:
            self._previous = []
            return []
        merged = cv2.dilate(fg, _KERNEL)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
        H, W = fg.shape
        out = []
        seen: list = []
        for i in range(1, n):
            x, y, w, h, _area = (int(v) for v in stats[i])
            if w < W * self.min_rel_w:
                continue
            region = fg[y:y + h, x:x + w]
            density = float(region.mean())
            if density < self.min_density:
                continue
            fg_px = max(1.0, float(region.sum()))
            moving = float(fc.bg.moving[y:y + h, x:x + w].sum()) / fg_px
            if moving < self.min_moving:
                continue
            if float(fc.bg.static_fg[y:y + h, x:x + w].sum()) / fg_px > self.max_static:
                continue  # mostly still: a parked thing with people passing by, not a fidgeting crowd
            if self._people(region) < self.min_people:
                continue  # one big blob (a bus, a car queue) is traffic, not a crowd
            zone = fc.zones.zone_of(region, x, y, w, h)
            if zone is None:
                continue
            types = [t for t in zone.types_with(self.signal) if zone.active_for(t, fc.local)]
            if not types:
                continue
            box_px = (x, y, x + w, y + h)
            seen.append(box_px)
            if any(_iou(box_px, b) > 0.3 for b in self._previous):
                fc.crowd_boxes.append(box_px)  # a crowd on two samples in a row claims its box
            score = min(1.0, 0.5 + density / 2)
            out.append(Observation(types[0], zone.name, (x / W, y / H, (x + w) / W, (y + h) / H), round(score, 3),
                                   fc.t, self.signal))
        self._previous = seen
        return out
