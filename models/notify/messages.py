"""The text of a case message: case code, type, place, deadline and the link to ``/tasks/<code>``.

Deliberately absent: the case description and the reporter's contact. A citizen's 随手拍 text may hold their
name or phone, and units are never shown either (the citizen's own message carries only the tracking code).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cases import Case
from ..clock import fmt_local
from ..registry import MonitoringPoint, ProblemType, ResponsibleUnit

EVENT_LABELS = {
    "dispatch": "交办", "deadline_soon": "临期提醒", "remind": "催办", "overdue": "超期督办", "escalate": "督办",
    "return": "退回", "rework": "返工", "extension_request": "延期申请", "extension_approved": "延期已批准",
    "extension_refused": "延期被驳回", "citizen_accepted": "随手拍已受理", "citizen_closed": "随手拍已办结",
    "citizen_rejected": "随手拍不予受理", "briefing": "简报", "test": "测试消息",
}

LEADS = {
    "dispatch": "新案件已交办贵单位，请按期处置。",
    "deadline_soon": "案件即将到期，请抓紧处置并反馈整改结果。",
    "remind": "指挥中心催办：请尽快处置。",
    "overdue": "案件已超过处置期限，现予督办，请立即处置。",
    "escalate": "案件督办：请立即处置并反馈。",
    "return": "责任单位退回案件，请重新派遣。",
    "rework": "复核未通过，案件返工，请重新整改。",
    "extension_request": "责任单位申请延期，请审批。",
    "extension_approved": "延期申请已批准，请在新期限内处置。",
    "extension_refused": "延期申请被驳回，请按原期限处置。",
}


@dataclass
class Message:
    subject: str
    body: str  # markdown-compatible plain text (robots render it as markdown)
    payload: dict[str, Any] = field(default_factory=dict)


def case_facts(session, case: Case) -> dict[str, Any]:
    """What a message may say about a case (nothing personal)."""
    with session.no_autoflush:
        ptype = session.get(ProblemType, case.problem_type_id)
        point = session.get(MonitoringPoint, case.point_id) if case.point_id else None
        unit = session.get(ResponsibleUnit, case.unit_id) if case.unit_id else None
    place = point.name if point else ""
    if point is not None and point.address:
        place = f"{place}（{point.address}）"
    if not place and case.lon is not None:
        place = f"经纬度 {case.lon:.5f}, {case.lat:.5f}"
    return {"code": case.code, "type": ptype.name if ptype else "", "place": place or "未定位",
            "deadline": fmt_local(case.deadline_at, "%Y-%m-%d %H:%M") if case.deadline_at else "—",
            "unit": unit.name if unit else ""}


def case_message(session, case: Case, event: str, base_url: str | None, note: str | None = None,
                 for_unit: str | None = None) -> Message:
    """The message about ``case`` for ``event`` (to a unit, the center or a leader)."""
    f = case_facts(session, case)
    label = EVENT_LABELS.get(event, event)
    link = f"{(base_url or '').rstrip('/')}/tasks/{f['code']}"
    lines = [LEADS.get(event, label),
             f"- 案件编号：{f['code']}",
             f"- 问题类型：{f['type']}",
             f"- 地点：{f['place']}",
             f"- 处置期限：{f['deadline']}"]
    if f["unit"]:
        lines.append(f"- 责任单位：{f['unit']}")
    if for_unit:
        lines.append(f"- 接收单位：{for_unit}")
    if note and event in ("return", "rework", "extension_refused", "extension_request", "remind"):
        lines.append(f"- 说明：{note[:200]}")
    lines.append(f"- 办理：{link}")
    return Message(subject=f"【{label}】{f['code']} {f['type']}", body="\n".join(lines),
                   payload={"link": link, "case_code": f["code"], "type": f["type"], "place": f["place"],
                            "deadline": f["deadline"], "event_label": label})


def citizen_message(case: Case, event: str) -> Message:
    """The message to the reporter of a 随手拍: their tracking code and the public status only."""
    label = EVENT_LABELS[event]
    text = {"citizen_accepted": "您反映的问题已受理，我们将尽快处置。",
            "citizen_closed": "您反映的问题已处置完毕，感谢您对文明城市建设的支持。",
            "citizen_rejected": "您反映的问题经核实不予受理，详情可凭查询码查看。"}[event]
    code = case.external_ref or ""
    return Message(subject=f"【{label}】查询码 {code}", body=f"{text}查询码：{code}",
                   payload={"tracking_code": code, "event_label": label})
