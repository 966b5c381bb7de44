"""Per-camera background model built for low sample rates (frames seconds apart).

Cameras are sampled every few seconds, so consecutive frames differ a lot where people and traffic
pass. The model keeps, at analysis resolution (~320 px wide):

- ``bg``: a long-term background (float32), initialised from the per-pixel median of the first frames,
  then updated selectively (running average, only where the pixel matches the background) so that objects
  that stop are *not* absorbed; lighting is normalised by a global gain estimated on background pixels
  (day/night drift, auto-exposure), so a darker frame does not light up as foreground;
- ``stable``: per pixel, for how many consecutive samples it has not changed (moving things reset it);
- ``static_fg`` = differs from the background AND unchanged for ``stable_samples`` samples: what appeared
  and stayed. Moving people and vehicles are foreground but never stable, so they never get here;
- ``changed_at``: per pixel, the time of the last sample at which it changed; ``fg_since``: since when it
  has differed from the background without a break (so a static region has been there since the median of
  its ``fg_since``: the dwell of a new object counts from its first sight, not from the sample at which it
  was first known to be still, and people walking past it do not restart it).

``absorb(box)`` copies the current frame into the background (a region accepted as the new normal, or a
"ghost" left by something that was in the first frames and moved away).
"""
from __future__ import annotations

import cv2
import numpy as np


_K3 = np.ones((3, 3), np.uint8)


