"""Real-footage corpus: real clips shipped by Debian's opencv-doc, with real-looking objects planted in them.

The clips are real camera footage (``vtest.avi``: a campus walkway with people walking, stopping and
crossing, used as is and mirrored left-right as a second view). An object is planted from ``t0`` on at a fixed
place: a crop of a real photo shipped by the same package (cardboard, fur, fruit, sweets, a wooden
board...), cut to a silhouette (box, bag, low heap), shaded (lit from above, darker at the bottom, a soft
contact shadow on the ground), following the light of the frame around it and carrying the camera's noise.
It is composited *behind* the real passers-by: wherever the frame differs from the clip's median view (a
person walking through), the person's pixels stay on top, so real people occlude the object.

``SCENES`` lists the clips with their placements, each marked ``tune`` (used while choosing thresholds) or ``held_out``
(never looked at while tuning; reported separately). ``docs/detection-corpus.md`` describes the corpus.
Run ``python -m tests.models.detection.corpus`` for the table of results (each placement replayed through
``civicwatch replay`` once per zone set: one zone naming a single type, one naming several).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

DATA = Path("/usr/share/doc/opencv-doc/examples/data")
CLIPS = {"vtest": DATA / "vtest.avi", "vtest-mirror": DATA / "vtest.avi"}  # mirror: the same footage flipped
FPS = 2.0  # samples analysed per second of video (the replay's --fps)
DWELL_S = 10.0

# Zones of the clips (relative polygons). vtest: the paved walkway and the lawn in front of it.
WALKWAY = [[0.0, 0.25], [1.0, 0.25], [1.0, 0.62], [0.45, 0.42], [0.0, 0.55]]
LAWN = [[0.0, 0.55], [0.45, 0.42], [1.0, 0.62], [1.0, 1.0], [0.0, 1.0]]
ZONE_POLYGONS = {"vtest": {"路面": ("sidewalk", WALKWAY), "草地": ("green_space", LAWN)},
                 "vtest-mirror": {"路面": ("sidewalk", [[1.0 - x, y] for x, y in WALKWAY]),
                                  "草地": ("green_space", [[1.0 - x, y] for x, y in LAWN])}}
SEVERAL = ["乱堆物料", "暴露垃圾", "占道经营", "非机动车乱停放", "机动车乱停放"]


@dataclass(frozen=True)
class Plant:
    """One planted object: where, when and what it looks like."""

    name: str
    zone: str
    box: tuple[float, float, float, float]  # relative x1, y1, x2, y2 (full frame)
    t0: float  # video seconds at which it appears
    texture: str  # a photo shipped by opencv-doc
    shape: str  # "box" | "bag" | "heap"
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)  # BGR multipliers (colour of the thing)


@dataclass(frozen=True)
class Scene:
    """One clip with its planted objects (placed apart in space, each wholly inside its zone with its
    shadow), in the tuning or the held-out half."""

    name: str
    clip: str
    plants: tuple[Plant, ...]
    split: str  # "tune" | "held_out" | "clean"


SCENES: tuple[Scene, ...] = (
    Scene("tune-walkway", "vtest", (
        Plant("carton-walkway", "路面", (0.60, 0.36, 0.68, 0.45), 20.0, "board.jpg", "box", (0.55, 0.85, 1.25)),
        Plant("dark-bag-path", "路面", (0.36, 0.34, 0.42, 0.41), 12.0, "baboon.jpg", "bag", (0.35, 0.35, 0.38)),
        Plant("sweets-heap-lawn", "草地", (0.20, 0.70, 0.30, 0.78), 25.0, "smarties.png", "heap"),
    ), "tune"),
    Scene("tune-crossing", "vtest", (
        Plant("fruit-crate-crossing", "路面", (0.52, 0.33, 0.60, 0.40), 30.0, "fruits.jpg", "box"),
        Plant("grey-box-right", "路面", (0.80, 0.42, 0.87, 0.51), 15.0, "box.png", "box"),
    ), "tune"),
    Scene("held-out-left", "vtest", (
        Plant("orange-sack-left", "路面", (0.24, 0.37, 0.29, 0.44), 40.0, "orange.jpg", "bag", (0.8, 0.9, 1.0)),
        Plant("white-bundle-far-left", "路面", (0.05, 0.40, 0.12, 0.46), 35.0, "stuff.jpg", "heap", (1.35, 1.35, 1.35)),
        Plant("blue-crate-lawn", "草地", (0.58, 0.72, 0.67, 0.82), 45.0, "blox.jpg", "box", (1.3, 0.8, 0.5)),
    ), "held_out"),
    Scene("held-out-mirror", "vtest-mirror", (
        Plant("wood-board-mirror", "路面", (0.30, 0.38, 0.38, 0.46), 18.0, "building.jpg", "box", (0.7, 0.9, 1.1)),
        Plant("dark-sack-mirror", "路面", (0.55, 0.33, 0.61, 0.40), 28.0, "baboon.jpg", "bag", (0.45, 0.5, 0.55)),
    ), "held_out"),
    Scene("clean", "vtest", (), "clean"),
    Scene("clean-mirror", "vtest-mirror", (), "clean"),
)
SINGLE_TYPES = ["暴露垃圾", "机动车乱停放", "乱堆物料", "占道经营", "非机动车乱停放"]  # one zone set per type
# the single type each scene's zones name in the pytest run (rotating over the scenes); --all-types: all five
SINGLE = {"tune-walkway": "机动车乱停放", "tune-crossing": "暴露垃圾", "held-out-left": "占道经营",
          "held-out-mirror": "非机动车乱停放", "clean": "暴露垃圾", "clean-mirror": "乱堆物料"}


def due_s(p: Plant, fps: float = FPS, dwell_s: float = DWELL_S) -> float:
    """Latest on-time confirmation: the first sample showing the object + dwell + 2 samples."""
    import math

    return math.ceil(p.t0 * fps - 1e-9) / fps + dwell_s + 2.0 / fps


def zones_yaml(clip: str, types: list[str], dwell_s: float = DWELL_S) -> str:
    """A ZONES.yaml for ``clip`` whose every zone names ``types``."""
    lines = ["zones:"]
    for name, (kind, poly) in ZONE_POLYGONS[clip].items():
        lines += [f"  - name: {name}", f"    kind: {kind}", f"    polygon: {poly}",
                  f"    types: [{', '.join(types)}]", f"    dwell_s: {dwell_s}"]
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=4)
def clip_frames(clip: str) -> tuple[float, tuple[np.ndarray, ...]]:
    """``(fps, frames)`` of a clip (all frames, BGR)."""
    path = CLIPS[clip]
    assert path.is_file(), f"{path} missing: install Debian's opencv-doc (scripts/setup.sh --test does)"
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(cv2.flip(frame, 1) if clip.endswith("-mirror") else frame)
    cap.release()
    return fps, tuple(frames)


@lru_cache(maxsize=4)
def median_view(clip: str) -> np.ndarray:
    """The clip's empty view: per-pixel median over every 4th frame (people walk through, the ground stays)."""
    _fps, frames = clip_frames(clip)
    return np.median(np.stack(frames[::4]), axis=0).astype(np.uint8)


