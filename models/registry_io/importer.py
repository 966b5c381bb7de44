"""``import_registry``: read, validate everything, then write all tables in one transaction."""
from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from .cells import parse_table
from .checks import check_tables
from .errors import Problems, RegistryImportError
from .schema import TABLES, ParsedTable
from .sources import read_directory
from .writer import is_empty, registry_counts, write_tables


def validate_directory(directory: str | Path) -> dict[str, ParsedTable]:
    """Read and validate every table; raise :class:`RegistryImportError` listing all problems."""
    raw = read_directory(directory)
    problems = Problems()
    tables: dict[str, ParsedTable] = {}
    for table in TABLES:
        if table.name in raw:
            tables[table.name] = parse_table(raw[table.name], table, problems)
        else:  # optional file absent: an empty table
            tables[table.name] = ParsedTable(table=table, label=f"{table.name}.csv", present=False)
    check_tables(tables, problems)
    problems.raise_if_any()
    return tables


def import_registry(
    sessions: sessionmaker[Session], directory: str | Path, progress: bool = False, replace: bool = False,
) -> dict[str, int]:
    """Import the registry in ``directory`` (CSV/XLSX per table, or one workbook); return rows per table.

    Everything is validated before anything is written; then all tables are written in ONE transaction.
    Into a database that already holds a registry the import is refused unless ``replace=True``, which
    updates rows by code, adds new ones and removes rows absent from the files (refused, with nothing
    changed, when cases or accounts still refer to a removed row).
    Raises :class:`RegistryImportError` naming file, row and column of each problem; nothing is written.
    """
    steps = 1 + 8
    with tqdm(total=steps, desc="registry import", unit="step", file=sys.stderr, disable=not progress) as bar:
        bar.set_postfix_str("reading and validating")
        tables = validate_directory(directory)
        bar.update(1)

        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        with sessions.begin() as session:
            if not replace and not is_empty(session):
                counts = registry_counts(session)
                raise RegistryImportError(
                    f"the database already holds a registry ({counts['points']} points, {counts['cameras']} "
                    f"cameras, {counts['units']} units); import with replace (`--replace`) to update it by code"
                )
            try:
                write_tables(session, tables, step)
                session.flush()
            except (IntegrityError, DBAPIError) as exc:  # e.g. a unique name taken under another code
                first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
                raise RegistryImportError(
                    f"the database refused the registry (nothing was written): {first}"
                ) from None
            return registry_counts(session)
