"""Opening one case per new object (开案锁), however many deliveries about it arrive at once.

Two edge batches (or single alarms) about the same new object can arrive at the same moment in two web
workers. Each looks for an open case of that camera, type and zone, finds none and would open one: two
cases for one object. The writers therefore serialise on the object's key (camera, problem type, zone):

- PostgreSQL: :func:`lock_case_keys` takes a transaction-scoped advisory lock per key, in key order (two
  transactions wanting the same keys cannot deadlock), and the caller then looks for open cases AGAIN:
  a second transaction waits until the first has committed and finds the case it opened.
- SQLite is one process with one writer: :func:`sqlite_writers` holds a process-wide lock around the
  whole write transaction, so a second thread reads only after the first has committed.

Only transactions that are about to open a case take a key lock; alarms attaching to an open case do not.
"""
from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import Integer

LOCK_CLASS = 0x6377  # "cw": the first key of the two-key advisory lock, apart from the job locks
CaseKey = tuple[int, int, "str | None"]  # (camera id, problem type id, zone name)

_SQLITE_WRITERS = threading.Lock()
_LOCK_KEYS = text("SELECT pg_advisory_xact_lock(:cls, k) FROM (SELECT DISTINCT unnest(:keys) AS k ORDER BY k) AS ordered"
                  ).bindparams(bindparam("keys", type_=ARRAY(Integer)))


def key_number(key: CaseKey) -> int:
    """The advisory-lock number of a key (a 31-bit hash: a collision only makes two keys wait on each other)."""
    camera_id, ptype_id, zone = key
    return zlib.crc32(f"{camera_id}|{ptype_id}|{zone or ''}".encode("utf-8")) & 0x7FFFFFFF


def lock_case_keys(session: Session, keys: Iterable[CaseKey]) -> bool:
    """Hold the keys' locks until ``session``'s transaction ends; ``True`` when locks were taken (PostgreSQL).

    After it returns the caller must look for open cases again: a concurrent writer may have opened one."""
    numbers = sorted({key_number(k) for k in keys})
    if not numbers or session.get_bind().dialect.name != "postgresql":
        return False
    session.execute(_LOCK_KEYS, {"cls": LOCK_CLASS, "keys": numbers})
    return True


@contextmanager
def sqlite_writers(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Around a write transaction that may open cases: one at a time on SQLite, no-op elsewhere."""
    bind = sessions.kw.get("bind")
    if bind is not None and bind.dialect.name == "sqlite":
        with _SQLITE_WRITERS:
            yield
    else:
        yield