def people_mask(frame: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """0–1: where a passer-by (anything differing from the empty view) covers the ground; soft edges."""
    d = cv2.absdiff(frame, empty).max(axis=2)
    m = (d > 28).astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    m = cv2.dilate(m, np.ones((5, 5), np.uint8))
    return cv2.GaussianBlur(m.astype(np.float32), (5, 5), 0)


def make_object(p: Plant, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """``(BGR float32, alpha 0–1)`` of the object at ``w``×``h`` px: a textured, shaded silhouette."""
    tex = cv2.imread(str(DATA / p.texture), cv2.IMREAD_COLOR)
    assert tex is not None, f"{DATA / p.texture} missing"
    th, tw = tex.shape[:2]
    side = min(th, tw) // 2
    crop = tex[th // 2 - side // 2: th // 2 + side // 2, tw // 2 - side // 2: tw // 2 + side // 2]
    obj = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    obj *= np.array(p.tint, np.float32)
    alpha = np.zeros((h, w), np.float32)
    if p.shape == "box":
        alpha[:] = 1.0
        obj[: max(1, h // 4)] *= 1.15  # lid lit from above
        cv2.line(obj, (w // 2, 0), (w // 2, h - 1), (float(0.6 * obj.mean()),) * 3, 1)  # a seam
    elif p.shape == "bag":
        cv2.ellipse(alpha, (w // 2, h // 2 + h // 10), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1.0, -1)
        cv2.ellipse(alpha, (w // 2, h // 5), (max(1, w // 6), max(1, h // 5)), 0, 0, 360, 1.0, -1)  # knot
    else:  # heap: a low mound
        cv2.ellipse(alpha, (w // 2, h - 1), (w // 2 - 1, h - 1), 0, 180, 360, 1.0, -1)
    shade = np.linspace(1.1, 0.75, h, dtype=np.float32)[:, None, None]  # lit from above
    obj = np.clip(obj * shade, 0, 255)
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0)
    return obj, alpha


def plant_frames(clip: str, plants: list[Plant], seed: int = 0):
    """``(video_time_s, frame)`` of ``clip`` with ``plants`` composited behind the passers-by."""
    fps, frames = clip_frames(clip)
    empty = median_view(clip)
    H, W = empty.shape[:2]
    rng = np.random.default_rng(seed)
    made = []
    for p in plants:
        x1, y1, x2, y2 = int(p.box[0] * W), int(p.box[1] * H), int(p.box[2] * W), int(p.box[3] * H)
        obj, alpha = make_object(p, x2 - x1, y2 - y1)
        made.append((p, (x1, y1, x2, y2), obj, alpha))
    for i, frame in enumerate(frames):
        t = i / fps
        out = frame.astype(np.float32)
        people = None
        for p, (x1, y1, x2, y2), obj, alpha in made:
            if t < p.t0:
                continue
            if people is None:
                people = people_mask(frame, empty)
            pad = max(4, (x2 - x1) // 3)
            X1, Y1, X2, Y2 = max(0, x1 - pad), max(0, y1 - pad), min(W, x2 + pad), min(H + 0, y2 + pad)
            ring = np.ones((Y2 - Y1, X2 - X1), bool)
            ring[y1 - Y1:y2 - Y1, x1 - X1:x2 - X1] = False
            ring &= people[Y1:Y2, X1:X2] < 0.5
            cur = frame[Y1:Y2, X1:X2][ring].astype(np.float32)
            ref = empty[Y1:Y2, X1:X2][ring].astype(np.float32)
            gain = float(cur.mean() + 1) / float(ref.mean() + 1) if ring.any() else 1.0
            # contact shadow on the ground just below the object
            sh_y1, sh_y2 = y2 - (y2 - y1) // 6, min(H, y2 + max(2, (y2 - y1) // 6))
            shadow = np.zeros((sh_y2 - sh_y1, x2 - x1 + 4), np.float32)
            cv2.ellipse(shadow, (shadow.shape[1] // 2, shadow.shape[0] // 2),
                        (shadow.shape[1] // 2, max(1, shadow.shape[0] // 2)), 0, 0, 360, 0.35, -1)
            sx1 = max(0, x1 - 2)
            shadow = shadow[:, : min(shadow.shape[1], W - sx1)]
            vis_sh = shadow * (1.0 - people[sh_y1:sh_y2, sx1:sx1 + shadow.shape[1]])
            out[sh_y1:sh_y2, sx1:sx1 + shadow.shape[1]] *= (1.0 - vis_sh)[:, :, None]
            noisy = obj * gain + rng.normal(0, 2.0, obj.shape).astype(np.float32)
            a = (alpha * (1.0 - people[y1:y2, x1:x2]))[:, :, None]
            out[y1:y2, x1:x2] = out[y1:y2, x1:x2] * (1 - a) + noisy * a
        yield t, np.clip(out, 0, 255).astype(np.uint8)


def occlusion(clip: str, p: Plant, fps: float = FPS) -> tuple[float, int]:
    """``(share of samples, longest run)`` in which passers-by hide ≥ 20 % of the object, from ``t0`` on."""
    src_fps, frames = clip_frames(clip)
    empty = median_view(clip)
    H, W = empty.shape[:2]
    x1, y1, x2, y2 = int(p.box[0] * W), int(p.box[1] * H), int(p.box[2] * W), int(p.box[3] * H)
    hidden = []
    step = max(1, round(src_fps / fps))
    for i in range(0, len(frames), step):
        if i / src_fps >= p.t0:
            hidden.append(float(people_mask(frames[i], empty)[y1:y2, x1:x2].mean()) >= 0.2)
    run = best = 0
    for h in hidden:
        run = run + 1 if h else 0
        best = max(best, run)
    return (sum(hidden) / len(hidden) if hidden else 0.0), best


def write_clip(frames, path: Path, fps: float) -> Path:
    """Write ``(t, frame)`` pairs as an MJPG AVI (what ``civicwatch replay`` reads)."""
    writer = None
    for _t, frame in frames:
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
        writer.write(frame)
    if writer is not None:
        writer.release()
    return path


def replay(config: Path, video: Path, zones: Path, fps: float = FPS) -> list[dict]:
    """``civicwatch replay VIDEO --zones ZONES --fps FPS --json``: the problems raised."""
    import json

    from click.testing import CliRunner

    from civicwatch.cli import cli

    res = CliRunner().invoke(cli, ["--config", str(config), "replay", str(video), "--zones", str(zones),
                                   "--fps", str(fps), "--json"])
    assert res.exit_code == 0, res.output
    return [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]


def write_config(tmp: Path) -> Path:
    config = tmp / "config.yaml"
    config.write_text(f"data_dir: {tmp}/var\ndatabase:\n  url: sqlite:///{tmp}/none.db\n"
                      f"registry_seed_dir: {Path('assets/registry').resolve()}\n", encoding="utf-8")
    return config


def judge(scene: Scene, raised: list[dict], types: list[str], on_time: bool = True) -> list[str]:
    """What is wrong with ``raised`` for ``scene`` (empty: each plant raised once, in its zone, and — with
    ``on_time`` — confirmed by dwell + 2 samples)."""
    from models.detection.problems import iou

    problems, used = [], set()
    for p in scene.plants:
        hits = [i for i, r in enumerate(raised) if iou(r["box"], p.box) >= 0.3]
        if len(hits) != 1:
            problems.append(f"{p.name}: raised {len(hits)} times")
            continue
        used.update(hits)
        r = raised[hits[0]]
        if r["zone"] != p.zone:
            problems.append(f"{p.name}: in zone {r['zone']}, expected {p.zone}")
        if r["type_name"] not in types:
            problems.append(f"{p.name}: type {r['type_name']} not among {types}")
        if len(types) == 1 and r.get("type_unconfirmed"):
            problems.append(f"{p.name}: marked 类型待确认 in a zone naming one type")
        if r["first_seen_s"] < p.t0 - 1.0 / FPS:
            problems.append(f"{p.name}: first seen {r['first_seen_s']} before it appeared at {p.t0}")
        if on_time and r["confirmed_s"] > due_s(p):
            problems.append(f"{p.name}: confirmed at {r['confirmed_s']} s, due by {due_s(p)} s")
    problems += [f"unexpected: {r}" for i, r in enumerate(raised) if i not in used]
    return problems


def main() -> None:  # pragma: no cover - the report behind docs/detection-corpus.md
    import json
    import sys
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="corpus-"))
    config = write_config(tmp)
    only = {a for a in sys.argv[1:] if not a.startswith("--")}
    for scene in SCENES:
        if only and scene.name not in only:
            continue
        fps, _ = clip_frames(scene.clip)
        video = write_clip(plant_frames(scene.clip, list(scene.plants)), tmp / f"{scene.name}.avi", fps)
        occ = {p.name: occlusion(scene.clip, p) for p in scene.plants}
        sets = [(t, [t]) for t in SINGLE_TYPES] if "--all-types" in sys.argv else [(SINGLE[scene.name], [SINGLE[scene.name]])]
        for label, types in sets + [("several", SEVERAL)]:
            zones = tmp / f"{scene.name}-{label}.yaml"
            zones.write_text(zones_yaml(scene.clip, types), encoding="utf-8")
            raised = replay(config, video, zones)
            print(json.dumps({"scene": scene.name, "split": scene.split, "zones": label,
                              "occlusion": {k: [round(a, 2), b] for k, (a, b) in occ.items()},
                              "raised": [(r["type_name"], r["zone"], r.get("type_unconfirmed"), r["first_seen_s"],
                                          r["confirmed_s"], r["box"]) for r in raised],
                              "wrong": judge(scene, raised, types)}, ensure_ascii=False), flush=True)


if __name__ == "__main__":  # pragma: no cover
    main()
