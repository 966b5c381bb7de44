"""Case list queries (models.case_queries): filters, unit scope, sorting and stable paging, on SQLite and
PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models.case_queries import CaseFilter, FilterError, case_count, case_page, open_cases_of_unit
from models.clock import to_local, utcnow
from tests.dashboard.desktop_helpers import seed


@pytest.fixture
def seeded(ctx, monkeypatch):
    from tests.dashboard.desktop_helpers import use_fast_hashing

    use_fast_hashing(monkeypatch)
    return seed(ctx)


def codes(rows):
    return {r["code"] for r in rows}


def test_filters(ctx, seeded):
    c = seeded.cases
    nq = seeded.unit_ids["U-XC-NQ"]
    with ctx.sessions() as s:
        assert case_count(s, CaseFilter()) == 4
        assert codes(case_page(s, CaseFilter(states=["accepted"]))) == {c["accepted"]}
        assert codes(case_page(s, CaseFilter(unit_ids=[nq]))) == {c["nq_dispatched"], c["nq_overdue"]}
        assert codes(case_page(s, CaseFilter(overdue=True))) == {c["nq_overdue"]}
        assert codes(case_page(s, CaseFilter(text=c["lw_dispatched"][:-1]))) >= {c["lw_dispatched"]}
        assert codes(case_page(s, CaseFilter(text="nq_overdue"))) == {c["nq_overdue"]}  # description
        assert case_count(s, CaseFilter(sources=["camera"])) == 0
        today = to_local(utcnow()).date()
        old = to_local(utcnow() - timedelta(hours=80)).date()
        assert c["nq_overdue"] not in codes(case_page(s, CaseFilter(date_from=today)))
        assert c["nq_overdue"] in codes(case_page(s, CaseFilter(date_from=old, date_to=old)))
        row = case_page(s, CaseFilter(overdue=True))[0]
        assert row["overdue"] and row["unit"] == "南坑街道办事处" and row["type"] == "占道经营"


def test_unit_scope_is_applied_in_sql(ctx, seeded):
    nq, lw = seeded.unit_ids["U-XC-NQ"], seeded.unit_ids["U-LW"]
    with ctx.sessions() as s:
        assert codes(case_page(s, CaseFilter(), scope_unit_id=lw)) == {seeded.cases["lw_dispatched"]}
        # asking for another unit inside the scope finds nothing
        assert case_page(s, CaseFilter(unit_ids=[nq]), scope_unit_id=lw) == []
        assert case_count(s, CaseFilter(), scope_unit_id=-1) == 0


def test_sort_and_paging_do_not_overlap(ctx, seeded):
    with ctx.sessions() as s:
        pages = [case_page(s, CaseFilter(), offset=o, limit=1, sort=[{"colId": "type", "sort": "asc"}])
                 for o in range(4)]
        flat = [p[0]["code"] for p in pages]
        assert len(set(flat)) == 4
        types = [p[0]["type"] for p in pages]
        assert types == sorted(types)
        desc = case_page(s, CaseFilter(), sort=[{"colId": "found_at", "sort": "desc"}])
        assert [r["found_at"] for r in desc] == sorted((r["found_at"] for r in desc), reverse=True)
        # unknown sort columns are ignored (never reach SQL)
        assert len(case_page(s, CaseFilter(), sort=[{"colId": "1; DROP TABLE cases", "sort": "asc"}])) == 4


def test_open_cases_of_unit_overdue_first(ctx, seeded):
    with ctx.sessions() as s:
        rows = open_cases_of_unit(s, seeded.unit_ids["U-XC-NQ"])
    assert [r["code"] for r in rows] == [seeded.cases["nq_overdue"], seeded.cases["nq_dispatched"]]


@pytest.mark.parametrize("bad", [
    {"states": ["nope"]}, {"sources": "camera"}, {"type_ids": ["x"]}, {"date_from": "29/11/2026"},
    {"colour": "red"}, {"text": "x" * 65},
])
def test_bad_filters_are_named(bad):
    with pytest.raises(FilterError) as info:
        CaseFilter.from_dict(bad)
    assert list(bad)[0] in str(info.value)
