"""Signals ``stationary_object`` and ``wall_change``: things that appeared and stayed.

Regions of the background model's ``static_fg`` (differs from the clean background AND unchanged over
consecutive samples) inside zones checking a type with the signal are cut into connected components
(after a small closing so a bike heap or a garbage pile is one region), each classified by its zone and
features (:mod:`.classify`); a thing left there that fits no type rule is still raised (never dropped:
the zone's only type, or the best allowed type marked 类型待确认). Walls use the same clean reference view: a banner or poster is a change
against the wall as it was; the background never learns a tracked region, so the reference stays clean.

Regions made only of upright blobs (people standing, alone or in a group) are never classified.
Static regions vetoed by the rules (a person standing, a piece of a heap) or in zones checking no type
are left alone, and so is the edge of a thing lying mostly in a zone of the other signal (the top of a
pile at the foot of a wall, cut off by the wall zone: it belongs to the zone holding most of it); if they
stay for ``absorb_after_s`` they are accepted into the background as the new normal. A new region whose edges
are in the background rather than in the frame is a *ghost* (something in the first frames that left)
and is absorbed at once.
"""
from __future__ import annotations

import cv2
import numpy as np

from .classify import classify, fallback
from .features import region_features, static_neighbours
from .plugins import FrameContext, register_detector
from .problems import Observation, iou

_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))


class StaticRegions:
    """Shared machinery of the two static signals."""

    signal = "stationary_object"
    absorb_after_s = 900.0

    def __init__(self, zones, config=None):
        self.zones = zones
        self.config = config
        self._mask = None
        self._unclassified: list[list] = []  # [box, first_seen, last_seen]
        self._recent: list = []  # boxes of the regions of the previous frame (new ones get the ghost test)

    def health(self) -> dict:
        return {"ok": True}

    def _zone_mask(self, fc: FrameContext) -> np.ndarray:
        if self._mask is None or self._mask.shape != fc.frame.shape[:2]:
            self._mask = fc.zones.of_signal(self.signal)
        return self._mask

    def detect(self, fc: FrameContext) -> list[Observation]:
        zmask = self._zone_mask(fc)
        if not zmask.any():
            return []
        static = fc.bg.static_fg & zmask
        if int(static.sum()) < 8:
            self._age_unclassified(fc, [])
            return []
        closed = cv2.morphologyEx(static, cv2.MORPH_CLOSE, _KERNEL)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
        H, W = static.shape
        min_px = max(10, int(W * H * 0.0008))
        out: list[Observation] = []
        seen_unclassified = []
        current: list = []
        background = fc.bg.background_now()
        whole = None  # components of the static foreground of the whole view, computed when first needed
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if area < min_px:
                continue
            box_px = (x, y, x + w, y + h)
            if any(_overlap(box_px, c) > 0.3 for c in fc.crowd_boxes):
                continue
            region = ((labels[y:y + h, x:x + w] == i) & (static[y:y + h, x:x + w] > 0)).astype(np.uint8)
            zone = fc.zones.zone_of(region, x, y, w, h)
            if zone is None:
                continue
            if _people_only(region):
                seen_unclassified.append((box_px, None))
                continue
            if whole is None:
                whole = cv2.connectedComponents(cv2.morphologyEx(fc.bg.static_fg, cv2.MORPH_CLOSE, _KERNEL),
                                                connectivity=8)[1]
            if _mostly_elsewhere(whole, region, x, y, w, h, (fc.zones.label > 0) & (zmask == 0)):
                seen_unclassified.append((box_px, None))  # the edge of a thing in a zone of another signal
                continue
            if not any(iou(k, box_px) > 0.3 for k in self._recent) and not _tracked(fc, region, x, y, w, h) \
                    and fc.bg.is_ghost(fc.frame, x, y, w, h, region):
                fc.bg.absorb(x, y, w, h, fc.frame)  # something in the background left: learn what is there
                continue
            current.append(box_px)
            types = [t for t in zone.types_with(self.signal) if zone.active_for(t, fc.local)]
            feats = region_features(fc.frame, background, region, x, y, w, h)
            feats.neighbours = static_neighbours(fc.bg.static_fg, region, x, y, w, h)
            ptype, score = classify(types, feats) if types else (None, 0.0)
            unconfirmed, by_fallback = False, ptype is None
            if ptype is None:  # never drop a thing left in the zone: the zone's type, or 类型待确认
                ptype, score, unconfirmed = fallback(types, feats)
            box = (x / W, y / H, (x + w) / W, (y + h) / H)
            if ptype is None:
                seen_unclassified.append((box_px, feats))
                continue
            out.append(Observation(ptype, zone.name, box, round(score, 3), fc.t, self.signal,
                                   since=fc.bg.since(x, y, w, h, region), type_unconfirmed=unconfirmed,
                                   fallback=by_fallback))
        self._age_unclassified(fc, seen_unclassified)
        self._recent = current
        return out

    def _age_unclassified(self, fc: FrameContext, seen) -> None:
        now = fc.t
        fresh = []
        for box_px, _f in seen:
            match = next((u for u in self._unclassified if iou(u[0], box_px) > 0.3), None)
            if match is None:
                x1, y1, x2, y2 = box_px
                if fc.bg.is_ghost(fc.frame, x1, y1, x2 - x1, y2 - y1):
                    fc.bg.absorb(x1, y1, x2 - x1, y2 - y1, fc.frame)
                    continue
                match = [box_px, now, now]
            match[2] = now
            fresh.append(match)
            if now - match[1] > self.absorb_after_s:
                x1, y1, x2, y2 = match[0]
                fc.bg.absorb(x1, y1, x2 - x1, y2 - y1, fc.frame)
        keep = [u for u in self._unclassified if u not in fresh and now - u[2] < 30]
        self._unclassified = fresh + keep


