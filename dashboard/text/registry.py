"""UI text of the 责任单位, 创建指标 and 点位/摄像头 pages (Simplified Chinese)."""
from __future__ import annotations

from . import labels as L

PERIODS = {"day": "日", "week": "周", "month": "月", "year": "年"}
PERIOD_LABEL = "统计周期"
PERIOD_DATE = "所在日期"
PERIOD_SHOWN = "统计区间：{label}（按交办时间统计）"
PREV = "上期"

KPI = L.KPI
KPI_HINT = {
    "rectification_rate": "已处理 ÷ 派发",
    "on_time_handle_rate": "按期处理 ÷ 应办结",
    "rework_rate": "返工案件 ÷ 应办结",
    "extension_rate": "延期案件 ÷ 应办结",
    "overdue_now": "现在已超过整改期限、仍在单位办理中的案件",
    "avg_handle_hours": "从交办到报告整改",
    "score": "0.3处置率 + 0.2按期 + 0.2(1−返工率) + 0.2(1−超期率) + 0.1(1−延期率)，满分100",
}
HOURS = L.HOURS
NO_VALUE = "—"
UNIT_KINDS = {"city_bureau": "市直部门", "district": "区县政府", "street_office": "街道/乡镇", "enterprise": "企业单位"}

# Units
UNITS_TITLE = "责任单位"
UNITS_TAB_ALL = "单位一览"
UNITS_TAB_RANK = "成效排名"
UNITS_TAB_IMPROVED = "进步最快"
UNITS_COLS = {"name": "责任单位", "kind": "类型", "district": "区县"}
UNITS_EMPTY = "所选周期内没有交办给任何单位的案件。请选择更长的统计周期（如“年”），或在“案件”页交办案件后再查看。"
RANK_EMPTY = "所选周期内还没有应办结的案件，暂无排名。请选择更长的统计周期。"
IMPROVED_EMPTY = "与上一周期相比暂无得分提高的单位。上一周期没有应办结案件的单位不参与比较。"
RANK_NOTE = "按综合得分排序，只统计有应办结案件的单位；鼓励先进，不设“后进榜”。"
IMPROVED_NOTE = "与上一个同长度周期相比综合得分提高最多的单位。"
RANK_COLS = {"rank": "名次", "improvement": "较上期", "previous_score": "上期得分"}
AVG_HOURS_COL = "平均时长(h)"
UNIT_NOT_FOUND = "没有编号为 {code} 的责任单位。请回到责任单位列表重新选择。"
UNIT_FORBIDDEN = "您只能查看本单位的统计。"
BACK_TO_UNITS = "返回责任单位列表"
UNIT_INFO = {"kind": "单位类型", "district": "所属区县", "parent": "上级单位", "contact": "联系人"}
UNIT_TREND = "案件趋势"
TREND_SERIES = L.TREND_SERIES
UNIT_OPEN = "在办与超期案件"
UNIT_OPEN_EMPTY = "该单位目前没有在办案件。"
UNIT_INDICATORS = "承担的创建指标"
UNIT_INDICATORS_EMPTY = "该单位还没有分配创建指标。文明办可在“创建指标”页为指标添加责任单位。"
CASE_COLS = L.pick(L.CASE_FIELDS, "code", "state", "type", "point", "deadline_at", overdue="超期")
OVERDUE_YES = "已超期"

# Indicators
IND_TITLE = "创建指标"
IND_CLASSES = ("文明城市", "文明单位", "文明村镇", "文明校园")
IND_ALL = "全部"
IND_SUMMARY = "{n} 项指标 · 已分配 {assigned} · 达标 {met}"
IND_COMPLETION = "平均完成度"
IND_TREE = "指标分类"
IND_SEARCH = "搜索编号或名称"
IND_UNIT_FILTER = "责任单位"
IND_COLS = {"code": "编号", "name": "指标名称", "creation_class": "创建类别", "category": "分类",
            "subcategory": "子类", "unit": "责任单位", "target": "目标", "progress": "当前进度",
            "completion": "完成度", "evidence": "佐证材料", "updated": "最近更新",
            "updated_by": "更新人", "open_cases": "相关在办问题"}
IND_UNASSIGNED = "（未分配）"
IND_MEASURED = "按案件自动计算"
IND_HISTORY = "填报历史"
IND_HISTORY_EMPTY = "暂无填报记录。"
IND_HISTORY_LINE = "{at} {actor} 填报 {value}{target}{note}"
IND_MEASURED_CASES = "本年 {n} 件案件（{rule}）"
IND_EMPTY = "没有符合条件的指标。请清空搜索词或选择“全部”类别。"
IND_EDIT = "编辑进度"
IND_EDIT_PICK = "在表格中点选一行（某项指标的某个责任单位），即可在这里修改进度、目标和佐证材料。"
IND_EDIT_UNASSIGNED = "这项指标还没有责任单位，请先在下方添加。"
IND_PROGRESS = "当前进度"
IND_OWN_TARGET = "单位目标（留空则用指标目标 {target}）"
IND_EVIDENCE = "佐证材料（文件名、台账位置或说明）"
IND_SAVE = "保存"
IND_SAVED = "已保存：{name} · {unit}，进度 {progress}（{who}，{when}）。"
IND_ADD_UNIT = "添加责任单位"
IND_ADD = "添加"
IND_REMOVE = "移除该单位"
IND_ADDED = "已为“{name}”添加责任单位 {unit}。"
IND_REMOVED = "已从“{name}”移除责任单位 {unit}。"
IND_READONLY = "您的角色只能查看指标；如需修改进度，请联系文明办督查员。"
IND_ERROR = "未保存：{error}"
IND_FIELD_ERRORS = {"progress": "进度", "target": "目标", "evidence": "佐证材料", "unit": "责任单位"}

