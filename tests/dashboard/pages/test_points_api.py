"""Registry JSON API: role checks, point/camera figures and the latest-snapshot JPEG."""
from __future__ import annotations

import numpy as np
import pytest

from models.clock import utcnow
from models.latest_frames import store_for
from tests.dashboard.desktop_helpers import login


@pytest.fixture(scope="module")
def app_ctx(tmp_path_factory):
    from dashboard.app import create_app
    from tests.dashboard.pages.registry_city import city_copy

    ctx, info = city_copy(tmp_path_factory.mktemp("api"))
    yield create_app(ctx), ctx, info
    ctx.stop()


def test_registry_api_roles_and_content(app_ctx):
    app, ctx, info = app_ctx
    anon = app.server.test_client()
    assert anon.get("/api/v1/registry/points").status_code == 401
    viewer = app.server.test_client()
    r = login(viewer, "viewer1")
    assert r.status_code == 302
    pts = viewer.get("/api/v1/registry/points").get_json()
    assert len(pts) == 209 and {"code", "state", "open", "overdue", "cameras", "online"} <= set(pts[0])
    one = viewer.get(f"/api/v1/registry/points/{info['point_code']}").get_json()
    assert one["camera_list"][0]["code"] == info["camera_code"]
    assert viewer.get("/api/v1/registry/points/NOPE").status_code == 404
    cam = viewer.get(f"/api/v1/registry/cameras/{info['camera_code']}").get_json()
    assert [z["name"] for z in cam["zones"]] == ["人行道", "机动车道", "店前区域", "墙面"]
    assert len(viewer.get("/api/v1/registry/units").get_json()) == 116
    inds = viewer.get("/api/v1/registry/indicators").get_json()
    assert len(inds) == 130 and all(i["assignments"] for i in inds)
    # snapshot: none yet → 404; a live frame → JPEG
    url = f"/api/v1/registry/cameras/{info['camera_code']}/snapshot.jpg"
    assert viewer.get(url).status_code == 404
    img = np.zeros((720, 1280, 3), np.uint8)
    assert store_for(ctx).offer(info["camera_code"], img, utcnow())  # watched by the request above
    r = viewer.get(url)
    assert r.status_code == 200 and r.mimetype == "image/jpeg" and r.data[:2] == b"\xff\xd8"
    assert r.headers["X-Snapshot-Source"] == "live"
    op = app.server.test_client()
    login(op, "op1")
    assert op.get(url).status_code == 403  # pictures may show people: staff and viewers only
    assert op.get("/api/v1/registry/points").status_code == 200
