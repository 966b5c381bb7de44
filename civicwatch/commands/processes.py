"""Separate processes for deployments beyond one process: ``civicwatch web`` and ``civicwatch pipeline``.

``civicwatch run`` keeps everything in one process (the embedded default). In production the web server
runs under gunicorn with several workers (no cameras in them), and the camera pipeline (feeds →
detection → workflow jobs) runs in its own process. Both share only the database.
"""
from __future__ import annotations

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

            return create_app(AppContext.from_config(cfg)).server

    click.echo(f"CivicWatch web on http://{bind} ({workers} workers × {threads} threads)")
    _Web().run()


@click.command("pipeline")
@click.pass_obj
def pipeline(obj) -> None:
    """Run the camera pipeline only: feeds → detection → workflow jobs, until SIGTERM/Ctrl-C."""
    cfg = obj.config()
    ctx = runtime.prepare(cfg, echo=click.echo)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        runtime.start_services(ctx)
        click.echo("CivicWatch pipeline running (feeds → detection → workflow); Ctrl-C to stop")
        while not done.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        ctx.stop()


def register(cli: click.Group) -> None:
    cli.add_command(web)
    cli.add_command(pipeline)
