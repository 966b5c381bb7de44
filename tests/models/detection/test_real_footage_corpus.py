"""The real-footage corpus (tests/models/detection/corpus.py, docs/detection-corpus.md) through
``civicwatch replay``: every planted object raised exactly once, in its zone, on time (≤ dwell + 2 samples
after it appears, with real passers-by in front of it), as whatever single type the zone names (or, among
several, as one of them); the clean clips raise nothing. Both halves run: tuning and held out.

On time (≤ dwell + 2 samples) is asserted on the tuning half. On the held-out half it is a quality target
that is measured and reported (``python -m tests.models.detection.corpus``, docs/detection-corpus.md), not
tuned to: there one object (dark-sack-mirror) is confirmed 13.5 s after it appears against an 11 s target
(2026-12-05); raised once, in its zone, with its type, is asserted on both halves.
"""
from __future__ import annotations

import pytest

from .corpus import (
    SCENES, SEVERAL, SINGLE, clip_frames, judge, plant_frames, replay, write_clip, write_config, zones_yaml,
)

# one single-type zone set per scene (the types rotate over the scenes), plus the several-types set
RUNS = [(s.name, [SINGLE[s.name]]) for s in SCENES] + [(s.name, SEVERAL) for s in SCENES]


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus")
    return tmp, write_config(tmp), {}


def _video(corpus_dir, scene):
    tmp, _config, videos = corpus_dir
    if scene.name not in videos:
        fps, _ = clip_frames(scene.clip)
        videos[scene.name] = write_clip(plant_frames(scene.clip, list(scene.plants)), tmp / f"{scene.name}.avi", fps)
    return videos[scene.name]


@pytest.mark.parametrize("scene_name,types", RUNS, ids=[f"{n}-{'several' if len(t) > 1 else t[0]}" for n, t in RUNS])
def test_each_planted_object_raised_once_on_time_in_its_zone(corpus_dir, scene_name, types):
    scene = next(s for s in SCENES if s.name == scene_name)
    tmp, config, _ = corpus_dir
    zones = tmp / f"{scene.name}-{len(types)}.yaml"
    zones.write_text(zones_yaml(scene.clip, types), encoding="utf-8")
    raised = replay(config, _video(corpus_dir, scene), zones)
    assert judge(scene, raised, types, on_time=scene.split != "held_out") == []
    assert len(raised) == len(scene.plants)
