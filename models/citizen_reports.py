"""Citizen reports (随手拍 — 公众举报): intake, duplicate suggestion and the public status of a report.

A report becomes a case (source ``citizen``) in the found state (发现): it waits in the supervisors'
moderation queue until they accept (立案) or invalidate (作废) it through the workflow. The citizen gets a
random tracking code (kept in ``Case.external_ref``) and follows the report on a public status page that
shows the public status only (已受理 / 处理中 / 已解决 / 不予受理 + reason) — never the internal state, the
unit, the actors or the reporter's phone (kept in ``Case.reporter_contact``, supervisors only).

Nothing is half-stored: every field and every photo is validated first, photo files are written only
after that, the case and its evidence rows go in one transaction, and files a failed transaction created
are removed again.
"""
from __future__ import annotations

import json
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from .cases import Case, CaseSource, CaseState, CaseTransition, Evidence
from .clock import utcnow
from .config.reporting import ReportingConfig
from .coords import degrees_box, distance_m, in_geometry, wgs84_to_gcj02
from .notifications import ReporterConsent
from .photo_intake import PhotoError, PhotoStore, PreparedPhoto, StoredPhoto, prepare
from .ratelimit import RateLimited, SubmissionLimits
from .registry import District, MonitoringPoint, ProblemType
from .reverse_geocode import MAX_LEN as ADDRESS_MAX_LEN, address_near
from .workflow import OPEN_STATES as WORKFLOW_OPEN_STATES, open_case

ROOT = Path(__file__).resolve().parent.parent
GEOJSON = ROOT / "assets" / "map" / "zhangzhou_admin.geojson"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_PREFIX = "SP"
OPEN_STATES = tuple(sorted(WORKFLOW_OPEN_STATES))  # 发现 … 复核: not yet 销号 or 作废
PHONE_RE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
POINT_SNAP_M = 100.0  # a report this close to a monitoring point is attached to it (routing by point)


