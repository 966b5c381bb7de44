"""Vendor alarm pushes (厂商告警推送) → the edge-alarm intake of :mod:`models.edge_events`.

Two push formats, parsed without the database:

- **Hikvision ISAPI** — an HTTP POST of ``EventNotificationAlert`` XML (namespace
  ``http://www.hikvision.com/ver20/XMLSchema``), alone or as one part of a multipart body whose other part is
  the picture (``<event>Image``, ``image/jpeg``). Fields used: ``channelID`` (or ``dynChannelID``),
  ``dateTime``, ``activePostCount``, ``eventType`` (``VMD``, ``fielddetection`` — intrusion,
  ``regionEntrance``, ``parking``, ``unattendedBaggage`` — object left, …), ``eventState``
  (``active``/``inactive``: heartbeats and ends are acknowledged and ignored), ``UUID`` when the firmware
  sends one, and the box: ``TargetRect`` (0–1, origin top left) or else the bounding box of the first
  ``RegionCoordinatesList`` (0–1000, origin BOTTOM left, as ISAPI defines it).
- **Dahua** — the event text of Dahua's HTTP API (``eventManager``), one event per line:
  ``Code=CrossRegionDetection;action=Start;index=0;data={json}``, alone (``text/plain``) or in a multipart
  body with the picture. ``index`` is the channel from 0; ``data.EventID`` is the event id when present;
  ``data.Object.BoundingBox`` is in Dahua's 0–8191 coordinates; ``data.UTC`` (epoch) or ``LocalTime`` the time;
  ``action=Stop``/``Pulse`` ends are ignored (only ``Start`` raises an alarm).

XML is parsed with ``defusedxml`` (no DTD, entities or external references): a bad body is a
:class:`VendorAlarmError` (HTTP 400) before anything is stored. :func:`receive` maps each event through
the device's table (event type × channel → camera, problem type, zone) and hands it to
:func:`models.edge_events.ingest`, idempotent on (device, event id).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from sqlalchemy.orm import Session, sessionmaker

from .config.reporting import EdgeConfig
from .config.vendor_alarms import VendorAlarmsConfig, VendorDevice, VendorRoute
from .edge_events import MAX_ID_LEN, EdgeError, EdgeResult, ingest
from .photo_intake import PhotoStore

MAX_EVENTS_PER_PUSH = 20
DAHUA_SCALE = 8191.0
HIK_SCALE = 1000.0


class VendorAlarmError(ValueError):
    """A push is refused; ``message`` names the part that is wrong (``status``: HTTP status)."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, f"{field}: {message}", status


@dataclass
class VendorEvent:
    """One alarm as the device described it (not yet mapped)."""

    event_type: str
    channel: int | None
    event_id: str
    time: Any  # ISO text or epoch seconds, validated by the intake
    active: bool  # False: an end/heartbeat (eventState inactive, action Stop)
    box: list[float] | None  # relative 0–1, origin top left


@dataclass
class Outcome:
    """What became of one event: ``created``/``attached``/``replay`` (with the case) or ``ignored`` (why)."""

    event_type: str
    channel: int | None
    event_id: str
    status: str
    reason: str = ""
    result: EdgeResult | None = None


# ---------------------------------------------------------------- Hikvision ISAPI
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _find(el, name: str):
    for c in el.iter():
        if _local(c.tag) == name:
            return c
    return None


def _text(el, name: str) -> str | None:
    c = _child(el, name)
    return c.text.strip() if c is not None and c.text and c.text.strip() else None


def _channel(value: str | None, field: str) -> int | None:
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        raise VendorAlarmError(field, f"not a channel number: {value[:20]!r}") from None
    if n < 0 or n > 100_000:
        raise VendorAlarmError(field, f"channel {n} out of range")
    return n


def _clip_box(x1: float, y1: float, x2: float, y2: float) -> list[float] | None:
    x1, x2 = sorted((min(max(x1, 0.0), 1.0), min(max(x2, 0.0), 1.0)))
    y1, y2 = sorted((min(max(y1, 0.0), 1.0), min(max(y2, 0.0), 1.0)))
    return [x1, y1, x2, y2] if x2 > x1 and y2 > y1 else None


def _hik_box(root) -> list[float] | None:
    rect = _find(root, "TargetRect")
    try:
        if rect is not None:
            x, y, w, h = (float(_text(rect, k) or "nan") for k in ("X", "Y", "width", "height"))
            if all(math.isfinite(v) for v in (x, y, w, h)):
                return _clip_box(x, y, x + w, y + h)
        coords = _find(root, "RegionCoordinatesList")
        if coords is not None:
            pts = [(float(_text(c, "positionX") or "nan"), float(_text(c, "positionY") or "nan"))
                   for c in coords if _local(c.tag) == "RegionCoordinates"]
            pts = [(px, py) for px, py in pts if math.isfinite(px) and math.isfinite(py)]
            if len(pts) >= 2:
                xs, ys = [p[0] / HIK_SCALE for p in pts], [1.0 - p[1] / HIK_SCALE for p in pts]
                return _clip_box(min(xs), min(ys), max(xs), max(ys))
    except ValueError:
        raise VendorAlarmError("DetectionRegionList", "coordinates are not numbers") from None
    return None


