"""Celery queue depth in /api/v1/metrics: read from Redis at scrape time, broker down reported as 0."""
from __future__ import annotations

import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest

from civicwatch.queue_metrics import CeleryQueueCollector, register_queue_metrics
from civicwatch.workers import queue_name
from models.config import parse_config

REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: the worker tests use 15


def _scrape(collector) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


@pytest.mark.redis
def test_queue_depth_per_shard_is_read_at_scrape_time():
    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    try:
        collector = CeleryQueueCollector(REDIS_URL, shards=3)
        r.rpush(queue_name(1), *[f"frame-{i}" for i in range(5)])
        text = _scrape(collector)
        assert f'civicwatch_celery_queue_depth{{queue="{queue_name(0)}"}} 0.0' in text
        assert f'civicwatch_celery_queue_depth{{queue="{queue_name(1)}"}} 5.0' in text
        assert f'civicwatch_celery_queue_depth{{queue="{queue_name(2)}"}} 0.0' in text
        assert "civicwatch_celery_broker_up 1.0" in text
        r.lpop(queue_name(1), 2)  # a worker took two
        assert f'civicwatch_celery_queue_depth{{queue="{queue_name(1)}"}} 3.0' in _scrape(collector)
    finally:
        r.flushdb()


def test_broker_down_is_a_metric_not_an_error():
    text = _scrape(CeleryQueueCollector("redis://127.0.0.1:9/0", shards=2, timeout_s=0.2))  # nothing listens
    assert "civicwatch_celery_broker_up 0.0" in text
    assert "civicwatch_celery_queue_depth{" not in text


@pytest.mark.redis
def test_registered_on_the_app_only_when_frames_go_through_celery(sqlite_ctx):
    from dashboard.app import create_app

    app = create_app(sqlite_ctx)
    plain = parse_config({"data_dir": str(sqlite_ctx.config.data_path)})
    assert register_queue_metrics(app.server, plain) is None
    scaled = parse_config({"data_dir": str(sqlite_ctx.config.data_path),
                           "scale": {"celery": True, "redis_url": REDIS_URL, "shard_count": 2}})
    assert register_queue_metrics(app.server, scaled) is not None
    text = generate_latest(app.server.config["CIVICWATCH_METRICS"]).decode()
    assert f'civicwatch_celery_queue_depth{{queue="{queue_name(1)}"}}' in text
