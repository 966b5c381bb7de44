"""Citizen reports (随手拍): intake into the moderation queue, location, duplicates, public status, limits."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from models.cases import Case, CaseTransition, Evidence
from models.citizen_reports import (
    ReportError, ReportInput, clean_phone, find_case, mask_phone, nearby_open_cases, public_status, submit,
)
from models.config.reporting import RateLimitConfig, ReportingConfig
from models.coords import distance_m, wgs84_to_gcj02
from models.exif_gps import exif_with_gps
from models.photo_intake import PhotoStore
from models.ratelimit import RateLimited, SubmissionLimits, make_strategy
from models.workflow import apply

CFG = ReportingConfig()
GPS = (117.6501, 24.5102)  # WGS-84, in 芗城区


def jpeg(gps=None, size=(320, 240), color="green") -> bytes:
    b = io.BytesIO()
    im = Image.new("RGB", size, color)
    if gps:
        im.save(b, "JPEG", exif=exif_with_gps(*gps))
    else:
        im.save(b, "JPEG")
    return b.getvalue()


def counts(ctx, store_root):
    with ctx.sessions() as s:
        rows = tuple(s.scalar(select(func.count()).select_from(t)) for t in (Case, CaseTransition, Evidence))
    files = sorted(p for p in store_root.rglob("*") if p.is_file()) if store_root.exists() else []
    return rows, files


def test_wgs84_to_gcj02_matches_the_published_reference():
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9) and lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # outside China: unchanged
    shift = distance_m(*GPS, *wgs84_to_gcj02(*GPS))
    assert 300 < shift < 800  # Zhangzhou's offset is a few hundred metres


def test_report_with_exif_gps_lands_in_the_moderation_queue_at_the_gcj02_point(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    r = submit(city.sessions, store, ReportInput("暴露垃圾", "路边有垃圾 <b>x</b>", "13812345678",
                                                 lon=117.0, lat=24.0, photos=[jpeg(GPS)]), CFG)
    assert r.location_source == "photo_exif" and r.tracking_code.startswith("SP") and len(r.tracking_code) == 12
    exp = wgs84_to_gcj02(*GPS)
    assert distance_m(r.lon, r.lat, *exp) < 0.5
    with city.sessions() as s:
        case = s.get(Case, r.case_id)
        assert case.source == "citizen" and case.state == "found"  # waits for a supervisor (立案)
        assert case.reporter_contact == "13812345678" and case.description == "路边有垃圾 <b>x</b>"
        assert case.district.name == "芗城区"
        ev = s.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        assert len(ev) == 1 and ev[0].kind == "citizen"
        stored = Image.open(ev[0].path)
        assert stored.format == "JPEG" and not stored.getexif()  # metadata (GPS!) stripped
        assert find_case(s, r.tracking_code).id == case.id
        st = public_status(s, case)
        assert (st.status, st.label, st.open) == ("received", "已受理", True)
    assert mask_phone("13812345678") == "138****5678"


def test_public_status_follows_the_workflow_and_shows_the_reason_when_refused(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    a = submit(city.sessions, store, ReportInput("PT04", "遛狗不牵绳", lon=117.652, lat=24.512, datum="gcj02"), CFG)
    b = submit(city.sessions, store, ReportInput("不文明养宠", "重复", lon=117.70, lat=24.50, datum="gcj02"), CFG)
    assert a.location_source == "map" and (a.lon, a.lat) == (117.652, 24.512)
    with city.sessions.begin() as s:
        case = s.get(Case, a.case_id)
        for action, data in [("accept", None), ("dispatch", None)]:
            apply(s, case, action, actor="sup", actor_role="supervisor", data=data)
        assert public_status(s, case).label == "处理中"
        assert public_status(s, case).expected_at == case.deadline_at
        apply(s, s.get(Case, b.case_id), "invalidate", actor="sup", actor_role="supervisor", note="重复举报")
    with city.sessions() as s:
        st = public_status(s, s.get(Case, b.case_id))
        assert (st.status, st.label, st.reason, st.open) == ("not_accepted", "不予受理", "重复举报", False)


def test_nearby_open_report_of_the_same_type_is_offered_as_duplicate(city, tmp_path):
    store = PhotoStore(tmp_path / "ev")
    first = submit(city.sessions, store, ReportInput("PT01", "垃圾", lon=117.660, lat=24.515, datum="gcj02"), CFG)
    # ~150 m east: same type → duplicate; other type → not
    second = submit(city.sessions, store, ReportInput("PT01", "垃圾堆", lon=117.6615, lat=24.515, datum="gcj02"), CFG)
    assert [d.code for d in second.duplicates] == [first.tracking_code]
    assert 100 < second.duplicates[0].distance_m < 200
    other = submit(city.sessions, store, ReportInput("PT02", "摆摊", lon=117.6615, lat=24.515, datum="gcj02"), CFG)
    assert other.duplicates == []
    with city.sessions() as s:
        far = nearby_open_cases(s, s.get(Case, first.case_id).problem_type_id, 117.665, 24.515, 250)
        assert far == []  # ~500 m away


@pytest.mark.parametrize("report, field, status", [
    (ReportInput(None, "x", lon=117.65, lat=24.51), "problem_type", 400),
    (ReportInput("不存在的类型", "x", lon=117.65, lat=24.51), "problem_type", 400),
    (ReportInput("PT01", "x"), "location", 400),
    (ReportInput("PT01", "x", lon="abc", lat=24.51), "lon", 400),
    (ReportInput("PT01", "x", lon=121.47, lat=31.23), "location", 422),  # Shanghai
    (ReportInput("PT01", "", lon=117.65, lat=24.51), "description", 400),
    (ReportInput("PT01", "x" * 1001, lon=117.65, lat=24.51), "description", 400),
    (ReportInput("PT01", "x", phone="12345", lon=117.65, lat=24.51), "phone", 400),
    (ReportInput("PT01", "x", lon=117.65, lat=24.51, photos=[b"not an image"]), "photos", 400),
    (ReportInput("PT01", "x", lon=117.65, lat=24.51, photos=[jpeg()[:300]]), "photos", 400),
    (ReportInput("PT01", "x", lon=117.65, lat=24.51, photos=[jpeg()] * 4), "photos", 400),
])
def test_bad_reports_are_refused_and_nothing_is_stored(sqlite_city, report, field, status):
    city, store = sqlite_city
    before = counts(city, store.root)
    with pytest.raises(ReportError) as exc:
        submit(city.sessions, store, report, CFG)
    assert exc.value.field == field and exc.value.status == status and exc.value.message
    assert counts(city, store.root) == before


def test_failed_transaction_removes_the_photo_files_it_wrote(city, tmp_path, monkeypatch):
    store = PhotoStore(tmp_path / "ev")
    before = counts(city, store.root)
    import models.citizen_reports as cr

    def boom(*a, **k):
        raise RuntimeError("database went away")

    monkeypatch.setattr(cr, "open_case", boom)
    with pytest.raises(RuntimeError):
        submit(city.sessions, store, ReportInput("PT01", "x", lon=117.65, lat=24.51,
                                                 photos=[jpeg(color="red"), jpeg(color="blue")]), CFG)
    assert counts(city, store.root) == before


class _Clock:
    """A stand-in for the ``time`` module whose ``time()`` can be moved forward (the limits' clock)."""

    def __init__(self):
        self.offset = 0.0

    def time(self):
        return time.time() + self.offset

    def __getattr__(self, name):
        return getattr(time, name)


def test_rate_limits_per_address_and_per_phone(city, tmp_path, monkeypatch):
    import limits.storage.memory

    import models.ratelimit

    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(models.ratelimit, "time", clock)
    limiter = SubmissionLimits(RateLimitConfig(per_address=2, address_window_s=60, per_phone=1, phone_window_s=600),
                              make_strategy())
    store = PhotoStore(tmp_path / "ev")

    def go(addr, phone=None):
        return submit(city.sessions, store, ReportInput("PT01", "x", phone=phone, lon=117.65, lat=24.51,
                                                        client_address=addr), CFG, limiter)

    go("10.0.0.1")
    go("10.0.0.1", "13800000000")
    with pytest.raises(ReportError) as exc:
        go("10.0.0.1")
    assert exc.value.status == 429 and "频繁" in exc.value.message
    assert 0 < exc.value.retry_after_s <= 60
    with pytest.raises(ReportError):
        go("10.0.0.2", "+86 138 0000 0000")  # same phone, other address
    go("10.0.0.2")
    clock.offset = 61.0
    go("10.0.0.1")  # the address window has passed


def test_phone_formats():
    assert clean_phone(" 138 1234 5678 ") == "13812345678"
    assert clean_phone("+8613812345678") == "13812345678"
    assert clean_phone("0596-1234567") == "0596-1234567"
    assert clean_phone("") is None
    with pytest.raises(ReportError):
        clean_phone("23812345678")


@pytest.mark.redis
def test_redis_rate_limits_count_across_instances():
    redis = pytest.importorskip("redis")
    import uuid

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail("Redis at 127.0.0.1:6379 is not reachable")
    cfg = RateLimitConfig(per_address=2, address_window_s=60)
    a = SubmissionLimits(cfg, make_strategy("redis://127.0.0.1:6379/15"))
    b = SubmissionLimits(cfg, make_strategy("redis://127.0.0.1:6379/15"))
    addr = "test-" + uuid.uuid4().hex
    a.check(addr, None)
    b.check(addr, None)
    with pytest.raises(RateLimited):
        a.check(addr, None)
    with pytest.raises(RateLimited):
        b.check(addr, None)
