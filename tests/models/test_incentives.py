"""Incentive scores (正向激励): a unit's score recomputed by hand from the raw transition log, the minimum-volume
rule, the improvement bonus, positive-only lists, counties, and the same rows from the log replay."""
from __future__ import annotations

from datetime import datetime

import pytest

from models.cases import Case, CaseTransition
from models.config import IncentiveConfig
from models.incentives import IncentiveError, parse_period, score_period, score_rows
from models.indicator_progress import completion
from models.kpi_replay import kpis_from_log, load_log
from tests.models.incentive_city import NOW, scenario

def _hand_rates(s, unit_id, start, end):
    """整改率, 按期率, 返工率 of a unit's cases dispatched in [start, end), counted from the raw transitions."""
    dispatched = handled = due = on_time = reworked = 0
    for case_id in s.scalars(Case.__table__.select().with_only_columns(Case.id)):
        ts = list(s.scalars(CaseTransition.__table__.select().with_only_columns(CaseTransition.id)
                            .where(CaseTransition.case_id == case_id)))
        rows = sorted((s.get(CaseTransition, t) for t in ts), key=lambda t: t.seq)
        first = next((t for t in rows if t.action == "dispatch"), None)
        if first is None or first.data["unit_id"] != unit_id or not start <= first.at < end:
            continue
        deadline = datetime.fromisoformat(first.data["deadline"])
        for t in rows:
            if t.action == "rework":
                deadline = datetime.fromisoformat(t.data["deadline"])
        state = rows[-1].to_state
        is_handled = state in ("verified", "closed")
        handled_at = max(t.at for t in rows if t.action == "rectify") if is_handled else None
        is_due = is_handled or deadline <= NOW
        dispatched += 1
        handled += is_handled
        due += is_due
        on_time += bool(is_handled and handled_at <= deadline)
        reworked += bool(is_due and any(t.action == "rework" for t in rows))
    return (round(100 * handled / dispatched, 2), round(100 * on_time / due, 2), round(100 * reworked / due, 2))


def test_unit_score_recomputed_by_hand_from_the_transition_log(ctx):
    cfg = IncentiveConfig()
    with ctx.sessions.begin() as s:
        city = scenario(s)
        street, lw_gov, bureau = city.units[2], city.units[3], city.units[0]
        year = parse_period("2024")
        result = score_period(s, year, "unit", NOW, cfg)
        rows = {r["key"]: r for r in result["rows"]}

        w = cfg.weights
        ind = (completion(60, 95) + completion(40, 90)) / 2          # the street's two assigned indicators
        rr, ot, rw = _hand_rates(s, street.id, year.start, year.end)
        assert (rr, ot, rw) == (100.0, 83.33, 16.67)
        base24 = round((w.rectification_rate * rr + w.on_time_rate * ot + w.rework_free * (100 - rw)
                        + w.indicator_progress * round(ind, 2)) / (w.rectification_rate + w.on_time_rate
                                                                   + w.rework_free + w.indicator_progress), 2)
        prev = year.previous()
        rr, ot, rw = _hand_rates(s, street.id, prev.start, prev.end)
        assert (rr, ot, rw) == (60.0, 60.0, 0.0)
        base23 = round((w.rectification_rate * rr + w.on_time_rate * ot + w.rework_free * (100 - rw)
                        + w.indicator_progress * round(ind, 2)) / (w.rectification_rate + w.on_time_rate
                                                                   + w.rework_free + w.indicator_progress), 2)
        improvement = round(base24 - base23, 2)
        assert improvement > 0
        expected = round(base24 + min(cfg.improvement_weight * improvement, cfg.improvement_cap), 2)
        st = rows[street.id]
        assert (st["base"], st["previous_base"], st["improvement"], st["score"]) == \
            (base24, base23, improvement, expected)

        # no indicator: that part is left out and the weights re-normalised; no previous period: no bonus
        lw = rows[lw_gov.id]
        assert lw["indicator_progress"] is None and "indicator_progress" not in lw["parts"]
        assert lw["base"] == 100.0 and lw["improvement"] is None and lw["score"] == 100.0
        # 2 cases < min_dispatched: not scored, not listed
        assert rows[bureau.id]["eligible"] is False and rows[bureau.id]["score"] is None
        assert [r["key"] for r in result["advanced"]] == [lw_gov.id, street.id]
        assert [r["rank"] for r in result["advanced"]] == [1, 2]
        assert [r["key"] for r in result["improved"]] == [street.id]
        assert "lagging" not in result

        # the log replay gives the same rows
        static, log = load_log(s)
        cur = kpis_from_log(static, log, start=year.start, end=year.end, now=NOW, group_by="unit")
        old = kpis_from_log(static, log, start=prev.start, end=prev.end, now=NOW, group_by="unit")
        names = {r["key"]: r["name"] for r in result["rows"]}
        replayed = score_rows(cur, old, {street.id: round(ind, 2)}, names, cfg)
        assert [(r["key"], r["score"]) for r in replayed] == [(r["key"], r["score"]) for r in result["rows"]]


