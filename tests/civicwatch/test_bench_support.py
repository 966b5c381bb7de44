"""The helpers shared by the bench commands, and two benches run end to end at toy size."""
from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from civicwatch.cli import cli
from civicwatch.commands.bench_support import parse_databases, percentile, pg_admin, private_pg_database
from tests.conftest import PG_ADMIN_URL, pg_available


def test_percentile_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(list(range(101)), 95) == 95
    assert percentile([1.23456], 95, digits=2) == 1.23
    assert percentile([], 50) is None


def test_parse_databases():
    assert parse_databases(" sqlite, postgresql ,") == ["sqlite", "postgresql"]
    with pytest.raises(click.BadParameter, match="oracle"):
        parse_databases("sqlite,oracle")


def _exists(name: str) -> bool:
    with pg_admin(PG_ADMIN_URL) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


@pytest.mark.postgres
def test_private_pg_database_is_created_and_dropped():
    if not pg_available():
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (required in CI)")
    from sqlalchemy import create_engine, text

    with pytest.raises(RuntimeError):
        with private_pg_database(PG_ADMIN_URL, "cw_test_bench") as url:
            assert url.startswith("postgresql+psycopg://")
            name = url.rsplit("/", 1)[1]
            assert name.startswith("cw_test_bench_") and _exists(name)
            engine = create_engine(url)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT current_database()")).scalar() == name
            engine.dispose()
            raise RuntimeError("the bench failed")  # the database is dropped all the same
    assert not _exists(name)


def test_private_pg_database_refused_is_a_click_error():
    with pytest.raises(click.ClickException, match="cannot create a bench database"):
        with private_pg_database("postgresql://postgres@127.0.0.1:1/test"):
            pass


@pytest.mark.postgres
@pytest.mark.parametrize("args", [["cases", "--cases", "120", "--rounds", "1"],
                                  ["dashboard", "--cases", "120", "--observations", "300", "--runs", "2"]])
def test_bench_runs_on_both_databases(args):
    if not pg_available():
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (required in CI)")
    result = CliRunner().invoke(cli, ["bench", *args, "--pg-url", PG_ADMIN_URL], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for db in ("sqlite", "postgresql"):
        assert out[db]["rows"]["cases"] == 120
    assert len(out["loadavg_before"]) == 3
