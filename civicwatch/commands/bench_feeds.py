"""``civicwatch bench feeds``: the real sampling scheduler over N simulated cameras; prints one JSON object.

Every camera is sampled on its interval by :class:`feeds.scheduler.FeedScheduler` exactly as in
``civicwatch run`` (adapters, health classification, bounded queue); a consumer thread drains the queue
as detection would. Cameras are kind ``simulated`` (the simulated city at the configured resolution, zones
from the demo registry) unless ``--kind synthetic`` (a cheap noisy still per camera: scheduler overhead only).

Figures (measured after a warm-up: every camera delivering, plus one interval): ``frames_per_s`` (and
the target ``cameras / interval``), ``skipped``, ``lateness_p50_ms``/``lateness_p95_ms``/``lateness_max_ms`` (start of a run −
its scheduled time), ``cpu_percent`` of this process (100 = one core) and ``cpu_ms_per_frame`` (what the
figures are worth on a busy machine), ``peak_rss_mb`` and
``rss_start_mb``/``rss_end_mb`` (memory flat?), and the machine's load average before and after.
"""
from __future__ import annotations

import csv
import json
import os
import sys
import threading
import time

import click
import numpy as np

from .bench_support import loadavg, percentile
from .groups import bench

MB = 1024 * 1024


def _demo_zones(config, n: int) -> list[list[dict]]:
    """Zones of the first ``n`` cameras of the demo registry (cycled), so scenes are the demo's."""
    zones: list[list[dict]] = []
    if config.registry_seed_dir:
        path = config.path(config.registry_seed_dir) / "cameras.csv"
        if path.exists():
            with path.open(encoding="utf-8-sig", newline="") as fh:
                zones = [json.loads(row["zones"] or "[]") for row in csv.DictReader(fh)]
    if not zones:
        zones = [[
            {"name": "墙面", "kind": "wall", "polygon": [[0, 0.05], [1, 0.05], [1, 0.4], [0, 0.4]]},
            {"name": "人行道", "kind": "sidewalk", "polygon": [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]]},
            {"name": "机动车道", "kind": "roadway", "polygon": [[0, 0.7], [1, 0.7], [1, 1], [0, 1]]},
        ]]
    return [zones[i % len(zones)] for i in range(n)]


