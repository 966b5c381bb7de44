"""``civicwatch bench rtsp``: N real RTSP cameras on loopback through the product's adapter and scheduler.

Starts GStreamer's RTSP server (:mod:`civicwatch.commands.rtsp_bench_streams`: N mount points, H.264 or
H.265, real footage looped, GOP ``--gop-s``), then measures two phases on the same streams in one run:

1. **floor** — the least any RTSP ingest can do: one PyAV connection per camera demuxing the stream and
   decoding one keyframe per interval (``skip_frame="NONKEY"``), converted to BGR at the same output
   size — no scheduler, no health, no queue: this process's CPU over the same duration. Measured first
   (a phase is only valid when every camera delivered; else no ratio). Each phase gets its own server.
2. **product** — every camera an ``rtsp`` adapter (PyAV; or ``--kind rtsp_opencv``) sampled every
   ``--interval`` by :class:`feeds.scheduler.FeedScheduler` with health classification, a consumer draining
   the frame queue as detection would: this process's CPU over ``--seconds``.

Prints one JSON object: ``cpu_ms_per_camera_s`` and ``floor_ms_per_camera_s`` (CPU milliseconds per camera
per second of stream), ``ratio_to_floor``, ``samples_per_camera`` (mean, min and the expected number),
``decoded_per_camera`` (pictures the adapters decoded: keyframes, or more in forward mode) against
``floor_samples_per_camera`` (keyframes the floor decoded), ``lateness_p95_ms``, ``errors``, ``projected_cores_210`` (product CPU for 210 cameras), the stream facts
of the first camera, the server's own CPU and the machine's load average (the machine may be shared).
"""
from __future__ import annotations

import json
import resource
import sys
import threading
import time
from pathlib import Path

import click

from .bench_support import loadavg, percentile
from .groups import bench

CITY_CAMERAS = 210


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _floor(urls: list[str], interval: float, seconds: float, output_width: int) -> dict:
    """Phase 2: one keyframe decode per camera per interval, nothing else (see module doc)."""
    import av
    from av.video.reformatter import VideoReformatter

    from feeds.sample_decoder import to_bgr

    stop = threading.Event()
    counts = {"samples": 0, "errors": 0, "connected": 0}
    last_sample: dict[str, float] = {}
    lock = threading.Lock()

    def connect_and_sample(url: str) -> None:
        container = av.open(url, options={"rtsp_transport": "tcp", "analyzeduration": "1000000",
                                          "probesize": "500000"}, timeout=(10, 5))
        try:
            stream = container.streams.video[0]
            cc = stream.codec_context
            cc.thread_count = 1
            cc.skip_frame = "NONKEY"
            reformatter = VideoReformatter()
            last = 0.0
            for packet in container.demux(stream):
                if stop.is_set():
                    return
                # every keyframe at least ~one interval after the last sample (a GOP equal to the interval
                # arrives with jitter: a 0.9 gate skipped one in fifteen)
                if not packet.is_keyframe or time.monotonic() - last < interval * 0.75:
                    continue
                for frame in cc.decode(packet):
                    to_bgr(reformatter, frame, output_width)
                    last = time.monotonic()
                    with lock:
                        counts["samples"] += 1
                        if last_sample.get(url) is None:
                            counts["connected"] += 1
                        last_sample[url] = last
        finally:
            container.close()

    def one(url: str) -> None:
        while not stop.is_set():  # like the product, reconnect after a failure (counted)
            try:
                connect_and_sample(url)
            except Exception:  # noqa: BLE001 - counted
                if not stop.is_set():
                    with lock:
                        counts["errors"] += 1
                    stop.wait(1.0)

    threads = [threading.Thread(target=one, args=(u,), daemon=True) for u in urls]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while counts["connected"] < len(urls) and time.monotonic() < deadline:  # every camera's first keyframe
        time.sleep(0.1)
    connected = counts["connected"]
    time.sleep(interval)
    with lock:
        counts["samples"], counts["errors"] = 0, 0
    cpu0, t0 = _cpu_s(), time.monotonic()
    time.sleep(seconds)
    cpu1, t1 = _cpu_s(), time.monotonic()
    with lock:
        samples, errors = counts["samples"], counts["errors"]
    stop.set()
    for t in threads:
        t.join(timeout=2)
    return {"cpu_s": cpu1 - cpu0, "elapsed_s": t1 - t0, "samples": samples, "errors": errors,
            "connected": connected}


def _decoded(sched) -> int:
    """Pictures decoded so far by every camera's adapter (adapters that report stream facts)."""
    total = 0
    for r in sched.runners.values():
        facts = getattr(r.adapter, "stream_facts", None)
        f = facts() if callable(facts) else None
        total += f["decoded"] if f else 0
    return total


