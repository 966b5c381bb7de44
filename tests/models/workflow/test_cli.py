"""``civicwatch workflow audit`` finds a case row that its log cannot explain; ``check-deadlines`` runs once."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from models.cases import Case
from models.clock import utcnow
from models.workflow import open_case
from tests.civicwatch.cli_helpers import run, write_config
from tests.factories import make_registry


def test_audit_passes_on_a_consistent_log_and_names_a_tampered_case(tmp_path, sqlite_ctx):
    with sqlite_ctx.sessions.begin() as s:
        city = make_registry(s)
        codes = [open_case(s, source="camera", problem_type=city.type("占道经营"), found_at=utcnow() - timedelta(hours=5),
                           actor="c", actor_role="system", camera=city.cameras[2]).code for _ in range(3)]
    config = write_config(tmp_path, sqlite_ctx.config.database_url)
    ok = run(config, "workflow", "audit")
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout.strip().splitlines()[-1])
    assert report["cases"] == 3 and report["mismatched_cases"] == 0 and report["summary_differences"] == {}
    deadlines = run(config, "workflow", "check-deadlines")
    assert json.loads(deadlines.stdout.strip().splitlines()[-1]) == {"reminded": 0, "escalated": 3}
    assert run(config, "workflow", "audit").exit_code == 0  # the 督办 transitions replay too
    with sqlite_ctx.engine.begin() as conn:  # someone edits a case row behind the workflow's back
        conn.execute(update(Case).where(Case.code == codes[1]).values(state="closed"))
    bad = run(config, "workflow", "audit")
    assert bad.exit_code == 1
    report = json.loads(bad.stdout.strip().splitlines()[-1])
    assert report["mismatched_cases"] == 1 and report["examples"][0]["code"] == codes[1]
    assert report["examples"][0]["diff"]["state"] == ["closed", "dispatched"]
