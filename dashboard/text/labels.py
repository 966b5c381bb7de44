"""Labels several areas show, defined once: KPI names, case fields, point and camera states, trend series.

The area modules (``registry``, ``reports``, ``desktop``, ``wall``) take their dicts from here, picking
and extending them, so one word is changed in one place.
"""
from __future__ import annotations

# the period KPIs of units, districts and briefings (models.kpi_report)
KPI = {
    "dispatched": "派发",
    "handled": "已处理",
    "rectification_rate": "整改率",
    "on_time_handle_rate": "按期处置率",
    "rework_rate": "返工率",
    "extension_rate": "延期率",
    "overdue_open": "超期待处置",
    "overdue_now": "当前超期待处置",
    "avg_handle_hours": "平均处置时长",
    "score": "综合得分",
    "due": "应办结",
    "found": "发现问题",
}
COUNT_UNIT = "件"
PERCENT = "%"
HOURS = "小时"

# a case's fields (案件), as column headings, filters and the case page
CASE_FIELDS = {
    "code": "案件编号",
    "state": "状态",
    "type": "问题类型",
    "source": "来源",
    "district": "区县",
    "point": "点位",
    "camera": "摄像头",
    "unit": "责任单位",
    "found_at": "发现时间",
    "dispatched_at": "交办时间",
    "deadline_at": "整改期限",
    "handled_at": "整改上报时间",
    "closed_at": "销号时间",
    "description": "问题描述",
    "reporter_contact": "举报人联系方式",
}

# a monitoring point's state on the maps (wall and points page)
POINT_STATES = {"normal": "正常", "open": "有问题在办", "overdue": "有超期问题", "offline": "监控离线/异常"}

# a camera's health (feeds.health)
CAMERA_HEALTH = {"online": "在线", "offline": "离线", "frozen": "画面冻结", "black": "黑屏", "faulty": "画面异常",
                 "unknown": "未接入", "blurred": "画面模糊", "covered": "镜头遮挡"}

# case counts over time (unit page, briefings)
TREND_SERIES = {"found": "发现", "dispatched": "派发", "handled": "报告整改"}


def pick(labels: dict[str, str], *keys: str, **extra: str) -> dict[str, str]:
    """``labels`` restricted to ``keys`` (in that order), then ``extra`` entries added or overriding."""
    return {**{k: labels[k] for k in keys}, **extra}
