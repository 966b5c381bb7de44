"""Many cameras' pipelines and one sink: the detection core shared by the service, replay and benchmarks."""
from __future__ import annotations

import logging
import threading

from .pipeline import CameraPipeline, FrameResult
from .types import TypeBook, UnknownProblemType
from .zones import build_zones

log = logging.getLogger(__name__)


class DetectionEngine:
    """Per-camera pipelines (created on first frame) feeding one sink (cases or memory)."""

    def __init__(self, book: TypeBook, zones_of: dict[str, list[dict]], sink, analysis_width: int = 320,
                 learn_s: float = 120.0, extra_detectors=None):
        self.book = book
        self.zones_of = dict(zones_of)
        self.sink = sink
        self.analysis_width = analysis_width
        self.learn_s = learn_s
        self.extra_detectors = extra_detectors  # callable(zones) -> list of detector objects
        self.pipelines: dict[str, CameraPipeline] = {}
        self.locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.raised = 0
        self.frames = 0
        self.errors: dict[str, str] = {}

    def lock_for(self, code: str) -> threading.Lock:
        with self._lock:
            return self.locks.setdefault(code, threading.Lock())

    def set_zones(self, code: str, zones: list[dict]) -> None:
        """New zones for a camera: its pipeline is rebuilt on the next frame."""
        with self._lock:
            if self.zones_of.get(code) != zones:
                self.zones_of[code] = zones
                self.pipelines.pop(code, None)

    def pipeline(self, code: str, t: float | None = None) -> CameraPipeline | None:
        """The camera's pipeline, created on first use; ``t`` (the frame's time) is when its open cases, reloaded
        from the sink, were last known to be there (they stay known for their de-dup window from then)."""
        pipe = self.pipelines.get(code)
        if pipe is not None:
            return pipe
        zone_dicts = self.zones_of.get(code)
        if zone_dicts is None:
            return None
        try:
            zones = build_zones(zone_dicts, self.book)
        except (ValueError, UnknownProblemType) as exc:
            self.errors[code] = f"zones: {exc}"
            log.warning("detection: camera %s has bad zones: %s", code, exc)
            return None
        extra = self.extra_detectors(zones) if self.extra_detectors else None
        pipe = CameraPipeline(code, zones, analysis_width=self.analysis_width, learn_s=self.learn_s,
                              extra_detectors=extra)
        now = t if t is not None else 0.0
        for type_code, zone, box, case_id in self.sink.open_cases(code) if hasattr(self.sink, "open_cases") else []:
            spec = self.book.get(type_code)
            if spec is not None:
                pipe.tracker.add_known(spec, zone, box, now, case_id)
        self.pipelines[code] = pipe
        return pipe

    def process(self, code: str, image, t: float, small=None) -> FrameResult | None:
        """Analyse one frame of camera ``code`` taken at ``t``; raises cases for confirmed problems."""
        with self.lock_for(code):
            pipe = self.pipeline(code, t)
            if pipe is None:
                return None
            result = pipe.process(image, t, small=small)
            self.frames += 1
            for p in result.confirmed:
                previous = pipe.tracker.recurrence_of(p)
                p.case_id = self.sink.raise_problem(code, p, t, image, previous_case_id=previous,
                                                    background=result.background)
                if p.case_id is not None:
                    p.previous_case_id = previous
                self.raised += 1
            if result.observations:
                owners = {}
                for ob in result.observations:
                    owners[id(ob)] = pipe.tracker._match(ob)
                self.sink.observe(code, result.observations, owners)
            return result
