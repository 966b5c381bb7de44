"""What the ``civicwatch bench …`` commands share: percentiles and a private PostgreSQL database.

Not a command (no ``register``): the bench modules import it.

- ``percentile(values, p)``: nearest-rank percentile, ``p`` in percent (0–100); ``None`` for no values.
- ``pg_admin(url)``: an autocommit psycopg connection to the server in ``url`` (for CREATE/DROP DATABASE).
- ``private_pg_database(server_url, prefix)``: creates a uniquely named database on that server, yields its
  SQLAlchemy URL (``postgresql+psycopg://…``) and drops it afterwards (also on error).
- ``database_options``: the ``--databases`` / ``--pg-url`` options of benches run on SQLite and PostgreSQL;
  ``parse_databases`` checks the former; ``on_databases`` runs a measurement on each database named.
- ``loadavg()``: the 1/5/15-minute load average, rounded (every bench reports it: the machine may be shared).
"""
from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import click

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def percentile(values: Iterable[float], p: float, *, digits: int | None = None) -> float | None:
    """The ``p``-th percentile (0–100) of ``values`` by nearest rank over ``n - 1`` steps.

    ``percentile(v, 50)`` is the median element (upper one for an even count), ``percentile(v, 100)`` the
    maximum. Rounded to ``digits`` decimals when given; ``None`` when there are no values.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    value = ordered[k]
    return round(value, digits) if digits is not None else value


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_admin(url: str):
    """Autocommit connection to the PostgreSQL server of ``url`` (any database on it; libpq or SQLAlchemy URL)."""
    import psycopg

    return psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=5)


@contextmanager
def private_pg_database(server_url: str, prefix: str = "cw_bench") -> Iterator[str]:
    """A fresh database on the server of ``server_url``, dropped on exit; yields its SQLAlchemy URL.

    A server that refuses the CREATE raises ``click.ClickException`` naming the URL (nothing to drop then).
    """
    from psycopg import sql  # the database name is an identifier: composed by the driver, never pasted

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with pg_admin(server_url) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:  # noqa: BLE001 — any failure here means: no bench database
        raise click.ClickException(f"{server_url}: cannot create a bench database: {exc}") from None
    base = _libpq_url(server_url).rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with pg_admin(server_url) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def loadavg() -> list[float]:
    """The machine's 1/5/15-minute load average, two decimals."""
    return [round(x, 2) for x in os.getloadavg()]


DATABASES = ("sqlite", "postgresql")


def database_options(command):
    """``--databases sqlite,postgresql`` and ``--pg-url`` (env ``CIVICWATCH_BENCH_PG``) for a bench command."""
    command = click.option(
        "--pg-url", envvar="CIVICWATCH_BENCH_PG", default=DEFAULT_PG, show_default=True,
        help="PostgreSQL server (a private database is created there and dropped afterwards).")(command)
    return click.option("--databases", default=",".join(DATABASES), show_default=True,
                        help="Comma-separated: sqlite, postgresql.")(command)


def parse_databases(text: str) -> list[str]:
    """The database kinds named in ``--databases``; an unknown one is a usage error."""
    wanted = [d.strip() for d in text.split(",") if d.strip()]
    unknown = set(wanted) - set(DATABASES)
    if unknown:
        raise click.BadParameter(f"unknown database(s) {sorted(unknown)}; use sqlite and/or postgresql",
                                 param_hint="--databases")
    return wanted


def on_databases(databases: str, pg_url: str, name: str, measure: Callable[[str, str], dict]) -> dict[str, dict]:
    """``{"sqlite": …, "postgresql": …}``: ``measure(database_url, data_dir)`` on a fresh SQLite file and on a
    private PostgreSQL database (``cw_bench_<name>_…``, dropped afterwards) for each kind in ``databases``."""
    wanted = parse_databases(databases)
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix=f"cw-bench-{name}-") as tmp:
        if "sqlite" in wanted:
            out["sqlite"] = measure(f"sqlite:///{tmp}/bench.db", f"{tmp}/sqlite")
        if "postgresql" in wanted:
            with private_pg_database(pg_url, f"cw_bench_{name}") as url:
                out["postgresql"] = measure(url, f"{tmp}/pg")
    return out
