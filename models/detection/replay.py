"""Replay: the same detection pipeline over recorded frames, raising into memory (no database).

``replay_frames(frames, zones, book)`` takes ``(video_time_s, BGR frame)`` pairs and returns the problems
raised, with video times and ``type_unconfirmed`` (类型待确认: no type rule took the thing; raised as the
best allowed type). Active hours are judged at ``start`` (epoch seconds) + video time.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .engine import DetectionEngine
from .sinks import MemorySink
from .types import TypeBook


def replay_frames(frames: Iterable[tuple[float, np.ndarray]], zones: list[dict], book: TypeBook, start: float,
                  analysis_width: int = 320, learn_s: float = 5.0, camera_code: str = "REPLAY") -> list[dict]:
    """Run the pipeline over ``frames``; one dict per raised problem (video times in seconds)."""
    sink = MemorySink()
    engine = DetectionEngine(book, {camera_code: zones}, sink, analysis_width=analysis_width, learn_s=learn_s)
    if engine.pipeline(camera_code) is None:
        raise ValueError(engine.errors.get(camera_code, "bad zones"))
    for t, frame in frames:
        engine.process(camera_code, frame, start + t)
    return [{"problem_type": r.problem_type, "type_name": r.type_name, "zone": r.zone,
             "first_seen_s": round(r.first_seen - start, 2), "confirmed_s": round(r.confirmed - start, 2),
             "box": [round(v, 4) for v in r.box], "score": round(r.score, 3),
             "type_unconfirmed": r.type_unconfirmed} for r in sink.raised]
