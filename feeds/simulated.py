"""The ``simulated`` camera adapter: a street scene rendered per camera (pixels only, never events).

Options (filled by the feeds service from the ``simulator`` config and the camera's registry row):
``zones`` (the camera's zones: the scene is painted from them), ``seed``, ``time_scale`` (simulated
seconds per wall-clock second; all simulated cameras of a process share one simulated clock),
``problems_per_camera_day``, ``faults_per_camera_day``. Frames are rendered at the spec's width × height
(default 1280×720). ``read()`` returns ``(frame, simulated epoch seconds)``; during a scripted
``offline`` fault it raises :class:`SourceUnavailable`.

Rectified problems disappear: :func:`link_city` (call it once with the app context) starts a thread that
polls the workflow's rectification reports (:func:`models.workflow.demo.demo_rectifications`) and removes
the scripted object whose box overlaps the case box — unless the report says ``{"demo": {"fixed": false}}``
(the unit did not really fix it: the camera re-check then finds it and the case goes back, 返工).
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from .base import CameraAdapter
from .registry import register_adapter
from .scene import CameraScene, ScriptParams, render
from .scene.script import visible_at

log = logging.getLogger(__name__)

DEFAULT_ZONES = [
    {"name": "墙面", "kind": "wall", "polygon": [[0.0, 0.05], [1.0, 0.05], [1.0, 0.4], [0.0, 0.4]]},
    {"name": "店前区域", "kind": "shop_front", "polygon": [[0.0, 0.4], [1.0, 0.4], [1.0, 0.52], [0.0, 0.52]]},
    {"name": "人行道", "kind": "sidewalk", "polygon": [[0.0, 0.52], [1.0, 0.52], [1.0, 0.7], [0.0, 0.7]]},
    {"name": "机动车道", "kind": "roadway", "polygon": [[0.0, 0.7], [1.0, 0.7], [1.0, 1.0], [0.0, 1.0]]},
]

# camera code → {scripted problem id: simulated time it was removed (rectified)}; shared by all adapters
REMOVED: dict[str, dict[str, float]] = {}
_clock_lock = threading.Lock()
_anchor: dict[float, tuple[float, float]] = {}


def simulated_time(wall: float, time_scale: float) -> float:
    """The city's simulated epoch time for a wall-clock time (one shared anchor per time scale)."""
    if time_scale == 1.0:
        return wall
    with _clock_lock:
        start = _anchor.setdefault(time_scale, (wall, wall))
    return start[1] + (wall - start[0]) * time_scale


@register_adapter("simulated")
class SimulatedAdapter(CameraAdapter):
    """Renders the camera's own street; scripted problems and faults come from the seeded script."""

    def open(self) -> None:
        opts = self.source.options or {}
        zones = list(opts.get("zones") or DEFAULT_ZONES)
        params = ScriptParams(seed=int(opts.get("seed", 2024)),
                              problems_per_camera_day=float(opts.get("problems_per_camera_day", 4.0)),
                              faults_per_camera_day=float(opts.get("faults_per_camera_day", 0.3)))
        self.time_scale = float(opts.get("time_scale", 1.0))
        self.width = int(self.source.width or 1280)
        self.height = int(self.source.height or 720)
        self.scene = CameraScene(self.camera_code, zones, params, removed=REMOVED.setdefault(self.camera_code, {}))
        self.opened = True

    def read(self) -> tuple[np.ndarray, float | None]:
        if not getattr(self, "opened", False):
            raise self.unavailable("not open")
        t = simulated_time(self.clock(), self.time_scale)
        _problems, fault = self.scene.on_screen(t)
        if fault is not None and fault.kind == "offline":
            raise self.unavailable("simulated fault: camera offline")
        return render(self.scene, t, self.width, self.height), t

    def close(self) -> None:
        self.opened = False


def remove_rectified(camera_code: str, zones: list[dict], params: ScriptParams, box, t: float) -> str | None:
    """Remove the scripted object of ``camera_code`` on screen at ``t`` that overlaps ``box`` most."""
    from models.detection.problems import iou

    problems, _fault = visible_at(camera_code, zones, t, params)
    best = max(problems, key=lambda p: iou(p.box, box), default=None)
    if best is None or iou(best.box, box) <= 0.05:
        return None
    REMOVED.setdefault(camera_code, {})[best.id] = t
    return best.id


def link_city(ctx, poll_s: float = 5.0) -> threading.Thread:
    """Start polling rectification reports so fixed problems disappear from the simulated scenes."""
    from sqlalchemy import select

    from models.registry import Camera
    from models.workflow.demo import demo_rectifications

    sim = ctx.config.simulator
    params = ScriptParams(seed=sim.seed, problems_per_camera_day=sim.problems_per_camera_day,
                          faults_per_camera_day=sim.faults_per_camera_day)
    state = {"after": 0}

    def poll_once() -> int:
        removed = 0
        with ctx.sessions() as s:
            reports = demo_rectifications(s, after_id=state["after"])
            zones = {c.code: list(c.zones or []) for c in s.scalars(select(Camera).where(
                Camera.code.in_({r["camera_code"] for r in reports})))} if reports else {}
        for r in reports:
            state["after"] = max(state["after"], r["transition_id"])
            if not r["fixed"] or not r["box"]:
                continue
            t = simulated_time(time.time(), sim.time_scale)
            if remove_rectified(r["camera_code"], zones.get(r["camera_code"]) or DEFAULT_ZONES, params, r["box"], t):
                removed += 1
        return removed

    def loop() -> None:
        while not ctx.stop_event.wait(poll_s):
            try:
                poll_once()
            except Exception:  # noqa: BLE001
                log.exception("simulated city: polling rectifications failed")

    th = threading.Thread(target=loop, name="simulated-city-link", daemon=True)
    th.poll_once = poll_once  # type: ignore[attr-defined]  (tests call it directly)
    th.start()
    return th
