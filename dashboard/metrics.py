"""Prometheus metrics: frames, skips, camera health, queue depth, case counts and request latency.

One :class:`prometheus_client.CollectorRegistry` per app (tests build many apps in one process).
Live figures are read at scrape time from ``ctx.status`` and the database, never kept twice.
"""
from __future__ import annotations

import time

import flask
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from models.cases import Case
from models.context import AppContext
from models.notify.sender import outbox_counts
from models.registry import Camera


class _LiveCollector:
    """Reads the running services' status and the case table when Prometheus scrapes."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def collect(self):
        status = self.ctx.status
        sched = _safe(status.get("scheduler"))
        frames = CounterMetricFamily("civicwatch_frames", "Frames sampled from cameras")
        frames.add_metric([], float(sched.get("frames", 0) or 0))
        yield frames
        skipped = CounterMetricFamily("civicwatch_frames_skipped", "Samples skipped (camera still busy)")
        skipped.add_metric([], float(sched.get("skipped", 0) or 0))
        yield skipped
        depth = GaugeMetricFamily("civicwatch_frame_queue_depth", "Frames waiting for detection")
        depth.add_metric([], float(len(self.ctx.frames)))
        yield depth
        dropped = CounterMetricFamily("civicwatch_frame_queue_dropped", "Frames dropped because detection lagged")
        dropped.add_metric([], float(self.ctx.frames.dropped))
        yield dropped
        health = GaugeMetricFamily("civicwatch_cameras", "Cameras by health state", labels=["health"])
        cases = GaugeMetricFamily("civicwatch_cases", "Cases by workflow state", labels=["state"])
        notes = GaugeMetricFamily("civicwatch_notifications", "Outbox messages by channel and status "
                                  "(pending, sending, sent, failed = retrying, dead = dead letter)",
                                  labels=["channel", "status"])
        try:
            with self.ctx.sessions() as s:
                for state, n in s.execute(select(Camera.health, func.count()).group_by(Camera.health)):
                    health.add_metric([state or "unknown"], float(n))
                for state, n in s.execute(select(Case.state, func.count()).group_by(Case.state)):
                    cases.add_metric([state], float(n))
                for (channel, status), n in sorted(outbox_counts(s).items()):
                    notes.add_metric([channel, status], float(n))
        except Exception:  # noqa: BLE001 - a scrape during a database outage still answers
            pass
        yield health
        yield cases
        yield notes


def _safe(status) -> dict:
    try:
        return status() if callable(status) else {}
    except Exception:  # noqa: BLE001
        return {}


def init_metrics(server: flask.Flask, ctx: AppContext) -> CollectorRegistry:
    """Time every request and keep this app's metric registry on ``server.config``."""
    registry = CollectorRegistry()
    registry.register(_LiveCollector(ctx))
    latency = Histogram(
        "civicwatch_request_seconds", "HTTP request latency", ["kind"], registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )

    @server.before_request
    def _start_timer():
        flask.g._cw_t0 = time.perf_counter()

    @server.after_request
    def _observe(resp):
        t0 = getattr(flask.g, "_cw_t0", None)
        if t0 is not None:
            path = flask.request.path
            kind = ("api" if path.startswith("/api/") else "callback" if path.startswith("/_dash-update")
                    else "asset" if path.startswith(("/_dash-component", "/assets/")) else "page")
            latency.labels(kind).observe(time.perf_counter() - t0)
        return resp

    server.config["CIVICWATCH_METRICS"] = registry
    return registry
