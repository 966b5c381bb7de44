"""Wall display section."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class WallConfig(Section):
    """The unattended command-center screen (一屏看全程)."""

    tick_s: float = Field(1.0, gt=0, description="How often the shared wall snapshot is recomputed.")
    nightly_reload: str = Field("03:30", description="Local time of the nightly soft reload of wall browsers.")
    rotate_views: list[str] = Field(default_factory=list, description="Optional second views to rotate through.")
    rotate_every_s: float = Field(60, gt=0, description="Rotation period when rotate_views is set.")
    stale_after_s: float = Field(15, gt=0, description="Pipeline silent this long: the wall says so.")


class ScaleConfig(Section):
    """Scale-out over Redis and Celery (production). The embedded default needs neither."""

    redis_url: str | None = Field(None, description="Redis URL for the shared cache, sessions and Celery.")
    celery: bool = Field(False, description="Send frame analysis and workflow jobs to Celery workers.")
    shard_count: int = Field(1, gt=0, description="Feed processes the cameras are sharded over.")
    shard_index: int = Field(0, ge=0, description="Which shard this scheduler process samples.")
