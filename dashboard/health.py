"""Process health: database reachability and the state of each running service."""
from __future__ import annotations

from typing import Any

from sqlalchemy import text

from models.clock import utcnow
from models.context import AppContext
from models.migrate import current_revision


def health_report(ctx: AppContext) -> dict[str, Any]:
    """JSON-able health: database dialect, reachability and revision, plus each service's own status."""
    db: dict[str, Any] = {"dialect": ctx.engine.dialect.name}
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        db["ok"] = True
        db["revision"] = current_revision(ctx.engine)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db["ok"] = False
        db["error"] = type(exc).__name__
    services: dict[str, Any] = {}
    for name, status in list(ctx.status.items()):
        try:
            services[name] = status()
        except Exception as exc:  # noqa: BLE001
            services[name] = {"ok": False, "error": type(exc).__name__}
    scheduler = services.get("scheduler", {"running": False})
    return {
        "status": "ok" if db["ok"] else "degraded",
        "time": utcnow().isoformat(),
        "database": db,
        "scheduler": scheduler,
        "services": services,
    }


# who sees the details (database, services, per-camera state and error texts); anyone else the overall status
DETAIL_ROLES = frozenset({"admin", "supervisor", "viewer"})


def public_health(report: dict[str, Any]) -> dict[str, Any]:
    """What an anonymous caller (a load balancer, an uptime probe) is told: the overall status and time."""
    return {"status": report["status"], "time": report["time"]}

