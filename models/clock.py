"""Time: stored in UTC, shown in Asia/Shanghai."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes from the database are UTC; make them aware."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def to_local(value: datetime) -> datetime:
    """A stored (UTC) time in Asia/Shanghai."""
    return as_utc(value).astimezone(LOCAL_TZ)


def fmt_local(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Format a stored time for display in Asia/Shanghai; empty for None."""
    return "" if value is None else to_local(value).strftime(pattern)
