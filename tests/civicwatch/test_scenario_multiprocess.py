"""Issue 9's "done means": one end-to-end scenario, run once in the embedded shape (``civicwatch run``: feeds,
detection and workflow in one process) and once as separate processes (``civicwatch web`` under gunicorn,
``civicwatch scheduler`` forwarding frames to Redis, two ``civicwatch worker --shard K``), each on its own
real PostgreSQL database, gives the same cases (camera, problem type, zone, state) and the same KPIs
(``GET /api/v1/summary`` answered by the web process of each shape).

Deterministic input: three cameras of the factory registry read folders of pre-rendered JPEG frames
(``folder`` adapter, ``loop: false``, absolute media times 2 s apart), so both shapes analyse exactly the
same 3 × FRAMES frames in the same per-camera order whatever the machine's speed: garbage bags appear on
CAM-0001's sidewalk, a red banner on CAM-0004's wall, CAM-0003 stays clean; CAM-0002 has no source.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import cv2
import pytest
import redis
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import selectinload

from models.cases import Case
from models.clock import utcnow
from models.db import make_session_factory
from models.kpi import local_midnight
from models.migrate import upgrade
from models.registry import Camera
from models.security import create_token
from tests.civicwatch.test_processes import _free_port, _stop
from tests.conftest import _pg_connect, pg_available
from tests.factories import make_registry
from tests.models.detection.helpers import frame

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CLI = [sys.executable, "-m", "civicwatch.cli"]
REDIS_URL = "redis://127.0.0.1:6379/13"  # own Redis database: the Celery queue names are fixed
FRAMES = 200  # per camera, 2 s of media time apart: learning (120 s) + dwell + confirmation
SCRIPT = {"CAM-0001": {"bags_from": 150.0}, "CAM-0003": {}, "CAM-0004": {"banner_from": 150.0}}  # shards 1, 1, 0
EXPECTED = {("CAM-0001", "PT01", "人行道", "dispatched"), ("CAM-0004", "PT03", "墙面", "dispatched")}


def _scene(t: float, bags_from: float | None = None, banner_from: float | None = None):
    img = frame(t, banner_from=banner_from)
    if bags_from is not None and t >= bags_from:  # dark rubbish bags on the sidewalk (暴露垃圾)
        for cx, cy, rx, ry, colour in [(136, 118, 9, 7, (38, 40, 44)), (148, 121, 8, 6, (55, 58, 60)),
                                       (142, 112, 7, 5, (30, 32, 35))]:
            cv2.ellipse(img, (cx, cy), (rx, ry), 0, 0, 360, colour, -1)
    return img


@pytest.fixture(scope="module")
def frames_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("frames")
    for code, script in SCRIPT.items():
        (root / code).mkdir()
        for k in range(FRAMES):
            ok, buf = cv2.imencode(".jpg", _scene(2.0 * k, **script), [cv2.IMWRITE_JPEG_QUALITY, 90])
            assert ok
            (root / code / f"f{k:04d}.jpg").write_bytes(buf.tobytes())
    return root


@pytest.fixture
def databases():
    """Two fresh PostgreSQL databases (one per shape), dropped afterwards."""
    if not pg_available():
        pytest.skip("PostgreSQL not reachable (required in CI)")
    names = [f"cw_scn_{os.getpid()}_{uuid.uuid4().hex[:6]}_{k}" for k in range(2)]
    with _pg_connect() as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    base = os.environ.get("CIVICWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]
    yield [base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + n for n in names]
    with _pg_connect() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepare(url: str) -> str:
    """Migrated database with the factory registry; returns a viewer API token."""
    engine = create_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        make_registry(s)
        token, _ = create_token(s, "viewer", name="scenario test")
    engine.dispose()
    return token


def _config(tmp: Path, url: str, frames: Path, start_s: float, scaled: bool) -> Path:
    cameras = [{"code": code, "kind": "folder", "url": str(frames / code), "sample_every_s": 0.1,
                "options": {"loop": False, "step_s": 2.0, "start_s": start_s}} for code in SCRIPT]
    data = {
        "data_dir": str(tmp / "var"), "registry_seed_dir": None, "database": {"url": url},
        "simulator": {"enabled": False}, "workflow": {"demo_responders": {"enabled": False}},
        "feeds": {"queue_size": 4 * FRAMES * len(SCRIPT), "cameras": cameras, "health": {"offline_after_s": 3}},
        "detection": {"workers": 1},  # frames of a camera analysed in order, as one Celery worker per shard does
        "server": {"threads": 4},
    }
    if scaled:
        data["scale"] = {"redis_url": REDIS_URL, "celery": True, "shard_count": 2}
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _get(port: int, path: str, token: str | None = None) -> dict | None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())
    except OSError:
        return None


def _wait(what: str, check, procs, timeout_s: float = 150.0):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = check()
        if value:
            return value
        for p in procs:
            assert p.poll() is None, f"{what}: a process exited early:\n{_stop(p)}"
        time.sleep(0.5)
    outs = "\n----\n".join(_stop(p)[-3000:] for p in procs)
    raise AssertionError(f"timed out waiting for {what}\n{outs}")


def _cameras_exhausted(url: str):
    """All scripted cameras went offline (their folders are read to the end) and this is in the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Camera.code, Camera.health).where(Camera.code.in_(list(SCRIPT)))).all()
    finally:
        engine.dispose()
    return len(rows) == len(SCRIPT) and all(h == "offline" for _, h in rows)


