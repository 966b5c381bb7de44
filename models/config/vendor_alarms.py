"""Vendor alarm pushes (厂商告警推送): Hikvision ISAPI and Dahua event pushes mapped to cameras and problem types."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Section


class VendorRoute(Section):
    """One row of a device's mapping table: (event type, channel) → camera, problem type, zone."""

    event: str = Field(..., min_length=1, description="The vendor's event type as pushed, e.g. Hikvision "
                       "`fielddetection`, `regionEntrance`, `parking`, `unattendedBaggage`, `VMD`; Dahua "
                       "`CrossRegionDetection`, `ParkingDetection`, `LeftDetection`, `VideoMotion` (case-insensitive).")
    channel: int | None = Field(None, ge=0, description="The device's channel (Hikvision `channelID`, Dahua `index`); "
                                "empty = any channel.")
    camera: str = Field(..., min_length=1, description="Camera code in the registry the alarm is about.")
    type: str = Field(..., min_length=1, description="Problem type code or Chinese name the alarm raises.")
    zone: str | None = Field(None, description="Zone name of the camera the case is filed under; empty = the zone "
                             "containing the alarm's box (as for `POST /api/v1/events`).")


class VendorDevice(Section):
    """A camera or NVR that pushes its alarms to `POST /api/v1/vendor/<vendor>/<code>`."""

    code: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="Device code (the last part of the push URL and the HTTP Basic user name).")
    vendor: Literal["hikvision", "dahua"] = Field(..., description="Push format: `hikvision` (ISAPI "
                                                  "EventNotificationAlert XML) or `dahua` (event text push).")
    password_env: str = Field(..., min_length=1, description="Environment variable holding the device's push "
                              "password (HTTP Basic; the device is refused while it is unset).")
    routes: list[VendorRoute] = Field(default_factory=list, description="Mapping table; events without a row are "
                                      "acknowledged and ignored (answer `ignored`).")


class VendorAlarmsConfig(Section):
    """Alarm pushes from cameras/NVRs in the vendors' own protocols, into the edge-alarm intake."""

    devices: list[VendorDevice] = Field(default_factory=list, description="Devices allowed to push alarms.")
    require_image: bool = Field(False, description="Refuse pushes without a picture (Hikvision sends one with "
                                "smart events as multipart; motion alarms usually come alone).")
    score: float = Field(0.9, ge=0, le=1, description="Score given to vendor alarms (they carry none).")

    @field_validator("devices")
    @classmethod
    def _unique(cls, devices: list[VendorDevice]) -> list[VendorDevice]:
        seen: set[str] = set()
        for d in devices:
            if d.code in seen:
                raise ValueError(f"device code {d.code!r} appears twice")
            seen.add(d.code)
        return devices
