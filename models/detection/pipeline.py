"""One camera's analysis: frame → background model → detector plugins → problems (pure; no database).

``CameraPipeline.process(image, t)`` downsizes the frame to the analysis width, updates the background
model, runs the detectors (crowd first: it claims its boxes), feeds their observations to the problem
tracker and returns what happened: the observations, the problems confirmed on this frame (raise a case)
and the problems dropped; with a confirmed problem, the background at that moment (the clean reference of
the camera re-check, see ``recheck_refs``: the re-check never asks the background model itself, which may
have learnt an unfixed object since a restart);
a tracked thing not observed but looking as when last observed — just uncovered by a passer-by — counts as
seen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import cv2
import numpy as np

from ..clock import LOCAL_TZ
from . import crowd, stationary  # noqa: F401 - register the built-in detectors
from .background import BackgroundModel
from .plugins import FrameContext, detector_class
from .problems import Observation, Problem, ProblemTracker, TrackerSettings, iou
from .zones import Zone, ZoneMap

DEFAULT_DETECTORS = ("crowd", "stationary", "wall_change")


@dataclass
class FrameResult:
    t: float
    ready: bool
    observations: list[Observation] = field(default_factory=list)
    confirmed: list[Problem] = field(default_factory=list)
    dropped: list[Problem] = field(default_factory=list)
    frame: np.ndarray | None = None  # analysis-size frame
    background: np.ndarray | None = None  # the background at this frame's exposure, when a problem is confirmed


def _crop(frame: np.ndarray, box) -> np.ndarray:
    """The pixels of a relative box (x1, y1, x2, y2) of ``frame`` (a copy)."""
    H, W = frame.shape[:2]
    x1, y1 = max(0, int(box[0] * W)), max(0, int(box[1] * H))
    x2, y2 = min(W, max(x1 + 1, int(round(box[2] * W)))), min(H, max(y1 + 1, int(round(box[3] * H))))
    return frame[y1:y2, x1:x2].copy()


def downsize(image: np.ndarray, width: int) -> np.ndarray:
    """The frame at analysis width (aspect kept; INTER_AREA averages away sensor noise)."""
    h, w = image.shape[:2]
    if w <= width:
        return image
    return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


class CameraPipeline:
    """Detection state of one camera."""

    def __init__(self, camera_code: str, zones: list[Zone], analysis_width: int = 320,
                 detectors: tuple[str, ...] = DEFAULT_DETECTORS, extra_detectors: list | None = None,
                 tracker: TrackerSettings | None = None, warmup: int = 5, keep_evidence: bool = True,
                 learn_s: float = 120.0):
        self.camera_code = camera_code
        self.zones = zones
        self.analysis_width = analysis_width
        self.bg = BackgroundModel(warmup=warmup, learn_s=learn_s)
        self.tracker = ProblemTracker(camera_code, tracker)
        self.detectors = [detector_class(name)(zones) for name in detectors] + list(extra_detectors or [])
        self.zone_map: ZoneMap | None = None
        self.keep_evidence = keep_evidence
        self.last_t: float | None = None
        self.frames = 0
        self.global_changes = 0

    def _zones_for(self, frame: np.ndarray) -> ZoneMap:
        h, w = frame.shape[:2]
        if self.zone_map is None or (self.zone_map.width, self.zone_map.height) != (w, h):
            self.zone_map = ZoneMap(self.zones, w, h)
        return self.zone_map

    def dwell_of(self, p: Problem) -> float:
        zone = next((z for z in self.zones if z.name == p.zone), None)
        return zone.dwell_for(p.type) if zone is not None else p.type.dwell_s

    def _held(self, frame: np.ndarray, t: float, solid: bool = False) -> np.ndarray | None:
        """Pixels the background must not learn: the boxes of the problems being tracked (a tracked thing
        whose colour is close to the ground would otherwise be learnt pixel by pixel and fall apart). Only
        problems seen in the last 30 s: a thing that left no longer holds its place. ``solid``: only those
        with good evidence (confirmed, or seen on 5+ samples and in 60 % of them), which nothing absorbs."""
        live = [p for p in self.tracker.problems if t - p.last_seen < 30.0 and (
            not solid or p.confirmed_at is not None or (p.hits >= 5 and p.hits >= 0.6 * max(1, p.samples)))]
        if not live:
            return None
        H, W = frame.shape[:2]
        hold = np.zeros((H, W), np.uint8)
        for p in live:
            x1, y1, x2, y2 = p.box
            hold[max(0, int(y1 * H) - 2):int(np.ceil(y2 * H)) + 2, max(0, int(x1 * W) - 2):int(np.ceil(x2 * W)) + 2] = 1
        return hold

    def process(self, image: np.ndarray, t: float, small: np.ndarray | None = None) -> FrameResult:
        """Analyse one frame taken at ``t`` (seconds; epoch or video time)."""
        if self.last_t is not None and t <= self.last_t:
            return FrameResult(t, self.bg.ready)  # out of order / duplicate: ignored
        self.last_t = t
        self.frames += 1
        frame = small if small is not None else downsize(image, self.analysis_width)
        zmap = self._zones_for(frame)
        if not self.bg.update(frame, t, hold=self._held(frame, t)) or self.bg.learning(t):
            self.bg.solid = None
            return FrameResult(t, False, frame=frame)
        if self.bg.jump > 0.4 and float(self.bg.fg.mean()) > 0.3:
            # the view jumped in one sample (a cover removed, the camera moved): learn the new view at once
            self.bg = BackgroundModel(warmup=self.bg.warmup, learn_s=self.bg.learn_s)
            self.global_changes = 0
            return FrameResult(t, False, frame=frame)
        if float(self.bg.fg.mean()) > 0.5:
            # most of the view changed at once: covered, moved or a lighting jump — not problems.
            self.global_changes += 1
            if self.global_changes > 60:  # for 60 samples: the view really changed; learn it again
                self.bg = BackgroundModel(warmup=self.bg.warmup, learn_s=self.bg.learn_s)
                self.global_changes = 0
            return FrameResult(t, False, frame=frame)
        self.global_changes = 0
        self.bg.solid = self._held(frame, t, solid=True)
        local = datetime.fromtimestamp(t, LOCAL_TZ)
        fc = FrameContext(self.camera_code, t, local, frame, self.bg, zmap, original=image)
        result = FrameResult(t, True, frame=frame)
        for det in self.detectors:
            result.observations += det.detect(fc)
        evidence = image if self.keep_evidence else None
        seen: set[int] = set()
        for ob in result.observations:
            p = self.tracker.observe(ob, frame=evidence)
            seen.add(p.id)
            if p.first_frame is None and evidence is not None and p.hits == 1:
                p.first_frame = evidence
            if p.last_seen == t and iou(p.box, ob.box) >= self.tracker.settings.match_iou:
                p.appearance = _crop(frame, p.box)
        self._seen_again(frame, t, seen)
        result.confirmed = self.tracker.due(t, self.dwell_of)
        for p in result.confirmed:
            p.confirmed_at = t
        if result.confirmed:
            # the clean view of the confirmed boxes (复核 reference): tracked boxes are never learnt (_held)
            result.background = self.bg.background_now().copy()
        result.dropped = self.tracker.expire(t)
        return result

    def _seen_again(self, frame: np.ndarray, t: float, seen: set[int]) -> None:
        """A tracked thing not observed on this sample but looking exactly as when last observed is seen.

        After a passer-by uncovers it, a thing's pixels are back but not yet "static" (they changed since
        the previous sample), so the static signal misses it for a couple of samples; each occlusion would
        cost those samples. Its last observed look (a crop of its box) recognises it at once. Only things
        seen in the last ``lost_after_s``, still differing from the background (not the bare ground).
        """
        thr = max(9.0, self.bg.threshold * self.bg.level)
        bg_now = None
        for p in self.tracker.problems:
            if p.id in seen or p.appearance is None or p.last_seen >= t \
                    or t - p.last_seen > self.tracker.settings.lost_after_s:
                continue
            crop = _crop(frame, p.box)
            if crop.shape != p.appearance.shape or crop.size == 0:
                continue
            if float((BackgroundModel._maxdiff(crop, p.appearance) <= thr).mean()) < 0.8:
                continue
            if bg_now is None:
                bg_now = self.bg.background_now()
            if float((BackgroundModel._maxdiff(crop, _crop(bg_now, p.box)) > thr).mean()) < 0.3:
                continue  # the ground looks like the thing's last view: cannot tell
            self.tracker.seen_again(p, t)