def _synthetic_adapter_class():
    from feeds.base import CameraAdapter

    class SyntheticStill(CameraAdapter):
        """A per-camera noisy still (cheap): measures the scheduler, not the renderer."""

        kind = "bench_synthetic"

        _shared: dict = {}

        def open(self) -> None:
            import cv2

            w, h = self.source.width or 1280, self.source.height or 720
            shared = SyntheticStill._shared
            if (w, h) not in shared:  # one noise plane for all cameras (memory stays small)
                shared[(w, h)] = np.random.default_rng(0).integers(0, 6, (h + 8, w, 3), dtype=np.uint8)
            self._noise = shared[(w, h)]
            rng = np.random.default_rng(int(self.camera_code.rsplit("-", 1)[-1] or 0))
            small = rng.integers(30, 220, (h // 16, w // 16, 3), dtype=np.uint8)
            self._base = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
            self._i = 0

        def read(self):
            import cv2

            self._i += 1
            off = self._i % 8
            return cv2.add(self._base, self._noise[off: off + self._base.shape[0]]), None

    return SyntheticStill


def _make_adapters(config, kind: str, n: int, width: int, height: int):
    from feeds.base import CameraSourceSpec
    from feeds.registry import make_adapter

    sim = config.simulator
    adapters = {}
    synthetic = _synthetic_adapter_class() if kind == "synthetic" else None
    for i, zones in enumerate(_demo_zones(config, n)):
        code = f"CAM-{i + 1:04d}"
        options = {"zones": zones, "seed": sim.seed, "time_scale": sim.time_scale,
                   "problems_per_camera_day": sim.problems_per_camera_day,
                   "faults_per_camera_day": sim.faults_per_camera_day}
        spec = CameraSourceSpec(kind="simulated" if synthetic is None else "bench_synthetic",
                                options=options, width=width, height=height)
        adapters[code] = synthetic(code, spec) if synthetic is not None else make_adapter(code, spec)
    return adapters


@bench.command("feeds")
@click.option("--cameras", default=210, show_default=True, help="Number of simulated cameras.")
@click.option("--seconds", default=60.0, show_default=True, help="Measured duration (after the warm-up).")
@click.option("--interval", type=float, default=None, help="Sampling interval [default: feeds.default_sample_every_s].")
@click.option("--width", type=int, default=None, help="Frame width [default: simulator.width].")
@click.option("--height", type=int, default=None, help="Frame height [default: simulator.height].")
@click.option("--kind", type=click.Choice(["simulated", "synthetic"]), default="simulated", show_default=True,
              help="simulated: the simulated city; synthetic: a cheap still (scheduler overhead only).")
@click.option("--threads", type=int, default=None, help="Sampling threads [default: feeds.scheduler_threads].")
@click.option("--no-health", is_flag=True, help="Skip the health classification of frames.")
@click.option("--warmup-max", type=float, default=600.0, show_default=True,
              help="Longest wait for every camera to deliver its first frame before measuring.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object (always the case).")
@click.pass_obj
def bench_feeds(obj, cameras, seconds, interval, width, height, kind, threads, no_health, warmup_max,
                as_json) -> None:
    """Sample N simulated cameras with the real scheduler; print frames/s, skips, lateness, CPU and memory."""
    import psutil
    from tqdm import tqdm

    from feeds.health import HealthThresholds
    from feeds.scheduler import FeedScheduler, SchedulerOptions
    from models.frames import FrameQueue

    config = obj.config()
    interval = interval or config.feeds.default_sample_every_s
    width, height = width or config.simulator.width, height or config.simulator.height
    threads = threads or config.feeds.scheduler_threads
    proc = psutil.Process()
    load_start = loadavg()

    adapters = _make_adapters(config, kind, cameras, width, height)
    queue = FrameQueue(maxsize=config.feeds.queue_size)
    expected = cameras / interval
    window = int(expected * (seconds + 4 * interval) * 1.5) + 1000
    sched = FeedScheduler(
        queue, thresholds=HealthThresholds.from_config(config.feeds.health),
        options=SchedulerOptions(threads=threads, jitter_s=config.feeds.jitter_s, lateness_window=window,
                                 check_health=not no_health,
                                 backoff=(config.feeds.backoff.initial_s, config.feeds.backoff.max_s,
                                          config.feeds.backoff.factor)),
    )
    for code, adapter in adapters.items():
        sched.add_camera(code, adapter, interval)

    consumed = [0]
    stop = threading.Event()

    def consume() -> None:  # stands in for detection: takes every frame off the queue
        while not stop.is_set():
            if queue.get(timeout=0.2) is not None:
                consumed[0] += 1

    rss = {"peak": 0.0}

    def monitor() -> None:
        while not stop.is_set():
            rss["peak"] = max(rss["peak"], proc.memory_info().rss / MB)
            stop.wait(0.25)

    threads_ = [threading.Thread(target=consume, daemon=True), threading.Thread(target=monitor, daemon=True)]
    for t in threads_:
        t.start()
    t_start = time.monotonic()
    sched.start()
    bar = tqdm(total=cameras, desc=f"warm-up: cameras delivering ({kind} {width}×{height})", unit="cam",
               file=sys.stderr, leave=False)
    try:
        # Warm-up: every camera connected and delivering (the simulator paints each backdrop once), then
        # one more interval so the measured window is steady state.
        deadline = time.monotonic() + warmup_max
        delivering = 0
        while time.monotonic() < deadline:
            delivering = sum(1 for r in sched.runners.values() if r.counters.frames > 0)
            bar.update(delivering - bar.n)
            if delivering == cameras:
                break
            time.sleep(0.25)
        warmup_s = time.monotonic() - t_start
        time.sleep(interval)
        bar.close()
        bar = tqdm(total=int(seconds), desc=f"bench feeds ({cameras} × {kind} {width}×{height})", unit="s",
                   file=sys.stderr, leave=False)
        with sched._lateness_lock:
            sched._lateness.clear()
        s0 = sched.stats()
        cpu0, t0 = proc.cpu_times(), time.monotonic()
        rss_start = proc.memory_info().rss / MB
        rss["peak"] = rss_start
        end = t0 + seconds
        while (now := time.monotonic()) < end:
            time.sleep(min(1.0, end - now))
            bar.update(1)
        cpu1, t1 = proc.cpu_times(), time.monotonic()
        s1 = sched.stats()
        lat = sched.lateness_ms()
        rss_end = proc.memory_info().rss / MB
    finally:
        bar.close()
        sched.stop()
        stop.set()
    elapsed = t1 - t0
    frames = s1["frames"] - s0["frames"]
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    result = {
        "cameras": cameras,
        "kind": kind,
        "width": width,
        "height": height,
        "interval_s": interval,
        "seconds": round(elapsed, 1),
        "warmup_s": round(warmup_s, 1),
        "cameras_delivering_at_start": delivering,
        "frames": frames,
        "frames_per_s": round(frames / elapsed, 2),
        "target_frames_per_s": round(expected, 2),
        "skipped": s1["skipped"] - s0["skipped"],
        "errors": s1["errors"] - s0["errors"],
        "queue_dropped": s1["queue_dropped"] - s0["queue_dropped"],
        "consumed": consumed[0],
        "lateness_p50_ms": percentile(lat.tolist(), 50, digits=1),
        "lateness_p95_ms": percentile(lat.tolist(), 95, digits=1),
        "lateness_max_ms": round(float(lat.max()), 1) if lat.size else None,
        "cpu_percent": round(100 * cpu / elapsed, 1),
        "cpu_ms_per_frame": round(1000 * cpu / frames, 2) if frames else None,
        "cpu_count": os.cpu_count(),
        "peak_rss_mb": round(rss["peak"], 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "health": s1["health"],
        "threads": threads,
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
    }
    click.echo(json.dumps(result, ensure_ascii=False))
