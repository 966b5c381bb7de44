"""Periodic workflow jobs take a lock first, so two scheduler processes never run the same job at once."""
from __future__ import annotations

from models.workflow.job_lock import job_lock_key, try_job_lock
from models.workflow.jobs import check_deadlines
from models.workflow.service import run_locked


def test_a_job_held_elsewhere_is_skipped_then_runs_once_released(ctx):
    calls = []

    def job(session):
        calls.append(1)
        return check_deadlines(session)

    other = ctx.sessions()  # another scheduler, in the middle of its run of the same job
    other.begin()
    try:
        assert try_job_lock(other, "workflow-deadlines")
        if ctx.engine.dialect.name == "postgresql":
            assert run_locked(ctx.sessions, "deadlines", job) is None and calls == []
            assert run_locked(ctx.sessions, "demo", lambda s: {"ran": 1}) == {"ran": 1}  # other jobs are free
        else:  # SQLite: one process owns the database; the lock is always granted
            assert run_locked(ctx.sessions, "deadlines", job) == {"reminded": 0, "escalated": 0}
    finally:
        other.rollback()
        other.close()
    assert run_locked(ctx.sessions, "deadlines", job) == {"reminded": 0, "escalated": 0}
    assert calls


def test_lock_keys_are_stable_and_distinct():
    assert job_lock_key("workflow-deadlines") == job_lock_key("workflow-deadlines")
    assert job_lock_key("workflow-deadlines") != job_lock_key("workflow-demo")
