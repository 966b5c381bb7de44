"""Scoring detection against the simulated city's script (the ground truth).

:func:`run_camera` renders one camera's frames at analysis resolution (exactly what the pipeline sees
after its own downscale) and runs the real detection pipeline on them; :func:`score` matches the problems
it raised against the scripted ones: a raised problem is a true positive when a scripted problem of the
same type was on screen at that place (box IoU ≥ 0.3) when it was confirmed. Recall counts the scripted
problems that were *detectable*: camera-visible type checked in their zone, on screen for at least the
dwell time + 3 sample intervals within the run (after the warm-up, outside camera faults, inside the
type's active hours at appearance).
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from models.clock import LOCAL_TZ
from models.detection.pipeline import CameraPipeline
from models.detection.problems import iou
from models.detection.types import TypeBook
from models.detection.zones import build_zones

from .render import CameraScene, render
from .script import ScriptParams, ground_truth


@dataclass
class Raised:
    camera_code: str
    type_code: str
    zone: str
    box: tuple
    first_seen: float
    confirmed: float


@dataclass
class CameraRun:
    camera_code: str
    raised: list[Raised] = field(default_factory=list)
    truth: list = field(default_factory=list)
    faults: list = field(default_factory=list)
    frames: int = 0
    t0: float = 0.0
    t1: float = 0.0
    warmup_s: float = 0.0


def run_camera(camera_code: str, zone_dicts: list[dict], book: TypeBook, params: ScriptParams, t0: float,
               t1: float, interval: float = 2.0, width: int = 320, height: int = 180) -> CameraRun:
    """Render ``[t0, t1)`` every ``interval`` s and run the detection pipeline on it."""
    zones = build_zones(zone_dicts, book)
    scene = CameraScene(camera_code, zone_dicts, params)
    pipe = CameraPipeline(camera_code, zones, analysis_width=width, keep_evidence=False)
    run = CameraRun(camera_code, t0=t0, t1=t1, warmup_s=interval * pipe.bg.warmup)
    truth, faults = ground_truth(camera_code, zone_dicts, t0, t1, params)
    run.truth, run.faults = truth, faults
    t = t0
    while t < t1:
        fault = next((f for f in faults if f.active(t)), None)
        if fault is None or fault.kind != "offline":
            img = render(scene, t, width, height)
            res = pipe.process(img, t, small=img)
            run.frames += 1
            for p in res.confirmed:
                run.raised.append(Raised(camera_code, p.type.code, p.zone, tuple(p.box), p.first_seen, t))
        t += interval
    return run


def _detectable(p, book: TypeBook, zones_by_name, run: CameraRun, interval: float) -> bool:
    t = book.get(p.type_name)
    if t is None or not t.camera_visible or not t.signals:
        return False
    zone = zones_by_name.get(p.zone)
    if zone is None or t not in zone.types:
        return False
    dwell = zone.dwell_for(t)
    start = max(p.appear_t, run.t0 + run.warmup_s)
    end = min(p.disappear_t, run.t1)
    if end - start < dwell + 3 * interval:
        return False
    if p.appear_t < run.t0 + run.warmup_s:
        return False
    if any(f.start_t < end and f.end_t > start for f in run.faults):
        return False
    local = datetime.fromtimestamp(p.appear_t, LOCAL_TZ)
    return zone.active_for(t, local)


def score(runs: list[CameraRun], zones_of: dict[str, list[dict]], book: TypeBook, interval: float = 2.0) -> dict:
    """Precision, recall, median delay and per-type figures over camera runs."""
    tp = fp = 0
    detectable = found = 0
    excess: list[float] = []
    per = defaultdict(lambda: {"raised": 0, "true": 0, "scripted": 0, "found": 0, "delays": []})
    false_examples = []
    for run in runs:
        zones = {z.name: z for z in build_zones(zones_of[run.camera_code], book)}
        matched: set[str] = set()
        for r in run.raised:
            tname = next(t.name for t in book if t.code == r.type_code)
            per[tname]["raised"] += 1
            hit = next((p for p in run.truth if p.type_name == tname and iou(p.box, r.box) >= 0.3
                        and p.appear_t <= r.confirmed <= p.disappear_t + 3 * interval and p.id not in matched), None)
            if hit is None:
                fp += 1
                if len(false_examples) < 10:
                    over = [(p.type_name, round(iou(p.box, r.box), 2)) for p in run.truth
                            if iou(p.box, r.box) > 0 and p.appear_t <= r.confirmed <= p.disappear_t + 30]
                    false_examples.append({"camera": r.camera_code, "type": tname, "zone": r.zone,
                                           "box": [round(v, 3) for v in r.box], "overlaps": over})
                continue
            tp += 1
            per[tname]["true"] += 1
            matched.add(hit.id)
            zone = zones.get(hit.zone)
            dwell = zone.dwell_for(book.get(tname)) if zone else book.get(tname).dwell_s
            per[tname]["delays"].append(r.confirmed - hit.appear_t)
            excess.append(r.confirmed - hit.appear_t - dwell)
        for p in run.truth:
            if not _detectable(p, book, zones, run, interval):
                continue
            detectable += 1
            per[p.type_name]["scripted"] += 1
            if p.id in matched:
                found += 1
                per[p.type_name]["found"] += 1
    all_delays = [d for v in per.values() for d in v["delays"]]
    out_per = {}
    for name, v in sorted(per.items()):
        out_per[name] = {
            "raised": v["raised"], "true_positives": v["true"], "detectable": v["scripted"], "found": v["found"],
            "precision": round(v["true"] / v["raised"], 4) if v["raised"] else None,
            "recall": round(v["found"] / v["scripted"], 4) if v["scripted"] else None,
            "median_delay_s": round(statistics.median(v["delays"]), 1) if v["delays"] else None,
        }
    return {
        "raised": tp + fp, "true_positives": tp, "false_positives": fp, "detectable": detectable, "found": found,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(found / detectable, 4) if detectable else None,
        "median_delay_s": round(statistics.median(all_delays), 1) if all_delays else None,
        "median_delay_beyond_dwell_s": round(statistics.median(excess), 1) if excess else None,
        "per_type": out_per,
        "false_positive_examples": false_examples,
    }