def parse_hikvision(xml: bytes) -> VendorEvent:
    """One ``EventNotificationAlert`` document → :class:`VendorEvent` (raises :class:`VendorAlarmError`)."""
    if not xml or not xml.strip():
        raise VendorAlarmError("body", "empty (expected EventNotificationAlert XML)")
    try:
        root = fromstring(xml)
    except DefusedXmlException as exc:
        raise VendorAlarmError("body", f"XML with a DTD, entities or external references is refused "
                                       f"({type(exc).__name__})") from None
    except (ParseError, ValueError) as exc:
        raise VendorAlarmError("body", f"not well-formed XML ({str(exc)[:80]})") from None
    if _local(root.tag) != "EventNotificationAlert":
        raise VendorAlarmError("body", f"expected an EventNotificationAlert document, got <{_local(root.tag)[:40]}>")
    event_type = _text(root, "eventType")
    if event_type is None:
        raise VendorAlarmError("eventType", "missing")
    channel = _channel(_text(root, "channelID") or _text(root, "dynChannelID"), "channelID")
    when = _text(root, "dateTime")
    if when is None:
        raise VendorAlarmError("dateTime", "missing")
    state = (_text(root, "eventState") or "active").lower()
    event_id = _text(root, "UUID") or _text(root, "uuid") or \
        f"{event_type}/{channel if channel is not None else '-'}/{when}/{_text(root, 'activePostCount') or '0'}"
    return VendorEvent(event_type[:64], channel, event_id[:MAX_ID_LEN], when, state == "active", _hik_box(root))


# ---------------------------------------------------------------- Dahua
def _dahua_line(line: str) -> VendorEvent:
    head, sep, data_text = line.partition(";data=")
    fields = {}
    for part in head.split(";"):
        key, eq, value = part.partition("=")
        if eq:
            fields[key.strip()] = value.strip()
    code = fields.get("Code")
    if not code:
        raise VendorAlarmError("Code", f"missing in {line[:60]!r}")
    data: dict = {}
    if sep:
        try:
            data = json.loads(data_text)
        except (ValueError, RecursionError):
            raise VendorAlarmError("data", f"not valid JSON in the {code} event") from None
        if not isinstance(data, dict):
            raise VendorAlarmError("data", f"expected a JSON object in the {code} event")
    channel = _channel(fields.get("index"), "index")
    action = fields.get("action", "Start")
    when: Any = data.get("UTC")
    if not isinstance(when, (int, float)) or isinstance(when, bool):
        local = data.get("LocalTime")
        when = local.replace(" ", "T") if isinstance(local, str) else None
    if when is None:
        raise VendorAlarmError("data", f"the {code} event has no UTC or LocalTime")
    box = None
    obj = data.get("Object")
    bb = obj.get("BoundingBox") if isinstance(obj, dict) else None
    if isinstance(bb, list) and len(bb) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                     for v in bb):
        box = _clip_box(*(v / DAHUA_SCALE for v in bb))
    ev_id = data.get("EventID")
    event_id = str(ev_id) if isinstance(ev_id, (int, str)) and not isinstance(ev_id, bool) and str(ev_id) else \
        f"{code}/{channel if channel is not None else '-'}/{when}"
    return VendorEvent(code[:64], channel, event_id[:MAX_ID_LEN], when, action == "Start", box)


def parse_dahua(text: str) -> list[VendorEvent]:
    """The ``Code=…;action=…;index=…;data={…}`` lines of a Dahua event push (at least one)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("Code=")]
    if not lines:
        raise VendorAlarmError("body", "no Dahua event (expected lines `Code=…;action=…;index=…`)")
    if len(lines) > MAX_EVENTS_PER_PUSH:
        raise VendorAlarmError("body", f"more than {MAX_EVENTS_PER_PUSH} events in one push", status=413)
    return [_dahua_line(ln) for ln in lines]


# ---------------------------------------------------------------- mapping and intake
def find_device(cfg: VendorAlarmsConfig, vendor: str, code: str) -> VendorDevice | None:
    return next((d for d in cfg.devices if d.code == code and d.vendor == vendor), None)


def route_of(device: VendorDevice, event: VendorEvent) -> VendorRoute | None:
    """The first table row matching the event type (case-insensitive) and channel (or any channel)."""
    for r in device.routes:
        if r.event.lower() == event.event_type.lower() and (r.channel is None or r.channel == event.channel):
            return r
    return None


def receive(sessions: sessionmaker[Session], store: PhotoStore, device: VendorDevice, events: list[VendorEvent],
            image: bytes | None, edge: EdgeConfig, cfg: VendorAlarmsConfig,
            now: datetime | None = None) -> list[Outcome]:
    """Map and ingest every event of one push; ``EdgeError`` (bad time, unknown camera …) propagates."""
    intake_cfg = edge.model_copy(update={"require_image": cfg.require_image})
    out: list[Outcome] = []
    for ev in events:
        if not ev.active:
            out.append(Outcome(ev.event_type, ev.channel, ev.event_id, "ignored", "end of event or heartbeat"))
            continue
        route = route_of(device, ev)
        if route is None:
            out.append(Outcome(ev.event_type, ev.channel, ev.event_id, "ignored",
                               f"no mapping for event {ev.event_type} on channel {ev.channel}"))
            continue
        payload = {"event_id": ev.event_id, "device_code": device.code, "camera_code": route.camera,
                   "time": ev.time, "type": route.type, "box": ev.box or [0.0, 0.0, 1.0, 1.0], "score": cfg.score}
        result = ingest(sessions, store, payload, intake_cfg, image=image, zone=route.zone, now=now)
        out.append(Outcome(ev.event_type, ev.channel, ev.event_id, result.status, result=result))
    return out


__all__ = ["EdgeError", "Outcome", "VendorAlarmError", "VendorEvent", "find_device", "parse_dahua",
           "parse_hikvision", "receive", "route_of"]
