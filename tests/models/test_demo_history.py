"""Demo history (演示历史数据): written through the workflow by simulated units; its KPIs recompute from its
logs like any case's; the totals follow the rates (the seed's ~2,832 dispatched a year, ~99.86 % handled)
for different seeds; the first start of the demo writes it once."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.cases import Case, CaseTransition
from models.config import DemoHistory
from models.kpi import local_midnight, summary
from models.kpi_replay import load_log, summary_from_log
from models.registry_io import import_registry
from models.workflow import WorkflowError
from models.workflow.demo_history import history_count, write_history
from models.workflow.machine import replay_case

REGISTRY = Path(__file__).resolve().parents[2] / "assets" / "registry"
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
DAYS = 90


@pytest.fixture
def city(sqlite_ctx):
    import_registry(sqlite_ctx.sessions, REGISTRY)
    return sqlite_ctx


@pytest.mark.parametrize("seed", [1, 2024])
def test_history_totals_follow_the_rates_and_replay_from_the_logs(city, seed):
    cfg = DemoHistory(seed=seed)
    res = write_history(city.sessions, cfg, days=DAYS, now=NOW)
    mean = cfg.cases_per_day * DAYS
    assert abs(res.dispatched - mean) <= 4 * math.sqrt(mean), (res, mean)  # Poisson: ±4σ
    assert res.cases == res.dispatched  # every history problem was routed and dispatched
    # handled, but for the cases still in progress at the end (the live demo responders carry on with them)
    # and the few a simulated unit ignores (ignore_share) or was late with: those run overdue
    assert res.handled / res.dispatched >= 0.98, res
    with city.sessions() as s:
        assert history_count(s) == res.cases
        assert s.scalar(select(func.count()).select_from(Case).where(Case.demo_history.is_(False))) == 0
        first, last = s.execute(select(func.min(CaseTransition.at), func.max(CaseTransition.at))).one()
        assert NOW - timedelta(days=DAYS, hours=24) <= first.replace(tzinfo=UTC) \
            and last.replace(tzinfo=UTC) <= NOW  # a past written with past times, nothing after now
        actions = dict(s.execute(select(CaseTransition.action, func.count()).group_by(CaseTransition.action)).all())
        assert actions["open"] == actions["dispatch"] == res.cases
        assert actions["close"] == res.handled and actions.get("rework", 0) > 0 and actions.get("escalate", 0) > 0
        # the KPIs recompute from the logs like any case: the SQL summary equals the replay
        static, log = load_log(s)
        replayed = summary_from_log(static, log, year0=local_midnight(NOW, year_start=True), now=NOW)
        sql = summary(s, NOW)
        for key in ("dispatched", "handled", "rectification_rate", "overdue"):
            assert sql[key] == replayed[key], key
        assert sql["overdue"] <= 0.01 * res.dispatched, sql  # ignored or late at the end: rare
        # and every case row is the projection of its own log
        for case in s.scalars(select(Case)).all()[:: 25]:
            p = replay_case([{"seq": t.seq, "action": t.action, "to_state": t.to_state, "at": t.at, "data": t.data}
                             for t in case.transitions])
            assert (p["state"], p["deadline_at"], p["handled_at"], p["closed_at"], p["rework_count"]) == \
                (case.state, case.deadline_at, case.handled_at, case.closed_at, case.rework_count)


def test_different_seeds_write_different_histories_and_a_second_run_is_refused(city):
    a = write_history(city.sessions, DemoHistory(seed=1), days=20, now=NOW)
    with city.sessions() as s:
        times_a = s.scalars(select(Case.found_at).order_by(Case.id)).all()
    with pytest.raises(WorkflowError, match="already has one"):
        write_history(city.sessions, DemoHistory(seed=2), days=20, now=NOW)
    assert a.cases > 100 and len(times_a) == a.cases


def test_the_handled_share_is_made_by_the_simulated_units(city):
    """A unit that never acts on a fifth of its cases makes the rate fall to about 80 %: the rate is not written."""
    res = write_history(city.sessions, DemoHistory(seed=7, ignore_share=0.2, cases_per_day=20), days=30, now=NOW)
    assert 0.72 <= res.handled / res.dispatched <= 0.86, res
    with city.sessions() as s:
        assert summary(s, NOW)["overdue"] >= res.dispatched - res.handled - 20  # the ignored ones run overdue


def test_first_start_of_the_demo_writes_the_history_once(tmp_path, sqlite_url):
    from civicwatch import runtime
    from tests.conftest import make_config

    cfg = make_config(tmp_path, sqlite_url, demo=True, registry_seed_dir=str(REGISTRY),
                      workflow={"demo_history": {"on_first_start": True, "days": 10}})
    lines: list[str] = []
    ctx = runtime.prepare(cfg, echo=lines.append)
    try:
        with ctx.sessions() as s:
            n = history_count(s)
        assert n > 30 and any("演示历史" in line for line in lines)
    finally:
        ctx.stop()
    ctx = runtime.prepare(cfg, echo=lines.append)  # not empty any more: nothing added
    try:
        with ctx.sessions() as s:
            assert history_count(s) == n
    finally:
        ctx.stop()
    off = make_config(tmp_path / "off", f"sqlite:///{tmp_path}/off.db", demo=True, registry_seed_dir=str(REGISTRY))
    ctx = runtime.prepare(off, echo=lines.append)  # the switch is off by default (on in config.yaml only)
    try:
        with ctx.sessions() as s:
            assert history_count(s) == 0
    finally:
        ctx.stop()


def test_live_demo_responders_carry_on_but_leave_the_ignored_cases(city):
    from models.config import DemoResponders
    from models.workflow.demo import run_demo_responders
    from models.workflow.demo_history import ignored_by_history

    write_history(city.sessions, DemoHistory(seed=3, ignore_share=0.2, cases_per_day=30), days=10, now=NOW)
    with city.sessions() as s:
        ignored = set(s.scalars(select(Case.id).where(ignored_by_history())).all())
        in_progress = set(s.scalars(select(Case.id).where(Case.state == "dispatched")).all()) - ignored
    assert ignored and in_progress  # both kinds exist at the end of the history
    live = DemoResponders(min_delay_s=0, max_delay_s=0, overdue_share=0, fail_share=0)
    with city.sessions.begin() as s:
        run_demo_responders(s, live, now=NOW + timedelta(minutes=5))
    with city.sessions() as s:
        states = dict(s.execute(select(Case.id, Case.state)).all())
    assert all(states[i] == "dispatched" for i in ignored)
    assert all(states[i] == "rectified" for i in in_progress)


def test_cli_writes_a_history_on_a_demo_config_and_refuses_otherwise(tmp_path, city):
    import json

    from tests.civicwatch.cli_helpers import run, write_config

    config = write_config(tmp_path, city.config.database_url)
    ok = run(config, "demo", "history", "--days", "5", "--seed", "9")
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.stdout.strip().splitlines()[-1])
    with city.sessions() as s:
        assert out["cases"] == history_count(s) > 0
    again = run(config, "demo", "history", "--days", "5")
    assert again.exit_code != 0 and "already has one" in again.output
    prod = tmp_path / "prod.yaml"
    prod.write_text(config.read_text(encoding="utf-8") + "demo: false\n", encoding="utf-8")
    refused = run(prod, "demo", "history", "--days", "5")
    assert refused.exit_code != 0 and "not a demo" in refused.output
