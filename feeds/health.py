"""Camera health (摄像头状态): pure measurements of a frame and a per-camera state machine.

States (stored in ``Camera.health``): ``unknown`` (no frame yet), ``online``, ``offline`` (no frame for
``offline_after_s``), ``frozen`` (the same picture N times in a row), ``black``, ``washed_out``,
``blurred`` (sharpness far below the camera's own reference — scenes differ, so no fixed threshold once a
reference exists), ``covered`` (tampering: most of the view uniform though the reference view was
textured) and ``moved`` (tampering: the view no longer matches the reference view — shifted, turned).

Frames are measured on small box-averaged copies (320×180), so a 1280×720 frame costs about a
millisecond. A static scene with sensor noise is not frozen: only an (almost) exact repeat is.

A new fault state must be seen on ``confirm`` consecutive frames before it is entered (a truck filling
the view for one sample is not "moved"); the first frame after offline/unknown makes the camera online
at once. The reference view is taken from the first ``reference_frames`` consecutive normal frames and
follows slow lighting drift while the camera is online; :meth:`CameraHealth.reset_reference` re-learns
it after an operator accepts a new view.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

UNKNOWN, ONLINE, OFFLINE = "unknown", "online", "offline"
FROZEN, BLACK, WASHED_OUT, BLURRED, COVERED, MOVED = "frozen", "black", "washed_out", "blurred", "covered", "moved"
STATES = (UNKNOWN, ONLINE, OFFLINE, FROZEN, BLACK, WASHED_OUT, BLURRED, COVERED, MOVED)
FAULTS = (OFFLINE, FROZEN, BLACK, WASHED_OUT, BLURRED, COVERED, MOVED)

THUMB = (320, 180)  # (w, h) grey copy for brightness, texture, sharpness
SMALL = (80, 45)  # (w, h) blurred copy for comparing with the reference view
GRID = 4  # texture cells per side for "covered"


@dataclass(frozen=True)
class HealthThresholds:
    """Classifier thresholds; the first six come from ``feeds.health`` in the config."""

    offline_after_s: float = 10.0
    frozen_after_frames: int = 5
    black_mean_below: float = 18.0
    washed_out_mean_above: float = 240.0
    blur_variance_below: float = 25.0  # absolute floor, used until the camera has a reference
    tamper_similarity_below: float = 0.45
    blur_ratio_below: float = 0.3  # sharpness below this share of the reference: blurred
    identical_diff_below: float = 0.05  # mean |Δ| of full-res samples below this: the same picture
    cell_flat_std_below: float = 6.0  # a texture cell whose grey std is below this is "flat"
    covered_flat_share: float = 0.75  # this share of cells flat (and not flat in the reference): covered
    moved_shift_above: float = 0.03  # view shifted by more than this share of its size: moved
    reference_frames: int = 3
    confirm: dict = field(default_factory=lambda: {
        ONLINE: 2, BLACK: 2, WASHED_OUT: 2, BLURRED: 3, COVERED: 3, MOVED: 3, FROZEN: 1,
    })

    @classmethod
    def from_config(cls, cfg) -> "HealthThresholds":
        """From a :class:`models.config.HealthConfig`."""
        return cls(
            offline_after_s=cfg.offline_after_s, frozen_after_frames=cfg.frozen_after_frames,
            black_mean_below=cfg.black_mean_below, washed_out_mean_above=cfg.washed_out_mean_above,
            blur_variance_below=cfg.blur_variance_below, tamper_similarity_below=cfg.tamper_similarity_below,
        )


@dataclass
class FrameMeasures:
    """What health needs of one frame (all small)."""

    mean: float  # grey brightness 0–255
    std: float
    sharpness: float  # variance of the Laplacian of the 320×180 grey copy / its grey variance (contrast-free)
    laplacian_var: float  # variance of the Laplacian of the 320×180 grey copy
    flat_cells: np.ndarray  # bool GRID×GRID: cells without texture
    small: np.ndarray  # float32 SMALL grey, blurred, for comparing views
    samples: np.ndarray  # uint8 320×180 box-averaged colour copy, for the exact-repeat test


def shrink(image: np.ndarray, size: tuple[int, int] = THUMB) -> np.ndarray:
    """Box-average ``image`` down to ``size`` (w, h): exact halvings (fast bilinear 2×2 means), then area."""
    out = image
    while out.shape[1] >= 2 * size[0] and out.shape[0] >= 2 * size[1]:
        out = cv2.resize(out, (out.shape[1] // 2, out.shape[0] // 2), interpolation=cv2.INTER_LINEAR)
    if (out.shape[1], out.shape[0]) != size:
        out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    return out


def measure(image: np.ndarray) -> FrameMeasures:
    """Measure one BGR (or grey) frame."""
    colour = shrink(image)
    thumb = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY) if colour.ndim == 3 else colour
    mean, std = cv2.meanStdDev(thumb)
    lap = cv2.Laplacian(thumb, cv2.CV_32F)
    lap_var = float(cv2.meanStdDev(lap)[1][0, 0] ** 2)
    sharpness = lap_var / max(1.0, float(std[0, 0]) ** 2)
    f = thumb.astype(np.float32)
    cell_mean = cv2.resize(f, (GRID, GRID), interpolation=cv2.INTER_AREA)
    cell_sq = cv2.resize(f * f, (GRID, GRID), interpolation=cv2.INTER_AREA)
    flat = np.sqrt(np.maximum(cell_sq - cell_mean * cell_mean, 0)) < HealthThresholds.cell_flat_std_below
    small = cv2.GaussianBlur(cv2.resize(thumb, SMALL, interpolation=cv2.INTER_AREA).astype(np.float32), (3, 3), 0)
    # The box-averaged colour copy is the exact-repeat sample: sensor noise survives the averaging
    # (consecutive noisy frames differ in many pixels), a repeated frame gives the very same bytes.
    return FrameMeasures(float(mean[0, 0]), float(std[0, 0]), sharpness, lap_var, flat, small, colour)


def same_picture(a: FrameMeasures, b: FrameMeasures, limit: float = HealthThresholds.identical_diff_below) -> bool:
    """True when the box-averaged samples are (almost) exactly equal: a repeated, not a noisy-static, frame."""
    if a.samples.shape != b.samples.shape:
        return False
    return float(cv2.absdiff(a.samples, b.samples).mean()) < limit


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised cross-correlation of two small grey views (−1…1; lighting changes cancel)."""
    if a.shape != b.shape:
        return 0.0
    da, db = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((da * da).sum() * (db * db).sum()))
    return float((da * db).sum() / denom) if denom > 1e-6 else 0.0


