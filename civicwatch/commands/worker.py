"""``civicwatch worker --shard K``: a Celery worker analysing the frames of one camera shard."""
from __future__ import annotations

import os
import time

import click

from civicwatch.workers import queue_name, worker_app


@click.command("worker")
@click.option("--shard", type=int, default=0, show_default=True, help="Which camera shard to analyse.")
@click.option("--loglevel", default="warning", show_default=True)
@click.pass_obj
def worker(obj, shard: int, loglevel: str) -> None:
    """Run a Celery worker for one shard (frames of its cameras arrive in order; one process per shard)."""
    cfg = obj.config()
    if not cfg.scale.redis_url:
        raise click.UsageError("scale.redis_url is not set: the worker needs the Redis broker")
    if shard >= cfg.scale.shard_count:
        raise click.UsageError(f"--shard {shard}: must be < scale.shard_count ({cfg.scale.shard_count})")
    on_done = None
    bench_key = os.environ.get("CIVICWATCH_BENCH_KEY")
    if bench_key:  # benchmarks and tests ask workers to record each frame: start, done, camera, process
        import redis

        r = redis.Redis.from_url(cfg.scale.redis_url)

        def on_done(msg: dict, started: float) -> None:
            r.rpush(bench_key, f"{started:.6f},{time.time():.6f},{msg['camera']},{os.getpid()}")

    app = worker_app(cfg, on_done=on_done)
    app.worker_main(["worker", "--pool=solo", f"--queues={queue_name(shard)}", f"--loglevel={loglevel}",
                     f"--hostname=civicwatch-{shard}@%h", "--without-gossip", "--without-mingle"])


def register(cli: click.Group) -> None:
    cli.add_command(worker)
