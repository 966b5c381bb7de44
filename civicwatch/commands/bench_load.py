"""``civicwatch bench load``: the whole product under load on loopback, as a command center uses it.

1. A private database (PostgreSQL by default: a throw-away database on ``--pg-url``; or ``--database sqlite``)
   is migrated and given the demo registry (210 cameras) and API tokens (wall, supervisor, edge).
2. The product starts as ``civicwatch run`` does, in its own process (the embedded shape: waitress web server,
   210 simulated cameras sampled by the feed scheduler, detection and the workflow jobs).
3. After ``--warmup-s``, the ``--walls`` wall screens are switched on (they tick the wall page's update
   callback every ``wall.tick_s``; the first answer, the whole wall, counts as ``first_tick``); once every
   wall has loaded, for ``--seconds``: ``--supervisors`` supervisors browse (case grid API, a case's detail, KPI summary, unit
   KPIs, a unit page) with ``--think-s`` between requests; AI edge gateways post ``--edge-rate`` alarms per
   second to ``/api/v1/events/batch``, ``--edge-batch`` alarms per request (``--edge-batch 1``: one alarm per
   request to ``/api/v1/events``), each with a small JPEG unless ``--no-edge-images``. Each gateway serves its
   own share of the cameras (gateway i: cameras i, i + N, …), as an edge box analyses the streams wired to it.
4. Prints ONE JSON object: p50/p95 latency and errors per client class (and per request kind), edge alarms
   sent / accepted / stored (counted in the database after the run), the achieved alarm rate, the server
   process's CPU use and the machine's load average (the clients run on the same 2 cores as the server).
"""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack

import click
import yaml

from .bench_support import DEFAULT_PG, loadavg, percentile, private_pg_database
from .groups import bench
from .load_clients import EdgeClient, Recorder, SupervisorClient, WallClient

EDGE_DEVICE_PREFIX = "BENCH-EDGE-"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_database(url: str, data_dir: str, seed_dir: str) -> dict:
    """Migrate, import the demo registry, create the tokens; returns tokens, camera and unit codes."""
    from sqlalchemy import select

    from models.config import parse_config
    from models.context import AppContext
    from models.migrate import upgrade
    from models.registry import Camera, ProblemType, ResponsibleUnit
    from models.registry_io import import_registry
    from models.security import create_token

    ctx = AppContext.from_config(parse_config({"data_dir": data_dir, "database": {"url": url}}))
    try:
        upgrade(ctx.engine)
        import_registry(ctx.sessions, seed_dir, progress=False)
        with ctx.sessions.begin() as s:
            tokens = {role: create_token(s, role, name=f"bench-load {role}", days=1)[0]
                      for role in ("wall", "supervisor", "edge")}
            cameras = list(s.scalars(select(Camera.code).order_by(Camera.code)))
            units = list(s.scalars(select(ResponsibleUnit.code).order_by(ResponsibleUnit.code)))
            ptype = s.scalar(select(ProblemType.name).where(ProblemType.camera_visible.is_(True))
                             .order_by(ProblemType.code))
    finally:
        ctx.stop()
    return {"tokens": tokens, "cameras": cameras, "units": units, "type": ptype}


def _count_stored(url: str, data_dir: str) -> int:
    from sqlalchemy import func, select

    from models.config import parse_config
    from models.context import AppContext
    from models.edge_events import EdgeEvent

    ctx = AppContext.from_config(parse_config({"data_dir": data_dir, "database": {"url": url}}))
    try:
        with ctx.sessions() as s:
            return s.scalar(select(func.count()).select_from(EdgeEvent)
                            .where(EdgeEvent.device_code.like(f"%{EDGE_DEVICE_PREFIX}%"))) or 0  # "<token id>:<device>"
    finally:
        ctx.stop()


def _get(base: str, path: str, token: str, timeout: float = 10.0) -> tuple[int, bytes]:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _wait_ready(base: str, token: str, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"the server exited with code {proc.returncode} while starting")
        if _get(base, "/api/v1/me", token, timeout=2)[0] == 200:
            return
        time.sleep(0.5)
    raise click.ClickException(f"the server did not answer within {timeout_s:.0f} s")


