"""The separate processes start from a config and do their job: gunicorn web answers, the pipeline samples."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml
from sqlalchemy import select

from models.context import AppContext
from models.migrate import upgrade
from models.registry import Camera
from tests.conftest import make_config
from tests.factories import make_registry

CLI = [sys.executable, "-m", "civicwatch.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp_path: Path) -> Path:
    db = f"sqlite:///{tmp_path}/cw.db"
    ctx = AppContext.from_config(make_config(tmp_path, db))
    upgrade(ctx.engine)
    with ctx.sessions.begin() as s:
        make_registry(s)
    ctx.stop()
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "data_dir": str(tmp_path / "var"), "registry_seed_dir": None, "database": {"url": db},
        "simulator": {"width": 320, "height": 180},
        "workflow": {"demo_responders": {"enabled": False}},
    }), encoding="utf-8")
    return path


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_web_serves_health_under_gunicorn(tmp_path):
    cfg = _config(tmp_path)
    port = _free_port()
    proc = subprocess.Popen([*CLI, "--config", str(cfg), "web", "--port", str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=os.getcwd())
    try:
        body = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    body = json.loads(resp.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, _stop(proc)
        assert body["status"] == "ok" and "database" not in body  # details need a login or a viewer token
    finally:
        _stop(proc)


def test_pipeline_samples_cameras_and_stops_on_sigterm(tmp_path):
    cfg = _config(tmp_path)
    proc = subprocess.Popen([*CLI, "--config", str(cfg), "pipeline"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=os.getcwd())
    ctx = AppContext.from_config(make_config(tmp_path, f"sqlite:///{tmp_path}/cw.db"))
    try:
        seen = []
        for _ in range(120):
            with ctx.sessions() as s:
                seen = [c for c in s.scalars(select(Camera)) if c.last_frame_at is not None]
            if len(seen) == 4:
                break
            time.sleep(0.5)
        assert len(seen) == 4, _stop(proc)
        assert all(c.health == "online" for c in seen)
    finally:
        out = _stop(proc)
        ctx.stop()
    assert proc.returncode == 0, out
