"""After a restart detection reloads the open cases of a camera; the thing of such a case, seen again once
the background is learnt, belongs to its case — it is not raised a second time. (Found by the SIGKILL test:
reloaded cases were dated at epoch 0, so the first analysed frame forgot them and the thing got a new case.)"""
from __future__ import annotations

from sqlalchemy import select

from models.cases import Case
from models.clock import utcnow
from models.detection.service import DetectionService
from models.frames import FrameEvent

from .city import ground, make_fault_city, with_objects


def _feed(svc, base, t0: float, frames: int, slots_from: dict[int, int]) -> float:
    t = t0
    for i in range(frames):
        t = t0 + 4.0 * i
        slots = [k for k, first in slots_from.items() if i >= first]
        svc.handle(FrameEvent("CAM-R1", utcnow(), with_objects(base, slots), i, media_time_s=t))
    return t


def test_a_reloaded_open_case_keeps_its_thing_after_a_restart(sqlite_ctx):
    ctx = sqlite_ctx
    with ctx.sessions.begin() as s:
        make_fault_city(s, [("CAM-R1", "simulated", None, 1.0)])
    base = ground()
    t0 = 1_790_000_000.0
    svc = DetectionService(ctx)
    svc.engine.learn_s = 40.0
    end = _feed(svc, base, t0, 30, {0: 12})
    with ctx.sessions() as s:
        first = s.scalars(select(Case.id)).all()
    assert len(first) == 1
    # restart: a new service replays from an empty street (learning), then the same thing is seen again
    again = DetectionService(ctx)
    again.engine.learn_s = 40.0
    _feed(again, base, end + 60, 40, {0: 14, 1: 14})
    with ctx.sessions() as s:
        cases = s.scalars(select(Case).order_by(Case.id)).all()
    assert len(cases) == 2 and cases[0].id == first[0]  # only the new thing (slot 1) got a case
    assert again.engine.pipelines["CAM-R1"].tracker.problems[0].case_id == first[0]
