"""Open311 complete: every route in JSON and XML with the same content (plain HTTP and the public `georeport`
client), service definitions, discovery, address_string (typed or reverse-geocoded from the registry),
status_notes from the log without personal data, paging and the date range rules."""
from __future__ import annotations

import pytest
import xmltodict
from sqlalchemy import select

from models.cases import Case
from models.coords import gcj02_to_wgs84
from models.workflow import apply
from tests.dashboard.live_server import serve
from tests.dashboard.report.helpers import seed_city

P001_GCJ = (117.652, 24.512)  # tests/factories.py: 胜利路


@pytest.fixture
def app(ctx):
    from dashboard.app import create_app

    seed_city(ctx)
    return create_app(ctx)


@pytest.fixture
def client(app):
    return app.server.test_client()


def post(client, fmt="json", **fields):
    return client.post(f"/open311/v2/requests.{fmt}", data=fields, content_type="multipart/form-data")


def at(lon_gcj, lat_gcj) -> dict:
    lon, lat = gcj02_to_wgs84(lon_gcj, lat_gcj)
    return {"lat": f"{lat:.7f}", "long": f"{lon:.7f}"}


def accept(ctx, rid, dispatch=False, note=None):
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.external_ref == rid))
        apply(s, case, "accept", actor="王督查", actor_role="supervisor", note=note)
        if dispatch:
            apply(s, case, "dispatch", actor="王督查", actor_role="supervisor", note=note)


def three_reports(client, ctx) -> list[str]:
    ids = []
    for i, (fields, dispatch) in enumerate([
        ({"service_code": "PT01", "description": "路口垃圾", "address_string": "胜利路与延安路交叉口",
          **at(*P001_GCJ)}, True),
        ({"service_code": "PT02", "description": "摆摊", **at(P001_GCJ[0], P001_GCJ[1] + 0.003)}, False),
        ({"service_code": "PT04", "description": "遛狗不牵绳", **at(*P001_GCJ)}, False),
    ]):
        r = post(client, **fields)
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()[0]["service_request_id"])
        accept(ctx, ids[-1], dispatch=dispatch, note="联系人 13912345678")
    return ids


