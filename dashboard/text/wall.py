"""UI text of the wall display (一屏看全程). Every string the wall shows lives here."""
from __future__ import annotations

from . import labels as L

TITLE = "漳州精神文明建设平台"
SUBTITLE = "一屏看全程"
DEMO_BADGE = "演示数据"
# with `civicwatch demo history`: which figures are simulated history and which come from live detection
DEMO_HISTORY_BADGE = "演示数据 · 含模拟历史案件 {n:,} 件，其余由实时检测发现"
DEMO_HISTORY_TITLE = ("年度派发、整改率、趋势、排名和流程漏斗包含模拟的历史案件（演示历史数据，由模拟责任单位按工作流程生成）；"
                      "今日新发现的问题和实时告警来自摄像头画面的实时检测。")
LAST_UPDATE = "数据更新"

# KPI strip
KPI_POINTS = "点位"
KPI_CAMERAS = "前端监控"
KPI_ONLINE = "在线"
KPI_UNITS = "责任单位"
KPI_INDICATORS = "创建指标"
KPI_TYPES = "问题模型"
KPI_DISPATCHED = "年度派发"
KPI_HANDLED = L.KPI["handled"]
KPI_RATE = L.KPI["rectification_rate"]
UNIT_GE = "个"
UNIT_LU = "路"
UNIT_JIAN = "件"

TODAY = "今日"
TODAY_FOUND = "新发现"
TODAY_DISPATCHED = "已派发"
TODAY_RECTIFIED = "已整改"
TODAY_OVERDUE = "超期"

# process flow
PROCESS = "全流程 · 四单流转"
STAGES = ("发现", "立案", "交办", "整改", "复核", "销号")
DOCS = ("问题清单", "", "交办单", "整改单", "", "销号单")
FLOW_YEAR = "本年"
FLOW_TODAY = "今日"
FLOW_NOW = "在办"
FLOW_STUCK = "滞留"
FLOW_OVERDUE = "超期"
STUCK_HINT = "滞留：在本环节超过24小时"
TYPE_UNCONFIRMED = "在办案件中类型待确认"  # camera cases whose type a supervisor still has to confirm

# map
MAP_TITLE = "点位态势"
POINT_STATES = L.POINT_STATES
DISTRICT_OPEN = "在办问题"

# panels
EVENTS = "实时发现"
EVENTS_EMPTY = "暂无新问题"
NO_IMAGE = "无图"
TREND = "近30天 发现与整改"
TREND_FOUND = "发现"
TREND_RECTIFIED = "整改"
TYPES = "问题类型 TOP10（近30天）"
# the rankings are the year's incentive scores (正向激励评分, the same as 辅助决策 /decisions)
RANK_DISTRICTS = "区县先进榜（本年综合得分）"
RANK_IMPROVED = "进步最快（本年较上年）"
RANK_UNITS = "责任单位先进榜（本年综合得分）"
RANK_SCORE = "得分"
RANK_EMPTY = "数据积累中"
RANK_RATE = L.KPI["rectification_rate"]
RANK_ONTIME = "按期"
CAMERA_HEALTH = "监控健康"
CAMERA_STATES = L.pick(L.CAMERA_HEALTH, "online", "offline", "faulty", "unknown")

# the short stage names of the flow, as the state of a case in the event list
CASE_STATES = {**dict(zip(("found", "accepted", "dispatched", "rectified", "verified", "closed"), STAGES)),
               "invalid": "作废"}

# banners
BANNER_STALE = "视频管道已 {seconds} 秒没有新画面，屏幕数据可能滞后；系统正在自动恢复"
BANNER_NOT_RUNNING = "视频管道未运行，屏幕只显示已入库数据"
BANNER_OFFLINE = "与服务器的连接已中断，正在自动重连 …（显示的是最后一次收到的数据）"
BANNER_DB = "数据库暂时不可用，正在重试 …（显示的是最后一次收到的数据）"

# second view (rotation)
VIEW_RANKINGS = "成效与趋势"
