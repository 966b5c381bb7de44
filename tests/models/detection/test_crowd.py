"""Crowd signal: a fidgeting group of people is a crowd; a still pile with people walking past is not."""
from __future__ import annotations

from datetime import datetime

from feeds.scene.actors import crowd_people
from models.clock import LOCAL_TZ
from models.detection.pipeline import CameraPipeline
from models.detection.types import TypeBook, TypeSpec
from models.detection.zones import build_zones

from .helpers import H, ROAD, SIDEWALK, W, WALL, frame

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=LOCAL_TZ).timestamp()
BOOK = TypeBook([
    TypeSpec("PT28", "人群聚集", ("crowd",), ("sidewalk",), dwell_s=30, confirm_frames=3, id=1),
    TypeSpec("PT21", "乱堆物料", ("stationary_object",), ("sidewalk",), dwell_s=30, confirm_frames=3, id=2),
])


def _run(draw, seconds=200):
    pipe = CameraPipeline("CAM-T", build_zones([WALL, SIDEWALK, ROAD], BOOK), learn_s=10, keep_evidence=False)
    raised = []
    t = 0.0
    while t < seconds:
        img = draw(t)
        raised += [p.type.name for p in pipe.process(img, NOON + t).confirmed]
        t += 2.0
    return raised


def test_fidgeting_group_is_a_crowd():
    def draw(t):
        img = frame(t, people=False)
        if t >= 40:
            crowd_people(img, (int(0.3 * W), int(0.5 * H), int(0.6 * W), int(0.74 * H)), 5, t)
        return img

    assert _run(draw) == ["人群聚集"]


def test_pile_with_people_walking_past_is_a_pile_not_a_crowd():
    raised = _run(lambda t: frame(t, pile_from=40))
    assert raised == ["乱堆物料"]
