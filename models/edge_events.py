"""Alarms pushed by existing AI edge devices (AI 边缘设备告警) → observations and cases.

An alarm names its camera, time, type (problem type code, Chinese name, or a vendor class mapped in
``reporting.edge.type_map``), box and score, with an image. It is de-duplicated like a camera detection:
while a case of the same camera, zone and type is open and its box overlaps, the alarm is attached to
that case as an :class:`~models.cases.Observation`; otherwise a new case (source ``edge``) is opened
through the workflow. Each (device, event id) is recorded once in :class:`EdgeEvent`: a replay returns
the case of the first delivery and stores nothing.

Sender scope: a token reports only for the cameras ``reporting.edge.token_cameras`` gives it
(:func:`check_camera_scope`), and its event ids are its own — the replay key is (token, device, event id)
(:func:`replay_device`), so one device cannot claim, or pre-empt, another's event ids.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import math
from fnmatch import fnmatchcase
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .case_open_lock import lock_case_keys, sqlite_writers
from .cases import Case, CaseSource, Evidence, Observation
from .clock import LOCAL_TZ, as_utc, utcnow
from .config.reporting import EdgeConfig
from .coords import in_ring
from .db import Base
from .detection.problems import iou as detection_iou
from .photo_intake import PhotoError, PhotoStore, PreparedPhoto, StoredPhoto, prepare
from .registry import Camera, ProblemType
from .types import UTCDateTime
from .workflow import OPEN_STATES as WORKFLOW_OPEN_STATES, open_case

OPEN_STATES = tuple(sorted(WORKFLOW_OPEN_STATES))  # 发现 … 复核: not yet 销号 or 作废
MAX_FUTURE = timedelta(minutes=5)
MAX_AGE = timedelta(days=7)
MAX_ID_LEN = 80


class EdgeEvent(Base):
    """EdgeEvent — 边缘设备告警: one delivered alarm, unique per (device, event id); the idempotency record."""

    __tablename__ = "edge_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_code: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(MAX_ID_LEN))
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    problem_type_id: Mapped[int] = mapped_column(ForeignKey("problem_types.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"))
    created_case: Mapped[bool] = mapped_column(Boolean, default=False)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))

    __table_args__ = (UniqueConstraint("device_code", "event_id", name="uq_edge_events_device_event"),)


class EdgeError(ValueError):
    """An alarm is refused; the message names the field and what is wrong (``status``: HTTP status)."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"
        self.status = status


@dataclass
class EdgeResult:
    case_id: int
    case_code: str
    status: str   # created | attached | replay
    observation_id: int | None
    event_id: str
    device_code: str


# ---------------------------------------------------------------- parsing
def _text(payload: dict, name: str, required: bool = True, max_len: int = 64) -> str | None:
    v = payload.get(name)
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise EdgeError(name, "missing")
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise EdgeError(name, f"expected a string, got {type(v).__name__}")
    v = str(v).strip()
    if len(v) > max_len:
        raise EdgeError(name, f"longer than {max_len} characters")
    return v


def parse_time(value: Any, now: datetime) -> datetime:
    """ISO 8601 (a time without zone is Asia/Shanghai) or epoch seconds/milliseconds → aware UTC."""
    if value is None:
        raise EdgeError("time", "missing")
    if isinstance(value, bool):
        raise EdgeError("time", "expected an ISO 8601 time or epoch seconds")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value <= 0:
            raise EdgeError("time", f"not a valid epoch time: {value!r}")
        secs = value / 1000.0 if value > 1e11 else float(value)
        try:
            t = datetime.fromtimestamp(secs, tz=LOCAL_TZ)
        except (OverflowError, OSError, ValueError):
            raise EdgeError("time", f"not a valid epoch time: {value!r}") from None
    elif isinstance(value, str):
        try:
            t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise EdgeError("time", f"not an ISO 8601 time: {value[:40]!r}") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=LOCAL_TZ)
    else:
        raise EdgeError("time", "expected an ISO 8601 time or epoch seconds")
    try:
        t = as_utc(t)
    except OverflowError:  # e.g. 0001-01-01T00:00 in Asia/Shanghai is before the first representable UTC time
        raise EdgeError("time", f"out of range: {str(value)[:40]!r}") from None
    if t > now + MAX_FUTURE:
        raise EdgeError("time", f"{t.isoformat()} is in the future", status=422)
    if t < now - MAX_AGE:
        raise EdgeError("time", f"{t.isoformat()} is older than {MAX_AGE.days} days", status=422)
    return t


