"""Issue 16 #11: ``/healthz`` tells anonymous callers only the overall status, never per-camera details or
error texts (which named cameras, addresses and credentials in stream URLs)."""
from __future__ import annotations

import pytest

from .conftest import ROLES

SECRET = "rtsp://admin:hunter2@10.1.2.3:554/Streaming/101 connection refused"


@pytest.fixture(scope="module")
def leaky(world):
    world.ctx.status["feeds"] = lambda: {"ok": False, "cameras": {"CAM-0001": {"state": "error", "error": SECRET}}}
    yield world
    world.ctx.status.pop("feeds", None)


@pytest.mark.parametrize("role", ROLES)
def test_healthz_details_only_for_staff_and_monitoring(leaky, role):
    r = leaky.get(role, "/healthz")
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "ok"
    if role in ("admin", "supervisor", "viewer"):
        assert body["services"]["feeds"]["cameras"]["CAM-0001"]["error"] == SECRET
        assert body["database"]["ok"] is True
    else:
        assert set(body) == {"status", "time"}, f"{role} sees {sorted(body)}"
        text = r.get_data(as_text=True)
        assert "CAM-0001" not in text and "hunter2" not in text and "10.1.2.3" not in text


def test_healthz_keeps_its_status_code_for_probes(leaky, monkeypatch):
    """A load balancer without a login still learns 'degraded' (503) when the database is away."""
    import dashboard.app as app_module

    monkeypatch.setattr(app_module, "health_report", lambda ctx: {"status": "degraded", "time": "t",
                                                                  "database": {"ok": False, "error": SECRET}})
    r = leaky.get("anonymous", "/healthz")
    assert r.status_code == 503 and r.get_json() == {"status": "degraded", "time": "t"}