def view_shift(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """(shift as a share of the view size, phase-correlation response) of ``current`` against ``reference``."""
    window = _hanning(reference.shape)
    # OpenCV 5's phaseCorrelate applies the window in place: give it copies.
    (dx, dy), response = cv2.phaseCorrelate(reference.copy(), current.copy(), window)
    h, w = reference.shape
    return float(np.hypot(dx / w, dy / h)), float(response)


_WINDOWS: dict[tuple[int, int], np.ndarray] = {}


def _hanning(shape: tuple[int, int]) -> np.ndarray:
    win = _WINDOWS.get(shape)
    if win is None:
        win = _WINDOWS[shape] = cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)
    return win


@dataclass
class Reference:
    """A camera's normal view: what "moved", "covered" and "blurred" are judged against."""

    small: np.ndarray
    sharpness: float
    flat_cells: np.ndarray

    def follow(self, m: FrameMeasures, rate: float = 0.02) -> None:
        """Follow slow drift (lighting, seasons) while the camera is online."""
        self.small += (m.small - self.small) * rate
        self.sharpness += (m.sharpness - self.sharpness) * rate * 2


def classify(m: FrameMeasures, ref: Reference | None, t: HealthThresholds) -> tuple[str, str]:
    """(state, detail) of one frame judged alone against the reference (frozen needs history: not here)."""
    if m.mean < t.black_mean_below:
        return BLACK, f"mean brightness {m.mean:.0f} < {t.black_mean_below:g}"
    if m.mean > t.washed_out_mean_above:
        return WASHED_OUT, f"mean brightness {m.mean:.0f} > {t.washed_out_mean_above:g}"
    flat_share = float(m.flat_cells.mean())
    if ref is not None:
        newly_flat = float((m.flat_cells & ~ref.flat_cells).mean())
        ref_textured = 1.0 - float(ref.flat_cells.mean())
        if ref_textured > 0 and newly_flat / ref_textured >= t.covered_flat_share:
            return COVERED, f"{newly_flat:.0%} of the view lost its texture"
    elif flat_share >= 1.0 and m.std < HealthThresholds.cell_flat_std_below:
        return COVERED, f"uniform view (grey std {m.std:.1f})"
    if ref is not None:
        if m.sharpness < t.blur_ratio_below * ref.sharpness:
            return BLURRED, f"sharpness {m.sharpness:.2f} < {t.blur_ratio_below:g} × reference {ref.sharpness:.2f}"
        sim = similarity(ref.small, m.small)
        if sim < t.tamper_similarity_below:
            return MOVED, f"similarity to the reference view {sim:.2f} < {t.tamper_similarity_below:g}"
        if sim < 0.95:  # a view this similar has not shifted by more than ~1.5 %: skip the costlier check
            shift, response = view_shift(ref.small, m.small)
        else:
            shift, response = 0.0, 0.0
        if shift > t.moved_shift_above and response > 0.2:
            return MOVED, f"view shifted by {shift:.0%} of its size"
    elif m.laplacian_var < t.blur_variance_below:
        return BLURRED, f"Laplacian variance {m.laplacian_var:.0f} < {t.blur_variance_below:g}"
    return ONLINE, ""


