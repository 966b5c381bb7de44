"""Notification jobs: the sweep (临期提醒, 日报/周报) and the sender.

Embedded shape (``civicwatch run``): both run on an APScheduler in this process. Split shape
(``scale.celery``): the sweep stays on the scheduler, and each sender tick is a Celery task
(``civicwatch.notify_deliver``) that a worker runs with :func:`deliver_once` — ``send_task`` is passed in by
the wiring, so models/ imports no Celery. Status is published as ``ctx.status["notify"]``.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Callable

from apscheduler.schedulers.background import BackgroundScheduler

from ..clock import utcnow
from ..workflow.job_lock import try_job_lock
from .channels import build_channels
from .sender import deliver_due
from .settings import bind_ctx, effective
from .sweep import deadline_soon, due_briefings, write_briefing

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 30


def channels_for(ctx) -> dict:
    return build_channels(ctx.config.notify, ctx.config.path)


def deliver_once(ctx, channels: dict | None = None, now: datetime | None = None) -> dict[str, int]:
    """One sender run (also the body of the Celery task)."""
    return deliver_due(ctx.sessions, effective(ctx.config), channels if channels is not None else channels_for(ctx),
                       now)


def sweep_once(ctx, last_checked: datetime, now: datetime | None = None,
               workbook: Callable[[dict], bytes] | None = None, done: set | None = None) -> dict[str, int]:
    """Deadline-approaching reminders and due briefings, in one transaction under the job lock."""
    cfg = effective(ctx.config)
    now = now or utcnow()
    with ctx.sessions.begin() as s:
        if not try_job_lock(s, "notify-sweep"):
            return {"skipped_locked": 1}
        reminded = deadline_soon(s, cfg, now, done)
        briefings = sum(write_briefing(s, cfg, kind, day, now, workbook, ctx.config.workflow.score_weights)
                        for kind, day in due_briefings(cfg, now, last_checked))
    return {"deadline_soon": reminded, "briefings": briefings}


def start_notify_jobs(ctx, workbook: Callable[[dict], bytes] | None = None,
                      send_task: Callable[[], Any] | None = None) -> BackgroundScheduler | None:
    cfg = bind_ctx(ctx)
    if not cfg.enabled or not cfg.channels:
        ctx.status["notify"] = lambda: {"ok": True, "enabled": False}
        return None
    channels = channels_for(ctx)  # a bad channel config stops the start with a clear error
    state: dict[str, Any] = {"enabled": True, "channels": sorted(channels), "sent": 0, "failed": 0, "dead": 0,
                             "deferred": 0, "deadline_soon": 0, "briefings": 0, "errors": 0, "last_error": None,
                             "shape": "celery" if send_task else "embedded", "failing": {}}
    lock = threading.Lock()
    clock = {"last": utcnow() - timedelta(seconds=SWEEP_EVERY_S)}
    reminded: set = set()  # (case, deadline) pairs the sweep has handled

    def _count(counts: dict[str, int]) -> None:
        with lock:
            for k, v in counts.items():
                state[k] = state.get(k, 0) + v

    def _guard(name: str, fn) -> None:
        try:
            _count(fn())
            with lock:
                state["failing"].pop(name, None)
        except Exception as exc:  # noqa: BLE001 - a failing run is retried at the next tick
            log.warning("notify job %s failed: %s", name, str(exc).splitlines()[0][:200] if str(exc) else exc)
            with lock:
                state["errors"] += 1
                state["last_error"] = state["failing"][name] = f"{name}: {exc}"[:300]

    def sweep() -> dict[str, int]:
        now = utcnow()
        out = sweep_once(ctx, clock["last"], now, workbook, reminded)
        clock["last"] = now
        return out

    def send() -> dict[str, int]:
        if send_task is not None:
            send_task()
            return {}
        return deliver_once(ctx, channels)

    scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    scheduler.add_job(_guard, "interval", seconds=SWEEP_EVERY_S, args=["sweep", sweep], id="notify-sweep",
                      max_instances=1, coalesce=True, next_run_time=utcnow())
    scheduler.add_job(_guard, "interval", seconds=cfg.send_every_s, args=["send", send], id="notify-send",
                      max_instances=1, coalesce=True, next_run_time=utcnow())
    scheduler.start()

    def status() -> dict[str, Any]:
        with lock:
            return dict(state, failing=dict(state["failing"]), ok=not state["failing"])

    ctx.status["notify"] = status
    ctx.stoppers.append(lambda: scheduler.shutdown(wait=False))
    return scheduler
