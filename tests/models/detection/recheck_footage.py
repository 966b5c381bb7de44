"""Real footage for camera re-check tests: Debian's opencv-doc ``vtest.avi`` (people walking and standing on
a paved square), sampled every 2 s (the footage's own time; it loops every 79 s), with a pile of boxes
planted on the path.

:func:`feed` runs samples through a :class:`DetectionService` the way the feed would: ``plant`` says
whether the object is in the picture at a time, ``light`` turns a frame into another light (dusk, night).
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from sqlalchemy import select

from models.frames import FrameEvent
from models.registry import Camera, ProblemType, ResponsibleUnit

PLANT_BOX = (0.62, 0.40, 0.70, 0.50)  # relative: on the paved path, right of the lamp post
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
ZONES = [{"name": "路面", "kind": "sidewalk", "polygon": [[0.0, 0.25], [1.0, 0.25], [1.0, 0.62], [0.45, 0.42],
                                                          [0.0, 0.55]],
          "types": ["乱堆物料"], "dwell_s": 10}]
STEP_S = 2.0
CAM = "CAM-0001"


def prepare_registry(s) -> None:
    """On a registry from ``tests.factories.make_registry``: camera ``CAM`` looks at the footage's path, with
    the type 乱堆物料 (dwell 10 s, auto-accepted and dispatched to the city bureau)."""
    s.scalar(select(Camera).where(Camera.code == CAM)).zones = ZONES
    unit = s.scalar(select(ResponsibleUnit.id).where(ResponsibleUnit.code == "U-CGJ"))
    s.add(ProblemType(code="PT21", name="乱堆物料", major_class="市容环境", camera_visible=True,
                      signals=["stationary_object"], zone_kinds=["sidewalk"], dwell_s=10, confirm_frames=3,
                      dedup_window_s=3600, dedup_radius_m=50, severity=2, deadline_value=4,
                      deadline_unit="working_hours", auto_accept=True, default_unit_id=unit, params={}))
_frames: list[np.ndarray] = []


def frames() -> list[np.ndarray]:
    """Every 20th frame of vtest.avi (one per 2 s of video, the sampling interval), loaded once."""
    if not _frames:
        assert VTEST.is_file(), f"{VTEST} missing: install Debian's opencv-doc (scripts/setup.sh --test does)"
        cap = cv2.VideoCapture(str(VTEST))
        i = 0
        while True:
            ok, f = cap.read()
            if not ok:
                break
            if i % 20 == 0:
                _frames.append(f)
            i += 1
        cap.release()
    return _frames


def pile(w: int, h: int) -> np.ndarray:
    """Stacked cardboard boxes (brown, with darker seams), w×h pixels."""
    patch = np.zeros((h, w, 3), np.uint8)
    for r in range(3):
        y1, y2 = h * r // 3, h * (r + 1) // 3
        patch[y1:y2, :] = (50 + 15 * r, 100 + 12 * r, 150 + 10 * r)
        cv2.rectangle(patch, (0, y1), (w - 1, y2 - 1), (30, 50, 80), 2)
        cv2.line(patch, (w // 2, y1), (w // 2, y2), (30, 50, 80), 2)
    return patch


def planted(frame: np.ndarray, box=PLANT_BOX) -> np.ndarray:
    out = frame.copy()
    H, W = out.shape[:2]
    x1, y1, x2, y2 = int(box[0] * W), int(box[1] * H), int(box[2] * W), int(box[3] * H)
    out[y1:y2, x1:x2] = pile(x2 - x1, y2 - y1)
    return out


def night(frame: np.ndarray, seed: int = 0) -> np.ndarray:
    """The same place at night: a tenth of the light, sensor noise, a warm street-lamp cast."""
    rng = np.random.default_rng(seed)
    dark = frame.astype(np.float32) * np.array([0.06, 0.09, 0.12], np.float32)
    return np.clip(dark + rng.normal(0, 3.0, frame.shape), 0, 255).astype(np.uint8)


def dimmer(frame: np.ndarray, gain: float = 0.55) -> np.ndarray:
    """Overcast / dusk: the whole picture darker (auto-exposure does not make up for it)."""
    return np.clip(frame.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def frame_at(t: float, t0: float, plant=None, light=None) -> np.ndarray:
    fs = frames()
    f = fs[int((t - t0) / STEP_S) % len(fs)]
    if plant is not None and plant(t):
        f = planted(f)
    if light is not None:
        f = light(f)
    return f


_seq = itertools.count(1)


def events(code: str, t0: float, t1: float, start: float, plant=None, light=None):
    """Frame events of camera ``code`` every 2 s from ``t0`` to ``t1`` (``start``: the footage's time origin)."""
    t = t0
    while t < t1:
        yield FrameEvent(code, datetime.fromtimestamp(t, UTC), frame_at(t, start, plant, light), next(_seq),
                         media_time_s=t)
        t += STEP_S


def feed(svc, code: str, t0: float, t1: float, start: float, plant=None, light=None) -> float:
    """Run :func:`events` through a detection service in this process; returns ``t1``."""
    for ev in events(code, t0, t1, start, plant, light):
        svc.handle(ev)
    return t1
