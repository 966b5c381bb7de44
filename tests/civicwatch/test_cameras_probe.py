"""``civicwatch cameras probe``: ONVIF GetStreamUri/GetSnapshotUri against a fake ONVIF camera on loopback."""
from __future__ import annotations

import json

from sqlalchemy import select

from models.context import AppContext
from models.migrate import upgrade
from models.registry import Camera
from tests.civicwatch.cli_helpers import run, write_config
from tests.conftest import make_config
from tests.factories import make_registry
from tests.feeds.onvif_fake import FakeOnvifCamera


def test_probe_lists_profiles_main_and_substream_and_a_feeds_entry(tmp_path, monkeypatch):
    cam = FakeOnvifCamera(user="onvif-user", password="s3cret:pw", rtsp_port=8554).start()
    monkeypatch.setenv("CW_T_ONVIF_USER", "onvif-user")
    monkeypatch.setenv("CW_T_ONVIF_PW", "s3cret:pw")
    try:
        config = write_config(tmp_path, f"sqlite:///{tmp_path}/cw.db")
        r = run(config, "cameras", "probe", "127.0.0.1", "--port", str(cam.port), "--username-env", "CW_T_ONVIF_USER",
                "--password-env", "CW_T_ONVIF_PW", "--camera", "CAM-0001")
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout.strip().splitlines()[-1])
        assert [(p["name"], p["encoding"], p["width"], p["height"]) for p in out["profiles"]] == [
            ("mainStream", "H264", 1920, 1080), ("subStream", "H265", 640, 360)]
        assert out["url"] == "rtsp://127.0.0.1:8554/Streaming/Channels/101"
        assert out["substream_url"] == "rtsp://127.0.0.1:8554/Streaming/Channels/102"
        assert out["snapshot_url"] == f"http://127.0.0.1:{cam.port}/ISAPI/Streaming/channels/101/picture"
        assert out["feeds_camera"] == {"code": "CAM-0001", "kind": "rtsp", "url": out["url"],
                                       "substream_url": out["substream_url"], "username_env": "CW_T_ONVIF_USER",
                                       "password_env": "CW_T_ONVIF_PW"}
        assert "s3cret" not in r.output and {"GetServices", "GetProfiles", "GetStreamUri"} <= set(cam.calls)
    finally:
        cam.stop()


def test_probe_write_fills_the_registry_camera(tmp_path, monkeypatch):
    cam = FakeOnvifCamera().start()
    monkeypatch.setenv("CW_T_U", cam.user)
    monkeypatch.setenv("CW_T_P", cam.password)
    db = f"sqlite:///{tmp_path}/cw.db"
    ctx = AppContext.from_config(make_config(tmp_path, db))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    ctx.engine.dispose()
    try:
        config = write_config(tmp_path, db)
        r = run(config, "cameras", "probe", "127.0.0.1", "--port", str(cam.port), "--username-env", "CW_T_U",
                "--password-env", "CW_T_P", "--camera", "CAM-0002", "--write")
        assert r.exit_code == 0, r.output
        written = json.loads(r.stdout.strip().splitlines()[-1])["written"]
        assert written["before"]["source_kind"] == "simulated"
        ctx = AppContext.from_config(make_config(tmp_path, db))
        with ctx.sessions() as s:
            row = s.scalar(select(Camera).where(Camera.code == "CAM-0002"))
            assert (row.source_kind, row.source_url) == ("rtsp", "rtsp://127.0.0.1:554/Streaming/Channels/101")
        ctx.engine.dispose()
        r = run(config, "cameras", "probe", "127.0.0.1", "--port", str(cam.port), "--username-env", "CW_T_U",
                "--password-env", "CW_T_P", "--camera", "CAM-9999", "--write")
        assert r.exit_code != 0 and "CAM-9999" in r.output
    finally:
        cam.stop()


def test_probe_errors_name_the_problem_never_the_password(tmp_path, monkeypatch):
    cam = FakeOnvifCamera().start()
    monkeypatch.setenv("CW_T_U", cam.user)
    monkeypatch.setenv("CW_T_BAD", "wrong-password-xyz")
    try:
        config = write_config(tmp_path, f"sqlite:///{tmp_path}/cw.db")
        r = run(config, "cameras", "probe", "127.0.0.1", "--port", str(cam.port), "--username-env", "CW_T_U",
                "--password-env", "CW_T_BAD")
        assert r.exit_code != 0 and "not Authorized" in r.output and "wrong-password-xyz" not in r.output
        r = run(config, "cameras", "probe", "127.0.0.1", "--port", str(cam.port), "--password-env", "CW_T_UNSET_VAR")
        assert r.exit_code != 0 and "CW_T_UNSET_VAR is not set" in r.output
        r = run(config, "cameras", "probe", "127.0.0.1", "--write")
        assert r.exit_code != 0 and "--write needs --camera" in r.output
    finally:
        cam.stop()
    port = cam.port  # stopped: nothing answers there any more
    r = run(config, "cameras", "probe", "127.0.0.1", "--port", str(port), "--timeout", "3")
    assert r.exit_code != 0 and f"127.0.0.1:{port}: " in r.output