def as_text(value):
    """A JSON value as the XML carries it: booleans true/false, None empty, numbers as text."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def listed(parsed, *path):
    for key in path:
        parsed = parsed[key]
    return parsed if isinstance(parsed, list) else [parsed]


def test_every_route_says_the_same_in_json_and_xml(client, ctx):
    rid = three_reports(client, ctx)[0]
    for route, path in [("services", ("services", "service")), ("requests", ("service_requests", "request")),
                        (f"requests/{rid}", ("service_requests", "request"))]:
        j = client.get(f"/open311/v2/{route}.json")
        x = client.get(f"/open311/v2/{route}.xml")
        assert j.status_code == x.status_code == 200 and x.mimetype == "text/xml"
        assert len(j.get_json()) >= 1
        assert listed(xmltodict.parse(x.data), *path) == as_text(j.get_json())
    d_json = client.get("/open311/v2/services/PT01.json").get_json()
    d_xml = xmltodict.parse(client.get("/open311/v2/services/PT01.xml").data)["service_definition"]
    attr = d_xml["attributes"]["attribute"]
    assert attr["code"] == "zone_kind" and [v["key"] for v in attr["values"]["value"]] == ["sidewalk", "green_space"]
    assert as_text(d_json["attributes"][0]) == {**attr, "values": attr["values"]["value"]}
    disc_j = client.get("/open311/v2/discovery.json").get_json()
    disc_x = xmltodict.parse(client.get("/open311/v2/discovery.xml").data)["discovery"]
    assert disc_x["endpoints"]["endpoint"]["url"] == disc_j["endpoints"][0]["url"]
    assert disc_j["endpoints"][0]["url"].endswith("/open311/v2/")
    assert disc_x["endpoints"]["endpoint"]["formats"]["format"] == ["text/xml", "application/json"]


def test_services_metadata_and_definitions(client):
    services = {s["service_code"]: s for s in client.get("/open311/v2/services.json").get_json()}
    assert services["PT01"]["metadata"] is True and services["PT04"]["metadata"] is False
    assert client.get("/open311/v2/services/PT04.json").get_json() == {"service_code": "PT04", "attributes": []}
    r = client.get("/open311/v2/services/NOPE.xml")
    assert r.status_code == 404
    err = xmltodict.parse(r.data)["errors"]["error"]
    assert err["code"] == "404" and "NOPE" in err["description"]
    assert client.get("/open311/v2/services/PT01.json?jurisdiction_id=elsewhere").status_code == 404


def test_address_typed_or_from_the_registry(client, ctx):
    ids = three_reports(client, ctx)
    far = post(client, service_code="PT04", description="远处", **at(117.70, 24.56))
    assert far.status_code == 201
    ids.append(far.get_json()[0]["service_request_id"])
    accept(ctx, ids[-1])
    got = {x["service_request_id"]: x["address"] for x in client.get("/open311/v2/requests.json").get_json()}
    assert got[ids[0]] == "胜利路与延安路交叉口"      # as typed
    assert got[ids[1]] == "胜利路附近"                # 330 m from the point 胜利路
    assert got[ids[2]] == "胜利路"                    # at the point
    with ctx.sessions() as s:
        stored = dict(s.execute(select(Case.external_ref, Case.address).where(Case.external_ref.in_(ids))).all())
        district = s.scalar(select(Case).where(Case.external_ref == ids[3])).district
    assert stored == got and got[ids[3]] == (district.name if district else None)
    r = post(client, service_code="PT04", description="x", address_string="长" * 121, **at(*P001_GCJ))
    assert r.status_code == 400 and "address" in r.get_json()[0]["description"]


def test_status_notes_come_from_the_log_without_personal_data(client, ctx):
    ids = three_reports(client, ctx)
    notes = {x["service_request_id"]: x for x in client.get("/open311/v2/requests.json").get_json()}
    assert notes[ids[0]]["status_notes"].startswith("已交办责任单位处理（")
    assert notes[ids[1]]["status_notes"].startswith("已核实立案（")
    text = str(notes)
    assert "13912345678" not in text and "王督查" not in text and "联系人" not in text
    with ctx.sessions() as s:
        deadline = s.scalar(select(Case.deadline_at).where(Case.external_ref == ids[0]))
    from datetime import datetime

    assert datetime.fromisoformat(notes[ids[0]]["expected_datetime"]) == deadline.replace(microsecond=0)
    assert notes[ids[0]]["updated_datetime"] is not None


def test_zone_kind_attribute(client, ctx):
    r = post(client, service_code="PT01", description="x", **{"attribute[zone_kind]": "green_space"}, **at(*P001_GCJ))
    assert r.status_code == 201
    with ctx.sessions() as s:
        assert s.scalar(select(Case.zone).where(Case.external_ref == r.get_json()[0]["service_request_id"])) \
            == "green_space"
    bad = post(client, "xml", service_code="PT01", description="x", **{"attribute[zone_kind]": "wall"},
               **at(*P001_GCJ))
    assert bad.status_code == 400 and "zone_kind" in xmltodict.parse(bad.data)["errors"]["error"]["description"]
    unknown = post(client, service_code="PT01", description="x", **{"attribute[colour]": "red"}, **at(*P001_GCJ))
    assert unknown.status_code == 400 and "attribute[colour]" in unknown.get_json()[0]["description"]


def test_post_answers_in_xml(client, ctx):
    r = post(client, "xml", service_code="PT04", description="xml", **at(*P001_GCJ))
    assert r.status_code == 201 and r.mimetype == "text/xml"
    rid = xmltodict.parse(r.data)["service_requests"]["request"]["service_request_id"]
    with ctx.sessions() as s:
        assert s.scalar(select(Case.description).where(Case.external_ref == rid)) == "xml"


def test_paging_and_date_range(client, ctx):
    ids = three_reports(client, ctx)
    everything = [x["service_request_id"] for x in client.get("/open311/v2/requests.json").get_json()]
    assert sorted(everything) == sorted(ids)
    first = [x["service_request_id"] for x in client.get("/open311/v2/requests.json?page_size=2").get_json()]
    second = [x["service_request_id"] for x in client.get("/open311/v2/requests.json?page_size=2&page=2").get_json()]
    assert first == everything[:2] and second == everything[2:]
    assert client.get("/open311/v2/requests.json?page_size=2&page=3").get_json() == []
    for query, name in [("page=0", "page"), ("page=x", "page"), ("page_size=1001", "page_size"),
                        ("page_size=-1", "page_size"),
                        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"),
                        ("start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date")]:
        r = client.get(f"/open311/v2/requests.json?{query}")
        assert r.status_code == 400 and r.get_json()[0]["description"].startswith(name), query
    assert client.get("/open311/v2/requests.json?end_date=2020-01-01T00:00:00Z").get_json() == []


def test_public_client_library_gets_the_same_in_json_and_xml(app, ctx):
    from georeport import GeoReport

    client = app.server.test_client()
    ids = three_reports(client, ctx)
    with serve(app) as base:
        j = GeoReport(base + "/open311/v2", jurisdiction="zhangzhou", output_format="json")
        x = GeoReport(base + "/open311/v2", jurisdiction="zhangzhou", output_format="xml")
        assert as_text(j.get_service_list()) == x.get_service_list()
        assert as_text(j.get_service_definition("PT02")) == {
            **x.get_service_definition("PT02"),
            "attributes": [{**a, "values": a["values"]["value"]} for a in [x.get_service_definition("PT02")
                                                                            ["attributes"]["attribute"]]]}
        jr, xr = j.get_service_requests(), x.get_service_requests()
        assert sorted(r["service_request_id"] for r in jr) == sorted(ids) and as_text(jr) == xr
        assert as_text(j.get_service_request(ids[0])) == x.get_service_request(ids[0])
        assert j.get_service_request(ids[0])["address"] == "胜利路与延安路交叉口"