def _product(urls: list[str], kind: str, interval: float, seconds: float, output_width: int, config,
             threads: int, warmup_max: float) -> dict:
    """Phase 1: the product's adapters and scheduler (see module doc)."""
    from feeds.base import CameraSourceSpec
    from feeds.health import HealthThresholds
    from feeds.registry import make_adapter
    from feeds.scheduler import FeedScheduler, SchedulerOptions
    from models.frames import FrameQueue

    n = len(urls)
    queue = FrameQueue(maxsize=config.feeds.queue_size)
    window = int(n / interval * (seconds + 4 * interval) * 1.5) + 1000
    f = config.feeds
    sched = FeedScheduler(queue, thresholds=HealthThresholds.from_config(f.health),
                          options=SchedulerOptions(threads=threads, jitter_s=f.jitter_s, lateness_window=window,
                                                   backoff=(f.backoff.initial_s, f.backoff.max_s, f.backoff.factor)))
    for i, url in enumerate(urls):
        spec = CameraSourceSpec(kind=kind, url=url, options={"sample_every_s": interval, "output_width": output_width})
        sched.add_camera(f"CAM-{i + 1:04d}", make_adapter(f"CAM-{i + 1:04d}", spec), interval)
    stop = threading.Event()
    consumed = [0]

    def consume() -> None:
        while not stop.is_set():
            if queue.get(timeout=0.2) is not None:
                consumed[0] += 1

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    t_start = time.monotonic()
    sched.start()
    try:
        deadline = t_start + warmup_max
        while time.monotonic() < deadline:
            if all(r.counters.frames > 0 for r in sched.runners.values()):
                break
            time.sleep(0.25)
        warmup_s = time.monotonic() - t_start
        delivering = sum(1 for r in sched.runners.values() if r.counters.frames > 0)
        time.sleep(interval)
        with sched._lateness_lock:
            sched._lateness.clear()
        frames0 = {c: r.counters.frames for c, r in sched.runners.items()}
        decoded0 = _decoded(sched)
        s0 = sched.stats()
        cpu0, t0 = _cpu_s(), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = _cpu_s(), time.monotonic()
        s1 = sched.stats()
        decoded = _decoded(sched) - decoded0
        per_camera = [r.counters.frames - frames0[c] for c, r in sched.runners.items()]
        not_ready = sum(r.counters.not_ready for r in sched.runners.values())
        lat = sched.lateness_ms().tolist()
        first = next(iter(sched.runners.values()))
        facts = first.status().get("stream")
        health = s1["health"]
    finally:
        sched.stop()
        stop.set()
    return {"cpu_s": cpu1 - cpu0, "elapsed_s": t1 - t0, "per_camera": per_camera, "warmup_s": warmup_s,
            "delivering": delivering, "errors": s1["errors"] - s0["errors"], "skipped": s1["skipped"] - s0["skipped"],
            "not_ready_total": not_ready, "lateness": lat, "decoded": decoded, "stream": facts, "health": health,
            "consumed": consumed[0]}


def _size(value: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320) or w % 2 or h % 2:
        raise click.BadParameter(f"{value!r}: width and height must be even, 16–7680 × 16–4320")
    return w, h


@bench.command("rtsp")
@click.option("--cameras", default=20, show_default=True, help="Number of RTSP cameras (mount points).")
@click.option("--seconds", default=60.0, show_default=True, help="Measured duration of each phase.")
@click.option("--codec", type=click.Choice(["h264", "h265"]), default="h264", show_default=True)
@click.option("--fps", default=25, show_default=True, help="Frames per second of the streams.")
@click.option("--size", default="1280x720", show_default=True, help="Stream size WIDTHxHEIGHT (e.g. 640x360).")
@click.option("--bitrate-kbps", type=int, default=None,
              help="Stream bitrate [default: 2048 for 1280 wide and more, else 768: typical main/substream settings].")
@click.option("--gop-s", default=2.0, show_default=True, help="Keyframe interval of the streams (seconds).")
@click.option("--interval", default=2.0, show_default=True, help="Sampling interval of every camera (seconds).")
@click.option("--output-width", default=640, show_default=True, help="Width frames are converted to (aspect kept).")
@click.option("--kind", type=click.Choice(["rtsp", "rtsp_opencv"]), default="rtsp", show_default=True,
              help="The adapter measured: rtsp (PyAV) or rtsp_opencv (decodes every frame).")
