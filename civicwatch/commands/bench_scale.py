"""``civicwatch bench scale --workers 1,2``: frame analysis over Redis/Celery with 1 and 2 worker processes.

For each worker count N: a fresh PostgreSQL database with the demo registry, N ``civicwatch worker``
processes (one shard each), then ``--frames`` simulated 1280×720 JPEG frames (rendered up front, cameras
in turn, simulated time advancing 2 s per round) are sent to their shards' queues. Workers record each
frame's send and finish times in Redis. Printed per N: frames_per_s (frames / time from first to last
finish), latency_p50_ms/latency_p95_ms (send → finish, includes queueing at saturation), and
``scaling_ratio`` = frames_per_s(2) / frames_per_s(1). Also a province-scale projection: workers needed
for 1,900 cameras (9 cities) at 2 s and 1 s sampling, from the measured per-worker rate.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid

import click
import yaml

from .groups import bench


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def _render(cfg, cameras: int, rounds: int):
    import cv2
    from tqdm import tqdm

    from feeds.scene import CameraScene, ScriptParams, render
    from models.detection.sources import registry_from_directory
    from models.frames import FrameEvent
    from models.clock import utcnow

    _, zones_of = registry_from_directory(cfg.path(cfg.registry_seed_dir or "assets/registry"))
    codes = sorted(zones_of)[:cameras]
    params = ScriptParams(seed=cfg.simulator.seed)
    t0 = time.time() - rounds * 2
    frames = []
    for r in tqdm(range(rounds), desc="rendering frames", file=sys.stderr):
        for code in codes:
            img = render(CameraScene(code, zones_of[code], params), t0 + 2 * r, 1280, 720)
            frames.append(FrameEvent(code, utcnow(), img, r, t0 + 2 * r))
    return frames


def _run_once(cfg_dict: dict, workers: int, frames, redis_url: str, timeout_s: float) -> dict:
    import psycopg
    import redis
    from sqlalchemy import create_engine

    from civicwatch.workers import encode_frame, make_celery, queue_name, shard_of, TASK
    from models.db import make_session_factory
    from models.migrate import upgrade
    from models.registry_io import import_registry

    admin = cfg_dict.pop("_pg_admin")
    name = f"cw_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    procs = []
    key = f"civicwatch:bench:{uuid.uuid4().hex}"
    r = redis.Redis.from_url(redis_url)
    try:
        engine = create_engine(url)
        upgrade(engine)
        import_registry(make_session_factory(engine), cfg_dict["registry_seed_dir"], progress=False)
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            conf = dict(cfg_dict, data_dir=tmp, database={"url": url},
                        scale={"redis_url": redis_url, "celery": True, "shard_count": workers})
            path = os.path.join(tmp, "config.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                yaml.safe_dump(conf, fh)
            env = dict(os.environ, CIVICWATCH_BENCH_KEY=key)
            for k in range(workers):
                procs.append(subprocess.Popen([sys.executable, "-m", "civicwatch.cli", "--config", path, "worker",
                                               "--shard", str(k)], env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
            celery = make_celery(redis_url)
            # warm-up: one frame per shard so every worker has loaded its models before timing starts
            warm = {}
            for ev in frames:
                warm.setdefault(shard_of(ev.camera_code, workers), ev)
            for shard, ev in warm.items():
                celery.send_task(TASK, args=[encode_frame(ev)], queue=queue_name(shard))
            deadline = time.time() + 120
            while r.llen(key) < len(warm) and time.time() < deadline:
                time.sleep(0.2)
            r.delete(key)
            msgs = [(queue_name(shard_of(ev.camera_code, workers)), encode_frame(ev)) for ev in frames]
            for q, msg in msgs:
                msg["sent"] = time.time()
                celery.send_task(TASK, args=[msg], queue=q)
            deadline = time.time() + timeout_s
            while r.llen(key) < len(msgs) and time.time() < deadline:
                time.sleep(0.2)
            rows = [tuple(map(float, x.decode().split(",")[:2])) for x in r.lrange(key, 0, -1)]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        r.delete(key)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not rows:
        return {"workers": workers, "frames_done": 0}
    sent0 = min(s for s, _ in rows)
    done_last = max(d for _, d in rows)
    lat = [(d - s) * 1000 for s, d in rows]
    return {"workers": workers, "frames_sent": len(frames), "frames_done": len(rows),
            "frames_per_s": round(len(rows) / (done_last - sent0), 1),
            "latency_p50_ms": round(_pct(lat, 0.5), 1), "latency_p95_ms": round(_pct(lat, 0.95), 1)}


@bench.command("scale")
@click.option("--workers", default="1,2", show_default=True, help="Worker counts to measure, comma-separated.")
@click.option("--cameras", default=210, show_default=True)
@click.option("--rounds", default=6, show_default=True, help="Frames per camera (2 s of simulated time apart).")
@click.option("--redis-url", default="redis://127.0.0.1:6379/15", show_default=True)
@click.option("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/test", show_default=True,
              help="PostgreSQL server where a throw-away benchmark database is created.")
@click.option("--timeout", "timeout_s", default=600.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (default anyway).")
@click.pass_obj
def bench_scale(obj, workers, cameras, rounds, redis_url, pg_admin, timeout_s, as_json):
    """Frame analysis over Redis/Celery with N worker processes; scaling ratio and province projection."""
    cfg = obj.config()
    counts = [int(x) for x in workers.split(",") if x.strip()]
    frames = _render(cfg, cameras, rounds)
    base = {"registry_seed_dir": str(cfg.path(cfg.registry_seed_dir or "assets/registry")),
            "simulator": {"enabled": False}, "workflow": {"demo_responders": {"enabled": False}},
            "detection": {"analysis_width": cfg.detection.analysis_width}}
    runs = []
    for n in counts:
        click.echo(f"measuring {n} worker(s) …", err=True)
        runs.append(_run_once(dict(base, _pg_admin=pg_admin), n, frames, redis_url, timeout_s))
    by_n = {r["workers"]: r for r in runs}
    out = {"runs": runs, "cpu_count": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]}
    if 1 in by_n and 2 in by_n and by_n[1].get("frames_per_s"):
        out["scaling_ratio"] = round(by_n[2]["frames_per_s"] / by_n[1]["frames_per_s"], 2)
    if 1 in by_n and by_n[1].get("frames_per_s"):
        per_worker = by_n[1]["frames_per_s"]
        out["province"] = {"cameras": 1900, "cities": 9, "per_worker_frames_per_s": per_worker,
                           "workers_needed_2s": math.ceil(1900 / 2 / per_worker),
                           "workers_needed_1s": math.ceil(1900 / 1 / per_worker)}
    click.echo(json.dumps(out, ensure_ascii=False))


def register(cli: click.Group) -> None:  # attached through the `bench` group
    pass