# Points and cameras
POINTS_TITLE = "点位与摄像头"
POINTS_TAB_MAP = "地图"
POINTS_TAB_LIST = "列表"
POINT_STATES = L.POINT_STATES
POINT_COLS = {"code": "点位编号", "name": "点位名称", "category": "类别", "district": "区县", "cameras": "摄像头",
              "online": "在线", "open": "在办问题", "overdue": "超期", "month": "近30天问题", "recur": "近30天复发",
              "state": "状态"}
POINTS_FILTER_DISTRICT = "区县"
POINTS_FILTER_CATEGORY = "类别"
POINTS_SEARCH = "搜索点位名称或编号"
POINTS_EMPTY = "还没有点位。请用命令 civicwatch registry import 导入点位清单。"
POINTS_NONE_MATCH = "没有符合条件的点位，请清空筛选条件。"
MAP_HINT = "点击地图上的点位查看详情。"
POINTS_BY_DISTRICT = "各区县点位"
POINTS_BY_DISTRICT_COUNT = "点位"
POINTS_BY_DISTRICT_CAMS = "摄像头在线"
POINT_NOT_FOUND = "没有编号为 {code} 的点位。请回到点位列表重新选择。"
BACK_TO_POINTS = "返回点位列表"
POINT_INFO = {"category": "类别", "district": "区县", "address": "地址", "units": "责任单位", "coords": "坐标"}
POINT_CAMERAS = "摄像头"
POINT_CASES = "点位案件（最近 100 件）"
POINT_CASES_EMPTY = "这个点位还没有案件。"
POINT_HISTORY = "近12个月问题数"
POINT_HOURS = "问题发现时段（近90天）"
POINT_RECUR = "反复发生的问题（近90天）"
OPEN_CAMERA = "查看画面与区域"

CAMERA_TITLE = "摄像头 {code}"
CAMERA_NOT_FOUND = "没有编号为 {code} 的摄像头。请回到点位列表重新选择。"
CAMERA_INFO = {"point": "所属点位", "source": "接入方式", "interval": "采样间隔", "health": "状态",
               "since": "状态开始", "last_frame": "最近画面", "enabled": "启用"}
HEALTH = L.CAMERA_HEALTH
SNAPSHOT = "最新画面"
SNAPSHOT_AT = "画面时间：{at}（{source}）"
SNAPSHOT_LIVE = "实时"
SNAPSHOT_EVIDENCE = "最近一张证据图"
POINT_NO_RECUR = "近90天没有反复发生的问题。"
SNAPSHOT_LOADING = "正在获取最新画面…（摄像头在线，几秒后自动显示）"
SNAPSHOT_NONE = "暂无画面：摄像头还没有送来图像。请确认摄像头在线、采集服务已启动；画面会自动刷新。"
HEALTH_HISTORY = "状态记录（最近 50 条）"
HEALTH_EMPTY = "没有状态变化记录。"
HEALTH_COLS = {"at": "时间", "from": "原状态", "to": "新状态", "detail": "说明"}
SECONDS = "{s} 秒"

ZONES = "检测区域"
ZONES_NONE = "这个摄像头还没有设置检测区域，检测不会在这里报问题。请在下方新建区域。"
ZONE_KINDS = {"roadway": "机动车道", "sidewalk": "人行道", "no_parking": "禁停区", "fire_lane": "消防通道",
              "shop_front": "店前区域", "wall": "墙面", "green_space": "绿地", "water": "水域", "plaza": "广场",
              "construction": "施工区", "mask": "屏蔽区（不检测）"}
ZONE_EDITOR = "编辑区域"
ZONE_PICK = "选择区域"
ZONE_NEW = "＋ 新建区域"
ZONE_NAME = "区域名称"
ZONE_KIND = "区域类型"
ZONE_HELP = ("在画面上按顺序逐个点击区域的各个顶点（至少 3 个，沿边界绕一圈，不要交叉），"
             "然后点“保存区域”。点“撤销一点”去掉最后一个点，点“清空”重新画。")
ZONE_POINTS = "已点 {n} 个顶点"
ZONE_UNDO = "撤销一点"
ZONE_CLEAR = "清空"
ZONE_SAVE = "保存区域"
ZONE_DELETE = "删除区域"
ZONE_DELETE_CONFIRM = "确定删除选中的区域吗？删除后检测将不再使用它。"
ZONE_SAVED = "已保存区域“{name}”（{n} 个顶点）。正在运行的检测服务会在 5 秒内改用新区域。"
ZONE_DELETED = "已删除区域“{name}”。"
ZONE_INVALID = "区域未保存：{error}"
ZONE_READONLY = "只有文明办督查员和系统管理员可以编辑区域。"
LOAD_ERROR = "统计失败：{error}。请刷新页面重试；如果仍然失败，请联系系统管理员。"
IND_CLASS_LINE = "已分配 {assigned} · 达标 {met}"
