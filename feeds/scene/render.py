"""Rendering one frame of a simulated camera: a pure function of (camera scene, seed, simulated time).

``frame = lighting(t) × (backdrop + scripted objects + moving people and vehicles) + sensor noise``.
The backdrop is cached per camera and size, so a frame costs a copy, a few dozen drawing calls and two
saturating adds. Faults change the output: ``covered`` gives a dark smudged view, ``frozen`` repeats the
frame of the fault's start (``offline`` is the adapter's business: it raises instead of returning).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from .actors import draw_people, draw_vehicles, hash01
from .backdrop import _seed, backdrop
from .objects import draw_problem
from .script import ScriptParams, ScriptedProblem, daylight, local_hour, visible_at


@dataclass
class CameraScene:
    """One simulated camera: its code, zones and the script parameters (seed, rates)."""

    camera_code: str
    zones: list[dict]
    params: ScriptParams = field(default_factory=ScriptParams)
    # scripted problems removed early (their case was rectified): problem id → simulated removal time
    removed: dict[str, float] = field(default_factory=dict)

    @property
    def cam_seed(self) -> int:
        return _seed(self.params.seed, self.camera_code) & 0xFFFFFFFF

    def on_screen(self, t: float) -> tuple[list[ScriptedProblem], object]:
        """Scripted problems drawn at ``t`` (removed ones excluded) and the active fault, if any."""
        problems, fault = visible_at(self.camera_code, self.zones, t, self.params)
        return [p for p in problems if not (p.id in self.removed and self.removed[p.id] <= t)], fault


@lru_cache(maxsize=8)
def _noise(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    n = rng.normal(0, 3.0, (h + 16, w + 16, 3))
    return np.clip(n, 0, 255).astype(np.uint8), np.clip(-n, 0, 255).astype(np.uint8)


def _lighting(scene: CameraScene, t: float) -> float:
    drift = 0.04 * math.sin(2 * math.pi * t / 900 + (scene.cam_seed % 628) / 100)
    return daylight(t) * (1 + drift)


def render(scene: CameraScene, t: float, width: int, height: int) -> np.ndarray:
    """The frame of ``scene`` at simulated time ``t`` (BGR uint8, ``height``×``width``)."""
    problems, fault = scene.on_screen(t)
    if fault is not None and fault.kind == "frozen" and t > fault.start_t:
        return render(scene, fault.start_t, width, height)
    img = backdrop(scene.zones, width, height, scene.params.seed).copy()
    if fault is not None and fault.kind == "covered":
        img[:] = (img.mean(axis=(0, 1)) * 0.25).astype(np.uint8)
        cv2.circle(img, (width // 3, height // 2), height // 3, (40, 40, 45), -1)
        return cv2.GaussianBlur(img, (0, 0), max(1, width / 160))
    hour = local_hour(t)
    for p in problems:
        draw_problem(img, p, t)
    draw_vehicles(img, scene.zones, scene.cam_seed, t, hour)
    draw_people(img, scene.zones, scene.cam_seed, t, hour)
    img = cv2.convertScaleAbs(img, alpha=_lighting(scene, t))
    plus, minus = _noise(width, height)
    ox = int(hash01(scene.cam_seed, int(t * 10), 1) * 16)
    oy = int(hash01(scene.cam_seed, int(t * 10), 2) * 16)
    cv2.add(img, plus[oy:oy + height, ox:ox + width], dst=img)
    cv2.subtract(img, minus[oy + 1:oy + 1 + height, ox:ox + width] if oy < 15 else minus[:height, ox:ox + width],
                 dst=img)
    return img