def test_counties_lagging_on_request_and_weights(ctx):
    with ctx.sessions.begin() as s:
        city = scenario(s)
        xc, lw = city.districts
        year = parse_period("2024")
        result = score_period(s, year, "district", NOW, IncentiveConfig(show_lagging=True, top_n=1))
        rows = {r["key"]: r for r in result["rows"]}
        assert rows[xc.id]["name"] == "芗城区" and rows[xc.id]["dispatched"] == 8  # street 6 + bureau 2
        assert rows[xc.id]["indicator_progress"] == round((completion(60, 95) + completion(40, 90)) / 2, 2)
        assert rows[lw.id]["score"] == 100.0
        assert [r["key"] for r in result["advanced"]] == [lw.id]
        assert [r["key"] for r in result["lagging"]] == [xc.id]
        # only 整改率 weighted: the base is the rectification rate itself
        only = IncentiveConfig(weights={"rectification_rate": 1, "on_time_rate": 0, "rework_free": 0,
                                        "indicator_progress": 0}, improvement_weight=0)
        again = {r["key"]: r for r in score_period(s, year, "district", NOW, only)["rows"]}
        assert again[xc.id]["score"] == again[xc.id]["rectification_rate"] == 100.0


@pytest.mark.parametrize("text", ["24", "2024-13", "1999", "2024-5", "2024/05", ""])
def test_bad_periods_are_named(text):
    with pytest.raises(IncentiveError, match="period"):
        parse_period(text)


def test_month_period_and_zero_weights_refused():
    assert parse_period("2024-02").last_day.isoformat() == "2024-02-29"
    with pytest.raises(ValueError, match="at least one weight"):
        IncentiveConfig(weights={"rectification_rate": 0, "on_time_rate": 0, "rework_free": 0,
                                 "indicator_progress": 0})


def test_cli_prints_the_same_scores_as_json(tmp_path, sqlite_ctx):
    import json

    from tests.civicwatch.cli_helpers import run, write_config

    with sqlite_ctx.sessions.begin() as s:
        city = scenario(s)
    config = write_config(tmp_path, sqlite_ctx.config.database_url)
    out = run(config, "kpi", "incentive", "--period", "2024", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(data) == {"unit", "district"} and data["unit"]["period"] == "2024年"
    with sqlite_ctx.sessions() as s:
        # scored "now": the 2023 overdue cases are long due either way, so the figures match NOW's
        expected = score_period(s, parse_period("2024"), "unit", NOW)
    assert [(r["key"], r["score"]) for r in data["unit"]["advanced"]] == \
        [(r["key"], r["score"]) for r in expected["advanced"]]
    assert data["unit"]["advanced"][0]["name"] == city.units[3].name
    bad = run(config, "kpi", "incentive", "--period", "2024-13")
    assert bad.exit_code == 2 and "--period" in bad.output and "month 13" in bad.output