def _dependency(deps: list[dict], output_part: str) -> dict:
    found = [d for d in deps if output_part in d["output"]]
    if not found:
        raise click.ClickException(f"no Dash callback with output {output_part} (is the app's layout changed?)")
    return found[0]


def _edge_image(width: int = 320, height: int = 180) -> str:
    import io

    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height), (128, 132, 140))
    ImageDraw.Draw(im).rectangle([40, 100, 90, 150], fill=(40, 110, 40))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return base64.b64encode(buf.getvalue()).decode()


def _stats(values: list[float]) -> dict:
    return {"requests": len(values), "p50_ms": percentile(values, 50, digits=1), "p95_ms": percentile(values, 95, digits=1)}


def run_load(*, seconds: float, walls: int, supervisors: int, edge_rate: float, edge_threads: int, database: str,
             pg_url: str, warmup_s: float, think_s: float, edge_images: bool, sim_size: tuple[int, int],
             server_threads: int | None, shape: str = "embedded", web_workers: int = 2,
             server_log: str | None = None, edge_batch: int = 100) -> dict:
    """The whole measurement (see the module docstring); returns the JSON-able result."""
    seed_dir = os.path.abspath("assets/registry")
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="cw-bench-load-"))
        url = (f"sqlite:///{tmp}/load.db" if database == "sqlite"
               else stack.enter_context(private_pg_database(pg_url, "cw_bench_load")))
        data_dir = os.path.join(tmp, "var")
        click.echo(f"• preparing the {database} database (demo registry, tokens) …", err=True)
        city = _prepare_database(url, data_dir, seed_dir)
        port = _free_port()
        conf = {"data_dir": data_dir, "demo": True, "registry_seed_dir": seed_dir, "database": {"url": url},
                "server": {"host": "127.0.0.1", "port": port},
                "simulator": {"enabled": True, "width": sim_size[0], "height": sim_size[1],
                              "problems_per_camera_day": 48},
                "workflow": {"demo_responders": {"enabled": True}}, "wall": {"tick_s": 1},
                "reporting": {"edge": {"require_image": edge_images}}}
        if server_threads:
            conf["server"]["threads"] = server_threads
        cfg_path = os.path.join(tmp, "config.yaml")
        with open(cfg_path, "w", encoding="utf-8") as fh:
            yaml.safe_dump(conf, fh, allow_unicode=True)
        log_path = server_log or os.path.join(tmp, "server.log")
        log = stack.enter_context(open(log_path, "wb"))
        cli = [sys.executable, "-m", "civicwatch.cli", "--config", cfg_path]
        if shape == "embedded":
            commands = [cli + ["run", "--host", "127.0.0.1", "--port", str(port)]]
        else:  # the production shape: gunicorn web workers (no cameras) + one scheduler process (cameras, detection)
            commands = [cli + ["web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(web_workers)],
                        cli + ["scheduler"]]
        click.echo(f"• starting the product ({shape}: {' + '.join(c[len(cli)] for c in commands)}, "
                   f"{len(city['cameras'])} simulated cameras) on port {port} …", err=True)
        procs = [subprocess.Popen(c, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
                 for c in commands]
        try:
            out = _drive(procs, port, city, url, data_dir, seconds=seconds, walls=walls, supervisors=supervisors,
                         edge_rate=edge_rate, edge_threads=edge_threads, warmup_s=warmup_s, think_s=think_s,
                         edge_images=edge_images, database=database, log_path=log_path, edge_batch=edge_batch)
            out["shape"] = shape
            return out
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)  # run/scheduler stop their services on KeyboardInterrupt
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _tree_cpu_seconds(procs) -> float:
    """CPU seconds of the server processes and their children (gunicorn workers)."""
    import psutil

    total = 0.0
    for proc in procs:
        try:
            p = psutil.Process(proc.pid)
            for q in [p] + p.children(recursive=True):
                t = q.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def _drive(procs, port, city, url, data_dir, *, seconds, walls, supervisors, edge_rate, edge_threads, warmup_s,
           think_s, edge_images, database, log_path, edge_batch=1) -> dict:
    base = f"http://127.0.0.1:{port}"
    tokens = city["tokens"]
    for proc in procs:
        _wait_ready(base, tokens["supervisor"], proc, timeout_s=300)
    status, deps_raw = _get(base, "/_dash-dependencies", tokens["supervisor"])
    if status != 200:
        raise click.ClickException(f"/_dash-dependencies answered {status}")
    deps = json.loads(deps_raw)
    tick_dep, router_dep = _dependency(deps, "wall-kpi-points.children"), _dependency(deps, "_pages_content.children")
    click.echo(f"• server ready; warming up {warmup_s:g} s (cameras and detection start) …", err=True)
    time.sleep(warmup_s)
    rec, stop = Recorder(), threading.Event()
    image = _edge_image() if edge_images else None
    auth = lambda role: {"Authorization": f"Bearer {tokens[role]}"}  # noqa: E731
    wall_clients = [WallClient("127.0.0.1", port, auth("wall"), rec, stop, i, tick_dep=tick_dep, tick_s=1.0)
                    for i in range(walls)]
    clients = [SupervisorClient("127.0.0.1", port, auth("supervisor"), rec, stop, 1000 + i, router_dep=router_dep,
                                 units=city["units"], think_s=think_s) for i in range(supervisors)]
    edges = [EdgeClient("127.0.0.1", port, auth("edge"), rec, stop, 2000 + i, rate=edge_rate / edge_threads,
                        cameras=city["cameras"][i::edge_threads], type_name=city["type"], image_b64=image,
                        device=f"{EDGE_DEVICE_PREFIX}{i}", batch=edge_batch)
             for i in range(edge_threads)] if edge_rate > 0 else []
    clients += edges
    # The walls of a command center are on all the time: they are switched on first and the others join once
    # every wall has loaded its whole page (their first answers are counted, as "first_tick").
    for c in wall_clients:
        c.start()
    deadline = time.monotonic() + 30
    while len(rec.kinds.get("wall.first_tick", [])) < walls and time.monotonic() < deadline:
        time.sleep(0.2)
    clients = wall_clients + clients
    load_before, cpu0 = loadavg(), _tree_cpu_seconds(procs)
    click.echo(f"• load for {seconds:g} s: {walls} walls, {supervisors} supervisors, {edge_rate:g} alarms/s …", err=True)
    t0 = time.monotonic()
    for c in clients[walls:]:
        c.start()
    stop.wait(seconds)
    stop.set()
    elapsed = time.monotonic() - t0  # the load window (requests in flight then still finish and count)
    server_cpu = _tree_cpu_seconds(procs) - cpu0
    for c in clients:
        c.join(timeout=90)
    load_after = loadavg()
    for proc in procs:
        if proc.poll() is not None:
            raise click.ClickException(f"a server process died during the run (exit {proc.returncode}); log: {log_path}")
    stored = _count_stored(url, data_dir)
    sent = sum(e.sent for e in edges)
    accepted = sum(e.accepted for e in edges)
    refused = sum(e.refused for e in edges)  # alarms refused inside a 200 batch answer
    if refused:
        rec.errors["edge"] = rec.errors.get("edge", 0) + refused
        rec.error_examples.extend(e.refused_example for e in edges if e.refused_example)
    out: dict = {"benchmark": "load", "database": database, "seconds": round(elapsed, 1), "cameras": len(city["cameras"]),
                 "walls": walls, "supervisors": supervisors, "edge_rate_target": edge_rate, "edge_batch": edge_batch,
                 "edge_rate_achieved": round(sent / elapsed, 1) if elapsed else None}
    for cls in ("wall", "supervisor", "edge"):
        out[cls] = {**_stats(rec.samples.get(cls, [])), "errors": rec.errors.get(cls, 0)}
    for cls in ("wall", "supervisor"):
        out[cls]["by_kind"] = {k.split(".", 1)[1]: _stats(v) for k, v in sorted(rec.kinds.items())
                               if k.startswith(cls + ".")}
    out["edge"].update({"sent": sent, "accepted": accepted, "refused": refused, "stored": stored,
                        "stored_equals_sent": stored == sent,
                        "stored_per_s": round(stored / elapsed, 1) if elapsed else None})
    if edge_batch > 1:
        out["edge"]["note"] = f"requests, p50/p95 and errors count batch requests of {edge_batch} alarms"
    out["errors_total"] = sum(rec.errors.values())
    out["error_examples"] = rec.error_examples
    out["server_cpu_cores_used"] = round(server_cpu / elapsed, 2) if elapsed else None
    out.update({"cpu_count": os.cpu_count(), "loadavg_before": load_before, "loadavg": load_after,
                "note": "clients and server share this machine's cores; "
                        + (f"{edge_batch} alarms per request (/api/v1/events/batch)" if edge_batch > 1
                           else "one alarm per request (/api/v1/events)")})
    return out


def _size(_ctx, _param, value: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected WIDTHxHEIGHT, e.g. 1280x720") from None
    return w, h


def register(cli: click.Group) -> None:  # `bench load` is attached through the `bench` group
    pass


@bench.command("load")
@click.option("--seconds", default=60.0, show_default=True, help="Duration of the measured load.")
@click.option("--walls", default=50, show_default=True, help="Wall screens ticking every second.")
@click.option("--supervisors", default=20, show_default=True, help="Supervisors browsing.")
@click.option("--edge-rate", default=1000.0, show_default=True, help="Edge alarms per second (target).")
@click.option("--edge-threads", type=int, default=None,
              help="Concurrent edge senders (gateways, one connection each); default 32 with --edge-batch 1, else 8 "
                   "(each waits for its answer, so fewer senders cap the offered rate at senders × batch / latency).")
@click.option("--edge-batch", default=100, show_default=True, type=click.IntRange(1, 5000),
              help="Alarms per request to /api/v1/events/batch; 1 = one alarm per request to /api/v1/events.")
@click.option("--database", type=click.Choice(["postgresql", "sqlite"]), default="postgresql", show_default=True)
@click.option("--pg-url", envvar="CIVICWATCH_BENCH_PG", default=DEFAULT_PG, show_default=True,
              help="PostgreSQL server (a private database is created there and dropped afterwards).")
@click.option("--warmup-s", default=15.0, show_default=True, help="Wait after start-up before the load.")
@click.option("--think-s", default=1.0, show_default=True, help="Mean pause of a supervisor between requests.")
@click.option("--edge-images/--no-edge-images", default=True, show_default=True,
              help="Each alarm carries a 320×180 JPEG (base64), as edge boxes send.")
@click.option("--sim-size", default="1280x720", show_default=True, callback=_size,
              help="Frame size of the simulated cameras.")
@click.option("--server-threads", type=int, default=None, help="Override server.threads (default: the config's).")
@click.option("--shape", type=click.Choice(["embedded", "split"]), default="embedded", show_default=True,
              help="embedded: one `civicwatch run` process; split: `civicwatch web` (gunicorn) + `civicwatch scheduler`.")
@click.option("--web-workers", default=2, show_default=True, help="gunicorn workers of the split shape.")
@click.option("--server-log", type=click.Path(dir_okay=False), default=None,
              help="Keep the server processes' output in this file (default: discarded).")
def bench_load(seconds, walls, supervisors, edge_rate, edge_threads, edge_batch, database, pg_url, warmup_s, think_s, edge_images,
               sim_size, server_threads, shape, web_workers, server_log):
    """Walls, supervisors and edge alarms against the running product; p50/p95, errors, alarms stored vs sent."""
    out = run_load(seconds=seconds, walls=walls, supervisors=supervisors, edge_rate=edge_rate,
                   edge_threads=max(1, edge_threads or (32 if edge_batch == 1 else 8)), database=database, pg_url=pg_url, warmup_s=warmup_s,
                   think_s=think_s, edge_images=edge_images, sim_size=sim_size, server_threads=server_threads,
                   shape=shape, web_workers=web_workers, server_log=server_log, edge_batch=edge_batch)
    click.echo(json.dumps(out, ensure_ascii=False))
