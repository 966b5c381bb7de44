"""PostgreSQL unreachable for 30 s under load: detection (frames → cases, observations) and the workflow jobs
(demo responders, deadlines, camera re-check) run against PostgreSQL through a TCP proxy that is cut (every
connection closed, new ones refused) and restored. Afterwards every problem has exactly one case, every
queued observation is stored exactly once, the transition log is consistent with the cases and the KPIs
equal their recomputation from the log."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from models.cases import Case, CaseTransition, Observation
from models.clock import utcnow
from models.context import AppContext
from models.detection.problems import iou
from models.detection.service import DetectionService
from models.frames import FrameEvent
from models.kpi import summary
from models.kpi_replay import load_log, summary_from_log
from models.kpi_report import local_midnight
from models.migrate import upgrade
from models.workflow.service import start_workflow_jobs
from tests.conftest import _reset_pg, make_config
from tests.feeds.sources import wait_for

from .city import duplicate_open_cases, ground, log_problems, make_fault_city, slot_box, with_objects
from .tcpproxy import TcpProxy

pytestmark = pytest.mark.postgres

CAMERAS = [f"CAM-DB{i}" for i in range(6)]
SLOTS = 8
STEP_S = 2.0  # simulated seconds between two frames of a camera
TICK_S = 0.25  # real seconds between two frame rounds (8 simulated seconds per real second)
OUTAGE_S = 30.0


def appear_at(t0: float, cam: int, slot: int) -> float:
    """Objects appear before, during and after the outage (simulated time)."""
    return t0 + 40 + 52 * slot + 3 * cam


def proxied(url: str, port: int) -> str:
    head, tail = url.split("@", 1)
    return f"{head}@127.0.0.1:{port}/{tail.split('/', 1)[1]}"


def test_postgres_unreachable_for_30s_under_load_loses_and_duplicates_nothing(pg_database, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    _reset_pg(pg_database)
    proxy = TcpProxy(("127.0.0.1", 5432)).start()
    cfg = make_config(tmp_path, proxied(pg_database, proxy.port), demo=True,
                      detection={"evidence_min_free_mb": 0},
                      workflow={"demo_responders": {"enabled": True, "min_delay_s": 1, "max_delay_s": 6,
                                                    "fail_share": 0.2, "overdue_share": 0.2}})
    ctx = AppContext.from_config(cfg)
    stop = threading.Event()
    try:
        upgrade(ctx.engine)
        with ctx.sessions.begin() as s:
            make_fault_city(s, [(c, "simulated", None, 1.0) for c in CAMERAS], deadline_hours=0.9)
        jobs = start_workflow_jobs(ctx)
        svc = DetectionService(ctx)
        svc.engine.learn_s = 10.0
        svc.start()
        ctx.stoppers.append(svc.stop)
        t0 = time.time() - 3600  # simulated time runs 8× faster, from an hour ago
        base = ground()
        sim = {"t": t0, "rounds": 0}

        def produce() -> None:
            seq = 0
            while not stop.is_set():
                t = sim["t"]
                for k, code in enumerate(CAMERAS):
                    slots = [j for j in range(SLOTS) if t >= appear_at(t0, k, j)]
                    seq += 1
                    ctx.frames.put(FrameEvent(code, utcnow(), with_objects(base, slots), seq, media_time_s=t))
                sim["t"] = t + STEP_S
                sim["rounds"] += 1
                stop.wait(TICK_S)

        producer = threading.Thread(target=produce, name="fault-producer", daemon=True)
        producer.start()
        # before the outage: detection and the jobs are writing
        wait_for(lambda: svc.sink.cases_opened >= 6, 60, interval=0.2, what="the first cases before the outage")
        wait_for(lambda: ctx.status["workflow"]()["runs"] >= 2, 30, interval=0.2, what="workflow job runs")
        opened_before = svc.sink.cases_opened
        proxy.cut()
        cut_at = time.monotonic()
        wait_for(lambda: not svc.sink.db_ok, 20, interval=0.1, what="detection noticing the outage")
        wait_for(lambda: ctx.status["workflow"]()["last_error"], 20, interval=0.2, what="a workflow job failing")
        assert svc.status()["database_ok"] is False and svc.status()["ok"] is False
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut_at)))  # the outage itself: 30 s
        during = svc.sink.raise_retries
        assert during > 0, "no case was due during the outage: the test would not test buffering"
        assert svc.sink.backlog() > 0, "no observation was buffered during the outage"
        proxy.restore()
        # after: objects keep appearing until the last slot; the jobs and detection catch up
        last = appear_at(t0, len(CAMERAS) - 1, SLOTS - 1) + 100
        wait_for(lambda: sim["t"] > last, 120, interval=0.5, what="the simulated scene to finish")
        # frames stop arriving: while they arrive, new observations are queued between two flushes, so an
        # empty backlog is only a brief moment on a loaded machine; the housekeeping flush drains the rest
        stop.set()
        producer.join(timeout=10)
        wait_for(lambda: len(ctx.frames) == 0, 60, interval=0.2, what="the queued frames to be analysed")
        wait_for(lambda: svc.sink.db_ok and svc.sink.backlog() == 0, 90, interval=0.2,
                 what="the observation backlog to drain")
        # every job that failed in the outage has run again (the deadline job every 30 s)
        wait_for(lambda: ctx.status["workflow"]()["ok"], 70, interval=0.2,
                 what="workflow jobs running again after the outage")
        assert ctx.status["workflow"]()["errors"] > 0
        jobs.shutdown(wait=True)
        svc.stop()
        assert svc.sink.cases_opened > opened_before
        assert any("database unavailable" in r.getMessage() for r in caplog.records)
        assert any("database reachable again" in r.getMessage() for r in caplog.records)

        with ctx.sessions() as s:
            cases = s.scalars(select(Case).order_by(Case.id)).all()
            # every object has exactly one case (none lost in the outage, none opened twice by a retry)
            per_object = Counter()
            for c in cases:
                k = CAMERAS.index(c.camera.code)
                slot = max(range(SLOTS), key=lambda j: iou(slot_box(j), c.box))
                assert iou(slot_box(slot), c.box) > 0.3, (c.id, c.box)
                per_object[(k, slot)] += 1
            assert all(n == 1 for n in per_object.values()), [o for o, n in per_object.items() if n > 1]
            assert len(per_object) == len(CAMERAS) * SLOTS, \
                sorted(set((k, j) for k in range(len(CAMERAS)) for j in range(SLOTS)) - set(per_object))
            assert len({c.external_ref for c in cases}) == len(cases)
            # every queued observation stored exactly once
            stored = s.scalar(select(func.count()).select_from(Observation))
            assert svc.sink.observations_dropped == 0
            assert stored == svc.sink.observations_queued == svc.sink.observations_written, \
                (stored, svc.sink.observations_queued, svc.sink.observations_written)
            dupes = s.execute(select(Observation.camera_id, Observation.observed_at, Observation.x1,
                                     Observation.y1, func.count()).group_by(
                Observation.camera_id, Observation.observed_at, Observation.x1, Observation.y1)
                .having(func.count() > 1)).all()
            assert not dupes
            # transitions: chained, no gap, no double application; the KPIs are the log's
            assert log_problems(s) == []
            assert duplicate_open_cases(s) == []
            actions = Counter(a for (a,) in s.execute(select(CaseTransition.action)))
            assert actions["rectify"] > 0 and actions["dispatch"] >= len(cases), actions
            escalations = Counter((t.case_id, (t.data or {}).get("deadline")) for t in
                                  s.scalars(select(CaseTransition).where(CaseTransition.action == "escalate")))
            assert all(n == 1 for n in escalations.values()), escalations
            now = utcnow()
            static, log = load_log(s)
            again = summary_from_log(static, log, year0=local_midnight(now, year_start=True), now=now)
            head = summary(s, now)
            assert {k: head[k] for k in again} == again
    finally:
        stop.set()
        ctx.stop()
        proxy.stop()
