"""PostgreSQL plans of the hot queries on big tables: indexes, not sequential scans (issue 9).

A PostgreSQL database gets the demo registry (210 cameras) and, by bulk ``INSERT … SELECT
generate_series``, 50,000 cases over two years (90 % closed, a few per cent open), 200,000 transition-log
rows, 100,000 observations and 50,000 evidence rows; then ``VACUUM ANALYZE``. The real query functions run
(the statements they send are captured from the engine) and each statement is planned again with
``EXPLAIN (FORMAT JSON)``: no plan may read a big table with a ``Seq Scan``.

Queries: KPI summary (``/api/v1/summary``, the wall's headline), the case grid (page and count for the
usual filters), a unit's task list (我的任务), one wall tick with its slow sections, and detection's
look-ups (open cases of a camera, cameras awaiting re-check).
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.orm import sessionmaker

from models.case_queries import CaseFilter, case_count, case_page, open_cases_of_unit
from models.cases import Case
from models.clock import utcnow
from models.kpi import summary
from models.migrate import upgrade
from models.registry import Camera, District, ProblemType, ResponsibleUnit
from models.registry_io import import_registry
from tests.conftest import _reset_pg

pytestmark = pytest.mark.postgres

BIG = {"cases", "case_transitions", "observations", "evidence"}
N_CASES = 50_000

FILL = [
    "SELECT setseed(0.42)",
    """
    WITH t AS (SELECT array_agg(id ORDER BY id) a, count(*) n FROM problem_types),
         p AS (SELECT array_agg(id ORDER BY id) a, array_agg(district_id ORDER BY id) d, count(*) n
               FROM monitoring_points),
         u AS (SELECT array_agg(id ORDER BY id) a, count(*) n FROM responsible_units),
         c AS (SELECT array_agg(id ORDER BY id) a, count(*) n FROM cameras),
         s AS (SELECT g, random() r, random() age, random() k1, random() k2, random() k3, random() k4, random() k5
               FROM generate_series(1, :n) g),
         v AS (SELECT g, k3, k4, k5,
                 CASE WHEN r < 0.90 THEN 'closed' WHEN r < 0.92 THEN 'invalid' WHEN r < 0.955 THEN 'dispatched'
                      WHEN r < 0.965 THEN 'found' WHEN r < 0.975 THEN 'accepted' WHEN r < 0.99 THEN 'rectified'
                      ELSE 'verified' END AS state,
                 now() - make_interval(secs => (CASE WHEN r >= 0.92 THEN age * 20 ELSE age * 730 END) * 86400)
                   AS found_at,
                 1 + floor(k1 * (SELECT n FROM t))::int AS ti, 1 + floor(k2 * (SELECT n FROM p))::int AS pi
               FROM s)
    INSERT INTO cases (code, source, state, problem_type_id, point_id, camera_id, district_id, unit_id, zone,
                       description, found_at, accepted_at, dispatched_at, deadline_at, handled_at, verified_at,
                       closed_at, rework_count, extension_count, return_count, escalated, last_seq, updated_at)
    SELECT 'AJ' || to_char(found_at, 'YYYYMMDD') || lpad(g::text, 6, '0'),
           CASE WHEN k3 < 0.8 THEN 'camera' WHEN k3 < 0.9 THEN 'citizen' ELSE 'inspection' END, state,
           (SELECT a FROM t)[ti], (SELECT a FROM p)[pi],
           CASE WHEN k3 < 0.8 THEN (SELECT a FROM c)[1 + floor(k4 * (SELECT n FROM c))::int] END,
           (SELECT d FROM p)[pi], (SELECT a FROM u)[1 + floor(k5 * (SELECT n FROM u))::int], '人行道',
           '巡查发现 ' || g, found_at,
           CASE WHEN state <> 'found' THEN found_at + interval '10 minutes' END,
           CASE WHEN state NOT IN ('found', 'accepted') THEN found_at + interval '1 hour' END,
           CASE WHEN state NOT IN ('found', 'accepted') THEN found_at + interval '3 days' END,
           CASE WHEN state IN ('rectified', 'verified', 'closed') THEN found_at + make_interval(hours => 2 + (k4 * 90)::int) END,
           CASE WHEN state IN ('verified', 'closed') THEN found_at + interval '4 days' END,
           CASE WHEN state = 'closed' THEN found_at + interval '5 days' END,
           0, 0, 0, false, 4, found_at + interval '5 days'
    FROM v
    """,
    """
    INSERT INTO case_transitions (case_id, seq, action, from_state, to_state, actor, actor_role, at, note, data)
    SELECT c.id, s, (ARRAY['open', 'accept', 'dispatch', 'rectify'])[s], NULL, c.state, 'system', 'system',
           c.found_at + make_interval(hours => s), NULL, '{}'
    FROM cases c, generate_series(1, 4) s
    """,
    """
    INSERT INTO observations (camera_id, problem_type_id, case_id, zone, observed_at, score, x1, y1, x2, y2)
    SELECT c.camera_id, c.problem_type_id, c.id, '人行道', c.found_at + make_interval(secs => 10 * s), 0.9,
           0.1, 0.5, 0.2, 0.7
    FROM cases c, generate_series(1, 3) s WHERE c.camera_id IS NOT NULL
    """,
    """
    INSERT INTO evidence (sha256, path, kind, case_id, camera_id, width, height, created_at)
    SELECT md5(c.id::text) || md5(c.code), 'ab/cd/' || c.id || '.jpg', 'first_sight', c.id, c.camera_id, 640, 360,
           c.found_at
    FROM cases c
    """,
]


def _seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


@pytest.fixture(scope="module")
def big_db(pg_database):
    _reset_pg(pg_database)
    engine = create_engine(pg_database)
    upgrade(engine)
    sessions = sessionmaker(engine)
    import_registry(sessions, "assets/registry", progress=False)
    with engine.begin() as conn:
        for sql in FILL:
            conn.execute(text(sql), {"n": N_CASES} if ":n" in sql else {})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    yield engine, sessions
    engine.dispose()
    _reset_pg(pg_database)


@pytest.fixture
def planned(big_db):
    """``planned(fn)``: runs ``fn(session)``, returns [(statement, seq-scanned big tables)] for what it sent."""
    engine, sessions = big_db

    def run(fn):
        sent: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            with sessions() as s:
                fn(s)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        assert sent, "the function sent no query"
        out = []
        with engine.connect() as conn:
            for statement, params in sent:
                plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).scalar()
                plan = json.loads(plan) if isinstance(plan, str) else plan
                out.append((statement, _seq_scans(plan[0]["Plan"])))
        return out

    return run


def _assert_indexed(results):
    bad = [(stmt, tables) for stmt, tables in results if tables]
    assert not bad, "\n\n".join(f"Seq Scan on {tables}:\n{stmt}" for stmt, tables in bad)


def test_fill_is_big_enough(big_db):
    engine, _ = big_db
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in sorted(BIG)}
    assert counts["cases"] == N_CASES and counts["case_transitions"] == 4 * N_CASES
    assert counts["observations"] > N_CASES and counts["evidence"] == N_CASES


def test_kpi_summary_uses_indexes(planned):
    _assert_indexed(planned(lambda s: summary(s)))


def test_case_grid_filters_use_indexes(big_db, planned):
    _, sessions = big_db
    with sessions() as s:
        unit = s.scalars(select(Case.unit_id).where(Case.state == "dispatched").limit(1)).one()
        district = s.scalars(select(District.id).order_by(District.id).limit(1)).one()
        ptype = s.scalars(select(ProblemType.id).order_by(ProblemType.id).limit(1)).one()
        code = s.scalars(select(Case.code).order_by(Case.id.desc()).limit(1)).one()
    today = utcnow().date()
    filters = [
        CaseFilter(),  # the grid's first page: newest first
        CaseFilter(states=["dispatched"]),
        CaseFilter(states=["found", "accepted"]),
        CaseFilter(overdue=True),
        CaseFilter(unit_ids=[unit], states=["dispatched", "rectified"]),
        CaseFilter(district_ids=[district], date_from=today - timedelta(days=7), date_to=today),
        CaseFilter(type_ids=[ptype], date_from=today - timedelta(days=3), date_to=today),
        CaseFilter(text=code[:12]),
    ]
    for f in filters:
        _assert_indexed(planned(lambda s, f=f: case_page(s, f, limit=100)))
        _assert_indexed(planned(lambda s, f=f: case_page(s, f, offset=200, limit=100,
                                                          sort=[{"colId": "deadline_at", "sort": "asc"}])))
        if f.to_dict() != CaseFilter().to_dict():  # counting every case reads every case (index-only at best)
            _assert_indexed(planned(lambda s, f=f: case_count(s, f)))


def test_unit_task_list_uses_indexes(big_db, planned):
    _, sessions = big_db
    with sessions() as s:
        units = s.scalars(select(ResponsibleUnit.id).order_by(ResponsibleUnit.id).limit(3)).all()
    for unit in units:
        _assert_indexed(planned(lambda s, unit=unit: open_cases_of_unit(s, unit)))


def test_wall_tick_uses_indexes(planned):
    from dashboard.wall.snapshot import compute_snapshot, load_registry

    _assert_indexed(planned(lambda s: compute_snapshot(s, utcnow(), load_registry(s), "postgresql")))


def test_detection_lookups_use_indexes(big_db, planned):
    from models.detection.sinks import CaseSink

    _, sessions = big_db
    with sessions() as s:
        cam = s.scalars(select(Camera.code).join(Case, Case.camera_id == Camera.id)
                        .where(Case.state == "dispatched").limit(1)).one()
    sink = CaseSink(sessions, None)

    def lookups(_s):
        sink.open_cases(cam)
        sink.recheck_cameras()
        sink.closed_since(utcnow() - timedelta(minutes=5))

    _assert_indexed(planned(lookups))
