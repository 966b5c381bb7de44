"""Re-check references (复核参考图) and the comparison that decides a camera re-check sample.

At confirmation two crops of the problem's box plus a margin are kept with the case (evidence kinds
``ref_problem`` and ``ref_clean``): the *problem* as confirmed (from the confirmation frame) and the
*clean* view of the same place before the thing appeared (the camera's background model at confirmation,
which never learnt the tracked box). The re-check compares the live crop with both and never looks at a
background model learnt since — a restart, a worker restart or a re-learn that absorbed the unfixed
object changes nothing.

:func:`judge` answers one sample with a :class:`Verdict`:

- the live crop is put into each reference's exposure by a gain estimated on the margin ring (the
  surroundings, which the problem does not change): global light changes (auto-exposure, clouds, dusk)
  cancel out;
- ``unsure`` when the surroundings no longer look like either reference after that (the view moved, the
  light is too different — night against day, a lamp, a shadow — or someone stands in front), when the
  gain is beyond ``MAX_GAIN`` either way, or when the two references cannot be told apart in the box;
- inside the box, the structural dissimilarity (1 − SSIM, windowed) with each reference: ``clean`` only
  when the live box is close to the clean reference (under half the distance between the references) and
  clearly closer to it than to the problem; ``dirty`` when it is the other way round; anything in between
  (a passer-by in front, part of the thing removed, another thing) is ``unsure``.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

REF_PROBLEM, REF_CLEAN = "ref_problem", "ref_clean"
REFERENCE_KINDS = (REF_PROBLEM, REF_CLEAN)
MARGIN = 0.5        # margin around the box on each side, as a share of the box's width/height
MIN_MARGIN = 0.03   # … and at least this share of the frame
MAX_SIDE = 96       # comparison size: the long side at most this many pixels
MIN_SIDE = 24       # … and the short side at least this many (small boxes are enlarged)
MAX_GAIN = 3.0      # live/reference brightness beyond ×3 or ÷3: not comparable (night against day)
RING_MIN = 0.55     # SSIM of the surroundings needed to call the view comparable
REFS_APART = 0.12   # the references must differ at least this much (1 − SSIM) inside the box
CLOSE_SHARE = 0.5   # "matches" a reference: nearer than this share of the references' distance
LEAN = 0.3          # … and nearer to it than to the other reference by this share of that distance


@dataclass(frozen=True)
class Verdict:
    """One re-check sample: ``clean`` | ``dirty`` | ``unsure`` with the figures and, if unsure, why."""

    outcome: str
    reason: str = ""
    to_clean: float = 0.0    # 1 − SSIM of the live box against the clean reference
    to_problem: float = 0.0  # … against the problem reference
    apart: float = 0.0       # … between the two references
    ring: float = 0.0        # SSIM of the surroundings (best of the two references)
    gain: float = 1.0

    def figures(self) -> dict:
        return {"outcome": self.outcome, "reason": self.reason, "to_clean": round(self.to_clean, 3),
                "to_problem": round(self.to_problem, 3), "apart": round(self.apart, 3),
                "ring": round(self.ring, 3), "gain": round(self.gain, 3)}


def crop_rect(box, width: int, height: int) -> tuple[int, int, int, int]:
    """Pixel rectangle ``(x1, y1, x2, y2)`` of ``box`` (relative) plus the margin, inside a W×H frame."""
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (0.0 <= x1 < x2 <= 1.0 and 0.0 <= y1 < y2 <= 1.0):
        raise ValueError(f"box: expected relative x1 < x2, y1 < y2 within 0..1, got {list(box)!r}")
    mx = max(MARGIN * (x2 - x1), MIN_MARGIN)
    my = max(MARGIN * (y2 - y1), MIN_MARGIN)
    X1, Y1 = max(0, int(np.floor((x1 - mx) * width))), max(0, int(np.floor((y1 - my) * height)))
    X2, Y2 = min(width, int(np.ceil((x2 + mx) * width))), min(height, int(np.ceil((y2 + my) * height)))
    return X1, Y1, max(X1 + 1, X2), max(Y1 + 1, Y2)


def crop(image: np.ndarray, box) -> np.ndarray:
    """The crop of ``box`` plus the margin from a BGR frame (a copy)."""
    h, w = image.shape[:2]
    X1, Y1, X2, Y2 = crop_rect(box, w, h)
    return image[Y1:Y2, X1:X2].copy()


def inner_mask(box, shape: tuple[int, int]) -> np.ndarray:
    """Boolean mask of the box itself inside a crop of ``shape`` (h, w) made by :func:`crop_rect`."""
    h, w = shape
    # the crop in the frame's relative coordinates, computed on a fine grid so it matches any resolution
    X1, Y1, X2, Y2 = crop_rect(box, 10000, 10000)
    cx1, cy1, cw, ch = X1 / 1e4, Y1 / 1e4, (X2 - X1) / 1e4, (Y2 - Y1) / 1e4
    bx1 = round((float(box[0]) - cx1) / cw * w)
    bx2 = round((float(box[2]) - cx1) / cw * w)
    by1 = round((float(box[1]) - cy1) / ch * h)
    by2 = round((float(box[3]) - cy1) / ch * h)
    m = np.zeros((h, w), bool)
    m[max(0, by1):max(by1 + 1, by2), max(0, bx1):max(bx1 + 1, bx2)] = True
    return m


def _gray(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    interp = cv2.INTER_AREA if g.shape[1] > size[0] else cv2.INTER_LINEAR
    return cv2.resize(g, size, interpolation=interp).astype(np.float32)


def _size(ref: np.ndarray) -> tuple[int, int]:
    h, w = ref.shape[:2]
    s = min(1.0, MAX_SIDE / max(h, w))
    s = max(s, MIN_SIDE / max(1, min(h, w)))
    return max(MIN_SIDE, round(w * s)), max(MIN_SIDE, round(h * s))


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel structural similarity of two grey images (Gaussian window σ = 1.5, 8-bit constants)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    def blur(x):
        return cv2.GaussianBlur(x, (7, 7), 1.5)

    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma * ma, blur(b * b) - mb * mb, blur(a * b) - ma * mb
    return ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))


def _gain(live: np.ndarray, ref: np.ndarray, ring: np.ndarray) -> float:
    return (float(np.median(live[ring])) + 1.0) / (float(np.median(ref[ring])) + 1.0)


def judge(live_image: np.ndarray, box, ref_problem: np.ndarray, ref_clean: np.ndarray) -> Verdict:
    """Decide one re-check sample of ``box`` on the live frame ``live_image`` (BGR, any resolution)."""
    size = _size(ref_clean)
    live = _gray(crop(live_image, box), size)
    prob, clean = _gray(ref_problem, size), _gray(ref_clean, size)
    inner = inner_mask(box, (size[1], size[0]))
    ring = ~cv2.dilate(inner.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if ring.sum() < inner.sum() // 2 or not inner.any():
        return Verdict("unsure", "参考图范围过小，无法比对")
    apart = float(1.0 - ssim_map(clean * _gain(prob, clean, ring), prob)[inner].mean())
    best_ring, gains, dist = -1.0, [], {}
    for name, ref in (("clean", clean), ("problem", prob)):
        g = _gain(live, ref, ring)
        gains.append(g)
        aligned = np.clip(live / g, 0, 255)  # the live crop in the reference's exposure
        s = ssim_map(aligned, ref)
        best_ring = max(best_ring, float(s[ring].mean()))
        dist[name] = float(1.0 - s[inner].mean())
    gain = gains[0]
    v = {"to_clean": dist["clean"], "to_problem": dist["problem"], "apart": apart, "ring": best_ring, "gain": gain}
    if not (1.0 / MAX_GAIN <= gain <= MAX_GAIN):
        return Verdict("unsure", "光照与参考图差异过大（如昼夜不同）", **v)
    if best_ring < RING_MIN:
        return Verdict("unsure", "画面与参考图不可比（视角变化、光照差异或遮挡）", **v)
    if apart < REFS_APART:
        return Verdict("unsure", "问题与背景参考图差别过小，无法自动判断", **v)
    near, lean = CLOSE_SHARE * apart, LEAN * apart
    if dist["clean"] <= near and dist["problem"] - dist["clean"] >= lean:
        return Verdict("clean", **v)
    if dist["problem"] <= near and dist["clean"] - dist["problem"] >= lean:
        return Verdict("dirty", **v)
    return Verdict("unsure", "画面与两张参考图均不吻合（遮挡或部分整改）", **v)
