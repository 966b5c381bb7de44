"""``start_feeds(ctx)``: sample every enabled camera of the registry and hand frames to detection.

Sources: each camera's registry row (``source_kind``, ``source_url``, ``sample_every_s``, ``zones``),
overridden by ``feeds.cameras`` entries of the config with the same code. Credentials come from the
environment variables the override names (``username_env``/``password_env``); a named variable that is
not set leaves the camera offline with a reason naming the variable (never a value).

For kind ``simulated`` the adapter gets ``width``/``height`` from ``simulator`` and these options (any
``options`` of the override win): ``zones`` (the camera's zones), ``seed``, ``time_scale``,
``problems_per_camera_day``, ``faults_per_camera_day``. When ``simulator.enabled`` is false such a camera
is offline with the reason "simulator disabled and no other source". When simulated cameras run,
:func:`feeds.simulated.link_city` is started so rectified problems disappear from their scenes. For kind
``file`` the option ``step_s`` defaults to the camera's sampling interval; for kind ``rtsp`` the options
``sample_every_s`` (the interval) and ``min_dwell_s`` (the shortest ``dwell_s`` of the camera's zones, when
every zone sets one) let the adapter choose keyframe-only decoding (see :mod:`feeds.rtsp`).

Live status: ``ctx.status["scheduler"]`` (totals) and ``ctx.status["cameras"]`` (per camera); health
changes and frame times go to the database through :class:`models.camera_health.HealthRecorder`, flushed
every ``FLUSH_EVERY_S``.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from models.camera_health import HealthRecorder
from models.config import AppConfig, CameraSource
from models.registry import Camera

from .base import CameraAdapter, CameraSourceSpec, FeedError
from .health import HealthChange, HealthThresholds
from .registry import make_adapter
from .scheduler import FeedScheduler, SchedulerOptions

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 3.0
SIMULATED = "simulated"


@dataclass
class CameraPlan:
    """What the service decided for one camera: an adapter, or why it has none."""

    code: str
    interval_s: float
    spec: CameraSourceSpec | None
    reason: str = ""


def plan_camera(camera: Camera, override: CameraSource | None, config: AppConfig,
                env: dict[str, str] | os._Environ = os.environ) -> CameraPlan:
    """Merge a registry row with its config override into a source spec (or a reason for none)."""
    feeds, sim = config.feeds, config.simulator
    interval = (override.sample_every_s if override and override.sample_every_s else None) \
        or camera.sample_every_s or feeds.default_sample_every_s
    kind = override.kind if override else (camera.source_kind or SIMULATED)
    url = override.url if override and override.url is not None else camera.source_url
    options = dict(override.options) if override else {}
    username = password = None
    if override:
        for attr in ("username_env", "password_env"):
            name = getattr(override, attr)
            if name and name not in env:
                return CameraPlan(camera.code, interval, None,
                                  f"feeds.cameras[{camera.code}].{attr}: environment variable {name} is not set")
        username = env.get(override.username_env) if override.username_env else None
        password = env.get(override.password_env) if override.password_env else None
    width = height = None
    if kind == SIMULATED:
        if not sim.enabled:
            return CameraPlan(camera.code, interval, None,
                              "simulator disabled and no other source configured (simulator.enabled: false)")
        width, height = sim.width, sim.height
        defaults = {"zones": list(camera.zones or []), "seed": sim.seed, "time_scale": sim.time_scale,
                    "problems_per_camera_day": sim.problems_per_camera_day,
                    "faults_per_camera_day": sim.faults_per_camera_day}
        options = {**defaults, **options}
    elif kind == "file":
        options.setdefault("step_s", interval)
    elif kind == "rtsp":
        options.setdefault("sample_every_s", interval)
        dwells = [z.get("dwell_s") for z in (camera.zones or []) if isinstance(z, dict) and z.get("kind") != "mask"]
        if dwells and all(isinstance(d, (int, float)) and d > 0 for d in dwells):
            options.setdefault("min_dwell_s", float(min(dwells)))
    spec = CameraSourceSpec(kind=kind, url=url, substream_url=override.substream_url if override else None,
                            username=username, password=password, options=options, width=width, height=height)
    return CameraPlan(camera.code, interval, spec)


def load_plans(ctx, keep=None) -> list[CameraPlan]:
    """Plans for every enabled camera of the registry, in code order; with ``keep``, only the cameras whose
    code it accepts (one feed process's share when cameras are sharded over several)."""
    overrides = {o.code: o for o in ctx.config.feeds.cameras}
    plans = []
    with ctx.sessions() as session:
        for c in session.scalars(select(Camera).where(Camera.enabled.is_(True)).order_by(Camera.code)):
            override = overrides.pop(c.code, None)
            if keep is None or keep(c.code):
                plans.append(plan_camera(c, override, ctx.config))
    for code in sorted(overrides):
        log.warning("feeds.cameras: camera %s is not an enabled camera of the registry; override ignored", code)
    return plans


def build_scheduler(ctx, plans: list[CameraPlan], recorder: HealthRecorder | None = None) -> FeedScheduler:
    """A scheduler with one runner per plan (adapters built; bad kinds become offline cameras)."""
    feeds = ctx.config.feeds
    options = SchedulerOptions(
        threads=feeds.scheduler_threads,
        jitter_s=feeds.jitter_s,
        backoff=(feeds.backoff.initial_s, feeds.backoff.max_s, feeds.backoff.factor),
    )

    def on_change(change: HealthChange) -> None:
        if recorder is not None:
            recorder.change(change.camera_code, datetime.fromtimestamp(change.at, timezone.utc),
                            change.from_state, change.to_state, change.detail)

    def on_frame(code: str, at: float) -> None:
        if recorder is not None:
            recorder.frame_seen(code, datetime.fromtimestamp(at, timezone.utc))

    sched = FeedScheduler(ctx.frames, thresholds=HealthThresholds.from_config(feeds.health), options=options,
                          on_change=on_change, on_frame=on_frame)
    for plan in plans:
        adapter: CameraAdapter | None = None
        reason = plan.reason
        if plan.spec is not None:
            try:
                adapter = make_adapter(plan.code, plan.spec)
            except FeedError as exc:
                reason = str(exc)
                log.error("%s", exc)
        if adapter is None:
            log.warning("camera %s has no usable source: %s", plan.code, reason)
        sched.add_camera(plan.code, adapter, plan.interval_s, reason)
    return sched


def _link_simulated_city(ctx) -> None:
    """Let rectified cases remove their objects from the simulated scenes (see :func:`feeds.simulated.link_city`)."""
    try:
        from .simulated import link_city

        link_city(ctx)
    except Exception:  # noqa: BLE001 - the demo link is optional; sampling must start regardless
        log.exception("simulated city: could not link rectifications to the scenes")


def start_feeds(ctx, keep=None) -> FeedScheduler:
    """Start sampling every enabled camera (or those ``keep(code)`` accepts); registers status and a stopper."""
    recorder = HealthRecorder(ctx.sessions)
    plans = load_plans(ctx, keep)
    sched = build_scheduler(ctx, plans, recorder)

    def flush() -> None:
        try:
            recorder.flush()
        except Exception:  # noqa: BLE001 - logged by the recorder; retried next time
            pass

    sched.add_periodic("health-flush", flush, FLUSH_EVERY_S)
    if any(p.spec is not None and p.spec.kind == SIMULATED for p in plans):
        _link_simulated_city(ctx)
    sched.start()
    ctx.status["scheduler"] = sched.stats
    ctx.status["cameras"] = sched.camera_stats

    def stop() -> None:
        sched.stop()
        try:
            recorder.flush(force=True)  # the last frame times and changes, unthrottled
        except Exception:  # noqa: BLE001 - logged by the recorder
            pass

    ctx.stoppers.append(stop)
    log.info("feeds: sampling %d cameras", len(plans))
    return sched
