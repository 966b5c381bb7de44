"""Scale-out over Redis and Celery: frame analysis in worker processes, sharded by camera.

Each camera belongs to one shard (a stable CRC32 of its code), each shard is one Celery queue
(``civicwatch.frames.<k>``) consumed by one worker process with a solo pool, so a camera's frames are
analysed in order by the one process that holds its detection state (background model, tracked regions).
A restarted worker reloads the open cases of its cameras from the database (the detection sink does), so
it does not raise them again; its background models re-learn within a few samples.

Frames travel as JPEG (base64 in JSON: no pickle on the broker).
"""
from __future__ import annotations

import base64
import logging
import threading
import time
import zlib
from datetime import datetime, timezone

import cv2
import numpy as np
from celery import Celery

from models.config import AppConfig
from models.frames import FrameEvent

log = logging.getLogger(__name__)
TASK = "civicwatch.analyse_frame"


def shard_of(camera_code: str, shards: int) -> int:
    """The shard a camera belongs to: stable across processes and restarts."""
    return zlib.crc32(camera_code.encode("utf-8")) % shards


def queue_name(shard: int) -> str:
    return f"civicwatch.frames.{shard}"


def make_celery(redis_url: str) -> Celery:
    app = Celery("civicwatch", broker=redis_url)
    app.conf.update(
        task_serializer="json", accept_content=["json"], task_ignore_result=True,
        worker_prefetch_multiplier=16, broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False, task_default_queue=queue_name(0),
    )
    return app


def encode_frame(ev: FrameEvent, quality: int = 85) -> dict:
    ok, buf = cv2.imencode(".jpg", ev.image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"camera {ev.camera_code}: frame could not be JPEG-encoded")
    return {"camera": ev.camera_code, "jpeg": base64.b64encode(buf.tobytes()).decode("ascii"),
            "width": int(ev.image.shape[1]), "capture": ev.capture_time.timestamp(), "seq": ev.sequence,
            "media": ev.media_time_s, "sent": time.time()}


def decode_frame(msg: dict, analysis_width: int) -> FrameEvent:
    """Decode at the largest JPEG scale that still gives ≥ 2× the analysis width (evidence stays legible)."""
    factor = 1
    for f in (8, 4, 2):
        if msg["width"] // f >= 2 * analysis_width:
            factor = f
            break
    flag = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}[factor]
    image = cv2.imdecode(np.frombuffer(base64.b64decode(msg["jpeg"]), np.uint8), flag)
    if image is None:
        raise ValueError(f"camera {msg.get('camera')}: frame is not a decodable JPEG")
    return FrameEvent(msg["camera"], datetime.fromtimestamp(msg["capture"], timezone.utc), image, int(msg["seq"]),
                      msg.get("media"))


class FrameForwarder:
    """In the pipeline process: takes frames off ``ctx.frames`` and sends them to their shard's queue."""

    def __init__(self, ctx, celery: Celery):
        self.ctx = ctx
        self.celery = celery
        self.shards = ctx.config.scale.shard_count
        self.sent = 0
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frame-forwarder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            ev = self.ctx.frames.get(timeout=0.5)
            if ev is None:
                continue
            try:
                self.celery.send_task(TASK, args=[encode_frame(ev)],
                                      queue=queue_name(shard_of(ev.camera_code, self.shards)))
                self.sent += 1
            except Exception:  # noqa: BLE001 - a broker hiccup drops this frame, counted, not the process
                self.errors += 1
                log.exception("could not forward a frame of %s", ev.camera_code)

    def status(self) -> dict:
        return {"ok": self.errors == 0 or self.sent > 100 * self.errors, "sent": self.sent, "errors": self.errors,
                "shards": self.shards}


def start_forwarder(ctx) -> FrameForwarder:
    redis_url = ctx.config.scale.redis_url
    if not redis_url:
        raise ValueError("scale.celery: true needs scale.redis_url (the Redis broker)")
    fwd = FrameForwarder(ctx, make_celery(redis_url))
    fwd.start()
    ctx.status["forwarder"] = fwd.status
    ctx.stoppers.append(fwd.stop)
    return fwd


def worker_app(config: AppConfig, on_done=None) -> Celery:
    """The Celery app of a worker process: one detection service, created lazily in the worker."""
    app = make_celery(config.scale.redis_url or "redis://127.0.0.1:6379/0")
    state: dict = {}
    lock = threading.Lock()

    def service():
        with lock:
            if "svc" not in state:
                from models.context import AppContext
                from models.detection.service import DetectionService

                ctx = AppContext.from_config(config)
                svc = DetectionService(ctx)
                svc.start()  # housekeeping (re-check cameras, closed cases); its frame threads stay idle
                state["svc"] = svc
            return state["svc"]

    def shutdown(**_kw) -> None:  # warm shutdown (SIGTERM): write the buffered observations
        svc = state.get("svc")
        if svc is not None:
            svc.stop()

    from celery.signals import worker_shutdown

    worker_shutdown.connect(shutdown, weak=False)

    @app.task(name=TASK)
    def analyse_frame(msg: dict) -> None:
        svc = service()
        ev = decode_frame(msg, config.detection.analysis_width)
        svc.handle(ev)
        svc.processed += 1
        if on_done is not None:
            on_done(msg)

    return app
