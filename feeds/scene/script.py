"""The seeded per-camera script of the simulated city: problems appearing and persisting, camera faults.

The script is the ground truth that tests and benchmarks score detection against. It is a pure function
of (camera code, zones, seed, local day): :func:`day_script` draws it, :func:`ground_truth` lists what is
on screen in a time range. Detection never reads it.

Each scripted problem is a drawn object (``stall``, ``garbage``, ``car`` …) placed inside a zone of a kind
where it is a problem, mapped to a problem type by Chinese name (resolved to the registry's code by the
caller). Times are simulated epoch seconds (UTC); a "day" is a local (Asia/Shanghai) calendar day.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np

from models.clock import LOCAL_TZ

# object kind → (problem type Chinese name, zone kinds it is placed in, (min, max) width relative to the
# zone's width, (min, max) height/width aspect, (min, max) lifetime in seconds, local hours it may appear)
OBJECTS: dict[str, dict] = {
    "garbage": dict(type="暴露垃圾", kinds=("sidewalk", "green_space", "plaza"), w=(0.06, 0.09),
                    aspect=(0.45, 0.7), life=(1200, 5400), hours=(0, 24)),
    "stall": dict(type="占道经营", kinds=("sidewalk",), w=(0.11, 0.15),
                  aspect=(0.55, 0.75), life=(1500, 6000), hours=(8, 20)),
    "car": dict(type="机动车乱停放", kinds=("no_parking",), w=(0.16, 0.2), aspect=(0.42, 0.5),
                life=(1200, 5400), hours=(0, 24)),
    "fire_car": dict(type="占用消防通道", kinds=("fire_lane",), w=(0.16, 0.2), aspect=(0.42, 0.5),
                     life=(1200, 5400), hours=(0, 24)),
    "banner": dict(type="违规悬挂横幅", kinds=("wall",), w=(0.25, 0.35), aspect=(0.12, 0.18),
                   life=(3600, 14400), hours=(6, 22)),
    "posters": dict(type="非法小广告", kinds=("wall",), w=(0.07, 0.1), aspect=(0.8, 1.2),
                    life=(3600, 14400), hours=(0, 24)),
    "bikes": dict(type="非机动车乱停放", kinds=("sidewalk",), w=(0.12, 0.16), aspect=(0.4, 0.55),
                  life=(1500, 6000), hours=(7, 21)),
    "materials": dict(type="乱堆物料", kinds=("sidewalk", "shop_front"), w=(0.07, 0.1),
                      aspect=(0.6, 0.85), life=(2400, 9000), hours=(0, 24)),
    "crowd": dict(type="人群聚集", kinds=("plaza",), w=(0.22, 0.3), aspect=(0.35, 0.5),
                  life=(900, 2400), hours=(9, 21)),
}
# Objects never overlap on one camera within this long of each other (longer than detection's de-dup window,
# so that every scripted object is a distinct problem).
GAP_S = 3700.0
# Camera faults: kind → (min, max) duration in seconds.
FAULTS = {"offline": (300, 1800), "frozen": (300, 1200), "covered": (300, 1200)}


@dataclass(frozen=True)
class ScriptedProblem:
    """One scripted object on one camera: what, where (zone + relative box) and when (epoch seconds)."""

    id: str
    camera_code: str
    obj: str                # drawn object kind (``stall``, ``garbage`` …)
    type_name: str          # problem type (Chinese name)
    zone: str
    box: tuple[float, float, float, float]  # relative x1, y1, x2, y2
    appear_t: float
    disappear_t: float
    variant: int            # seed of the drawing (colours, shapes)

    def visible(self, t: float) -> bool:
        return self.appear_t <= t < self.disappear_t


@dataclass(frozen=True)
class ScriptedFault:
    """A scripted camera fault: ``offline`` (no frames), ``frozen`` (the same frame), ``covered``."""

    camera_code: str
    kind: str
    start_t: float
    end_t: float

    def active(self, t: float) -> bool:
        return self.start_t <= t < self.end_t


@dataclass(frozen=True)
class DayScript:
    problems: tuple[ScriptedProblem, ...] = ()
    faults: tuple[ScriptedFault, ...] = ()


@dataclass(frozen=True)
class ScriptParams:
    """How dense the script is (the config's ``simulator`` section; benchmarks may raise the rates)."""

    seed: int = 2024
    problems_per_camera_day: float = 4.0
    faults_per_camera_day: float = 0.3
    objects: tuple[str, ...] = field(default_factory=lambda: tuple(OBJECTS))


def _rng(*parts) -> np.random.Generator:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def day_start(t: float) -> float:
    """Epoch seconds of local midnight of the day containing ``t``."""
    local = datetime.fromtimestamp(t, LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _zone_rect(polygon) -> tuple[float, float, float, float]:
    """The largest axis-aligned rectangle we place objects in: the polygon's bbox shrunk by 10 %."""
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    x1, x2, y1, y2 = min(xs), max(xs), min(ys), max(ys)
    dx, dy = (x2 - x1) * 0.05, (y2 - y1) * 0.05
    return x1 + dx, y1 + dy, x2 - dx, y2 - dy


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _overlaps(a, b, margin=0.02) -> bool:
    return not (a[2] + margin <= b[0] or b[2] + margin <= a[0] or a[3] + margin <= b[1] or b[3] + margin <= a[1])


def _zones_key(zones) -> tuple:
    return tuple((z["name"], z["kind"], tuple(tuple(p) for p in z["polygon"])) for z in zones)


def day_script(camera_code: str, zones: list[dict], day0: float, params: ScriptParams) -> DayScript:
    """The script of one camera for the local day starting at ``day0`` (epoch seconds of local midnight)."""
    return _day_script(camera_code, _zones_key(zones), float(day0), params)


@lru_cache(maxsize=4096)
def _day_script(camera_code: str, zkey: tuple, day0: float, params: ScriptParams) -> DayScript:
    rng = _rng(params.seed, camera_code, int(day0))
    zones = [{"name": n, "kind": k, "polygon": p} for n, k, p in zkey]
    choices = []  # (object kind, zone)
    for obj in params.objects:
        spec = OBJECTS[obj]
        for z in zones:
            if z["kind"] in spec["kinds"]:
                choices.append((obj, z))
    problems: list[ScriptedProblem] = []
    n = int(rng.poisson(params.problems_per_camera_day)) if choices else 0
    for i in range(n * 3):  # attempts: placements that collide with others are retried
        if len(problems) >= n:
            break
        obj, zone = choices[int(rng.integers(len(choices)))]
        spec = OBJECTS[obj]
        h0, h1 = spec["hours"]
        life = float(rng.uniform(*spec["life"]))
        latest = day0 + h1 * 3600 - life
        earliest = day0 + h0 * 3600 + 300
        if latest <= earliest:
            continue
        appear = float(rng.uniform(earliest, latest))
        zx1, zy1, zx2, zy2 = _zone_rect(zone["polygon"])
        zw, zh = zx2 - zx1, zy2 - zy1
        w = min(float(rng.uniform(*spec["w"])), zw * 0.9)
        ar = float(rng.uniform(*spec["aspect"]))
        h = w * ar * 16 / 9  # aspect is height/width in pixels of a 16:9 frame
        if h > zh * 0.95:
            h = zh * 0.95
            w = h / (ar * 16 / 9)
        if w < 0.03 or h < 0.03:
            continue
        x1 = float(rng.uniform(zx1, zx2 - w))
        y1 = float(rng.uniform(zy1, zy2 - h))
        box = (round(x1, 4), round(y1, 4), round(x1 + w, 4), round(y1 + h, 4))
        clash = any(
            _overlaps(box, p.box) and not (appear >= p.disappear_t + GAP_S or appear + life + GAP_S <= p.appear_t)
            for p in problems
        )
        if clash:
            continue
        problems.append(ScriptedProblem(
            id=f"{camera_code}:{int(day0)}:{i}", camera_code=camera_code, obj=obj, type_name=spec["type"],
            zone=zone["name"], box=box, appear_t=appear, disappear_t=appear + life,
            variant=int(rng.integers(1 << 30)),
        ))
    faults: list[ScriptedFault] = []
    for _ in range(int(rng.poisson(params.faults_per_camera_day))):
        kind = list(FAULTS)[int(rng.integers(len(FAULTS)))]
        dur = float(rng.uniform(*FAULTS[kind]))
        start = float(rng.uniform(day0 + 600, day0 + 86400 - dur - 600))
        faults.append(ScriptedFault(camera_code, kind, start, start + dur))
    problems.sort(key=lambda p: p.appear_t)
    faults.sort(key=lambda f: f.start_t)
    return DayScript(tuple(problems), tuple(faults))


def _days(t0: float, t1: float):
    d = day_start(t0)
    while d < t1:
        yield d
        d = day_start(d + 86400 + 7200)


def ground_truth(camera_code: str, zones: list[dict], t0: float, t1: float,
                 params: ScriptParams) -> tuple[list[ScriptedProblem], list[ScriptedFault]]:
    """Scripted problems and faults of one camera that are on screen at some time in ``[t0, t1)``."""
    problems: list[ScriptedProblem] = []
    faults: list[ScriptedFault] = []
    for d in _days(t0 - 86400, t1):
        script = day_script(camera_code, zones, d, params)
        problems += [p for p in script.problems if p.appear_t < t1 and p.disappear_t > t0]
        faults += [f for f in script.faults if f.start_t < t1 and f.end_t > t0]
    return problems, faults


def visible_at(camera_code: str, zones: list[dict], t: float, params: ScriptParams) -> tuple[list, ScriptedFault | None]:
    """Problems on screen at ``t`` and the active fault (if any)."""
    problems, faults = ground_truth(camera_code, zones, t, t + 1e-6, params)
    return [p for p in problems if p.visible(t)], (faults[0] if faults else None)


def daylight(t: float) -> float:
    """Scene brightness factor by local time of day: ~0.35 at night, 1.0 at noon, smooth dawn/dusk."""
    local = datetime.fromtimestamp(t, LOCAL_TZ)
    hour = local.hour + local.minute / 60 + local.second / 3600
    sun = math.sin(math.pi * (hour - 6) / 12.5)  # > 0 roughly 06:00–18:30
    day = 1 / (1 + math.exp(-6 * sun))
    return 0.35 + 0.65 * day


def local_hour(t: float) -> float:
    local = datetime.fromtimestamp(t, LOCAL_TZ)
    return local.hour + local.minute / 60


__all__ = ["OBJECTS", "FAULTS", "ScriptedProblem", "ScriptedFault", "DayScript", "ScriptParams", "day_script",
           "ground_truth", "visible_at", "daylight", "day_start", "local_hour"]
