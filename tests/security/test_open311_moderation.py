"""Issue 16 #4: a citizen report awaiting moderation is not public.

A phone number and a home address typed into a 随手拍 description were listed by Open311 at once, with the
exact position. Now: the public list holds only cases a moderator accepted (立案); the guessable case code
finds a report only once accepted; the random tracking code (the submitter's secret) still shows the
submitter their own report.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.cases import Case
from models.workflow import apply
from tests.dashboard.report.helpers import seed_city

PRIVATE = "楼下垃圾没人管，我家在胜利路88号3单元502，电话13912345678"


@pytest.fixture
def o311(sqlite_ctx):
    from dashboard.app import create_app

    seed_city(sqlite_ctx)
    return create_app(sqlite_ctx).server.test_client(), sqlite_ctx


def _submit(client) -> str:
    r = client.post("/open311/v2/requests.json", content_type="multipart/form-data",
                    data={"service_code": "PT01", "lat": "24.5110", "long": "117.6555", "description": PRIVATE})
    assert r.status_code == 201, r.get_json()
    return r.get_json()[0]["service_request_id"]


def _listed(client) -> str:
    r = client.get("/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _case(ctx, tracking):
    with ctx.sessions() as s:
        c = s.scalar(select(Case).where(Case.external_ref == tracking))
        return c.code


def test_a_report_awaiting_moderation_is_not_listed_nor_found_by_case_code(o311):
    client, ctx = o311
    tracking = _submit(client)
    code = _case(ctx, tracking)
    text = _listed(client)
    assert tracking not in text and "13912345678" not in text and "胜利路" not in text
    assert client.get(f"/open311/v2/requests.json?service_request_id={tracking}").get_json() == []
    assert client.get(f"/open311/v2/requests/{code}.json").status_code == 404  # sequential: guessable
    mine = client.get(f"/open311/v2/requests/{tracking}.json").get_json()[0]  # the submitter's secret
    assert mine["service_request_id"] == tracking and mine["status"] == "open"


def test_a_report_is_listed_once_a_moderator_accepts_it_and_never_when_rejected(o311):
    client, ctx = o311
    accepted, rejected = _submit(client), _submit(client)
    with ctx.sessions.begin() as s:
        apply(s, s.scalar(select(Case).where(Case.external_ref == accepted)), "accept", actor="sup",
              actor_role="supervisor")
        apply(s, s.scalar(select(Case).where(Case.external_ref == rejected)), "invalidate", actor="sup",
              actor_role="supervisor", note="重复举报")
    text = _listed(client)
    assert accepted in text and rejected not in text
    assert client.get(f"/open311/v2/requests/{_case(ctx, rejected)}.json").status_code == 404
    assert client.get(f"/open311/v2/requests/{_case(ctx, accepted)}.json").status_code == 200


def test_the_public_status_page_by_case_code_hides_an_unmoderated_report(o311):
    from models.citizen_reports import find_case

    client, ctx = o311
    tracking = _submit(client)
    code = _case(ctx, tracking)
    with ctx.sessions() as s:
        assert find_case(s, code) is None  # /report/<case code> says "not found"
        assert find_case(s, tracking).external_ref == tracking
        assert find_case(s, {"x": 1}) is None
