"""Fuzzing the public intake routes (随手拍 reports, Open311, edge alarms) with random and damaged images.

Random bytes, truncated and corrupted JPEG/PNG/WebP, huge declared dimensions and polyglots: every request
is answered with a clear 4xx (error code, message, field) and stores nothing — or, for a polyglot that
really is a valid picture, 201 with only the re-encoded pixels kept (the smuggled payload is gone).
Never a 500. Runs on SQLite and PostgreSQL (NUL characters are refused by PostgreSQL text columns).
"""
from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from models.clock import utcnow
from models.images import evidence_root
from tests.dashboard.report.helpers import photo, seed_city, snapshot
from tests.fuzz_settings import fuzz

PAYLOAD = b"<script>alert('cw-polyglot')</script>"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def intake(request, tmp_path_factory):
    """(client, ctx, edge auth header) of a seeded app with rate limits out of the way."""
    from dashboard.app import create_app
    from models.context import AppContext
    from models.migrate import upgrade
    from tests.conftest import _reset_pg, make_config

    tmp = tmp_path_factory.mktemp("upload-fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/intake.db"
    else:
        url = request.getfixturevalue("pg_database")
        _reset_pg(url)
    ctx = AppContext.from_config(make_config(tmp, url, reporting={
        "rate_limit": {"per_address": 100000, "per_phone": 100000}}))
    upgrade(ctx.engine)
    token = seed_city(ctx)
    app = create_app(ctx)
    yield app.server.test_client(), ctx, {"Authorization": f"Bearer {token}"}
    ctx.stop()


# ------------------------------------------------------------------ damaged images
SMALL_JPEG = photo(size=(64, 48))
SMALL_PNG = photo(size=(64, 48), fmt="PNG")
SMALL_WEBP = photo(size=(64, 48), fmt="WEBP")


def jpeg_declaring(width: int, height: int) -> bytes:
    """The small JPEG with its SOF0 frame header claiming another size."""
    data = bytearray(SMALL_JPEG)
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_declaring(width: int, height: int, fix_crc: bool = True) -> bytes:
    data = bytearray(SMALL_PNG)
    data[16:24] = struct.pack(">II", width, height)
    if fix_crc:
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with_text(text: bytes) -> bytes:
    return SMALL_PNG[:33] + png_chunk(b"tEXt", b"Comment\x00" + text) + SMALL_PNG[33:]


CRAFTED = {
    "jpeg 65535x65535 declared": jpeg_declaring(65535, 65535),
    "jpeg 0x0 declared": jpeg_declaring(0, 0),
    "png 100000x100000 declared": png_declaring(100000, 100000),
    "png 2^31-1 wide declared": png_declaring(2**31 - 1, 1),
    "png with a bad IHDR crc (polyglot-like: pixels intact)": png_declaring(64, 48, fix_crc=False),
    "jpeg header only": SMALL_JPEG[:200],
    "png header only": SMALL_PNG[:40],
    "webp header only": SMALL_WEBP[:30],
    "jpeg magic then html": b"\xff\xd8\xff\xe0" + PAYLOAD * 10,
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "pdf then jpeg": b"%PDF-1.4\n" + SMALL_JPEG,
    "zip": b"PK\x03\x04" + b"\x00" * 100,
    "jpeg + appended html (polyglot)": SMALL_JPEG + PAYLOAD,
    "jpeg + appended zip (polyglot)": SMALL_JPEG + b"PK\x03\x04" + PAYLOAD,
    "png with script in a text chunk (polyglot)": png_with_text(PAYLOAD),
    "png + appended html (polyglot)": SMALL_PNG + PAYLOAD,
    "bmp": (lambda b: (Image.new("RGB", (8, 8)).save(b, "BMP"), b.getvalue())[1])(io.BytesIO()),
    "tiff": (lambda b: (Image.new("RGB", (8, 8)).save(b, "TIFF"), b.getvalue())[1])(io.BytesIO()),
}


@st.composite
def damaged_images(draw):
    """A small valid JPEG/PNG/WebP, truncated, with bytes overwritten, junk spliced in, or random bytes."""
    kind = draw(st.sampled_from(["truncate", "flip", "splice", "random", "crafted", "header_flip"]))
    if kind == "random":
        return draw(st.binary(max_size=2000))
    if kind == "crafted":
        return CRAFTED[draw(st.sampled_from(sorted(CRAFTED)))]
    base = draw(st.sampled_from([SMALL_JPEG, SMALL_PNG, SMALL_WEBP]))
    if kind == "truncate":
        return base[:draw(st.integers(0, len(base) - 1))]
    data = bytearray(base)
    if kind in ("flip", "header_flip"):
        hi = min(len(data), 64) if kind == "header_flip" else len(data)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, hi - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    at = draw(st.integers(0, len(data)))
    return bytes(data[:at]) + draw(st.binary(min_size=1, max_size=200)) + bytes(data[at:])


def _is_clean_refusal(r, ctx, before) -> None:
    assert r.status_code < 500, r.get_data(as_text=True)[:500]
    assert 400 <= r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
    body = r.get_json()
    if isinstance(body, list):  # Open311 errors: [{"code", "description"}]
        assert body[0]["code"] == r.status_code and body[0]["description"]
    else:
        assert body["error"] and body["message"] and body.get("field"), body
    assert snapshot(ctx) == before, "a refused request stored something"


def _accepted_cleanly(ctx, before) -> None:
    """A 201 on a polyglot: only re-encoded JPEG pixels were stored, never the appended payload."""
    root = evidence_root(ctx.config)
    new = [p for p in root.rglob("*") if p.is_file() and p not in before.files]
    for path in new:
        data = path.read_bytes()
        assert data.startswith(b"\xff\xd8") and b"cw-polyglot" not in data and b"PK\x03\x04" not in data


def _form(photos, **fields):
    data = {"problem_type": "PT01", "description": "测试", "lon": "117.65", "lat": "24.51", "datum": "gcj02"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    if photos:
        data["photos"] = [(io.BytesIO(b), f"p{i}.jpg") for i, b in enumerate(photos)]
    return data


# ------------------------------------------------------------------ 随手拍
@given(st.lists(damaged_images(), min_size=1, max_size=3))
@fuzz(50)
def test_public_report_with_damaged_photos(intake, photos):
    client, ctx, _ = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/public/reports", data=_form(photos), content_type="multipart/form-data")
    if r.status_code == 201:
        _accepted_cleanly(ctx, before)
    else:
        _is_clean_refusal(r, ctx, before)


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_public_report_with_each_crafted_file(intake, name):
    client, ctx, _ = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/public/reports", data=_form([CRAFTED[name]]), content_type="multipart/form-data")
    if "polyglot" in name:
        assert r.status_code == 201, r.get_json()  # a real picture: kept, re-encoded
        _accepted_cleanly(ctx, before)
    else:
        _is_clean_refusal(r, ctx, before)


field_text = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(
    ["\x00", "117.65\x00", "1e400", "-0", "NaN", "Infinity", "117,65", " 117.65 ", "１１７.６５", "\u202e", "PT01\x00"]))


@given(problem_type=field_text, description=field_text, phone=field_text, lon=field_text, lat=field_text,
       datum=field_text)
@fuzz(60)
def test_public_report_with_random_form_fields(intake, problem_type, description, phone, lon, lat, datum):
    client, ctx, _ = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/public/reports", content_type="multipart/form-data", data=_form(
        [], problem_type=problem_type, description=description, phone=phone, lon=lon, lat=lat, datum=datum))
    if r.status_code != 201:
        _is_clean_refusal(r, ctx, before)


