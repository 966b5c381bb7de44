"""Camera re-check with Celery workers (scale.celery): a worker restart cannot fool the re-check.

Real footage (vtest.avi with a pile planted on the path) is forwarded through real Redis to a worker
process (``civicwatch worker``) which confirms the pile as a case and keeps its reference crops. The unit
reports it fixed while it is not; the worker is stopped and a new one started (new background models that
learn the pile, no running counts); the re-check in the new worker sends the case back (返工) and never
closes it, also after the new background model's learning phase.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
import redis
import yaml
from sqlalchemy import select

from civicwatch.workers import FrameForwarder, make_celery, queue_name
from models.cases import Case
from models.context import AppContext
from models.detection.problems import iou
from models.migrate import upgrade
from models.workflow import apply
from models.workflow.recheck import RECHECK_DIRTY_GRACE
from tests.conftest import make_config
from tests.factories import make_registry
from tests.models.detection.recheck_footage import CAM, PLANT_BOX, events, prepare_registry

REDIS_URL = "redis://127.0.0.1:6379/14"  # its own database: other tests' workers use other queues
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp()  # 10:00 in Zhangzhou
T_PLANT = START + 140


def _worker(cfg_path, key):
    env = dict(os.environ, CIVICWATCH_BENCH_KEY=key)
    return subprocess.Popen([sys.executable, "-m", "civicwatch.cli", "--config", str(cfg_path), "worker",
                             "--shard", "0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _send(ctx, fwd, r, key, evs, timeout_s=240):
    """Forward the frames and wait until the worker has analysed all of them."""
    done = r.llen(key)
    n = 0
    for ev in evs:
        ctx.frames.put(ev)
        n += 1
        while len(ctx.frames) > 64:  # the queue is bounded (drop-oldest): keep it short
            time.sleep(0.05)
    deadline = time.time() + timeout_s
    while r.llen(key) < done + n and time.time() < deadline:
        time.sleep(0.2)
    assert r.llen(key) == done + n, f"worker analysed {r.llen(key) - done} of {n} frames"


def _stop(proc):
    proc.terminate()
    proc.wait(timeout=60)


@pytest.mark.redis
@pytest.mark.postgres
def test_worker_restart_does_not_close_an_unfixed_case(tmp_path, pg_database):
    from tests.conftest import _reset_pg

    _reset_pg(pg_database)
    scale = {"redis_url": REDIS_URL, "celery": True, "shard_count": 1}
    ctx = AppContext.from_config(make_config(tmp_path, pg_database, scale=scale))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
        prepare_registry(s)
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump({"data_dir": str(tmp_path / "var"), "registry_seed_dir": None,
                                        "database": {"url": pg_database}, "scale": scale}), encoding="utf-8")
    r = redis.Redis.from_url(REDIS_URL)
    r.delete(queue_name(0))
    key = f"civicwatch:test:{uuid.uuid4().hex}"
    fwd = FrameForwarder(ctx, make_celery(REDIS_URL))
    fwd.start()
    proc = _worker(cfg_path, key)
    try:
        _send(ctx, fwd, r, key, events(CAM, START, T_PLANT + 40, START, plant=lambda t: t >= T_PLANT))
        with ctx.sessions.begin() as s:
            pile = [c for c in s.scalars(select(Case)) if iou(c.box, PLANT_BOX) > 0.3]
            assert len(pile) == 1 and pile[0].state == "dispatched"
            case = pile[0]
            assert {"ref_problem", "ref_clean"} <= {e.kind for e in case.evidence}
            t = T_PLANT + 40
            apply(s, case, "rectify", actor="南坑街道", actor_role="system", note="已清理",
                  at=datetime.fromtimestamp(t, UTC))
            case_id = case.id
        _stop(proc)  # worker restart: its detection state is gone
        proc = _worker(cfg_path, key)
        # the new worker's detection service starts with its first frame; its housekeeping finds the cases
        # awaiting 复核 every 5 s: frames go in 20 s batches (simulated), paced until the verdict, then on to
        # 300 s — past the new background's learning phase, after which it has absorbed the pile
        reworked_at = None
        for t0 in range(int(t), int(t) + 300, 20):
            _send(ctx, fwd, r, key, events(CAM, t0, t0 + 20, START, plant=lambda _t: True))
            if reworked_at is None:
                with ctx.sessions() as s:
                    if s.get(Case, case_id).rework_count:
                        reworked_at = t0
                    else:
                        time.sleep(1.0)
        assert reworked_at is not None
    finally:
        fwd.stop()
        _stop(proc)
        r.delete(key)
        r.delete(queue_name(0))
    with ctx.sessions() as s:
        case = s.get(Case, case_id)
        actions = [x.action for x in case.transitions]
        assert "verify" not in actions and "close" not in actions, actions
        assert case.state == "dispatched" and case.rework_count == 1, actions
        rework = case.transitions[-1]
        assert rework.action == "rework" and rework.actor == "camera"
        n = ctx.config.workflow.recheck_clean_samples + RECHECK_DIRTY_GRACE
        assert rework.data["recheck"]["dirty_run"] == n
    ctx.stop()
