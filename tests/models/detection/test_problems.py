"""Problem tracker: a fragment of a larger tracked thing is part of it, never a problem of its own."""
from __future__ import annotations

from models.detection.problems import Observation, ProblemTracker
from models.detection.types import TypeSpec

BIKES = TypeSpec("PT20", "非机动车乱停放", ("stationary_object",), ("sidewalk",), dwell_s=20, confirm_frames=3)
GARBAGE = TypeSpec("PT01", "暴露垃圾", ("stationary_object",), ("sidewalk",), dwell_s=10, confirm_frames=3)
HEAP = (0.10, 0.50, 0.30, 0.65)
PART = (0.22, 0.52, 0.29, 0.64)  # inside the heap's box, IoU with it well under 0.3
ELSEWHERE = (0.60, 0.50, 0.67, 0.62)


def _feed(tracker, observations, seconds):
    confirmed = []
    t = 0.0
    while t <= seconds:
        for type_, box in observations(t):
            tracker.observe(Observation(type_, "人行道", box, 0.8, t))
        confirmed += [(p.type.name, p.box) for p in tracker.due(t, lambda p: p.type.dwell_s)]
        for p in tracker.due(t, lambda p: p.type.dwell_s):
            p.confirmed_at = t
        t += 2.0
    return confirmed


def test_fragment_inside_a_tracked_heap_is_not_raised():
    tracker = ProblemTracker("CAM-T")
    confirmed = _feed(tracker, lambda t: [(BIKES, HEAP), (GARBAGE, PART)], 30)
    assert [name for name, _ in confirmed] == ["非机动车乱停放"]
    assert len(tracker.problems) == 1
    (heap,) = tracker.problems
    assert heap.votes == {"PT20": 16}  # the fragment neither votes nor moves the box
    assert all(abs(a - b) < 1e-9 for a, b in zip(heap.box, HEAP))


def test_fragment_seen_first_waits_for_the_heap_and_is_not_raised():
    tracker = ProblemTracker("CAM-T")
    # the fragment alone for 4 s, then the whole heap: the fragment problem exists but never confirms
    confirmed = _feed(tracker, lambda t: [(GARBAGE, PART)] + ([(BIKES, HEAP)] if t >= 4 else []), 40)
    assert [name for name, _ in confirmed] == ["非机动车乱停放"]


def test_separate_small_thing_is_raised():
    tracker = ProblemTracker("CAM-T")
    confirmed = _feed(tracker, lambda t: [(BIKES, HEAP), (GARBAGE, ELSEWHERE)], 30)
    assert sorted(name for name, _ in confirmed) == ["暴露垃圾", "非机动车乱停放"]
