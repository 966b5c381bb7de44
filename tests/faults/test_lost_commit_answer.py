"""The worst moment of a database outage: the commit reached the server but its answer was lost. The retry
must find what was stored instead of storing it again (cases by their idempotency key, observation batches
by their first row), and a failure before the commit must store nothing and be retried."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from models.cases import Case, CaseTransition, Observation as ObservationRow
from models.context import AppContext
from models.detection.problems import Observation, Problem
from models.detection.sinks import CaseSink
from models.detection.sources import registry_from_db
from models.detection.types import TypeBook

from .city import TYPE_CODE, make_fault_city


class Flaky:
    """A session factory whose next unit of work fails: ``"after"`` the commit (answer lost) or ``"before"``."""

    def __init__(self, sessions):
        self.sessions = sessions
        self.fail: str | None = None

    def __call__(self):
        return self.sessions()

    @contextmanager
    def begin(self):
        mode, self.fail = self.fail, None
        if mode == "before":
            raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))
        with self.sessions.begin() as s:
            yield s
        if mode == "after":
            raise OperationalError("COMMIT", {}, ConnectionResetError("server closed the connection unexpectedly"))


@dataclass
class LostCommitRig:
    """A fault city with camera ``CAM-L1``, its type book and the one type it watches, and a :class:`Flaky`
    session factory over the city's database; ``sink(**options)`` makes a ``CaseSink`` writing through it."""

    ctx: AppContext
    book: TypeBook
    flaky: Flaky

    @property
    def spec(self):
        return self.book.get(TYPE_CODE)

    def sink(self, **options) -> CaseSink:
        return CaseSink(self.flaky, None, **options)


@pytest.fixture
def rig(sqlite_ctx) -> LostCommitRig:
    with sqlite_ctx.sessions.begin() as s:
        make_fault_city(s, [("CAM-L1", "simulated", None, 1.0)])
        book, _ = registry_from_db(s)
    return LostCommitRig(sqlite_ctx, book, Flaky(sqlite_ctx.sessions))


def _problem(book, t: float) -> Problem:
    spec = book.get(TYPE_CODE)
    p = Problem("CAM-L1", "广场", (0.1, 0.4, 0.2, 0.5), t - 30, t, confirmed_at=t)
    p.votes[spec.code] = 3
    p.types[spec.code] = spec
    p.hits, p.score = 3, 0.5
    return p


def _counts(ctx):
    with ctx.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(CaseTransition)),
                s.scalar(select(func.count()).select_from(ObservationRow)))


def test_a_case_whose_commit_answer_was_lost_is_not_opened_twice(rig):
    ctx, book, flaky = rig.ctx, rig.book, rig.flaky
    sink = rig.sink()
    t = 1_790_000_000.0
    p = _problem(book, t)
    flaky.fail = "after"
    assert sink.raise_problem("CAM-L1", p, t) is None
    assert p.confirmed_at is None and not sink.db_ok  # pending again: raised on its next sighting
    cases, transitions, _ = _counts(ctx)
    assert cases == 1  # ... but the server did store it
    sink._retry_at = 0.0  # the backoff has passed
    p.confirmed_at = t + 2
    case_id = sink.raise_problem("CAM-L1", p, t + 2)
    assert case_id is not None and sink.db_ok
    assert _counts(ctx)[:2] == (cases, transitions)  # found by its key, not opened again

    q = _problem(book, t + 10)
    flaky.fail = "before"
    assert sink.raise_problem("CAM-L1", q, t + 10) is None and q.confirmed_at is None
    assert _counts(ctx)[0] == cases
    # while backing off the database is not even tried
    assert sink.raise_problem("CAM-L1", q, t + 12) is None
    sink._retry_at = 0.0
    assert sink.raise_problem("CAM-L1", q, t + 14) not in (None, case_id)
    assert _counts(ctx)[0] == cases + 1


def test_an_observation_batch_whose_commit_answer_was_lost_is_not_stored_twice(rig):
    ctx, spec, flaky = rig.ctx, rig.spec, rig.flaky
    sink = rig.sink(batch_rows=10**6, batch_s=10**6)
    t = 1_790_000_000.0

    def offer(n: int, start: float) -> None:
        for i in range(n):
            ob = Observation(spec, "广场", (0.1 + 0.01 * i, 0.4, 0.2, 0.5), 0.5, start + 20 * i)
            sink.observe("CAM-L1", [ob], {})

    offer(5, t)
    flaky.fail = "after"
    sink.flush()
    assert _counts(ctx)[2] == 5 and sink.backlog() == 5 and not sink.db_ok
    offer(3, t + 1000)  # more rows arrive while the database is "down"
    sink.flush()  # backing off: not tried
    assert sink.backlog() == 8
    sink._retry_at = 0.0
    sink.flush()  # the failed batch: found stored, not written again
    sink.flush()  # the rows queued behind it
    assert _counts(ctx)[2] == 8 == sink.observations_queued == sink.observations_written
    assert sink.backlog() == 0 and sink.db_ok

    offer(4, t + 5000)
    flaky.fail = "before"
    sink.flush()
    assert _counts(ctx)[2] == 8 and sink.backlog() == 4
    sink._retry_at = 0.0
    sink.flush()
    assert _counts(ctx)[2] == 12 == sink.observations_written and sink.observations_dropped == 0


def test_the_buffer_is_bounded_and_says_what_it_dropped(rig):
    ctx = rig.ctx
    sink = rig.sink(batch_rows=10**6, batch_s=10**6, max_buffer_rows=50)
    for i in range(80):
        sink.observe("CAM-L1", [Observation(rig.spec, "广场", (0.1, 0.4, 0.2, 0.5), 0.5, 1e9 + 20 * i)], {})
    assert sink.backlog() == 50 and sink.observations_dropped == 30
    sink.flush()
    assert _counts(ctx)[2] == 50 == sink.observations_written