def parse_box(value: Any, size: tuple[int, int] | None) -> list[float]:
    """[x1, y1, x2, y2] relative 0–1, or pixels of the image (then divided by its size)."""
    if not isinstance(value, (list, tuple)) or len(value) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise EdgeError("box", "expected [x1, y1, x2, y2]")
    x1, y1, x2, y2 = (float(v) for v in value)
    if max(x1, y1, x2, y2) > 1.0:
        if size is None:
            raise EdgeError("box", "pixel coordinates need the image (or send relative 0–1 coordinates)")
        w, h = size
        x1, x2, y1, y2 = x1 / w, x2 / w, y1 / h, y2 / h
    if min(x1, y1, x2, y2) < 0 or max(x1, y1, x2, y2) > 1.0 or x2 <= x1 or y2 <= y1:
        raise EdgeError("box", f"not a box inside the image: {list(value)!r}")
    return [round(x1, 5), round(y1, 5), round(x2, 5), round(y2, 5)]


def decode_image(value: Any) -> bytes:
    if not isinstance(value, str):
        raise EdgeError("image", "expected base64 text")
    if value.startswith("data:"):
        value = value.split(",", 1)[-1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise EdgeError("image", "not valid base64") from None


def resolve_type(session: Session, value: str, cfg: EdgeConfig) -> ProblemType:
    mapped = cfg.type_map.get(value, value)
    row = session.scalar(select(ProblemType).where(or_(func.upper(ProblemType.code) == mapped.upper(),
                                                        ProblemType.name == mapped)))
    if row is None:
        raise EdgeError("type", f"unknown problem type or unmapped vendor class {value!r} "
                                f"(map it in reporting.edge.type_map)", status=422)
    return row


def iou(a: list[float] | None, b: list[float] | None) -> float:
    """Overlap of two relative boxes, as camera detection measures it (0 when either is missing)."""
    return detection_iou(a, b) if a and b else 0.0


def zone_of_box(zones: list[dict[str, Any]] | None, box: list[float]) -> dict[str, Any] | None:
    """The camera zone containing the box's foot point (bottom centre), the most specific (smallest) first."""
    x, y = (box[0] + box[2]) / 2, box[3] - 1e-6
    hits = [z for z in zones or [] if isinstance(z, dict) and z.get("polygon") and in_ring(x, y, z["polygon"])]
    if not hits:
        return None
    masks = [z for z in hits if z.get("kind") == "mask"]
    return masks[0] if masks else hits[0]


def find_open_case(session: Session, camera_id: int, problem_type_id: int, zone: str | None,
                   box: list[float], min_iou: float) -> Case | None:
    """The open case of this camera, zone and type whose box overlaps ``box`` the most (≥ ``min_iou``)."""
    q = select(Case).where(Case.camera_id == camera_id, Case.problem_type_id == problem_type_id,
                           Case.state.in_(OPEN_STATES))
    q = q.where(Case.zone == zone) if zone is not None else q.where(Case.zone.is_(None))
    best = None
    for case in session.scalars(q):
        overlap = iou(case.box, box)
        if overlap >= min_iou and (best is None or overlap > best[0]):
            best = (overlap, case)
    return None if best is None else best[1]


def replay_device(token_id: int | None, device: str) -> str:
    """The stored ``EdgeEvent.device_code``: the device namespaced by the token that sent it (``"7:CAM-1"``),
    so (device, event id) pairs of one token never meet another's; at most 64 characters (hashed beyond)."""
    if token_id is None:
        return device
    prefix = f"{token_id}:"
    key = prefix + device
    return key if len(key) <= 64 else prefix + hashlib.sha256(device.encode()).hexdigest()[:64 - len(prefix)]


def check_camera_scope(cfg: EdgeConfig, token_name: str | None, camera_code: str) -> None:
    """Refuse (403) an alarm for a camera outside the sending token's ``reporting.edge.token_cameras``."""
    if token_name is None:
        return
    patterns = cfg.token_cameras.get(token_name)
    if patterns is None:
        if cfg.require_token_scope:
            raise EdgeError("camera_code", f"token {token_name!r} has no cameras in reporting.edge.token_cameras",
                            status=403)
        return
    if not any(fnmatchcase(camera_code, pattern) for pattern in patterns):
        raise EdgeError("camera_code", f"token {token_name!r} may not report for camera {camera_code!r} "
                                       f"(reporting.edge.token_cameras)", status=403)


def _replay(session: Session, device: str, event_id: str, token_id: int | None = None) -> EdgeResult | None:
    row = session.scalar(select(EdgeEvent).where(EdgeEvent.device_code == replay_device(token_id, device),
                                                 EdgeEvent.event_id == event_id))
    if row is None:
        return None
    code = session.scalar(select(Case.code).where(Case.id == row.case_id))
    return EdgeResult(row.case_id, code, "replay", row.observation_id, event_id, device)


# ---------------------------------------------------------------- ingestion
@dataclass
class ParsedAlarm:
    """One alarm validated without the database: what :func:`ingest` and the batch intake store."""

    event_id: str
    device: str
    camera_code: str
    type_value: str
    at: datetime
    score: float
    box: list[float]
    photo: PreparedPhoto | None


def parse_ids(payload: Any) -> tuple[str, str, str]:
    """``(event_id, device_code, camera_code)`` of an alarm (the device defaults to the camera)."""
    if not isinstance(payload, dict):
        raise EdgeError("body", "expected a JSON object")
    event_id = _text(payload, "event_id", max_len=MAX_ID_LEN)
    camera_code = _text(payload, "camera_code", required=False) or _text(payload, "camera", required=False)
    device = _text(payload, "device_code", required=False) or camera_code
    if camera_code is None:
        camera_code = device
    if camera_code is None:
        raise EdgeError("camera_code", "missing (the camera the alarm is about)")
    return event_id, device, camera_code


def parse_alarm(payload: dict[str, Any], cfg: EdgeConfig, now: datetime, image: bytes | None = None) -> ParsedAlarm:
    """Validate everything but the camera and type (which need the database); the image is re-encoded here."""
    event_id, device, camera_code = parse_ids(payload)
    type_value = _text(payload, "type", max_len=64)
    at = parse_time(payload.get("time"), now)
    score = payload.get("score", 1.0)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise EdgeError("score", f"expected a number between 0 and 1, got {score!r}")
    if score < cfg.min_score:
        raise EdgeError("score", f"{score} is below the configured minimum {cfg.min_score}", status=422)
    if image is None and payload.get("image") is not None:
        image = decode_image(payload["image"])
    photo: PreparedPhoto | None = None
    if image is not None:
        try:
            photo = prepare(image, gps=False)  # the camera places the alarm, not the photo's EXIF
        except PhotoError as exc:
            raise EdgeError("image", f"{exc.code}: {exc.message}", status=413 if exc.code == "too_large" else 400) \
                from None
    elif cfg.require_image:
        raise EdgeError("image", "missing (base64 in `image` or a multipart file `image`)")
    box = parse_box(payload.get("box"), (photo.width, photo.height) if photo else None)
    return ParsedAlarm(event_id, device, camera_code, type_value, at, float(score), box, photo)


def zone_name_for(alarm: ParsedAlarm, zones: list[dict[str, Any]] | None) -> str | None:
    """The zone name of the alarm's box on its camera; an alarm inside a mask zone is refused (422)."""
    zone = zone_of_box(zones, alarm.box)
    if zone is not None and zone.get("kind") == "mask":
        raise EdgeError("box", f"inside the masked zone {zone.get('name')!r} of {alarm.camera_code}", status=422)
    return zone.get("name") if zone else None


def named_zone(alarm: ParsedAlarm, zones: list[dict[str, Any]] | None, name: str) -> str:
    """``name`` when it is a (not masked) zone of the alarm's camera; else a 422 naming it."""
    zone = next((z for z in zones or [] if isinstance(z, dict) and z.get("name") == name), None)
    if zone is None:
        raise EdgeError("zone", f"camera {alarm.camera_code} has no zone {name!r}", status=422)
    if zone.get("kind") == "mask":
        raise EdgeError("zone", f"{name!r} of {alarm.camera_code} is a masked zone", status=422)
    return name


def ingest(sessions: sessionmaker[Session], store: PhotoStore, payload: dict[str, Any], cfg: EdgeConfig,
           image: bytes | None = None, token_id: int | None = None, now: datetime | None = None,
           token_name: str | None = None, zone: str | None = None) -> EdgeResult:
    """Turn one alarm into an observation (and a case when nothing open matches). Raises :class:`EdgeError`.

    ``token_id``/``token_name``: the sending token (its replay namespace and its camera scope). ``zone``: file
    the alarm under this zone of the camera (a vendor mapping names it) instead of the zone containing its box."""
    now = now or utcnow()
    event_id, device, camera = parse_ids(payload)
    check_camera_scope(cfg, token_name, camera)
    with sessions() as s:  # one read session: replay check, then camera and type
        hit = _replay(s, device, event_id, token_id)
        if hit is not None:
            return hit
        alarm = parse_alarm(payload, cfg, now, image=image)
        cam = s.execute(select(Camera.id, Camera.zones).where(Camera.code == alarm.camera_code)).first()
        if cam is None:
            raise EdgeError("camera_code", f"unknown camera {alarm.camera_code!r}", status=422)
        ptype_id = resolve_type(s, alarm.type_value, cfg).id
    camera_id = cam.id
    zone_name = named_zone(alarm, cam.zones, zone) if zone else zone_name_for(alarm, cam.zones)
    at, score, box = alarm.at, alarm.score, alarm.box
    stored: list[StoredPhoto] = []
    try:
        if alarm.photo is not None:
            stored.append(store.write(alarm.photo))
        with sqlite_writers(sessions), sessions.begin() as s:
            case = find_open_case(s, camera_id, ptype_id, zone_name, box, cfg.dedup_iou)
            if case is None and lock_case_keys(s, [(camera_id, ptype_id, zone_name)]):
                case = find_open_case(s, camera_id, ptype_id, zone_name, box, cfg.dedup_iou)  # opened meanwhile?
            created = case is None
            if created:
                case = open_case(s, source=CaseSource.EDGE.value, problem_type=ptype_id, found_at=at,
                                 actor=device[:64], actor_role="edge", camera=camera_id, zone=zone_name, box=box,
                                 score=score, external_ref=event_id)
            obs = Observation(camera_id=camera_id, problem_type_id=ptype_id, case_id=case.id, zone=zone_name,
                              observed_at=at, score=score, x1=box[0], y1=box[1], x2=box[2], y2=box[3])
            s.add(obs)
            for sp in stored:
                s.add(Evidence(sha256=sp.sha256, path=str(sp.path), kind="edge", case_id=case.id,
                               camera_id=camera_id, width=sp.width, height=sp.height, created_at=now))
            s.flush()
            s.add(EdgeEvent(device_code=replay_device(token_id, device), event_id=event_id, camera_id=camera_id,
                            problem_type_id=ptype_id, case_id=case.id, observation_id=obs.id, created_case=created, event_time=at,
                            received_at=now, token_id=token_id))
            s.flush()
            result = EdgeResult(case.id, case.code, "created" if created else "attached", obs.id, event_id, device)
    except IntegrityError:
        PhotoStore.discard(stored)
        with sessions() as s:  # a concurrent delivery of the same event won the race
            hit = _replay(s, device, event_id, token_id)
        if hit is None:
            raise
        return hit
    except BaseException:
        PhotoStore.discard(stored)
        raise
    return result