@dataclass(frozen=True)
class HealthChange:
    """A change of state, at ``at`` (seconds since the epoch)."""

    camera_code: str
    at: float
    from_state: str
    to_state: str
    detail: str


class CameraHealth:
    """The health state machine of one camera. Not thread-safe: one camera's runs never overlap."""

    def __init__(self, camera_code: str, thresholds: HealthThresholds | None = None, *, started_at: float = 0.0,
                 state: str = UNKNOWN):
        self.camera_code = camera_code
        self.t = thresholds or HealthThresholds()
        self.state = state
        self.since = started_at
        self.detail = ""
        self.last_frame_at: float | None = None
        self.started_at = started_at
        self.reference: Reference | None = None
        self._prev: FrameMeasures | None = None
        self._repeats = 1
        self._pending: str | None = None
        self._pending_n = 0
        self._candidates: list[FrameMeasures] = []
        self.last_error = ""

    # -- events ------------------------------------------------------------------------------------
    def on_frame(self, image: np.ndarray, now: float) -> HealthChange | None:
        """Judge a new frame; returns the change of state it causes, if any."""
        m = measure(image)
        return self.on_measures(m, now)

    def on_measures(self, m: FrameMeasures, now: float) -> HealthChange | None:
        self.last_frame_at = now
        if self._prev is not None and same_picture(self._prev, m, self.t.identical_diff_below):
            self._repeats += 1
        else:
            self._repeats = 1
        self._prev = m
        state, detail = classify(m, self.reference, self.t)
        # A dark, blank or covered view repeats exactly even on a live camera (nothing left to change):
        # those diagnoses win over "frozen".
        if self._repeats >= self.t.frozen_after_frames and state not in (BLACK, WASHED_OUT, COVERED):
            state, detail = FROZEN, f"the same picture {self._repeats} times in a row"
        if state == ONLINE:
            self._learn(m)
        else:
            self._candidates.clear()
        return self._propose(state, detail, now)

    def on_failure(self, now: float, reason: str) -> HealthChange | None:
        """A read failed (or gave no frame): remember why and check for offline."""
        self.last_error = reason
        return self.tick(now)

    def tick(self, now: float) -> HealthChange | None:
        """Offline when no frame arrived for ``offline_after_s``."""
        if self.state == OFFLINE:
            return None
        last = self.last_frame_at if self.last_frame_at is not None else self.started_at
        if now - last >= self.t.offline_after_s:
            self._prev, self._repeats = None, 1
            gap = now - last
            why = f": {self.last_error}" if self.last_error else ""
            return self._switch(OFFLINE, f"no frame for {gap:.0f} s{why}", now)
        return None

    def force(self, state: str, detail: str, now: float) -> HealthChange | None:
        """Set a state from outside (e.g. a camera without any source is offline)."""
        return self._switch(state, detail, now) if state != self.state or detail != self.detail else None

    def reset_reference(self) -> None:
        """Forget the reference view (an operator accepted the new view); the next normal frames set it."""
        self.reference = None
        self._candidates.clear()

    # -- internals ---------------------------------------------------------------------------------
    def _learn(self, m: FrameMeasures) -> None:
        if self.reference is not None:
            if self.state == ONLINE:
                self.reference.follow(m)
            return
        if self._candidates and similarity(self._candidates[-1].small, m.small) < 0.8:
            self._candidates.clear()
        self._candidates.append(m)
        if len(self._candidates) >= self.t.reference_frames:
            smalls = np.stack([c.small for c in self._candidates])
            flats = np.stack([c.flat_cells for c in self._candidates])
            self.reference = Reference(
                small=np.median(smalls, axis=0).astype(np.float32),
                sharpness=float(np.median([c.sharpness for c in self._candidates])),
                flat_cells=flats.all(axis=0),
            )
            self._candidates.clear()

    def _propose(self, state: str, detail: str, now: float) -> HealthChange | None:
        if state == self.state:
            self._pending, self._pending_n = None, 0
            self.detail = detail or self.detail
            return None
        if state == self._pending:
            self._pending_n += 1
        else:
            self._pending, self._pending_n = state, 1
        need = 1 if self.state in (UNKNOWN, OFFLINE) else self.t.confirm.get(state, 1)
        if self._pending_n >= need:
            return self._switch(state, detail, now)
        return None

    def _switch(self, state: str, detail: str, now: float) -> HealthChange:
        change = HealthChange(self.camera_code, now, self.state, state, detail)
        self.state, self.since, self.detail = state, now, detail
        self._pending, self._pending_n = None, 0
        return change


class Backoff:
    """Exponential reconnect delays: ``initial_s``, × ``factor`` after each failure, capped at ``max_s``."""

    def __init__(self, initial_s: float = 1.0, max_s: float = 60.0, factor: float = 2.0):
        self.initial_s, self.max_s, self.factor = initial_s, max_s, factor
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * self.factor ** self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
