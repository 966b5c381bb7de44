"""The simulated city: deterministic rendering, ground truth consistent with the pixels, faults, adapter."""
from __future__ import annotations

import numpy as np
import pytest

from feeds.base import CameraSourceSpec, SourceUnavailable
from feeds.registry import make_adapter
from feeds.scene import CameraScene, ScriptParams, ground_truth, render
from feeds.scene.script import day_script, day_start
from feeds.simulated import REMOVED, remove_rectified
from tests.factories import STREET_ZONES

ZONES = STREET_ZONES + [{"name": "禁停区", "kind": "no_parking",
                         "polygon": [[0.5, 0.75], [1.0, 0.75], [1.0, 0.86], [0.5, 0.86]]}]
DAY = day_start(1795000000.0)
PARAMS = ScriptParams(seed=7, problems_per_camera_day=30, faults_per_camera_day=3)


def test_rendering_is_a_pure_function_of_camera_seed_and_time():
    a = CameraScene("CAM-0001", ZONES, PARAMS)
    b = CameraScene("CAM-0001", ZONES, PARAMS)
    t = DAY + 13 * 3600 + 17.0
    assert np.array_equal(render(a, t, 320, 180), render(b, t, 320, 180))
    assert not np.array_equal(render(a, t, 320, 180), render(a, t + 2, 320, 180))  # people and cars move
    other = CameraScene("CAM-0002", ZONES, PARAMS)
    assert not np.array_equal(render(a, t, 320, 180), render(other, t, 320, 180))
    assert render(a, t, 1280, 720).shape == (720, 1280, 3)


def test_script_is_seeded_and_inside_zones():
    s1 = day_script("CAM-0001", ZONES, DAY, PARAMS)
    s2 = day_script("CAM-0001", ZONES, DAY, PARAMS)
    assert s1 == s2 and len(s1.problems) > 5
    assert day_script("CAM-0001", ZONES, DAY, ScriptParams(seed=8, problems_per_camera_day=30)) != s1
    names = {z["name"]: z for z in ZONES}
    for p in s1.problems:
        z = names[p.zone]
        xs = [q[0] for q in z["polygon"]]
        ys = [q[1] for q in z["polygon"]]
        assert min(xs) <= p.box[0] < p.box[2] <= max(xs) and min(ys) <= p.box[1] < p.box[3] <= max(ys)
        assert p.appear_t < p.disappear_t


def test_ground_truth_matches_the_pixels():
    """Where the script says an object is, the frame differs from the same frame without the object."""
    problems, _faults = ground_truth("CAM-0001", ZONES, DAY, DAY + 86400, PARAMS)
    p = next(p for p in problems if p.obj in ("garbage", "stall", "car", "banner", "materials", "posters"))
    t = p.appear_t + 1.0
    scene = CameraScene("CAM-0001", ZONES, PARAMS)
    with_obj = render(scene, t, 320, 180).astype(int)
    scene.removed[p.id] = t - 0.5
    without = render(scene, t, 320, 180).astype(int)
    diff = np.abs(with_obj - without).max(axis=2) > 20
    x1, y1, x2, y2 = (int(p.box[0] * 320), int(p.box[1] * 180), int(p.box[2] * 320), int(p.box[3] * 180))
    inside = diff[y1:y2, x1:x2].mean()
    outside = diff.sum() - diff[max(0, y1 - 1):y2 + 2, max(0, x1 - 1):x2 + 2].sum()  # 1 px rounding margin
    assert inside > 0.2 and outside == 0
    # ground truth for a range lists exactly the problems on screen in it
    window, _ = ground_truth("CAM-0001", ZONES, t, t + 1, PARAMS)
    assert p in window


def test_faults_and_adapter(monkeypatch):
    script = day_script("CAM-0001", ZONES, DAY, PARAMS)
    offline = next((f for f in script.faults if f.kind == "offline"), None)
    frozen = next((f for f in script.faults if f.kind == "frozen"), None)
    covered = next((f for f in script.faults if f.kind == "covered"), None)
    assert script.faults
    clock_t = [DAY + 12 * 3600]
    spec = CameraSourceSpec(kind="simulated", width=320, height=180,
                            options={"zones": ZONES, "seed": 7, "problems_per_camera_day": 30,
                                     "faults_per_camera_day": 3})
    adapter = make_adapter("CAM-0001", spec, clock=lambda: clock_t[0])
    with pytest.raises(SourceUnavailable):
        adapter.read()  # before open
    adapter.open()
    for fault in (offline, frozen, covered):
        if fault is None:
            continue
        clock_t[0] = fault.start_t + 5
        if fault.kind == "offline":
            with pytest.raises(SourceUnavailable, match="offline"):
                adapter.read()
        elif fault.kind == "frozen":
            a, _ = adapter.read()
            clock_t[0] += 60
            b, _ = adapter.read()
            assert np.array_equal(a, b)
        else:
            img, _ = adapter.read()
            assert img.mean() < 70 and img.std() < 30
    clock_t[0] = DAY + 12 * 3600
    img, t = adapter.read()
    assert img.shape == (180, 320, 3) and t == DAY + 12 * 3600


def test_rectified_object_disappears():
    problems, _ = ground_truth("CAM-0003", ZONES, DAY, DAY + 86400, PARAMS)
    p = problems[0]
    t = p.appear_t + 10
    scene = CameraScene("CAM-0003", ZONES, PARAMS, removed=REMOVED.setdefault("CAM-0003", {}))
    assert p in scene.on_screen(t)[0]
    assert remove_rectified("CAM-0003", ZONES, PARAMS, list(p.box), t) == p.id
    assert p not in scene.on_screen(t + 1)[0]
    REMOVED.pop("CAM-0003", None)