class ReportError(ValueError):
    """A report is refused. ``field`` names the input, ``message`` is the Chinese text for the citizen,
    ``status`` the HTTP status (400 bad input, 422 well-formed but unacceptable, 429 rate limited)."""

    def __init__(self, field: str, code: str, message: str, status: int = 400, retry_after_s: float | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s


@dataclass
class ReportInput:
    """What a citizen sends. ``lon``/``lat`` come with their datum: ``wgs84`` (browser geolocation, Open311)
    or ``gcj02`` (a tap on the map). A GPS position in a photo's EXIF takes precedence over both."""

    problem_type: str | None
    description: str | None = None
    phone: str | None = None
    lon: float | str | None = None
    lat: float | str | None = None
    datum: str = "wgs84"
    photos: Sequence[bytes] = ()
    client_address: str | None = None
    address: str | None = None  # as the reporter typed it (Open311 address_string); else reverse-geocoded
    zone_kind: str | None = None  # where the problem is (Open311 attribute[zone_kind]): one of the type's zone_kinds
    channel: str = "web"  # web | open311
    notify_consent: bool = False  # agreed to be told (by SMS at ``phone``) when the report is accepted / closed


@dataclass
class NearbyCase:
    """An open case of the same type near a new report (offered to follow instead)."""

    code: str
    distance_m: float
    type_name: str
    status_label: str


@dataclass
class Receipt:
    """The result of an accepted report."""

    tracking_code: str
    case_id: int
    case_code: str
    lon: float
    lat: float
    location_source: str  # photo_exif | browser | map
    photos: int
    duplicates: list[NearbyCase] = field(default_factory=list)


# ---------------------------------------------------------------- validation helpers
def new_tracking_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def clean_text(value: str | None, max_len: int) -> str:
    """Normalised text: NFC, control characters removed (newlines kept), trimmed. Markup is kept as text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReportError("description", "bad_type", "问题描述必须是文字")
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if len(text) > max_len:
        raise ReportError("description", "too_long", f"问题描述过长（{len(text)} 字），不超过 {max_len} 字")
    return text


def clean_address(value: str | None) -> str | None:
    """The address a reporter typed (one line, at most 120 characters), or ``None``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReportError("address", "bad_type", "地址必须是文字")
    text = " ".join(clean_text(value, len(value)).split()) if len(value) <= 10 * ADDRESS_MAX_LEN else value
    if len(text) > ADDRESS_MAX_LEN:
        raise ReportError("address", "too_long", f"地址过长（{len(text)} 字），不超过 {ADDRESS_MAX_LEN} 字")
    return text or None


def clean_phone(value: str | None) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ReportError("phone", "bad_phone", "手机号码格式不正确")
    digits = re.sub(r"[\s()]", "", value)
    m = PHONE_RE.match(digits)
    if not m:
        raise ReportError("phone", "bad_phone", "手机号码格式不正确（11 位手机号或带区号的固定电话）")
    return m.group(1)


def mask_phone(phone: str | None) -> str:
    """``138****5678`` — how a phone may be shown to anyone but a supervisor."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def _coord(value, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ReportError(name, "bad_location", f"位置坐标 {name} 不是数字") from None
    if not math.isfinite(v):
        raise ReportError(name, "bad_location", f"位置坐标 {name} 不是有效数字")
    return v


def resolve_problem_type(session: Session, value: str | None) -> ProblemType:
    """A problem type by code or Chinese name (case-insensitive code)."""
    if value is None or not isinstance(value, str) or not value.strip():
        raise ReportError("problem_type", "missing_type", "请选择问题类型")
    v = value.strip()
    row = session.scalar(select(ProblemType).where(or_(func.upper(ProblemType.code) == v.upper(),
                                                        ProblemType.name == v)))
    if row is None:
        raise ReportError("problem_type", "unknown_type", f"未知的问题类型：{v[:40]}")
    return row


@lru_cache(maxsize=2)
def _district_shapes(path: str) -> list[tuple[str, dict]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [(f["properties"].get("adcode", ""), f["geometry"]) for f in data.get("features", [])
            if f.get("properties", {}).get("level") != "city"]


def district_at(session: Session, lon: float, lat: float, geojson: Path = GEOJSON) -> District | None:
    """The district whose outline (GCJ-02 GeoJSON) contains the point, if it is in the registry."""
    for adcode, geom in _district_shapes(str(geojson)):
        if in_geometry(lon, lat, geom):
            return session.scalar(select(District).where(District.adcode == adcode))
    return None


def nearest_point(session: Session, lon: float, lat: float, radius_m: float = POINT_SNAP_M) -> MonitoringPoint | None:
    x1, y1, x2, y2 = degrees_box(lon, lat, radius_m)
    best = None
    for p in session.scalars(select(MonitoringPoint).where(MonitoringPoint.lon.between(x1, x2),
                                                           MonitoringPoint.lat.between(y1, y2))):
        d = distance_m(lon, lat, p.lon, p.lat)
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, p)
    return None if best is None else best[1]


# ---------------------------------------------------------------- public status
PUBLIC_STATUS = {
    CaseState.FOUND.value: ("received", "已受理"),
    CaseState.ACCEPTED.value: ("in_progress", "处理中"),
    CaseState.DISPATCHED.value: ("in_progress", "处理中"),
    CaseState.RECTIFIED.value: ("in_progress", "处理中"),
    CaseState.VERIFIED.value: ("in_progress", "处理中"),
    CaseState.CLOSED.value: ("fixed", "已解决"),
    CaseState.INVALID.value: ("not_accepted", "不予受理"),
}


def public_code(case: Case) -> str:
    """The code the public follows a case by: the tracking code of a citizen report, else the case code."""
    return case.external_ref if case.source == CaseSource.CITIZEN.value and case.external_ref else case.code


@dataclass
class PublicStatus:
    """Everything the public may see of a case (no unit, actors, internal notes or personal data)."""

    code: str
    type_code: str
    type_name: str
    status: str        # received | in_progress | fixed | not_accepted
    label: str         # 已受理 | 处理中 | 已解决 | 不予受理
    open: bool
    reason: str | None
    description: str | None
    district: str | None
    lon: float | None
    lat: float | None
    submitted_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    steps: list[tuple[str, datetime]]
    photos: int
    address: str | None = None


def public_status(session: Session, case: Case) -> PublicStatus:
    status, label = PUBLIC_STATUS.get(case.state, ("received", "已受理"))
    reason = None
    if case.state == CaseState.INVALID.value:
        reason = session.scalar(select(CaseTransition.note).where(
            CaseTransition.case_id == case.id, CaseTransition.action == "invalidate").order_by(
            CaseTransition.seq.desc()).limit(1))
    steps: list[tuple[str, datetime]] = [("已受理（提交）", case.found_at)]
    if case.accepted_at:
        steps.append(("已立案", case.accepted_at))
    if case.dispatched_at:
        steps.append(("处理中（已交办责任单位）", case.dispatched_at))
    if case.closed_at:
        steps.append(("已解决", case.closed_at))
    if case.state == CaseState.INVALID.value:
        steps.append(("不予受理", case.updated_at))
    lon, lat = case.lon, case.lat
    if (lon is None or lat is None) and case.point is not None:
        lon, lat = case.point.lon, case.point.lat
    photos = session.scalar(select(func.count()).select_from(Evidence).where(
        Evidence.case_id == case.id, Evidence.kind == "citizen")) or 0
    return PublicStatus(
        code=public_code(case), type_code=case.problem_type.code, type_name=case.problem_type.name,
        status=status, label=label, open=case.state in OPEN_STATES, reason=reason,
        description=case.description if case.source == CaseSource.CITIZEN.value else None,
        district=case.district.name if case.district else None, lon=lon, lat=lat,
        submitted_at=case.found_at, updated_at=case.updated_at,
        expected_at=case.deadline_at if case.state in OPEN_STATES else None, steps=steps, photos=photos,
        address=case.address or (case.point.address or case.point.name if case.point is not None else None)
        or (case.district.name if case.district else None),
    )


# not yet (or never) accepted by a moderator: 发现 awaiting moderation, 作废 rejected
UNMODERATED_STATES = (CaseState.FOUND.value, CaseState.INVALID.value)


def is_public(case: Case) -> bool:
    """Whether anyone may see this case without knowing its tracking code: only once a moderator accepted
    it (立案). A report awaiting moderation (or rejected) may hold a phone number or a home address."""
    return case.state not in UNMODERATED_STATES


def find_case(session: Session, code: str) -> Case | None:
    """The case a public code names: a citizen tracking code (its submitter's secret: any state), or a case
    code (guessable, sequential: only a case a moderator accepted, see :func:`is_public`)."""
    if not isinstance(code, str) or not code or len(code) > 40:
        return None
    code = code.strip()
    case = session.scalar(select(Case).where(Case.source == CaseSource.CITIZEN.value, Case.external_ref == code))
    if case is not None:
        return case
    case = session.scalar(select(Case).where(Case.code == code))
    return case if case is not None and is_public(case) else None


def nearby_open_cases(session: Session, problem_type_id: int, lon: float, lat: float, radius_m: float,
                      exclude_case_id: int | None = None, limit: int = 5) -> list[NearbyCase]:
    """Open cases of the same type within ``radius_m`` (their own position, else their point's), nearest first."""
    x1, y1, x2, y2 = degrees_box(lon, lat, radius_m)
    clon = func.coalesce(Case.lon, MonitoringPoint.lon)
    clat = func.coalesce(Case.lat, MonitoringPoint.lat)
    q = (select(Case, clon, clat).outerjoin(MonitoringPoint, Case.point_id == MonitoringPoint.id)
         .where(Case.problem_type_id == problem_type_id, Case.state.in_(OPEN_STATES),
                clon.between(x1, x2), clat.between(y1, y2)))
    out = []
    for case, c_lon, c_lat in session.execute(q):
        if case.id == exclude_case_id:
            continue
        d = distance_m(lon, lat, c_lon, c_lat)
        if d <= radius_m:
            out.append(NearbyCase(public_code(case), round(d, 1), case.problem_type.name,
                                  PUBLIC_STATUS.get(case.state, ("", ""))[1]))
    out.sort(key=lambda n: n.distance_m)
    return out[:limit]


# ---------------------------------------------------------------- intake
def _location(report: ReportInput, photos: list[PreparedPhoto], cfg: ReportingConfig) -> tuple[float, float, str]:
    for p in photos:
        if p.gps_wgs84 is not None:
            lon, lat = wgs84_to_gcj02(*p.gps_wgs84)
            source = "photo_exif"
            break
    else:
        lon, lat = _coord(report.lon, "lon"), _coord(report.lat, "lat")
        if lon is None or lat is None:
            raise ReportError("location", "missing_location",
                              "请提供问题位置：使用带位置信息的照片、允许浏览器定位，或在地图上点选")
        if report.datum not in ("wgs84", "gcj02"):
            raise ReportError("datum", "bad_datum", "坐标系只能是 wgs84 或 gcj02")
        if report.datum == "wgs84":
            lon, lat = wgs84_to_gcj02(lon, lat)
        source = "browser" if report.datum == "wgs84" else "map"
    x1, y1, x2, y2 = cfg.area_bbox
    if not (x1 <= lon <= x2 and y1 <= lat <= y2):
        raise ReportError("location", "outside_area", "问题位置不在漳州市范围内", status=422)
    return lon, lat, source


def validate(session: Session, report: ReportInput, cfg: ReportingConfig
             ) -> tuple[ProblemType, str, str | None, list[PreparedPhoto], tuple[float, float, str]]:
    """Check every field and photo of ``report`` (no side effects); raise :class:`ReportError`."""
    ptype = resolve_problem_type(session, report.problem_type)
    description = clean_text(report.description, cfg.max_description)
    phone = clean_phone(report.phone)
    if len(report.photos) > cfg.max_photos:
        raise ReportError("photos", "too_many_photos", f"最多上传 {cfg.max_photos} 张照片")
    prepared = []
    for i, data in enumerate(report.photos):
        try:
            prepared.append(prepare(data, i))
        except PhotoError as exc:
            raise ReportError("photos", exc.code, exc.message,
                              status=413 if exc.code == "too_large" else 400) from None
    if not prepared and not description:
        raise ReportError("description", "empty_report", "请上传照片或填写问题描述")
    return ptype, description, phone, prepared, _location(report, prepared, cfg)


def submit(sessions: sessionmaker[Session], store: PhotoStore, report: ReportInput, cfg: ReportingConfig,
           limits: SubmissionLimits | None = None, now: datetime | None = None) -> Receipt:
    """Validate, rate-limit and store one citizen report as a case in the moderation queue (发现)."""
    now = now or utcnow()
    typed_address = clean_address(report.address)
    with sessions() as s:
        ptype, description, phone, prepared, (lon, lat, loc_source) = validate(s, report, cfg)
        ptype_id = ptype.id
        if report.zone_kind is not None and report.zone_kind not in (ptype.zone_kinds or []):
            raise ReportError("attribute[zone_kind]", "bad_zone_kind",
                              f"expected one of {', '.join(ptype.zone_kinds or []) or '(none)'} for {ptype.code}")
    if limits is not None:
        try:
            limits.check(report.client_address, phone)
        except RateLimited as exc:
            who = "该号码" if exc.what == "phone" else "您"
            raise ReportError("rate_limit", "rate_limited", f"{who}提交过于频繁，请 {max(1, math.ceil(exc.retry_after_s / 60))}"
                              " 分钟后再试", status=429, retry_after_s=exc.retry_after_s) from None
    stored: list[StoredPhoto] = []
    try:
        for p in prepared:
            stored.append(store.write(p))
        with sessions.begin() as s:
            point = nearest_point(s, lon, lat)
            address = typed_address or address_near(s, lon, lat)
            tracking = new_tracking_code()
            while s.scalar(select(Case.id).where(Case.external_ref == tracking)) is not None:
                tracking = new_tracking_code()
            case = open_case(
                s, source=CaseSource.CITIZEN.value, problem_type=ptype_id, found_at=now,
                actor="随手拍" if report.channel == "web" else "Open311", actor_role="citizen", point=point,
                lon=lon, lat=lat, description=description or None, external_ref=tracking, reporter_contact=phone,
                address=address, zone=report.zone_kind,
            )
            if case.district_id is None:
                district = district_at(s, lon, lat)
                case.district_id = district.id if district else None
            if case.address is None and case.district_id is not None:
                case.address = s.get(District, case.district_id).name
            if report.notify_consent and phone:
                s.add(ReporterConsent(case_id=case.id, agreed_at=now))
            for sp in stored:
                s.add(Evidence(sha256=sp.sha256, path=str(sp.path), kind="citizen", case_id=case.id,
                               width=sp.width, height=sp.height, created_at=now))
            s.flush()
            duplicates = nearby_open_cases(s, ptype_id, lon, lat, cfg.duplicate_radius_m, exclude_case_id=case.id)
            receipt = Receipt(tracking, case.id, case.code, lon, lat, loc_source, len(stored), duplicates)
    except BaseException:
        PhotoStore.discard(stored)
        raise
    return receipt
