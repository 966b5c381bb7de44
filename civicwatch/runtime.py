"""Process start: migrate, seed the demo registry, start feeds, detection, workflow jobs and the web server."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import func, select

from models.accounts import Role, User
from models.config import AppConfig
from models.context import AppContext
from models.migrate import upgrade
from models.registry import MonitoringPoint
from models.security import add_user, create_token, generate_password, resolve_token

log = logging.getLogger(__name__)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def prepare(config: AppConfig, echo=print) -> AppContext:
    """Open the database, migrate it and import the seed registry when it is empty."""
    ctx = AppContext.from_config(config)
    echo("• 数据库迁移 / migrating database …")
    upgrade(ctx.engine)
    with ctx.sessions() as session:
        empty = session.scalar(select(func.count()).select_from(MonitoringPoint)) == 0
    if empty and config.registry_seed_dir:
        from models.registry_io import import_registry

        seed = config.path(config.registry_seed_dir)
        echo(f"• 导入点位登记 / importing registry from {seed} …")
        import_registry(ctx.sessions, seed, progress=True)
    return ctx


def first_start_credentials(ctx: AppContext, echo=print) -> dict[str, str]:
    """Create the first admin (one-time password, printed once) and the wall token if missing.

    The wall token lives ``auth.wall_token_days``; when the one in ``{data_dir}/wall_token`` has expired or
    was revoked (`civicwatch token revoke`), a new one is made and written there (rotation on restart)."""
    out: dict[str, str] = {}
    data = ctx.config.data_path
    token_file = data / "wall_token"
    with ctx.sessions.begin() as session:
        has_admin = session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value))
        if not has_admin:
            password = generate_password()
            add_user(session, "admin", password, Role.ADMIN.value, display_name="系统管理员",
                     must_change_password=True)
            out["admin_password"] = password
        current = token_file.read_text(encoding="utf-8").strip() if token_file.exists() else ""
        if resolve_token(session, current) is None:
            token, _ = create_token(session, Role.WALL.value, name="wall (first start)",
                                    days=ctx.config.auth.wall_token_days)
            _write_private(token_file, token)
    out["wall_token"] = token_file.read_text(encoding="utf-8").strip()
    return out


def start_services(ctx: AppContext, feed_shard: tuple[int, int] | None = None) -> None:
    """Start the embedded pipeline: camera feeds → detection → workflow jobs (all in this process).

    ``feed_shard=(k, n)``: sample only the cameras with ``crc32(code) % n == k`` (one of n scheduler processes).
    """
    from feeds.service import start_feeds
    from models.detection.service import start_detection
    from models.workflow.service import start_workflow_jobs

    start_workflow_jobs(ctx)
    start_notifications(ctx)
    if ctx.config.scale.celery:
        from civicwatch.workers import start_forwarder

        start_forwarder(ctx)  # frames go to Celery workers (`civicwatch worker --shard K`)
    else:
        start_detection(ctx)
    keep = None
    if feed_shard is not None:
        from civicwatch.workers import shard_of

        k, n = feed_shard
        keep = lambda code: shard_of(code, n) == k  # noqa: E731
    start_feeds(ctx, keep)


def start_notifications(ctx: AppContext) -> None:
    """The notification jobs: the sender in this process, or (``scale.celery``) as a Celery task per tick."""
    from dashboard.report_workbook import briefing_workbook
    from models.notify.service import start_notify_jobs

    send_task = None
    if ctx.config.scale.celery and ctx.config.scale.redis_url:
        from civicwatch.workers import NOTIFY_TASK, make_celery, queue_name

        celery = make_celery(ctx.config.scale.redis_url)
        send_task = lambda: celery.send_task(NOTIFY_TASK, queue=queue_name(0))  # noqa: E731
    start_notify_jobs(ctx, workbook=briefing_workbook, send_task=send_task)


def serve(ctx: AppContext, host: str, port: int) -> None:
    """Serve the Dash/Flask app with the embedded WSGI server until interrupted."""
    from waitress import serve as waitress_serve

    from dashboard.app import create_app

    from .queue_metrics import register_queue_metrics

    app = create_app(ctx)
    register_queue_metrics(app.server, ctx.config)
    waitress_serve(app.server, host=host, port=port, threads=ctx.config.server.threads, ident="CivicWatch",
                   connection_limit=ctx.config.server.connection_limit)
