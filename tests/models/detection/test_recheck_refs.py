"""The re-check comparison on real footage (vtest.avi with a planted pile): live crops against the problem
and clean references, under the same light, other light, night, a moved view, and with useless references."""
from __future__ import annotations

import numpy as np
import pytest

from models.detection.recheck_refs import crop, crop_rect, inner_mask, judge
from tests.models.detection.recheck_footage import PLANT_BOX, dimmer, frames, night, planted


@pytest.fixture(scope="module")
def refs():
    fs = frames()
    small = [f[::2, ::2] for f in fs[:20]]  # the background model works at analysis size
    background = np.median(np.stack(small), axis=0).astype(np.uint8)
    return crop(planted(fs[5]), PLANT_BOX), crop(background, PLANT_BOX)


def _outcomes(refs, make):
    return {judge(make(f), PLANT_BOX, *refs).outcome for f in frames()[20:]}


def test_same_light_the_pile_is_dirty_and_the_bare_path_clean(refs):
    assert _outcomes(refs, planted) == {"dirty"}
    got = [judge(f, PLANT_BOX, *refs).outcome for f in frames()[20:]]
    assert "dirty" not in got and got.count("clean") >= 0.7 * len(got), got  # passers-by: unsure, never dirty


def test_dimmer_light_is_compensated(refs):
    assert _outcomes(refs, lambda f: dimmer(planted(f))) == {"dirty"}
    assert "dirty" not in _outcomes(refs, dimmer) and "clean" in _outcomes(refs, dimmer)


def test_night_is_never_clean_nor_dirty_it_waits(refs):
    for make in (night, lambda f: night(planted(f))):
        verdicts = [judge(make(f), PLANT_BOX, *refs) for f in frames()[20:]]
        assert {v.outcome for v in verdicts} == {"unsure"}
        assert all("光照" in v.reason for v in verdicts)


def test_a_moved_view_is_not_comparable(refs):
    def moved(f):
        return np.roll(np.roll(f, 40, axis=1), 25, axis=0)  # the camera turned a little
    verdicts = [judge(moved(f), PLANT_BOX, *refs) for f in frames()[20:]]
    assert "clean" not in {v.outcome for v in verdicts}
    assert sum(v.outcome == "unsure" for v in verdicts) >= 0.8 * len(verdicts)


def test_references_that_cannot_be_told_apart_never_pass(refs):
    problem, clean = refs
    v = judge(frames()[30], PLANT_BOX, clean, clean)
    assert v.outcome == "unsure" and "差别过小" in v.reason


def test_bad_boxes_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="box: expected relative"):
        crop_rect([0.5, 0.2, 0.4, 0.3], 320, 180)
    with pytest.raises(ValueError, match="box"):
        crop_rect([0.1, 0.1, 1.5, 0.2], 320, 180)


def test_the_box_sits_in_the_middle_of_its_crop():
    m = inner_mask(PLANT_BOX, (40, 40))
    ys, xs = np.nonzero(m)
    assert 8 <= xs.min() <= 12 and 28 <= xs.max() <= 31 and 8 <= ys.min() <= 12 and 28 <= ys.max() <= 31