# ------------------------------------------------------------------ Open311
@given(fields=st.dictionaries(st.sampled_from(["service_code", "lat", "long", "description", "phone", "api_key",
                                               "jurisdiction_id", "media_url", "address_string"]),
                              st.text(max_size=40), max_size=6),
       media=st.lists(damaged_images(), max_size=2))
@fuzz(50)
def test_open311_post_with_random_fields_and_damaged_media(intake, fields, media):
    client, ctx, _ = intake
    before = snapshot(ctx)
    data = dict(fields)
    if media:
        data["media"] = [(io.BytesIO(b), f"m{i}.jpg") for i, b in enumerate(media)]
    r = client.post("/open311/v2/requests.json", data=data, content_type="multipart/form-data")
    if r.status_code == 201:
        _accepted_cleanly(ctx, before)
    else:
        _is_clean_refusal(r, ctx, before)


@given(st.dictionaries(st.sampled_from(["start_date", "end_date", "status", "service_code", "service_request_id",
                                        "jurisdiction_id"]),
                       st.one_of(st.text(max_size=40), st.sampled_from(
                           ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-02-30", "\x00"])),
                       max_size=4),
       st.text(min_size=1, max_size=30).filter(lambda c: "/" not in c))  # %2F is decoded: another path
@fuzz(50)
def test_open311_reads_with_random_arguments(intake, args, code):
    client, ctx, _ = intake
    r = client.get("/open311/v2/requests.json", query_string=args)
    assert r.status_code in (200, 400, 404), r.get_data(as_text=True)[:300]
    r = client.get(f"/open311/v2/requests/{quote(code, safe='')}.json")
    assert r.status_code in (200, 404) or (r.status_code == 400 and "\x00" in code), r.get_data(as_text=True)[:300]


# ------------------------------------------------------------------ edge alarms
def _alarm(**kw):
    body = {"event_id": "EV-FUZZ", "device_code": "BOX-01", "camera_code": "CAM-0001",
            "time": (utcnow() - timedelta(seconds=30)).isoformat(), "type": "暴露垃圾",
            "box": [0.10, 0.58, 0.20, 0.70], "score": 0.88, "image": base64.b64encode(SMALL_JPEG).decode()}
    body.update(kw)
    return body


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.floats(),
              st.text(max_size=30), st.sampled_from(["\x00", "CAM-0001\x00", "9999-12-31T23:59:59-23:59",
                                                     "0001-01-01T00:00:00+23:59", "1e400", "data:,"])),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10)
