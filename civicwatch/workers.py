"""Scale-out over Redis and Celery: frame analysis in worker processes, sharded by camera.

Each camera belongs to one shard (a stable CRC32 of its code), each shard is one Celery queue
(``civicwatch.frames.<k>``) consumed by one worker process with a solo pool, so a camera's frames are
analysed in order by the one process that holds its detection state (background model, tracked regions).
A restarted worker reloads the open cases of its cameras from the database (the detection sink does), so
it does not raise them again; its background models re-learn within a few samples.

Frames travel as JPEG, never pickled. The Celery message is small JSON (camera, times, size) naming a Redis
key that holds the raw JPEG bytes (``civicwatch:frame:<id>``, expiring after ``FRAME_TTL_S``; the worker
reads and deletes it with one ``GETDEL``): a 1280×720 frame is not base64-encoded twice (once in our JSON,
once more in Kombu's envelope) and JSON-parsed on the way. Without a store (tests, tools) the JPEG is
carried base64-encoded in the message itself; :func:`decode_frame` accepts both.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
import zlib
from datetime import datetime, timezone

import cv2
import numpy as np
from celery import Celery

from models.config import AppConfig
from models.frames import FrameEvent

log = logging.getLogger(__name__)
TASK = "civicwatch.analyse_frame"
NOTIFY_TASK = "civicwatch.notify_deliver"  # one sender run over the outbox (split shape; shard 0's queue)
FRAME_TTL_S = 600  # a frame not analysed within 10 minutes is dropped with its key
FRAME_KEY = "civicwatch:frame:"


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


def jpeg_of(ev: FrameEvent, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", ev.image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"camera {ev.camera_code}: frame could not be JPEG-encoded")
    return buf.tobytes()


def frame_message(ev: FrameEvent, jpeg: bytes, store=None) -> dict:
    """The task argument for one frame: the JPEG put in ``store`` (a Redis client) or base64 in the message."""
    msg = {"camera": ev.camera_code, "width": int(ev.image.shape[1]), "capture": ev.capture_time.timestamp(),
           "seq": ev.sequence, "media": ev.media_time_s, "sent": time.time()}
    if store is None:
        msg["jpeg"] = base64.b64encode(jpeg).decode("ascii")
    else:
        key = FRAME_KEY + uuid.uuid4().hex
        store.set(key, jpeg, ex=FRAME_TTL_S)
        msg["frame_key"] = key
    return msg


def encode_frame(ev: FrameEvent, quality: int = 85, store=None) -> dict:
    return frame_message(ev, jpeg_of(ev, quality), store)


def decode_frame(msg: dict, analysis_width: int, store=None) -> FrameEvent:
    """Decode at the largest JPEG scale that still gives ≥ 2× the analysis width (evidence stays legible)."""
    factor = 1
    for f in (8, 4, 2):
        if msg["width"] // f >= 2 * analysis_width:
            factor = f
            break
    flag = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}[factor]
    if "frame_key" in msg:
        if store is None:
            raise ValueError(f"camera {msg.get('camera')}: frame stored in Redis but no store to read it from")
        data = store.getdel(msg["frame_key"])
        if data is None:
            raise ValueError(f"camera {msg.get('camera')}: frame {msg['frame_key']} expired before analysis")
    else:
        data = base64.b64decode(msg["jpeg"])
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if image is None:
        raise ValueError(f"camera {msg.get('camera')}: frame is not a decodable JPEG")
    return FrameEvent(msg["camera"], datetime.fromtimestamp(msg["capture"], timezone.utc), image, int(msg["seq"]),
                      msg.get("media"))


class FrameForwarder:
    """In the pipeline process: takes frames off ``ctx.frames`` and sends them to their shard's queue."""

    def __init__(self, ctx, celery: Celery, store=None):
        self.ctx = ctx
        self.celery = celery
        self.store = store  # Redis client holding the JPEG bytes (None: base64 in the message)
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
                self.celery.send_task(TASK, args=[encode_frame(ev, store=self.store)],
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
    import redis

    fwd = FrameForwarder(ctx, make_celery(redis_url), store=redis.Redis.from_url(redis_url))
    fwd.start()
    ctx.status["forwarder"] = fwd.status
    ctx.stoppers.append(fwd.stop)
    return fwd


def worker_app(config: AppConfig, on_done=None) -> Celery:
    """The Celery app of a worker process: one detection service, created lazily in the worker."""
    import redis

    url = config.scale.redis_url or "redis://127.0.0.1:6379/0"
    app = make_celery(url)
    store = redis.Redis.from_url(url)
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
        started = time.time()
        svc = service()
        ev = decode_frame(msg, config.detection.analysis_width, store)
        svc.handle(ev)
        svc.processed += 1
        if on_done is not None:
            on_done(msg, started)

    notify_state: dict = {}

    @app.task(name=NOTIFY_TASK)
    def notify_deliver() -> dict:
        """Deliver the due notifications (the scheduler sends this task every ``notify.send_every_s``)."""
        from models.context import AppContext
        from models.notify.service import channels_for, deliver_once

        with lock:
            if "ctx" not in notify_state:
                notify_state["ctx"] = AppContext.from_config(config)
                notify_state["channels"] = channels_for(notify_state["ctx"])
        return deliver_once(notify_state["ctx"], notify_state["channels"])

    return app
