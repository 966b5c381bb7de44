"""Imports every table module so that ``Base.metadata`` is complete (used by Alembic and tests)."""
from __future__ import annotations

from . import accounts, cases, edge_events, funding, indicator_history, notifications, registry  # noqa: F401
from .db import Base

metadata = Base.metadata