@click.option("--video", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Footage to stream [default: OpenCV's vtest.avi street scene when installed, else a test pattern].")
@click.option("--threads", type=int, default=None, help="Sampling threads [default: feeds.scheduler_threads].")
@click.option("--warmup-max", default=60.0, show_default=True, help="Longest wait for every camera's first frame.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object (always the case).")
@click.pass_obj
def bench_rtsp(obj, cameras, seconds, codec, fps, size, bitrate_kbps, gop_s, interval, output_width, kind, video, threads,
               warmup_max, as_json) -> None:
    """N real RTSP cameras on loopback: product ingest CPU vs. the keyframe-decode floor, lateness, errors."""
    import psutil

    from .rtsp_bench_streams import FOOTAGE, LoopbackCameras, StreamServerError

    if cameras < 1 or seconds <= 0 or interval <= 0 or fps < 1 or gop_s <= 0:
        raise click.BadParameter("--cameras, --seconds, --interval, --fps and --gop-s must be positive")
    width, height = _size(size)
    bitrate_kbps = bitrate_kbps or (2048 if width >= 1280 else 768)
    if video is None and FOOTAGE.exists():
        video = FOOTAGE
    config = obj.config()
    threads = threads or config.feeds.scheduler_threads
    load_start = loadavg()
    def serving() -> LoopbackCameras:
        # one server per phase, same streams: a GStreamer media whose last client left is torn down, and a
        # re-prepared one stalled new clients on this machine
        server = LoopbackCameras(cameras, codec=codec, width=width, height=height, fps=fps, gop_s=gop_s,
                                 video=video, bitrate_kbps=bitrate_kbps)
        try:
            return server.start()
        except StreamServerError as exc:
            raise click.ClickException(str(exc)) from None

    click.echo(f"bench rtsp: {cameras} × {codec} {width}×{height} {fps} fps {bitrate_kbps} kbps, GOP {gop_s:g} s "
               f"({'footage ' + video.name if video else 'test pattern'}); phase 1: keyframe-decode floor", err=True)
    server = serving()
    try:
        fl = _floor(server.urls, interval, seconds, output_width)
    finally:
        server.stop()
    click.echo(f"bench rtsp: phase 2: {kind} + scheduler", err=True)
    server = serving()
    try:
        server_proc = psutil.Process(server.pid())
        srv0 = server_proc.cpu_times()
        p = _product(server.urls, kind, interval, seconds, output_width, config, threads, warmup_max)
        srv1 = server_proc.cpu_times()
    finally:
        server.stop()
    cam_s = cameras * p["elapsed_s"]
    cpu_ms = 1000 * p["cpu_s"] / cam_s
    expected = p["elapsed_s"] / interval
    # a floor or product that did not reach every camera measured nothing comparable: no ratio then. (When the server
    # falls behind, keyframes come later than every interval: the floor then decodes fewer, and so does the
    # product — compare floor_samples_per_camera with decoded_per_camera.)
    per = p["per_camera"]
    floor_ok = fl["connected"] == cameras and fl["samples"] > 0 and min(per) > 0
    floor_ms = 1000 * fl["cpu_s"] / (cameras * fl["elapsed_s"]) if floor_ok and fl["elapsed_s"] else None
    result = {
        "cameras": cameras, "codec": codec, "width": width, "height": height, "fps": fps, "gop_s": gop_s, "bitrate_kbps": bitrate_kbps,
        "interval_s": interval, "output_width": output_width, "kind": kind,
        "footage": video.name if video else "test pattern",
        "seconds": round(p["elapsed_s"], 1), "warmup_s": round(p["warmup_s"], 1),
        "cameras_delivering_at_start": p["delivering"],
        "cpu_ms_per_camera_s": round(cpu_ms, 3),
        "floor_ms_per_camera_s": round(floor_ms, 3) if floor_ms else None,
        "ratio_to_floor": round(cpu_ms / floor_ms, 3) if floor_ms else None,
        "samples_per_camera": {"mean": round(sum(per) / len(per), 2), "min": min(per), "expected": round(expected, 1)},
        "decoded_per_camera": round(p["decoded"] / cameras, 2),
        "floor_samples_per_camera": round(fl["samples"] / cameras, 2), "floor_cameras_connected": fl["connected"],
        "lateness_p50_ms": percentile(p["lateness"], 50, digits=1),
        "lateness_p95_ms": percentile(p["lateness"], 95, digits=1),
        "errors": p["errors"], "floor_errors": fl["errors"], "skipped": p["skipped"],
        "not_ready_total": p["not_ready_total"], "frames_consumed": p["consumed"], "health": p["health"],
        "projected_cores_210": round(cpu_ms * CITY_CAMERAS / 1000, 3),
        "floor_projected_cores_210": round(floor_ms * CITY_CAMERAS / 1000, 3) if floor_ms else None,
        "stream": p["stream"],
        "server_cpu_percent": round(100 * ((srv1.user - srv0.user) + (srv1.system - srv0.system)) / p["elapsed_s"], 1),
        "targets": {"ratio_to_floor<=1.3": bool(floor_ms) and cpu_ms / floor_ms <= 1.3, "errors==0": p["errors"] == 0,
                    "lateness_p95_ms<250": (percentile(p["lateness"], 95) or 0) < 250,
                    "every_camera_every_interval": min(per) >= int(expected) - 1},
        "loadavg_start": load_start, "loadavg_end": loadavg(),
    }
    click.echo(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
