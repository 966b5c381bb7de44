"""Background jobs of the workflow (APScheduler): deadline reminders/督办 and, in the demo, simulated units.

``start_workflow_jobs(ctx)`` is called by ``civicwatch.runtime.start_services``: it binds the workflow
settings to ``ctx.sessions``, installs the append-only guard on the transition log, starts the jobs,
publishes ``ctx.status["workflow"]`` and registers a stopper. Each job run first takes the job's lock
(:mod:`.job_lock`): when another scheduler process is running the same job, this round is skipped
(counted as ``skipped_locked``), so two schedulers never run the same job at once.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import InterfaceError, OperationalError

from ..clock import utcnow
from .demo import run_demo_responders
from .guard import install_log_guard
from .job_lock import try_job_lock
from .jobs import check_deadlines
from .settings import bind

log = logging.getLogger(__name__)
DEADLINE_EVERY_S = 30
DEMO_EVERY_S = 5


def run_locked(sessions, name: str, fn) -> dict[str, int] | None:
    """Run job ``fn(session)`` in one transaction holding the job's lock; ``None`` if another process holds it."""
    with sessions.begin() as session:
        if not try_job_lock(session, f"workflow-{name}"):
            return None
        return fn(session)


def start_workflow_jobs(ctx) -> BackgroundScheduler:
    settings = bind(ctx)
    install_log_guard(ctx.engine)
    demo_cfg = ctx.config.workflow.demo_responders
    demo_on = bool(ctx.config.demo and demo_cfg.enabled)
    seed = getattr(getattr(ctx.config, "simulator", None), "seed", 2024)
    state: dict[str, Any] = {"started_at": utcnow().isoformat(), "demo_responders": demo_on, "runs": 0,
                             "reminded": 0, "escalated": 0, "rectified": 0, "not_fixed": 0, "verified": 0,
                             "skipped_locked": 0, "last_error": None, "last_run_at": None, "errors": 0,
                             "failing": {}}
    lock = threading.Lock()

    def _run(name: str, fn) -> None:
        try:
            counts = run_locked(ctx.sessions, name, fn)
            with lock:
                if counts is None:
                    state["skipped_locked"] += 1
                    return
                state["runs"] += 1
                state["last_run_at"] = utcnow().isoformat()
                state["failing"].pop(name, None)  # recovered (e.g. the database is back): healthy again
                for k, v in counts.items():
                    state[k] = state.get(k, 0) + v
        except Exception as exc:  # noqa: BLE001 - a job error must not stop the scheduler; retried next tick
            if isinstance(exc, (OperationalError, InterfaceError)):  # database unreachable: one line, no trace
                log.warning("workflow job %s: database unavailable, retried next run: %s", name,
                            str(exc).splitlines()[0][:200])
            else:
                log.exception("workflow job %s failed", name)
            with lock:
                state["last_error"] = f"{name}: {exc}"
                state["errors"] += 1
                state["failing"][name] = state["last_error"]

    scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    scheduler.add_job(_run, "interval", seconds=DEADLINE_EVERY_S, args=["deadlines", check_deadlines],
                      id="workflow-deadlines", max_instances=1, coalesce=True, next_run_time=utcnow())
    if demo_on:
        scheduler.add_job(_run, "interval", seconds=DEMO_EVERY_S,
                          args=["demo", lambda s: run_demo_responders(s, demo_cfg, seed=seed)],
                          id="workflow-demo", max_instances=1, coalesce=True)
    scheduler.start()

    def status() -> dict[str, Any]:
        with lock:
            out = dict(state, failing=dict(state["failing"]))
        out["ok"] = not out["failing"]
        out["recheck_clean_samples"] = settings.config.recheck_clean_samples
        return out

    ctx.status["workflow"] = status
    ctx.stoppers.append(lambda: scheduler.shutdown(wait=False))
    return scheduler