FIELDS = ["event_id", "device_code", "camera_code", "camera", "time", "type", "box", "score", "image"]


@given(st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1, max_size=4), st.integers(0, 10**9))
@fuzz(80)
def test_edge_alarm_json_with_random_fields(intake, changes, n):
    client, ctx, auth = intake
    before = snapshot(ctx)
    body = _alarm(event_id=f"EV-J-{n}")
    body.update(changes)
    try:
        raw = json.dumps(body)  # NaN/Infinity are sent as such: Python's json reads them back
    except (TypeError, ValueError):
        return
    r = client.post("/api/v1/events", data=raw, headers={**auth, "Content-Type": "application/json"})
    if r.status_code not in (200, 201):
        _is_clean_refusal(r, ctx, before)


@given(st.one_of(st.binary(max_size=300), st.sampled_from([b"[" * 100000, b'{"a":' * 50000, b"\xff\xfe{}", b"",
                                                           b"null", b"[]", b'"x"', b"1e999"])),
       st.sampled_from(["application/json", "multipart/form-data; boundary=xyz", "text/plain", "application/json; charset=gbk"]))
@fuzz(40)
def test_edge_alarm_raw_bodies(intake, raw, content_type):
    client, ctx, auth = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/events", data=raw, headers={**auth, "Content-Type": content_type})
    _is_clean_refusal(r, ctx, before)


@given(damaged_images(), st.sampled_from(["file", "base64"]), st.integers(0, 10**9))
@fuzz(50)
def test_edge_alarm_with_damaged_image(intake, image, how, n):
    client, ctx, auth = intake
    before = snapshot(ctx)
    if how == "base64":
        r = client.post("/api/v1/events", json=_alarm(event_id=f"EV-I-{n}", image=base64.b64encode(image).decode()),
                        headers=auth)
    else:
        event = _alarm(event_id=f"EV-I-{n}")
        del event["image"]
        r = client.post("/api/v1/events", headers=auth, content_type="multipart/form-data",
                        data={"event": json.dumps(event), "image": (io.BytesIO(image), "a.jpg")})
    if r.status_code in (200, 201):
        _accepted_cleanly(ctx, before)
    else:
        _is_clean_refusal(r, ctx, before)


@given(st.text(max_size=20000).map(lambda t: t.encode()), st.integers(0, 10**9))
@fuzz(20)
def test_edge_alarm_multipart_event_field_garbage(intake, event, n):
    client, ctx, auth = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/events", headers=auth, content_type="multipart/form-data",
                    data={"event": event.decode(), "box": "[[[[" * 5000, "score": "1e999"})
    _is_clean_refusal(r, ctx, before)


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "0001-01-01T00:00:00"])
def test_edge_alarm_time_at_the_edge_of_the_calendar_is_a_400(intake, when):
    """Found by fuzzing: converting such a time to UTC overflowed (500)."""
    client, ctx, auth = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/events", json=_alarm(event_id="EV-CAL", time=when), headers=auth)
    assert r.status_code == 400 and r.get_json()["field"] == "time"
    assert snapshot(ctx) == before
    r = client.get("/open311/v2/requests.json", query_string={"start_date": when})
    assert r.status_code == 400 and "start_date" in r.get_json()[0]["description"]


def test_nul_characters_are_a_400_on_every_intake_route(intake):
    """Found by fuzzing on PostgreSQL (its text columns refuse NUL): these were 500s."""
    client, ctx, auth = intake
    before = snapshot(ctx)
    r = client.post("/api/v1/public/reports", data=_form([], problem_type="PT01\x00"),
                    content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["field"] == "problem_type" and "无效字符" in r.get_json()["message"]
    r = client.post("/open311/v2/requests.json", data={"service_code": "\x00", "lat": "24.51", "long": "117.65"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "service_code" in r.get_json()[0]["description"]
    assert client.get("/open311/v2/requests.json", query_string={"service_code": "P\x00"}).status_code == 400
    assert client.get("/open311/v2/requests/SP%00X.json").status_code == 400
    r = client.post("/api/v1/events", json=_alarm(event_id="EV-\x00"), headers=auth)
    assert r.status_code == 400 and r.get_json()["field"] == "event_id"
    assert snapshot(ctx) == before
