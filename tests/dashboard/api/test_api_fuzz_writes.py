"""Generated requests (schemathesis, from docs/openapi.yaml) against the WRITE routes with real tokens:
never a 5xx, only documented statuses, and every response conforms to its documented schema.

Routes: ``POST /api/v1/cases``, ``POST /api/v1/cases/{id}/actions/{action}`` (on real cases that move
through the workflow as the examples run), ``POST /api/v1/events`` and ``/api/v1/events/batch``,
``POST /api/v1/public/reports`` and Open311 ``POST /open311/v2/requests.{json,xml}``. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import given, strategies as st
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from models.clock import utcnow
from models.workflow import open_case
from tests.fuzz_settings import fuzz

SPEC = yaml.safe_load((Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
SCHEMA = schemathesis.openapi.from_dict(SPEC)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
AUTH_STATUSES = {401, 403}  # any authenticated route may answer these (documented globally in the spec)

# a few hostile values mixed into the generated bodies (schemathesis generates schema-valid data)
HOSTILE = st.sampled_from([
    "\x00", "a\x00b", 10**30, -10**30, 2**63, True, float("inf"), float("nan"), 1e308, "", " ", "\u202e",
    {"nested": [[[[]]]]}, [1, 2], None, "x" * 3000,
])


def _send(client, case, headers):
    """Send a schemathesis case through Flask's test client (JSON, multipart or empty body)."""
    kwargs = {"headers": {**(case.headers or {}), **headers}, "query_string": case.query or {}}
    body = case.body
    if case.media_type == "multipart/form-data" and isinstance(body, dict):
        kwargs["data"] = {k: (v if not isinstance(v, bytes) else (io.BytesIO(v), "f.bin"))
                          for k, v in body.items() if not isinstance(v, (dict, list))}
        kwargs["content_type"] = "multipart/form-data"
    elif body is not None and not isinstance(body, schemathesis.core.NotSet.__class__):
        try:
            kwargs["data"] = json.dumps(body)
        except (TypeError, ValueError):
            kwargs["data"] = "{}"
        kwargs["content_type"] = "application/json"
    return client.post(case.formatted_path, **kwargs)


def _check(case, resp, extra_ok=()):
    assert resp.status_code < 500, (case.formatted_path, case.body, resp.get_data(as_text=True)[:400])
    if resp.status_code in AUTH_STATUSES or resp.status_code in extra_ok:
        assert resp.status_code == 405 or (resp.is_json and resp.get_json())
        return
    case.validate_response(resp, checks=CHECKS)


def _mutate(body, data):
    """Sometimes replace one field of a generated object with a hostile value."""
    if isinstance(body, dict) and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(body) + ["problem_type_id", "point_id", "note", "data", "lon"]))
        body = {**body, key: data.draw(HOSTILE)}
    return body


@pytest.fixture
def api_cases(ctx):
    from tests.dashboard.api.conftest import _make_api

    api = _make_api(ctx)
    ids = []
    with ctx.sessions.begin() as s:
        for i in range(8):
            case = open_case(s, source="camera", problem_type=api.city_ids["types"]["暴露垃圾"], found_at=utcnow(),
                             actor="c", actor_role="system", camera=api.city_ids["cameras"][i % 2])
            s.flush()
            ids.append(case.id)
    return api, ids


def test_generated_case_creation(api_cases):
    api, _ = api_cases
    op = SCHEMA["/api/v1/cases"]["POST"]

    @given(case=op.as_strategy(), who=st.sampled_from(["supervisor", "admin", "viewer", "unit_nq"]), data=st.data())
    @fuzz(60)
    def run(case, who, data):
        case.body = _mutate(case.body, data)
        _check(case, _send(api.client, case, api.headers(who)))

    run()


def test_generated_workflow_actions_on_real_cases(api_cases):
    api, ids = api_cases
    op = SCHEMA["/api/v1/cases/{case_id}/actions/{action}"]["POST"]

    @given(case=op.as_strategy(), who=st.sampled_from(["supervisor", "admin", "unit_nq", "unit_lw", "viewer"]),
           data=st.data())
    @fuzz(80)
    def run(case, who, data):
        if data.draw(st.integers(0, 9)):  # mostly real cases, sometimes the generated id
            case.path_parameters["case_id"] = data.draw(st.sampled_from(ids))
        body = case.body if isinstance(case.body, dict) else {}
        if isinstance(body.get("data"), dict) and data.draw(st.booleans()):
            body["data"] = {**body["data"], data.draw(st.sampled_from(
                ["unit_id", "deadline", "hours", "attachments"])): data.draw(HOSTILE | st.text(max_size=30))}
        case.body = _mutate(body, data)
        # a negative id does not match the route's <int:…> converter: the page catch-all answers 405
        negative = case.path_parameters["case_id"] < 0
        _check(case, _send(api.client, case, api.headers(who)), extra_ok={405} if negative else ())

    run()


def test_generated_edge_alarms(api_cases):
    api, _ = api_cases
    op = SCHEMA["/api/v1/events"]["POST"]

    @given(case=op.as_strategy(), data=st.data())
    @fuzz(40)
    def run(case, data):
        case.body = _mutate(case.body, data)
        _check(case, _send(api.client, case, api.headers("edge")), extra_ok={422, 415})

    run()


def test_generated_edge_batches(api_cases):
    api, _ = api_cases
    op = SCHEMA["/api/v1/events/batch"]["POST"]
    alarm = {"event_id": "FZ-1", "camera_code": "CAM-0001", "time": utcnow().isoformat(), "type": "暴露垃圾",
             "box": [0.1, 0.58, 0.2, 0.7], "score": 0.9}

    @given(case=op.as_strategy(), data=st.data())
    @fuzz(40)
    def run(case, data):
        body = case.body
        if isinstance(body, dict) and isinstance(body.get("events"), list) and data.draw(st.booleans()):
            body = {**body, "events": body["events"] + [_mutate(dict(alarm), data)]}  # near-valid alarms too
        case.body = _mutate(body, data)
        _check(case, _send(api.client, case, api.headers("edge")), extra_ok={415})

    run()


def test_generated_public_reports_and_open311(api_cases):
    api, _ = api_cases
    reports = SCHEMA["/api/v1/public/reports"]["POST"]
    o311 = SCHEMA["/open311/v2/requests.{format}"]["POST"]

    @given(case=st.one_of(reports.as_strategy(), o311.as_strategy()), data=st.data())
    @fuzz(40)
    def run(case, data):
        case.body = _mutate(case.body, data)
        resp = _send(api.client, case, {})
        _check(case, resp, extra_ok={422, 415, 429} if "open311" not in case.formatted_path else {403, 404, 413, 422, 503})

    run()
