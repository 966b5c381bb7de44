"""``civicwatch bench detection``: score detection against the simulated city's script (ground truth).

Each camera is rendered at analysis resolution (what the pipeline sees after its own downscale) every
sample interval and analysed by the real pipeline; the script is only used to score. A full day for all
210 cameras at 2 s is 9 M frames — beyond a 2-core machine in reasonable time — so by default each camera
runs a window of ``--hours`` starting at a different local hour (all 24 hours of the day are covered
across the cameras), with a denser script (``--problems-per-day``). The JSON says exactly what was run.
"""
from __future__ import annotations

import json
import os
import sys
import time
from multiprocessing import get_context

import click

from .groups import bench


def _one(args):
    import cv2

    cv2.setNumThreads(1)
    from feeds.scene.scoring import run_camera
    from feeds.scene.script import ScriptParams

    code, zones, book, seed, density, faults, t0, t1, interval = args
    params = ScriptParams(seed=seed, problems_per_camera_day=density, faults_per_camera_day=faults)
    return run_camera(code, zones, book, params, t0, t1, interval=interval)


@bench.command("detection")
@click.option("--cameras", default=210, show_default=True, help="Number of simulated cameras (registry order).")
@click.option("--hours", default=1.0, show_default=True, help="Simulated hours per camera.")
@click.option("--start-hour", type=float, default=None,
              help="Local start hour for every camera (default: staggered over the day).")
@click.option("--interval", default=2.0, show_default=True, help="Sample interval (simulated seconds).")
@click.option("--problems-per-day", default=48.0, show_default=True,
              help="Scripted problems per camera per day in this run.")
@click.option("--faults-per-day", default=2.0, show_default=True, help="Scripted camera faults per camera-day.")
@click.option("--seed", default=2024, show_default=True)
@click.option("--day", default="2026-11-20", show_default=True, help="Simulated local date.")
@click.option("--registry", "registry_dir", default=None, help="Registry directory (default: the seed registry).")
@click.option("--processes", default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (default anyway).")
@click.pass_obj
def bench_detection(obj, cameras, hours, start_hour, interval, problems_per_day, faults_per_day, seed, day,
                    registry_dir, processes, as_json):
    """Precision, recall and delay of detection against the simulator's ground truth."""
    from datetime import datetime

    from tqdm import tqdm

    from feeds.scene.scoring import score
    from models.clock import LOCAL_TZ
    from models.detection.sources import registry_from_directory

    cfg = obj.config()
    directory = registry_dir or cfg.path(cfg.registry_seed_dir or "assets/registry")
    book, zones_of = registry_from_directory(directory)
    codes = sorted(zones_of)[:cameras]
    d0 = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=LOCAL_TZ).timestamp()
    jobs = []
    for i, code in enumerate(codes):
        h = start_hour if start_hour is not None else (i * 24.0 / max(1, len(codes))) % 24
        t0 = d0 + h * 3600
        jobs.append((code, zones_of[code], book, seed, problems_per_day, faults_per_day, t0, t0 + hours * 3600,
                     interval))
    started = time.perf_counter()
    cpu0 = os.times()
    runs = []
    with get_context("fork").Pool(processes) as pool, tqdm(total=len(jobs), desc="cameras", file=sys.stderr) as bar:
        for run in pool.imap_unordered(_one, jobs):
            runs.append(run)
            bar.update(1)
    elapsed = time.perf_counter() - started
    cpu1 = os.times()
    result = score(runs, zones_of, book, interval)
    frames = sum(r.frames for r in runs)
    dwell_excess_ok = result["median_delay_beyond_dwell_s"] is not None and \
        result["median_delay_beyond_dwell_s"] <= 2 * interval
    out = {
        "benchmark": "detection",
        "run": {"cameras": len(codes), "hours_per_camera": hours, "start_hour": start_hour if start_hour is not None
                else "staggered over 24 h", "interval_s": interval, "problems_per_camera_day": problems_per_day,
                "faults_per_camera_day": faults_per_day, "seed": seed, "day": day, "frames": frames,
                "render": "analysis resolution 320x180 (the pipeline's own input size after downscale)",
                "note": "each camera runs a window of the simulated day; together the windows cover all hours"},
        **{k: result[k] for k in ("precision", "recall", "median_delay_s", "median_delay_beyond_dwell_s",
                                  "raised", "true_positives", "false_positives", "detectable", "found")},
        "targets": {"precision>=0.95": (result["precision"] or 0) >= 0.95,
                    "recall>=0.95": (result["recall"] or 0) >= 0.95,
                    "median_delay<=dwell+2*interval": dwell_excess_ok},
        "per_type": result["per_type"],
        "false_positive_examples": result["false_positive_examples"],
        "elapsed_s": round(elapsed, 1),
        "frames_per_s": round(frames / elapsed, 1) if elapsed else None,
        "cpu_s": round((cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system), 1),
        "loadavg": [round(v, 2) for v in os.getloadavg()],
    }
    click.echo(json.dumps(out, ensure_ascii=False))


def register(cli) -> None:  # the command attaches itself to the ``bench`` group on import
    pass
