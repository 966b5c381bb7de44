"""Database section of the configuration."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class DatabaseConfig(Section):
    """Where the registry, cases and their logs are stored."""

    url: str = Field(
        "sqlite:///{data_dir}/civicwatch.db",
        description=(
            "SQLAlchemy URL. `{data_dir}` is replaced by the data directory. SQLite runs with WAL and "
            "foreign keys on; production uses `postgresql+psycopg://user@host/db`. "
            "Overridden by the environment variable CIVICWATCH_DATABASE_URL."
        ),
    )
    pool_size: int = Field(5, gt=0, description="Connections kept per process (PostgreSQL only).")
    max_overflow: int = Field(10, ge=0, description="Extra connections allowed above pool_size (PostgreSQL only).")
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")
