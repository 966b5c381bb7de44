"""Issue 18 defect 6: the wall's 全流程 shows 本年 and 今日 of one moment — cases arriving between two
refreshes of the (slow, cached) year funnel never make 本年 smaller than 今日."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from dashboard.wall.compute import year_and_today
from dashboard.wall.snapshot import WallSnapshotService, compute_slow, load_registry, local_day_start, local_year_start
from models.cases import Case
from models.clock import utcnow
from models.workflow import apply, open_case
from tests.factories import make_registry


def _cases(ctx, n, found_at, close=False):
    with ctx.sessions.begin() as s:
        from models.registry import ProblemType

        ptype = s.scalars(select(ProblemType).order_by(ProblemType.id)).first()
        for i in range(n):
            c = open_case(s, source="inspector", problem_type=ptype, found_at=found_at, actor="sup1",
                          actor_role="supervisor")
            if close:
                for action in ("accept", "dispatch", "rectify", "verify", "close"):
                    if c.state in ("found", "accepted", "dispatched", "rectified", "verified"):
                        apply(s, c, action, actor="sup1", actor_role="admin", at=found_at + timedelta(minutes=i + 1))


def _reached(ctx, since):
    with ctx.sessions() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.found_at >= since))


def test_year_never_below_today_while_the_year_part_is_cached(sqlite_ctx):
    ctx = sqlite_ctx
    with ctx.sessions.begin() as s:
        make_registry(s)
    now = utcnow()
    day = local_day_start(now)
    if day - timedelta(hours=1) >= local_year_start(now):
        _cases(ctx, 2, day - timedelta(hours=1), close=True)  # yesterday (this year)
    svc = WallSnapshotService(ctx, slow_every_s=3600)  # the year part stays cached for the whole test
    first = svc.get()["flow"]
    _cases(ctx, 3, utcnow(), close=True)  # found and closed today, after the year part was computed
    svc._at = 0.0  # next tick
    flow = svc.get()["flow"]
    assert all(y >= t for y, t in zip(flow["year"], flow["today"])), flow
    assert flow["today"][0] == first["today"][0] + 3
    assert flow["year"][0] == _reached(ctx, local_year_start(utcnow()))
    assert flow["year"][5] - first["year"][5] == 3  # the closures of today's cases count in the year too


def test_slow_part_from_before_midnight_still_adds_up(sqlite_ctx):
    """A year part cut at yesterday's start (computed before midnight) plus the live part since that cut."""
    ctx = sqlite_ctx
    with ctx.sessions.begin() as s:
        make_registry(s)
    now = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)  # 12:00 in Zhangzhou, mid-year
    day = local_day_start(now)
    _cases(ctx, 2, day - timedelta(hours=30))   # the day before yesterday
    _cases(ctx, 4, day - timedelta(hours=2))    # yesterday evening
    _cases(ctx, 1, now)                         # today
    with ctx.sessions() as s:
        reg = load_registry(s)
        slow = compute_slow(s, day - timedelta(minutes=1), reg, ctx.engine.dialect.name)  # just before midnight
        flow = year_and_today(s, now, slow["flow_year"])
    assert flow["today"][0] == 1
    assert flow["year"][0] == 7
