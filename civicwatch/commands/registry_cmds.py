"""``civicwatch registry import|export|check``: the city's registry as CSV or XLSX files."""
from __future__ import annotations

import sys

import click

from models.registry_io import RegistryImportError, export_registry, import_registry, validate_directory

from .groups import registry
from .opened_database import opened_database

HEADLINE = ("points", "cameras", "units", "indicators", "problem_types")


def counts_line(counts: dict[str, int]) -> str:
    """``points 209, cameras 210, units 116, indicators 130, problem_types 36, …`` (headline tables first)."""
    names = list(HEADLINE) + [n for n in counts if n not in HEADLINE]
    return ", ".join(f"{n} {counts[n]}" for n in names if n in counts)


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    click.echo("nothing was imported", err=True)
    sys.exit(1)


@registry.command("import")
@click.argument("directory", type=click.Path(exists=True))
@click.option("--replace", is_flag=True,
              help="Update a database that already holds a registry: rows matched by code are updated, new rows "
                   "added, rows absent from the files removed (one transaction).")
@click.pass_obj
def registry_import(obj, directory: str, replace: bool) -> None:
    """Validate DIRECTORY (CSV/XLSX per table, or one workbook) and import it in one transaction."""
    with opened_database(obj) as ctx:
        try:
            counts = import_registry(ctx.sessions, directory, progress=True, replace=replace)
        except RegistryImportError as exc:
            _fail(exc)
    click.echo(f"imported: {counts_line(counts)}")


@registry.command("check")
@click.argument("directory", type=click.Path(exists=True))
def registry_check(directory: str) -> None:
    """Validate DIRECTORY without touching the database."""
    try:
        tables = validate_directory(directory)
    except RegistryImportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"ok: {counts_line({name: len(t.rows) for name, t in tables.items()})}")


@registry.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
              help="csv: one file per table; xlsx: registry.xlsx with one sheet per table.")
@click.pass_obj
def registry_export(obj, directory: str, fmt: str) -> None:
    """Write the registry to DIRECTORY in the import format (round-trips with `registry import`)."""
    with opened_database(obj) as ctx:
        counts = export_registry(ctx.sessions, directory, fmt=fmt)
    click.echo(counts_line(counts))


def register(cli: click.Group) -> None:  # attached through the `registry` group
    pass
