"""Simple, explainable features of a foreground region (no trained weights).

Computed on the analysis-size frame inside the region's own pixels: size relative to the frame, aspect
(height/width in pixels), fill (region pixels / box area), colour in HSV (saturation and hue are
unchanged by global lighting), brightness relative to the background under the region, darkness,
share of red pixels, colourfulness of the top part (awnings), edge density (texture), holes (gaps
enclosed by the region: wheels, frames) and, filled in by the caller, static neighbours (other
stationary foreground right next to the region: it may be one piece of a larger heap).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass
class RegionFeatures:
    rel_w: float        # box width / frame width
    rel_h: float        # box height / frame height
    rel_area: float     # region pixels / frame pixels
    aspect: float       # box height / box width (pixels)
    fill: float         # region pixels / box pixels
    sat: float          # mean saturation 0–1 of the region's pixels
    red: float          # share of saturated red pixels
    bright: float       # mean brightness relative to the background under the region
    dark: float         # share of pixels much darker than the background
    pale: float         # share of bright, unsaturated pixels (paper, white sheets)
    top_colour: float   # share of saturated pixels in the top third of the box (awnings)
    brownish: float     # share of brown/orange pixels (cardboard, wood)
    edges: float        # mean gradient magnitude inside the box, relative to the background's
    stripes: float      # saturated/unsaturated alternations along the top sixth of the box (awning stripes)
    holes: float = 0.0  # pixels enclosed by the region's outline but not in it / region pixels
    neighbours: float = 0.0  # other static foreground within half the box width around it / region pixels

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 3) for k, v in asdict(self).items()}


_MIN_V = 35.0  # below this brightness (0-255) saturation is noise: a dark car at night is not colourful


def region_features(frame: np.ndarray, background: np.ndarray, mask: np.ndarray, x: int, y: int, w: int,
                    h: int) -> RegionFeatures:
    """Features of the region ``mask`` (uint8, shape h×w) whose box is ``x, y, w, h`` in ``frame``."""
    H, W = frame.shape[:2]
    crop = frame[y:y + h, x:x + w]
    bgc = background[y:y + h, x:x + w]
    m = mask > 0
    n = max(1, int(m.sum()))
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1].astype(np.float32) / 255.0, hsv[:, :, 2].astype(np.float32)
    bval = cv2.cvtColor(bgc, cv2.COLOR_BGR2HSV)[:, :, 2].astype(np.float32)
    satm = sat[m]
    redm = ((hue[m] < 8) | (hue[m] > 170)) & (satm > 0.45)
    brown = (hue[m] >= 8) & (hue[m] <= 25) & (satm > 0.3)
    rel = val[m] / np.maximum(bval[m], 10.0)
    top = m.copy()
    top[max(1, h // 3):, :] = False
    top_n = max(1, int(top.sum()))
    scene_v = max(20.0, float(bval.mean()))
    gx = cv2.Sobel(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.CV_32F, 0, 1)
    bx = cv2.Sobel(cv2.cvtColor(bgc, cv2.COLOR_BGR2GRAY), cv2.CV_32F, 1, 0)
    by = cv2.Sobel(cv2.cvtColor(bgc, cv2.COLOR_BGR2GRAY), cv2.CV_32F, 0, 1)
    ef = float(np.abs(gx).mean() + np.abs(gy).mean())
    eb = float(np.abs(bx).mean() + np.abs(by).mean())
    return RegionFeatures(
        rel_w=w / W, rel_h=h / H, rel_area=n / (W * H), aspect=h / max(1, w), fill=n / max(1, w * h),
        sat=float(satm.mean()) if satm.size else 0.0,
        red=float(redm.mean()) if redm.size else 0.0,
        bright=float(rel.mean()) if rel.size else 1.0,
        dark=float((rel < 0.55).mean()) if rel.size else 0.0,
        pale=float(((val[m] > scene_v * 1.15) & (satm < 0.3)).mean()) if satm.size else 0.0,
        top_colour=float(((sat[top] > 0.45) & (val[top] > _MIN_V)).sum() / top_n),
        brownish=float(brown.mean()) if brown.size else 0.0,
        edges=ef / max(eb, 4.0),
        stripes=_stripes(np.where(val > _MIN_V, sat, 0.0), m, h),
        holes=_holes(mask, m, n),
    )


def static_neighbours(static: np.ndarray, region: np.ndarray, x: int, y: int, w: int, h: int) -> float:
    """Static foreground within half the box width (≥ 4 px) around the region, not its own, / its pixels.

    A garbage pile stands alone; a piece of a bike heap has the heap's other pieces right beside it.
    """
    H, W = static.shape[:2]
    pad = max(4, w // 2)
    x1, y1, x2, y2 = max(0, x - pad), max(0, y - pad), min(W, x + w + pad), min(H, y + h + pad)
    m = region > 0
    around = int((static[y1:y2, x1:x2] > 0).sum()) - int(((static[y:y + h, x:x + w] > 0) & m).sum())
    return around / max(1, int(m.sum()))


def _holes(mask: np.ndarray, m: np.ndarray, n: int) -> float:
    """Pixels enclosed by the region's outer outlines but not part of it, relative to its size."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return int(((filled > 0) & ~m).sum()) / n


def _stripes(sat: np.ndarray, m: np.ndarray, h: int) -> float:
    """Saturation flips along the rows of the top third (median over rows; runs under 2 px ignored).

    A striped awning flips at every stripe; a plain car roof or a box does not. Pixels darker than
    ``_MIN_V`` count as unsaturated (the saturation of near-black pixels is noise).
    """
    counts = []
    for row in range(0, max(1, h // 3)):
        line = sat[row][m[row]]
        if line.size < 6:
            continue
        high = line > 0.35
        edges = np.flatnonzero(high[1:] != high[:-1])
        runs = np.diff(np.concatenate(([0], edges + 1, [line.size])))
        counts.append(int((runs >= 2).sum()) - 1)
    return float(np.median(counts)) if counts else 0.0
