"""Command groups other modules attach to: ``bench``, ``db``, ``registry``, ``user``, ``token``."""
from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Benchmarks; each prints one JSON object on stdout with its figures."""


@click.group()
def db() -> None:
    """Database schema."""


@click.group()
def registry() -> None:
    """Import and export the city's registry (CSV or XLSX)."""


@click.group()
def user() -> None:
    """User accounts."""


@click.group()
def token() -> None:
    """API tokens (Authorization: Bearer <token>)."""


def register(cli: click.Group) -> None:
    for group in (bench, db, registry, user, token):
        cli.add_command(group)
