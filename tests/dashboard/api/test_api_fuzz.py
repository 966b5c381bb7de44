"""Generated requests (schemathesis strategies from docs/openapi.yaml) against the read routes of the cases
and figures API: never a 500, always a documented status, errors are JSON naming the problem."""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from models.clock import utcnow
from models.workflow import open_case

SPEC = yaml.safe_load((Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
SCHEMA = schemathesis.openapi.from_dict(SPEC)
READ_ROUTES = ["/api/v1/summary", "/api/v1/kpi", "/api/v1/kpi/indicators", "/api/v1/cases",
               "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/documents/{kind}.{fmt}", "/api/v1/incentives",
               "/api/v1/funding/proposals", "/api/v1/funding/suggestion"]


@pytest.mark.parametrize("path", READ_ROUTES)
def test_generated_reads_never_fail(sqlite_ctx, path):
    from tests.dashboard.api.conftest import Api, _make_api

    api: Api = _make_api(sqlite_ctx)
    with sqlite_ctx.sessions.begin() as s:
        open_case(s, source="camera", problem_type=api.city_ids["types"]["暴露垃圾"], found_at=utcnow(), actor="c",
                  actor_role="system", camera=api.city_ids["cameras"][0])
    op = SCHEMA[path]["GET"]
    documented = {int(code) for code in SPEC["paths"][path]["get"]["responses"]} | {401, 403}

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(), who=st.sampled_from(["supervisor", "unit_nq", "unit_lw", "viewer"]))
    def run(case, who):
        resp = api.client.get(case.formatted_path, query_string=case.query or {}, headers=api.headers(who))
        assert resp.status_code < 500, (case.formatted_path, case.query, resp.get_data(as_text=True)[:300])
        assert resp.status_code in documented, (case.formatted_path, case.query, resp.status_code)
        if resp.status_code >= 400:
            assert resp.is_json and resp.get_json().get("message") or resp.get_json().get("error")

    run()
