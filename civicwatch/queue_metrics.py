"""Celery queue depth in ``/api/v1/metrics`` (队列积压): frames waiting in each shard's Redis queue.

With ``scale.celery`` the scheduler sends each camera's frames to its shard's queue and ``civicwatch worker
--shard K`` drains it. A queue that keeps growing means that shard's worker is down or too slow: the
operator sees it as ``civicwatch_celery_queue_depth{queue="civicwatch.frames.K"}``, read from Redis at scrape
time (``LLEN``; Celery's Redis transport keeps a queue as one list). ``civicwatch_celery_broker_up`` is 0
while Redis does not answer. Registered by the web processes (``civicwatch web``, ``civicwatch run``) when
``scale.celery`` is on; the dashboard itself knows nothing of Celery.
"""
from __future__ import annotations

import redis
from prometheus_client.core import GaugeMetricFamily

from models.config import AppConfig

from .workers import queue_name


class CeleryQueueCollector:
    """Prometheus collector: one LLEN per shard queue at scrape time."""

    def __init__(self, redis_url: str, shards: int, timeout_s: float = 1.0):
        self.client = redis.Redis.from_url(redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self.queues = [queue_name(k) for k in range(shards)]

    def collect(self):
        depth = GaugeMetricFamily("civicwatch_celery_queue_depth", "Frames waiting in a shard's Celery queue",
                                  labels=["queue"])
        up = GaugeMetricFamily("civicwatch_celery_broker_up", "1 when the Celery broker (Redis) answers")
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for q in self.queues:
                    pipe.llen(q)
                lengths = pipe.execute()
        except redis.RedisError:
            up.add_metric([], 0.0)
            yield up
            return
        for q, n in zip(self.queues, lengths):
            depth.add_metric([q], float(n))
        up.add_metric([], 1.0)
        yield depth
        yield up


def register_queue_metrics(server, config: AppConfig) -> CeleryQueueCollector | None:
    """Add the collector to the app's metric registry when frames go through Celery; ``None`` otherwise."""
    if not (config.scale.celery and config.scale.redis_url):
        return None
    collector = CeleryQueueCollector(config.scale.redis_url, config.scale.shard_count)
    server.config["CIVICWATCH_METRICS"].register(collector)
    return collector