def _tracked(fc: FrameContext, region: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """A third of the region lies on a thing tracked with good evidence (seen in most samples): not a ghost,
    whatever merged with it this sample (a person beside it changes the region's shape and box)."""
    hold = fc.bg.solid
    if hold is None:
        return False
    m = region > 0
    return bool(m.any()) and float(hold[y:y + h, x:x + w][m].mean()) >= 0.3


def _mostly_elsewhere(whole: np.ndarray, region: np.ndarray, x: int, y: int, w: int, h: int,
                      elsewhere: np.ndarray) -> bool:
    """The static thing this region belongs to (its component in the whole view's static foreground) lies
    mostly in zones another signal checks: the region is that thing's edge across a zone border (the top
    of a pile at the foot of a wall, cut off by the wall zone) — it belongs to the zone holding most of it."""
    ids = whole[y:y + h, x:x + w][region > 0]
    ids = ids[ids > 0]
    if ids.size == 0:
        return False
    thing = whole == int(np.bincount(ids).argmax())
    return int((thing & elsewhere).sum()) > int(region.sum())


def _people_only(region: np.ndarray) -> bool:
    """The region is made of upright blobs only (people standing, alone or side by side)."""
    n, _l, stats, _c = cv2.connectedComponentsWithStats(region, connectivity=8)
    total = max(1, int(region.sum()))
    big = [stats[i] for i in range(1, n) if stats[i, 4] >= 0.15 * total]
    return bool(big) and all(b[3] >= 1.5 * b[2] for b in big)


def _overlap(a, b) -> float:
    """Share of box ``a`` covered by box ``b``."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max(1, (a[2] - a[0]) * (a[3] - a[1]))
    return ix * iy / area


@register_detector("stationary")
class StationaryDetector(StaticRegions):
    signal = "stationary_object"


@register_detector("wall_change")
class WallChangeDetector(StaticRegions):
    signal = "wall_change"
    absorb_after_s = 3600.0
