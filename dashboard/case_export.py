"""Exporting the filtered case list to XLSX in the background, with progress (导出 Excel).

A job runs in a thread (openpyxl write-only mode: constant memory), reports rows done / total, and its
file is fetched by the user who started it from ``GET /api/v1/cases/exports/<job>``.
"""
from __future__ import annotations

import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from models.case_queries import CaseFilter, case_count, iter_cases
from models.clock import fmt_local, utcnow
from models.context import AppContext
from models.spreadsheet_cells import safe_row

from .text import desktop as T

MAX_EXPORT_ROWS = 200_000
KEEP_S = 3600


@dataclass
class ExportJob:
    id: str
    owner_id: int | None
    owner_name: str
    total: int
    done: int = 0
    path: Path | None = None
    error: str | None = None
    finished: bool = False
    started: float = field(default_factory=time.monotonic)


_jobs: dict[str, ExportJob] = {}
_lock = threading.Lock()

HEADERS = [T.COL[k] for k in ("code", "state", "type", "district", "point", "unit", "source", "found_at",
                               "deadline_at", "overdue")] + ["问题描述"]


def _row(r: dict) -> list:
    return [r["code"], T.STATE_NAMES.get(r["state"], r["state"]), r["type"], r["district"] or "", r["point"] or "",
            r["unit"] or "", T.SOURCE_NAMES.get(r["source"], r["source"]), fmt_local(r["found_at"]),
            fmt_local(r["deadline_at"]), T.YES if r["overdue"] else T.NO, r["description"] or ""]


def write_xlsx(ctx: AppContext, f: CaseFilter, sort, scope_unit_id: int | None, path: Path,
               progress=lambda done: None) -> int:
    """Write the matching cases to ``path``; returns the number of rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("案件")
    ws.append(HEADERS)
    n = 0
    now = utcnow()
    with ctx.sessions() as s:
        for r in iter_cases(s, f, sort=sort, now=now, scope_unit_id=scope_unit_id):
            ws.append(safe_row(_row(r)))  # descriptions are citizens' text
            n += 1
            if n % 1000 == 0:
                progress(n)
    wb.save(path)
    progress(n)
    return n


def start_export(ctx: AppContext, f: CaseFilter, sort, *, scope_unit_id: int | None, owner_id: int | None,
                 owner_name: str) -> ExportJob:
    """Start a background export; raises ValueError when there are too many rows."""
    with ctx.sessions() as s:
        total = case_count(s, f, scope_unit_id=scope_unit_id)
    if total > MAX_EXPORT_ROWS:
        raise ValueError(T.EXPORT_TOO_MANY.format(n=total, limit=MAX_EXPORT_ROWS))
    job = ExportJob(id=secrets.token_urlsafe(12), owner_id=owner_id, owner_name=owner_name, total=total)
    _cleanup()
    with _lock:
        _jobs[job.id] = job

    def run():
        fd, name = tempfile.mkstemp(prefix="cases-", suffix=".xlsx")
        import os

        os.close(fd)
        try:
            job.done = write_xlsx(ctx, f, sort, scope_unit_id, Path(name), lambda d: setattr(job, "done", d))
            job.path = Path(name)
        except Exception as exc:  # noqa: BLE001 - shown to the user, logged
            import logging

            logging.getLogger(__name__).exception("case export failed")
            job.error = str(exc)
            Path(name).unlink(missing_ok=True)
        finally:
            job.finished = True

    threading.Thread(target=run, name=f"case-export-{job.id}", daemon=True).start()
    return job


def get_job(job_id: str) -> ExportJob | None:
    with _lock:
        return _jobs.get(job_id)


def _cleanup() -> None:
    now = time.monotonic()
    with _lock:
        for key, job in list(_jobs.items()):
            if job.finished and now - job.started > KEEP_S:
                if job.path:
                    job.path.unlink(missing_ok=True)
                del _jobs[key]
