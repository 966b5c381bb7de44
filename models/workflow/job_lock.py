"""One runner per periodic workflow job across processes (作业锁): a PostgreSQL advisory lock.

Several scheduler processes (``civicwatch scheduler`` on two hosts, or ``civicwatch run`` next to one) may
start the same periodic job at the same moment. :func:`try_job_lock` takes a transaction-scoped advisory
lock named after the job (``pg_try_advisory_xact_lock``): the first transaction gets it and runs the job,
any other gets ``False`` and skips this round; the lock is released when the holder's transaction ends.
SQLite is single-writer and used by one process only, so there the lock is always granted.
"""
from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session

LOCK_NAMESPACE = 0x63770000  # "cw" in the high bits: keeps CivicWatch's job locks apart from others


def job_lock_key(name: str) -> int:
    """The advisory-lock key of a job: stable across processes and releases."""
    return LOCK_NAMESPACE | (zlib.crc32(name.encode("utf-8")) & 0xFFFF)


def try_job_lock(session: Session, name: str) -> bool:
    """Take the job's lock for the rest of ``session``'s transaction; ``False`` when another holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": job_lock_key(name)}).scalar())
