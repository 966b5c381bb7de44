"""Per-camera background model built for low sample rates (frames seconds apart).

Cameras are sampled every few seconds, so consecutive frames differ a lot where people and traffic
pass. The model keeps, at analysis resolution (~320 px wide):

- ``bg``: a long-term background (float32), initialised from the per-pixel median of the first frames,
  then updated selectively (running average, only where the pixel matches the background) so that objects
  that stop are *not* absorbed; lighting is normalised by a global gain estimated on background pixels
  (day/night drift, auto-exposure), so a darker frame does not light up as foreground;
- ``stable``: per pixel, for how many consecutive samples it has not changed (moving things reset it);
- ``static_fg`` = differs from the background AND unchanged for ``stable_samples`` samples: what appeared
  and stayed. Moving people and vehicles are foreground but never stable, so they never get here.

``absorb(box)`` copies the current frame into the background (a region accepted as the new normal, or a
"ghost" left by something that was in the first frames and moved away).
"""
from __future__ import annotations

import cv2
import numpy as np


class BackgroundModel:
    """Long-term background + short-term stability at one analysis size."""

    def __init__(self, warmup: int = 5, alpha: float = 0.05, threshold: float = 22.0, stable_samples: int = 2,
                 learn_s: float = 120.0):
        self.warmup = warmup
        self.learn_s = learn_s
        self.learn_until: float | None = None
        self.alpha = alpha
        self.threshold = threshold
        self.stable_samples = stable_samples
        self.bg: np.ndarray | None = None
        self.bg_u8: np.ndarray | None = None
        self.prev: np.ndarray | None = None
        self.stable: np.ndarray | None = None
        self._init: list[np.ndarray] = []
        self.gain = 1.0
        self.frames = 0
        self.fg: np.ndarray | None = None
        self.static_fg: np.ndarray | None = None
        self.moving: np.ndarray | None = None

    @property
    def ready(self) -> bool:
        return self.bg is not None

    @staticmethod
    def _maxdiff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = cv2.absdiff(a, b)
        return np.maximum(np.maximum(d[:, :, 0], d[:, :, 1]), d[:, :, 2])

    def learning(self, t: float) -> bool:
        """Still in the learning phase (the first ``learn_s`` seconds): nothing is detected yet."""
        return self.learn_until is None or t < self.learn_until

    def update(self, frame: np.ndarray, t: float = 0.0, hold: np.ndarray | None = None) -> bool:
        """Feed one frame (BGR uint8 at analysis size) taken at ``t``. True once the model is ready.

        During the learning phase (``learn_s`` after the first frame) whatever stays still is learnt at
        once (so people standing in the first frames do not leave ghosts); afterwards only pixels that
        look like background are learnt. ``hold``: pixels never to learn this time.
        """
        self.frames += 1
        if self.learn_until is None:
            self.learn_until = t + self.learn_s
        if self.bg is None:
            self._init.append(frame)
            if len(self._init) < self.warmup:
                self.prev = frame
                return False
            self.bg = np.median(np.stack(self._init), axis=0).astype(np.float32)
            self.bg_u8 = self.bg.astype(np.uint8)
            self._init = []
            self.stable = np.zeros(frame.shape[:2], np.uint8)
        # lighting: gain of this frame against the background, on pixels that look like background
        ref_mask = None if self.fg is None else (self.fg == 0).astype(np.uint8)
        fm = cv2.mean(frame, ref_mask)[:3]
        bm = cv2.mean(self.bg_u8, ref_mask)[:3]
        gain = (sum(fm) + 1.0) / (sum(bm) + 1.0)
        self.gain = gain
        bg_now = cv2.convertScaleAbs(self.bg_u8, alpha=gain) if abs(gain - 1) > 0.01 else self.bg_u8
        thr = max(8.0, self.threshold * min(1.0, gain))
        diff = self._maxdiff(frame, bg_now)
        fg = (diff > thr).astype(np.uint8)
        motion = self._maxdiff(frame, self.prev if self.prev is not None else frame) > thr * 0.8
        stable = self.stable
        np.add(stable, 1, out=stable, where=stable < 250)
        stable[motion] = 0
        self.prev = frame
        self.fg = fg
        self.moving = (fg & motion).astype(np.uint8)
        self.static_fg = (fg & (stable >= self.stable_samples)).astype(np.uint8)
        # selective running average: learn only background-looking pixels, in the background's exposure
        learn = (fg == 0)
        if self.learning(t):
            still = self.static_fg > 0
            self.bg[still] = frame[still].astype(np.float32) / gain
        if hold is not None:
            learn &= hold == 0
        norm = frame.astype(np.float32) * (1.0 / gain)
        cv2.accumulateWeighted(norm, self.bg, self.alpha, mask=learn.astype(np.uint8))
        # follow slow global lighting: move the whole background a little towards the frame's exposure
        if abs(gain - 1) > 0.02:
            self.bg *= 1 + (gain - 1) * 0.1
        np.clip(self.bg, 0, 255, out=self.bg)
        self.bg_u8 = self.bg.astype(np.uint8)
        return True

    def absorb(self, x: int, y: int, w: int, h: int, frame: np.ndarray) -> None:
        """Accept the current content of a box as background (new normal, or a ghost)."""
        if self.bg is None:
            return
        self.bg[y:y + h, x:x + w] = frame[y:y + h, x:x + w].astype(np.float32) / max(self.gain, 1e-3)
        self.bg_u8[y:y + h, x:x + w] = np.clip(self.bg[y:y + h, x:x + w], 0, 255).astype(np.uint8)
        if self.stable is not None:
            self.stable[y:y + h, x:x + w] = 0

    def background_now(self) -> np.ndarray:
        """The background at the current frame's exposure (uint8)."""
        return cv2.convertScaleAbs(self.bg_u8, alpha=self.gain)

    def is_ghost(self, frame: np.ndarray, x: int, y: int, w: int, h: int, region: np.ndarray | None = None) -> bool:
        """A region that is foreground because the *background* holds something that left (a ghost).

        Colour tests: now most of the region's pixels look like the ground around it (within 25 of the
        ring's median colour) while the background's version of them does not; or the region's mean colour is
        far closer to the ring now than the background's was, and the background's pixels do not match
        the ring at all. (An edge test — "a ghost's edges are in the background only" — was tried and dropped: a
        smooth car parked over a hatched bay fails it.)
        """
        if self.bg is None or w < 3 or h < 3:
            return False
        if region is not None and region.any():
            H, W = frame.shape[:2]
            pad = max(2, min(w, h) // 3)
            X1, Y1, X2, Y2 = max(0, x - pad), max(0, y - pad), min(W, x + w + pad), min(H, y + h + pad)
            ring = np.ones((Y2 - Y1, X2 - X1), bool)
            ring[y - Y1:y - Y1 + h, x - X1:x - X1 + w] &= ~(region > 0)
            ring[y - Y1:y - Y1 + h, x - X1:x - X1 + w] &= False
            cur = frame[Y1:Y2, X1:X2].astype(np.float32)
            bgn = self.background_now()[Y1:Y2, X1:X2].astype(np.float32)
            inside = np.zeros_like(ring)
            inside[y - Y1:y - Y1 + h, x - X1:x - X1 + w] = region > 0
            if ring.any():
                around = np.median(cur[ring], axis=0)
                near_cur = float((np.abs(cur[inside] - around).max(axis=1) < 25).mean())
                near_bg = float((np.abs(bgn[inside] - around).max(axis=1) < 25).mean())
                d_cur = float(np.abs(cur[inside].mean(axis=0) - around).sum())
                d_bg = float(np.abs(bgn[inside].mean(axis=0) - around).sum())
                return (near_cur >= 0.5 and near_bg <= near_cur - 0.3) or (d_bg > d_cur * 1.5 + 12 and near_bg < 0.2)
        return False