def _cases(url: str) -> set[tuple[str, str, str, str]]:
    engine = create_engine(url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as s:
            cases = s.scalars(select(Case).options(selectinload(Case.camera), selectinload(Case.problem_type)))
            return {(c.camera.code, c.problem_type.code, c.zone, c.state) for c in cases}
    finally:
        engine.dispose()


def _spawn(cfg: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "--config", str(cfg), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=os.getcwd(), env=env or os.environ.copy())


def _exited(proc: subprocess.Popen, timeout_s: float = 30.0) -> bool:
    try:
        proc.wait(timeout=timeout_s)
        return True
    except subprocess.TimeoutExpired:
        return False


def _run_embedded(cfg: Path, url: str, token: str) -> dict:
    port = _free_port()
    proc = _spawn(cfg, "run", "--port", str(port))
    try:
        def frames_done():
            health = _get(port, "/healthz", token)
            det = (health or {}).get("services", {}).get("detection", {})
            return det if det.get("frames") == FRAMES * len(SCRIPT) else None
        det = _wait("embedded: every frame analysed", frames_done, [proc])
        assert det["errors"] == 0
        _wait("embedded: cameras exhausted", lambda: _cameras_exhausted(url), [proc])
        summary = _wait("embedded: /api/v1/summary", lambda: _get(port, "/api/v1/summary", token), [proc])
        stats = _get(port, "/healthz", token)["scheduler"]
    finally:
        proc.send_signal(signal.SIGINT)  # `civicwatch run` stops on Ctrl-C (flushes, closes feeds)
        out = _stop(proc) if proc.poll() is None and not _exited(proc) else proc.communicate()[0]
    assert proc.returncode == 0, out[-3000:]
    return {"summary": summary, "scheduler": stats}


def _run_scaled(cfg: Path, url: str, token: str) -> dict:
    r = redis.Redis.from_url(REDIS_URL)
    for shard in (0, 1):
        r.delete(f"civicwatch.frames.{shard}")
    key = f"civicwatch:test:scenario:{uuid.uuid4().hex}"
    port = _free_port()
    env = dict(os.environ, CIVICWATCH_BENCH_KEY=key)  # workers record each analysed frame (pid, camera)
    procs = [_spawn(cfg, "worker", "--shard", str(k), env=env) for k in (0, 1)]
    procs.append(_spawn(cfg, "web", "--port", str(port), "--workers", "2", "--threads", "2"))
    procs.append(_spawn(cfg, "scheduler"))
    try:
        _wait("scaled: every frame analysed by the workers", lambda: r.llen(key) >= FRAMES * len(SCRIPT), procs)
        _wait("scaled: cameras exhausted", lambda: _cameras_exhausted(url), procs)
        summary = _wait("scaled: /api/v1/summary from the web process",
                        lambda: _get(port, "/api/v1/summary", token), procs)
        web_health = _get(port, "/healthz", token)
        rows = [x.decode().split(",") for x in r.lrange(key, 0, -1)]
    finally:
        outs = [_stop(p) for p in reversed(procs)]  # scheduler first, then web, then the workers
        r.delete(key)
    assert all(p.returncode == 0 for p in procs), "\n----\n".join(o[-2000:] for o in outs)
    pids = {}
    for _sent, _done, camera, pid in rows:
        pids.setdefault(camera, set()).add(pid)
    return {"summary": summary, "frames": len(rows), "pids": pids, "web_health": web_health}


def test_embedded_and_separate_processes_give_the_same_cases_and_kpis(tmp_path, frames_dir, databases):
    start_s = float(int(time.time()) - 2 * FRAMES - 60)  # media times: the last few minutes (today's KPIs)
    url_a, url_b = databases
    token_a, token_b = _prepare(url_a), _prepare(url_b)

    embedded = _run_embedded(_config(tmp_path / "embedded", url_a, frames_dir, start_s, scaled=False), url_a, token_a)
    scaled = _run_scaled(_config(tmp_path / "scaled", url_b, frames_dir, start_s, scaled=True), url_b, token_b)

    cases_a, cases_b = _cases(url_a), _cases(url_b)
    assert cases_a == EXPECTED, cases_a
    assert cases_b == cases_a
    embedded["summary"].pop("as_of"), scaled["summary"].pop("as_of")  # when each was asked
    assert embedded["summary"] == scaled["summary"]
    kpi = scaled["summary"]
    assert kpi["open"] == 2 and kpi["dispatched"] == 2, kpi
    if start_s >= local_midnight(utcnow()).timestamp():  # (not when the run straddled local midnight)
        assert kpi["today"]["found"] == 2 and kpi["today"]["dispatched"] == 2, kpi
    assert kpi["cameras"] == 4 and kpi["cameras_online"] == 0
    # the separate shape really was separate: frames analysed by both workers, each camera by one of them
    assert scaled["frames"] == FRAMES * len(SCRIPT)
    assert all(len(p) == 1 for p in scaled["pids"].values()), scaled["pids"]
    assert len({next(iter(p)) for p in scaled["pids"].values()}) == 2
    assert "detection" not in scaled["web_health"]["services"]  # the web process analyses nothing
    assert scaled["web_health"]["services"]["wall"]["shared"] is True  # web workers share the wall through Redis
