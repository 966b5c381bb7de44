"""Periodic notification work: deadline-approaching reminders (临期提醒) and the leaders' 日报/周报.

Both only write outbox rows (idempotent by their keys), in the job's transaction; the sender delivers them.
"""
from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cases import Case, CaseState
from ..clock import LOCAL_TZ, as_utc, utcnow
from ..config import NotifyConfig
from .events import unit_targets
from .messages import Message, case_message
from .outbox import Target, enqueue

BATCH = 500
WINDOW_STARTS = ("dispatch", "rework", "approve_extension")  # transitions that start a deadline window
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def window_start(case: Case) -> datetime | None:
    """When the current deadline window began (last 交办, 返工 or approved 延期)."""
    starts = [t.at for t in case.transitions if t.action in WINDOW_STARTS]
    return as_utc(starts[-1]) if starts else None


def deadline_soon(session: Session, cfg: NotifyConfig, now: datetime | None = None,
                  done: set[tuple[int, datetime]] | None = None) -> int:
    """Tell the units whose cases have used ``deadline_soon_fraction`` of their time; once per deadline.

    ``done`` (kept by the caller between runs) remembers the (case, deadline) pairs already handled, so a
    steady run does not look at their logs and outbox again; the outbox's unique key is what guarantees
    "once" (after a restart ``done`` is empty and the keys answer).
    """
    now = as_utc(now or utcnow())
    f = cfg.deadline_soon_fraction
    cases = session.scalars(select(Case).where(Case.state == CaseState.DISPATCHED.value, Case.deadline_at > now)
                            .order_by(Case.deadline_at).limit(BATCH))
    written = 0
    current = set()
    for case in cases:
        deadline = as_utc(case.deadline_at)
        pair = (case.id, deadline)
        current.add(pair)
        if done is not None and pair in done:
            continue
        first = as_utc(case.dispatched_at or deadline)
        if now < first + (deadline - first) * f:  # cheap test first: the real window starts no earlier
            continue
        start = window_start(case) or first
        if now < start + (deadline - start) * f:
            continue
        if done is not None:
            done.add(pair)
        targets = unit_targets(session, cfg, case.unit_id)
        if not targets:
            continue
        rows = enqueue(session, event="deadline_soon", occurrence=deadline.isoformat(), targets=targets,
                       message=case_message(session, case, "deadline_soon", cfg.base_url),
                       case_id=case.id, case_code=case.code, at=now)
        written += len(rows)
    if done is not None:
        done.intersection_update(current)  # forget cases no longer waiting (handled, new deadline …)
    return written


def due_briefings(cfg: NotifyConfig, now: datetime, last_checked: datetime) -> list[tuple[str, date]]:
    """The briefings whose local send time fell in (last_checked, now]: ("day", yesterday) / ("week", last week)."""
    out = []
    lo, hi = as_utc(last_checked).astimezone(LOCAL_TZ), as_utc(now).astimezone(LOCAL_TZ)
    day = lo.date()
    while day <= hi.date():
        for kind, at in (("day", cfg.briefing.daily_at), ("week", cfg.briefing.weekly_at)):
            if at is None or (kind == "week" and day.weekday() != 0):
                continue
            moment = datetime.combine(day, datetime.strptime(at, "%H:%M").time(), tzinfo=LOCAL_TZ)
            if lo < moment <= hi:
                out.append((kind, day - timedelta(days=1)))
        day += timedelta(days=1)
    return out


def briefing_text(b: dict) -> str:
    cur = b["current"]
    label = {"day": "日报", "week": "周报"}.get(b["kind"], b["kind"])
    p = b["period"]
    span = f"{p.first_day:%Y-%m-%d}" + (f" 至 {p.last_day:%Y-%m-%d}" if p.last_day != p.first_day else "")
    lines = [f"文明城市问题处置{label}（{span}）",
             f"- 发现问题：{cur.get('found', 0)} 件",
             f"- 交办：{cur.get('dispatched', 0)} 件，已处置：{cur.get('handled', 0)} 件",
             f"- 整改率：{_pct(cur.get('rectification_rate'))}，按期处置率：{_pct(cur.get('on_time_handle_rate'))}",
             f"- 超期未处置：{cur.get('overdue_open', 0)} 件"]
    top = b.get("units_ranked") or []
    if top:
        lines.append("- 单位排名前三：" + "、".join(str(r.get("name", r.get("label", ""))) for r in top[:3]))
    lines.append("详见附件（XLSX）。")
    return "\n".join(lines)


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1f}%" if v > 1 else f"{v * 100:.1f}%"


def write_briefing(session: Session, cfg: NotifyConfig, kind: str, day: date, now: datetime,
                   workbook: Callable[[dict], bytes] | None = None, weights=None) -> int:
    """Queue the ``kind`` briefing of the period containing ``day`` to the configured leaders."""
    from ..briefing import build_briefing

    targets = [Target(r.channel, r.address, r.label or "领导") for r in cfg.briefing.recipients]
    if not targets:
        return 0
    b = build_briefing(session, kind, day, now, weights=weights)
    label = {"day": "日报", "week": "周报"}.get(kind, kind)
    payload = {"event_label": label}
    if workbook is not None:
        name = f"{label}_{b['period'].first_day:%Y%m%d}.xlsx"
        payload["attachments"] = [{"name": name, "mime": XLSX, "data": base64.b64encode(workbook(b)).decode("ascii")}]
    msg = Message(subject=f"【{label}】{b['period'].first_day:%Y-%m-%d}", body=briefing_text(b), payload=payload)
    return len(enqueue(session, event="briefing", occurrence=f"{kind}:{b['period'].first_day.isoformat()}",
                       targets=targets, message=msg, at=now))
