"""Citizen reporting (随手拍), the Open311 API and AI edge-device ingestion."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Section
from .vendor_alarms import VendorAlarmsConfig


class RateLimitConfig(Section):
    """Abuse control for public submissions (a moving window per client address and per phone).

    The client address is the TCP peer, or behind `server.trusted_proxies` proxies the address they saw."""

    backend: Literal["memory", "redis"] = Field(
        "memory", description="Storage of the login and public-submission limits (Flask-Limiter): `memory` (one "
        "process) or `redis` (shared by every web process and gunicorn worker). With `scale.redis_url` set, "
        "Redis is used whatever this says.",
    )
    redis_url: str | None = Field(
        None, description="Redis URL of the limits (e.g. redis://127.0.0.1:6379/0); unset: `scale.redis_url`.")
    per_address: int = Field(10, ge=1, description="Reports accepted per client address per window.")
    address_window_s: float = Field(3600, gt=0, description="Window of the per-address limit (seconds).")
    per_phone: int = Field(5, ge=1, description="Reports accepted per phone number per window.")
    phone_window_s: float = Field(86400, gt=0, description="Window of the per-phone limit (seconds).")


class EdgeConfig(Section):
    """AI edge devices that push alarms to `POST /api/v1/events` (one) or `/api/v1/events/batch` (many)."""

    type_map: dict[str, str] = Field(
        default_factory=dict,
        description="Vendor alarm class → problem type code or Chinese name (e.g. `garbage: 暴露垃圾`).",
    )
    min_score: float = Field(0.0, ge=0, le=1, description="Alarms scoring below this are refused (422).")
    require_image: bool = Field(True, description="An alarm must carry an image (base64 or multipart).")
    dedup_iou: float = Field(
        0.1, gt=0, le=1, description="Boxes overlapping at least this much (IoU) join the open case of the same "
        "camera, zone and type instead of opening a new one.",
    )
    token_cameras: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Edge token name → the cameras it may report for (camera codes or patterns such as "
        "`CAM-LW-*`; `*` = any). An alarm for another camera is refused (403, field `camera_code`).",
    )
    require_token_scope: bool = Field(
        False, description="Refuse alarms from edge tokens not listed in `token_cameras` (403); without it an "
        "unlisted token may report for any camera. Recommended in production.",
    )
    max_batch: int = Field(
        500, ge=1, le=5000, description="Most alarms in one `POST /api/v1/events/batch` request (more is refused "
        "with 413 naming `events`); the body is also bounded by the upload size limit (one 10 MB image plus the form).",
    )


class ReportingConfig(Section):
    """随手拍 public form, Open311 GeoReport v2 and edge ingestion."""

    max_photos: int = Field(3, ge=0, le=10, description="Photos per citizen report.")
    max_description: int = Field(1000, ge=10, description="Longest description accepted (characters).")
    duplicate_radius_m: float = Field(
        250, ge=0, description="Open cases of the same type this close are offered as duplicates to follow."
    )
    area_bbox: list[float] = Field(
        default_factory=lambda: [116.85, 23.45, 118.30, 25.30],
        min_length=4, max_length=4,
        description="Reports must lie in this GCJ-02 box: min_lon, min_lat, max_lon, max_lat (default: 漳州市).",
    )
    open311_api_key_env: str | None = Field(
        None,
        description="Environment variable holding the Open311 `api_key` required for POST; unset = no key needed.",
    )
    open311_jurisdiction: str = Field("zhangzhou", description="Open311 `jurisdiction_id` of this server.")
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    edge: EdgeConfig = Field(default_factory=EdgeConfig)
    vendor_alarms: VendorAlarmsConfig = Field(default_factory=VendorAlarmsConfig)
