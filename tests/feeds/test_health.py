"""Camera health classification on generated frames, and the reconnect back-off."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from feeds.health import (
    BLACK, BLURRED, COVERED, FROZEN, MOVED, OFFLINE, ONLINE, UNKNOWN, WASHED_OUT, Backoff, CameraHealth,
    HealthThresholds, measure, same_picture, similarity, view_shift,
)

from .sources import noisy, scene

W, H = 1280, 720
BASE = scene(W, H, seed=1)


def settle(health: CameraHealth, n: int = 6, t0: float = 0.0) -> float:
    """Feed ``n`` normal noisy frames (2 s apart); returns the next time."""
    for i in range(n):
        health.on_frame(noisy(BASE), t0 + 2 * i)
    assert health.state == ONLINE and health.reference is not None
    return t0 + 2 * n


def feed(health: CameraHealth, frames, t: float) -> list:
    changes = []
    for i, f in enumerate(frames):
        change = health.on_frame(f, t + 2 * i)
        if change:
            changes.append(change)
    return changes


def shifted(img, dx, dy):
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)


def test_noisy_static_scene_stays_online():
    h = CameraHealth("C1")
    t = settle(h)
    assert feed(h, [noisy(BASE) for _ in range(12)], t) == []
    assert h.state == ONLINE


def test_lighting_drift_is_not_a_fault():
    h = CameraHealth("C1")
    t = settle(h)
    dusk = [noisy((BASE * f).astype(np.uint8)) for f in np.linspace(1.0, 0.45, 10)]
    feed(h, dusk, t)
    assert h.state == ONLINE, h.detail


def test_first_frame_makes_an_unknown_camera_online():
    h = CameraHealth("C1")
    change = h.on_frame(noisy(BASE), 5.0)
    assert (change.from_state, change.to_state, change.at) == (UNKNOWN, ONLINE, 5.0)


def test_exact_repeats_are_frozen_after_n_frames():
    h = CameraHealth("C1", HealthThresholds(frozen_after_frames=5))
    t = settle(h)
    still = noisy(BASE)
    changes = feed(h, [still.copy() for _ in range(5)], t)
    assert [c.to_state for c in changes] == [FROZEN]
    assert "5 times" in changes[0].detail
    feed(h, [noisy(BASE) for _ in range(3)], t + 20)
    assert h.state == ONLINE


def test_four_repeats_are_not_yet_frozen():
    h = CameraHealth("C1", HealthThresholds(frozen_after_frames=5))
    t = settle(h)
    still = noisy(BASE)
    feed(h, [still] * 4, t)
    assert h.state == ONLINE


def test_same_picture_tells_repeat_from_noise():
    a = noisy(BASE, sigma=1.0)
    assert same_picture(measure(a), measure(a.copy()))
    assert not same_picture(measure(a), measure(noisy(BASE, sigma=1.0)))


@pytest.mark.parametrize("factor,state", [(0.05, BLACK), (None, WASHED_OUT)])
def test_black_and_washed_out(factor, state):
    h = CameraHealth("C1")
    t = settle(h)
    if factor is not None:
        bad = (BASE * factor).astype(np.uint8)
    else:
        bad = np.clip(BASE.astype(np.int16) + 200, 0, 255).astype(np.uint8)
    changes = feed(h, [noisy(bad, 1.5) for _ in range(3)], t)
    assert [c.to_state for c in changes] == [state]
    assert "brightness" in changes[0].detail


@pytest.mark.parametrize("sigma", [2.5, 5.0])
def test_defocus_is_blurred_against_the_cameras_own_reference(sigma):
    h = CameraHealth("C1")
    t = settle(h)
    blurred = cv2.GaussianBlur(BASE, (0, 0), sigma)
    changes = feed(h, [noisy(blurred) for _ in range(4)], t)
    assert [c.to_state for c in changes] == [BLURRED]
    assert "reference" in changes[0].detail


def test_a_naturally_soft_scene_is_not_blurred():
    soft = cv2.GaussianBlur(BASE, (0, 0), 2.5)  # its own reference is soft: fine
    h = CameraHealth("C1")
    for i in range(10):
        h.on_frame(noisy(soft), 2 * i)
    assert h.state == ONLINE


def test_lens_covered_by_a_uniform_object():
    h = CameraHealth("C1")
    t = settle(h)
    cloth = np.full_like(BASE, (70, 80, 95))
    changes = feed(h, [noisy(cloth) for _ in range(4)], t)
    assert [c.to_state for c in changes] == [COVERED]


def test_a_covered_view_repeating_exactly_stays_covered_not_frozen():
    h = CameraHealth("C1", HealthThresholds(frozen_after_frames=3))
    t = settle(h)
    cloth = noisy(np.full_like(BASE, (40, 45, 50)))
    feed(h, [cloth.copy() for _ in range(8)], t)
    assert h.state == COVERED


def test_most_of_the_view_covered():
    h = CameraHealth("C1")
    t = settle(h)
    partly = BASE.copy()
    partly[:, : int(W * 0.85)] = (180, 185, 190)
    feed(h, [noisy(partly) for _ in range(4)], t)
    assert h.state == COVERED


@pytest.mark.parametrize("dx,dy", [(60, 0), (0, 40), (150, 60)])
def test_view_shifted_is_moved(dx, dy):
    h = CameraHealth("C1")
    t = settle(h)
    changes = feed(h, [noisy(shifted(BASE, dx, dy)) for _ in range(4)], t)
    assert [c.to_state for c in changes] == [MOVED]


def test_camera_turned_to_another_view_is_moved():
    h = CameraHealth("C1")
    t = settle(h)
    other = cv2.flip(scene(W, H, seed=9), 0)  # tilted/turned: another street, horizon elsewhere
    feed(h, [noisy(other) for _ in range(4)], t)
    assert h.state == MOVED
    h.reset_reference()  # an operator accepts the new view
    feed(h, [noisy(other) for _ in range(6)], t + 20)
    assert h.state == ONLINE


def test_one_odd_frame_does_not_change_state():
    h = CameraHealth("C1")
    t = settle(h)
    truck = noisy(BASE)
    truck[100:700, 200:1100] = (40, 60, 200)  # something big passes by for one sample
    feed(h, [truck, noisy(BASE), noisy(BASE)], t)
    assert h.state == ONLINE


def test_offline_after_no_frame_and_back_online():
    h = CameraHealth("C1", HealthThresholds(offline_after_s=10), started_at=0.0)
    t = settle(h)
    last = t - 2
    assert h.on_failure(last + 9, "refused") is None
    change = h.on_failure(last + 10.5, "connection refused")
    assert change.to_state == OFFLINE and "connection refused" in change.detail
    assert h.tick(last + 20) is None  # stays offline, no repeated change
    change = h.on_frame(noisy(BASE), last + 30)
    assert (change.from_state, change.to_state) == (OFFLINE, ONLINE)


def test_never_delivering_camera_goes_offline_from_start():
    h = CameraHealth("C1", HealthThresholds(offline_after_s=5), started_at=100.0)
    assert h.tick(104) is None
    assert h.tick(105.5).to_state == OFFLINE


def test_similarity_and_shift_helpers():
    a, b = measure(noisy(BASE)), measure(noisy(BASE))
    assert similarity(a.small, b.small) > 0.99
    shift, response = view_shift(a.small, measure(noisy(shifted(BASE, 128, 0))).small)
    assert 0.07 < shift < 0.13 and response > 0.2
    assert a.small.mean() == pytest.approx(measure(noisy(BASE)).small.mean(), abs=1)  # inputs not modified


def test_thresholds_from_config():
    from models.config import HealthConfig

    t = HealthThresholds.from_config(HealthConfig(offline_after_s=7, frozen_after_frames=3))
    assert (t.offline_after_s, t.frozen_after_frames) == (7, 3)


def test_backoff_grows_and_is_capped():
    b = Backoff(initial_s=1, max_s=10, factor=2)
    assert [b.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    assert b.failures == 6
    b.reset()
    assert b.next_delay() == 1