class BackgroundModel:
    """Long-term background + short-term stability at one analysis size."""

    settle_s = 20.0  # in the learning phase, what settles within this long after the start is learnt at once
    reference_level = 105.0  # mean brightness of a daylit street scene (threshold scale 1.0)

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
        self.changed_at: np.ndarray | None = None
        self.fg_since: np.ndarray | None = None
        self.t = 0.0
        self.level = 1.0
        self.jump = 0.0
        self.started_at = 0.0
        self.solid: np.ndarray | None = None  # pixels of things tracked with good evidence: never absorbed

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

        During the learning phase (``learn_s`` after the first frame) whatever stays still and settled within
        ``settle_s`` of the start is learnt at once (so people standing in the first frames do not leave
        ghosts); something that arrives later in the learning phase is not learnt; afterwards only pixels that
        look like background are learnt. ``hold``: pixels never to learn this time.
        """
        self.frames += 1
        self.t = t
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
            self.changed_at = np.full(frame.shape[:2], t, np.float64)
            self.fg_since = np.full(frame.shape[:2], t, np.float64)
            self.started_at = t
        # lighting: gain of this frame against the background, on pixels that look like background
        ref_mask = None if self.fg is None else (self.fg == 0).astype(np.uint8)
        fm = cv2.mean(frame, ref_mask)[:3]
        bm = cv2.mean(self.bg_u8, ref_mask)[:3]
        gain = (sum(fm) + 1.0) / (sum(bm) + 1.0)
        self.gain = gain
        bg_now = cv2.convertScaleAbs(self.bg_u8, alpha=gain) if abs(gain - 1) > 0.01 else self.bg_u8
        # contrasts shrink with the light: the threshold follows the scene's brightness (dusk, night)
        self.level = min(1.0, max(0.45, sum(bm) * gain / 3.0 / self.reference_level))
        thr = max(9.0, self.threshold * min(self.level, gain))
        diff = self._maxdiff(frame, bg_now)
        fg = (diff > thr).astype(np.uint8)
        motion = self._maxdiff(frame, self.prev if self.prev is not None else frame) > thr * 0.8
        stable = self.stable
        np.add(stable, 1, out=stable, where=stable < 250)
        stable[motion] = 0
        self.changed_at[motion] = t
        self.prev = frame
        if self.fg is not None:
            np.copyto(self.fg_since, t, where=(fg > 0) & (self.fg == 0))  # became foreground now
        self.fg = fg
        self.moving = (fg & motion).astype(np.uint8)
        self.jump = float(motion.mean())  # share of the view that changed since the previous sample
        self.static_fg = (fg & (stable >= self.stable_samples)).astype(np.uint8)
        # selective running average: learn only background-looking pixels, in the background's exposure
        learn = (fg == 0)
        if self.learning(t):
            # still, and there since shortly after the model started: learnt at once. A thing that arrives
            # later in the learning phase is not learnt (it is detected once learning ends).
            still = (self.static_fg > 0) & (self.changed_at <= self.started_at + self.settle_s)
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
        """Accept the current content of a box as background (new normal, or a ghost) — except the pixels of
        things tracked with good evidence (``solid``, set by the pipeline): a thing seen in most samples is
        never learnt because something that merged with it (a person beside it) looked like a ghost."""
        if self.bg is None:
            return
        take = np.ones((self.bg[y:y + h, x:x + w].shape[:2]), bool)
        if self.solid is not None and self.solid.shape == self.bg.shape[:2]:
            take = self.solid[y:y + h, x:x + w] == 0
        self.bg[y:y + h, x:x + w][take] = frame[y:y + h, x:x + w][take].astype(np.float32) / max(self.gain, 1e-3)
        self.bg_u8[y:y + h, x:x + w] = np.clip(self.bg[y:y + h, x:x + w], 0, 255).astype(np.uint8)
        if self.stable is not None:
            self.stable[y:y + h, x:x + w][take] = 0
            self.changed_at[y:y + h, x:x + w][take] = self.t
            self.fg_since[y:y + h, x:x + w][take] = self.t

    def since(self, x: int, y: int, w: int, h: int, region: np.ndarray) -> float | None:
        """Since when a static region has been there (median over its pixels of ``fg_since``)."""
        if self.fg_since is None or not region.any():
            return None
        return float(np.median(self.fg_since[y:y + h, x:x + w][region > 0]))

    def background_now(self) -> np.ndarray:
        """The background at the current frame's exposure (uint8)."""
        return cv2.convertScaleAbs(self.bg_u8, alpha=self.gain)

    def is_ghost(self, frame: np.ndarray, x: int, y: int, w: int, h: int, region: np.ndarray | None = None) -> bool:
        """A region that is foreground because the *background* holds something that left (a ghost).

        Two tests against the ground around the region in the current frame: (1) palette — the share of the
        region's current pixels with a colour found in the ring around it, against the same share of the
        background's pixels (the frame shows the ground again, the background the thing that left; textured
        ground such as tiles, hatching or shop fronts is a palette of several colours); (2) the ground
        inpainted into the region from its surroundings, compared with the current and the background's
        pixels. A ghost: the current pixels fit the ground better on both, and clearly so on one (palette
        share ≥ 0.4 and 0.25 above the background's, or half the inpainting error). For a new object it is
        the other way round. ``region`` (uint8, h×w) defaults to the
        static foreground in the box.
        """
        if self.bg is None or w < 3 or h < 3:
            return False
        if region is None:
            if self.static_fg is None:
                return False
            region = self.static_fg[y:y + h, x:x + w]
        if not region.any():
            return False
        H, W = frame.shape[:2]
        pad = max(4, min(w, h) // 2)
        X1, Y1, X2, Y2 = max(0, x - pad), max(0, y - pad), min(W, x + w + pad), min(H, y + h + pad)
        inside = np.zeros((Y2 - Y1, X2 - X1), np.uint8)
        inside[y - Y1:y - Y1 + h, x - X1:x - X1 + w] = region > 0
        hole = cv2.dilate(inside, _K3, iterations=2)
        if int((hole == 0).sum()) < int(inside.sum()) // 2:
            return False  # too little ground around it to tell
        cur = frame[Y1:Y2, X1:X2]
        m = inside > 0
        ring = (cv2.dilate(hole, _K3, iterations=3) > 0) & (hole == 0)
        palette = cur[ring].astype(np.int16)
        if len(palette) > 160:
            palette = palette[:: len(palette) // 160 + 1]
        tol = max(8.0, 0.45 * self.threshold * self._level())
        in_cur = self._in_palette(cur[m], palette, tol)
        in_bg = self._in_palette(self.background_now()[Y1:Y2, X1:X2][m], palette, tol)
        ground = cv2.inpaint(cur, hole, 3, cv2.INPAINT_TELEA)
        e_cur = float(self._maxdiff(cur, ground)[m].mean())
        e_bg = float(self._maxdiff(self.background_now()[Y1:Y2, X1:X2], ground)[m].mean())
        if e_cur >= e_bg or in_cur < in_bg:
            return False
        return (in_cur >= 0.4 and in_cur - in_bg >= 0.25) or e_cur * 2.0 < e_bg

    @staticmethod
    def _in_palette(pixels: np.ndarray, palette: np.ndarray, tol: float) -> float:
        """Share of ``pixels`` within ``tol`` (max over channels) of some colour of ``palette``."""
        if len(pixels) == 0 or len(palette) == 0:
            return 0.0
        px = pixels.astype(np.int16)
        if len(px) > 400:
            px = px[:: len(px) // 400 + 1]
        d = np.abs(px[:, None, :] - palette[None, :, :]).max(axis=2).min(axis=1)
        return float((d <= tol).mean())

    def _level(self) -> float:
        """Scene brightness relative to a daylit street (contrasts shrink with it at night)."""
        return self.level
