"""UI text of the 通报/简报 page (daily, weekly, monthly briefings) and its XLSX workbook."""
from __future__ import annotations

from . import labels as L

TITLE = "统计报表"
KINDS = {"day": "日报", "week": "周报", "month": "月报"}
KIND_LABEL = "报表类型"
DATE_LABEL = "日期"
DOWNLOAD = "下载 Excel"
PRINT = "打印"
HEADING = "漳州市精神文明建设平台 · {kind}"
SUBHEADING = "统计区间：{label}　生成时间：{now}"
DEMO_NOTE = "（演示数据）"

SECTION_KPI = "一、总体情况"
SECTION_TREND = "二、趋势"
SECTION_DISTRICTS = "三、各区县情况"
SECTION_UNITS = "四、责任单位成效"
SECTION_TYPES = "五、问题类型"
SECTION_HOTSPOTS = "六、问题高发点位与时段"
SECTION_RECUR = "七、反复发生的问题"

KPI_COLS = ("指标", "本期", "上期", "变化")
KPI_ROWS = {k: f"{L.KPI[k]}（{unit}）" for k, unit in (
    ("found", L.COUNT_UNIT), ("dispatched", L.COUNT_UNIT), ("handled", L.COUNT_UNIT),
    ("rectification_rate", L.PERCENT), ("on_time_handle_rate", L.PERCENT), ("rework_rate", L.PERCENT),
    ("extension_rate", L.PERCENT), ("overdue_open", L.COUNT_UNIT), ("avg_handle_hours", L.HOURS))}
GROUP_COLS = ("名称", L.KPI["dispatched"], L.KPI["handled"], L.KPI["rectification_rate"] + L.PERCENT,
              L.KPI["on_time_handle_rate"] + L.PERCENT, L.KPI["rework_rate"] + L.PERCENT, L.KPI["overdue_open"],
              L.KPI["score"])
UNIT_TOP = "成效排名（前 {n} 名）"
UNIT_IMPROVED = "进步最快"
RANK_COLS = ("名次", "责任单位", L.KPI["score"], "上期得分", "较上期", L.KPI["dispatched"],
             L.KPI["rectification_rate"] + L.PERCENT)
TYPE_TOP = "问题类型（按派发数）"
HEAT_TITLE = "高发点位 × 时段（发现件数，北京时间）"
WEEK_HEAT_TITLE = "星期 × 时段（发现件数）"
PEAK = "高发时段：{hours}"
HOUR = "{h}时"
RECUR_COLS = ("点位", "问题类型", "发现件数", "复发次数", "高发时段")
RECUR_NOTE = "复发：问题销号后在同一点位再次出现，系统自动关联到上一次的案件。"
TREND_SERIES = L.TREND_SERIES
EMPTY = "所选区间内没有案件。请换一个日期，或改看周报、月报。"
SECTION_EMPTY = "本期无数据。"
ERROR = "报表生成失败：{error}。请刷新页面重试；如果仍然失败，请联系系统管理员。"
SHEETS = {"kpi": "总体情况", "trend": "趋势", "districts": "区县", "units": "责任单位", "types": "问题类型",
          "hotspots": "高发点位时段", "recur": "反复发生"}
