"""Separate processes for deployments beyond one process: ``civicwatch web`` and ``civicwatch scheduler``.

``civicwatch run`` keeps everything in one process (the embedded default). In production the web server
runs under gunicorn with several workers (no cameras in them), and the scheduler process samples the
cameras and runs the periodic workflow jobs; with ``scale.celery: true`` it enqueues the frames for the
``civicwatch worker`` processes, otherwise it analyses them itself. They share only the database (and
Redis when scaled). ``civicwatch pipeline`` is the same command as ``civicwatch scheduler`` (older name).
"""
from __future__ import annotations

import os
import signal
import threading

import click

from civicwatch import runtime


@click.command("web")
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option("--port", type=int, default=None, help="Port (default: server.port).")
@click.option("--workers", type=int, default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", type=int, default=8, show_default=True, help="Threads per worker.")
@click.pass_obj
def web(obj, host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve the pages and the API with gunicorn (no camera pipeline in this process)."""
    from gunicorn.app.base import BaseApplication

    cfg = obj.config()
    ctx = runtime.prepare(cfg, echo=click.echo)  # migrate + seed once, before forking
    # sessions are cookies signed with the secret key: every worker (and every web host) must use the same
    # one. From the environment, or created here once, before forking (workers racing to create it could
    # each sign with a different key).
    from dashboard.access import _secret_key

    _secret_key(ctx)
    if not os.environ.get(cfg.auth.secret_key_env):
        click.echo(f"note: {cfg.auth.secret_key_env} is not set; the workers share {cfg.data_path}/secret_key "
                   "(set the variable to run web on several hosts)", err=True)
    ctx.engine.dispose()
    bind = f"{host or cfg.server.host}:{port or cfg.server.port}"

    class _Web(BaseApplication):
        def load_config(self):
            for key, value in {"bind": bind, "workers": workers, "threads": threads,
                               "worker_class": "gthread", "timeout": 60, "graceful_timeout": 20,
                               "accesslog": None}.items():
                self.cfg.set(key, value)

        def load(self):  # runs in each worker after fork: its own engine and connection pool
            from dashboard.app import create_app
            from models.context import AppContext

            from civicwatch.queue_metrics import register_queue_metrics

            server = create_app(AppContext.from_config(cfg)).server
            register_queue_metrics(server, cfg)
            return server

    click.echo(f"CivicWatch web on http://{bind} ({workers} workers × {threads} threads)")
    _Web().run()


def _feed_shard(_ctx, _param, value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected K/N, e.g. 0/2") from None
    if n < 1 or not 0 <= k < n:
        raise click.BadParameter(f"{value!r}: need 0 <= K < N")
    return k, n


@click.command("scheduler")
@click.option("--feed-shard", callback=_feed_shard, default=None, metavar="K/N",
              help="Sample only the cameras of feed shard K of N (crc32 of the camera code); default: all.")
@click.pass_obj
def scheduler(obj, feed_shard: tuple[int, int] | None) -> None:
    """Sample the cameras and run the workflow jobs (frames to Celery workers when scale.celery), until SIGTERM."""
    cfg = obj.config()
    ctx = runtime.prepare(cfg, echo=click.echo)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        runtime.start_services(ctx, feed_shard)
        where = "Celery workers" if cfg.scale.celery else "detection in this process"
        click.echo(f"CivicWatch scheduler running (feeds → {where}; workflow jobs); Ctrl-C to stop")
        while not done.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        ctx.stop()


def register(cli: click.Group) -> None:
    cli.add_command(web)
    cli.add_command(scheduler)
    cli.add_command(scheduler, name="pipeline")  # the earlier name, kept for existing units and scripts
