"""Is the camera pipeline delivering? The newest frame time known to this process, for the wall's banner."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from models.clock import as_utc, fmt_local, utcnow
from models.context import AppContext


class PipelineLiveness:
    """Newest frame time from the frame queue, the services' status and the database, and what it means."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self._frames_seen = (-1, 0.0)  # (put_count, monotonic time it last changed)

    def last_frame(self, db_value: datetime | None) -> tuple[datetime | None, bool]:
        """Newest frame time known, and whether any frame source is known to run at all."""
        candidates: list[datetime] = []
        running = False
        count = getattr(self.ctx.frames, "put_count", 0)
        prev_count, changed_at = self._frames_seen
        mono = time.monotonic()
        if count != prev_count:
            self._frames_seen = (count, mono)
            changed_at = mono
        if count > 0:
            running = True
            candidates.append(utcnow() - timedelta(seconds=mono - changed_at))
        for name, status in list(self.ctx.status.items()):
            if name == "wall":
                continue
            try:
                info = status()
            except Exception:  # noqa: BLE001 - a failing service must not blank the wall
                continue
            value = info.get("last_frame_at") if isinstance(info, dict) else None
            if value:
                running = True
                try:
                    candidates.append(as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value)))
                except (TypeError, ValueError):
                    pass
        if db_value is not None:
            candidates.append(db_value)
        return (max(candidates) if candidates else None), running

    def state(self, db_value: datetime | None, now: datetime) -> dict[str, Any]:
        """``{"state": ok | stale | not_running, "last_frame_at", "age_s"}`` for the snapshot."""
        last, _running = self.last_frame(db_value)
        if last is None:
            return {"state": "not_running", "last_frame_at": "", "age_s": None}
        age = max(0.0, (now - last).total_seconds())
        stale = age > float(self.ctx.config.wall.stale_after_s)
        return {"state": "stale" if stale else "ok", "last_frame_at": fmt_local(last), "age_s": round(age)}
