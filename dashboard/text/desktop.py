"""UI text of the desktop shell and the supervisors' / units' case pages (案件, 我的任务)."""
from __future__ import annotations

from . import labels as L

PRODUCT = "漳州精神文明建设平台"
PRODUCT_SHORT = "文明创建指挥平台"

NAV = {
    "cases": "案件",
    "tasks": "我的任务",
    "my_unit": "本单位",
    "units": "责任单位",
    "indicators": "创建指标",
    "points": "点位与摄像头",
    "reports": "统计报表",
    "decisions": "辅助决策",
    "notifications": "通知",
    "wall": "大屏",
}

ROLE_NAMES = {
    "admin": "系统管理员",
    "supervisor": "文明办督查员",
    "unit": "责任单位操作员",
    "viewer": "只读用户",
    "wall": "大屏",
    "edge": "边缘设备",
    "anonymous": "未登录",
}

LOGOUT = "退出登录"
CHANGE_PASSWORD = "修改密码"
SKIP_TO_CONTENT = "跳到正文"

STATE_NAMES = {
    "found": "发现",
    "accepted": "立案",
    "dispatched": "交办",
    "rectified": "已整改待复核",
    "verified": "复核通过",
    "closed": "销号",
    "invalid": "作废",
}

SOURCE_NAMES = {
    "camera": "视频监控",
    "citizen": "公众举报",
    "inspector": "监督员上报",
    "edge": "AI 边缘设备",
    "assigned": "上级交办",
}

EVIDENCE_KINDS = {
    "first_sight": "首次发现",
    "confirmation": "确认",
    "rectification": "整改",
    "recheck": "复核",
    "citizen": "群众上传",
    "edge": "边缘设备",
}

ACTION_NAMES = {
    "open": "发现",
    "accept": "立案",
    "dispatch": "交办",
    "redispatch": "改派",
    "rectify": "报告整改",
    "report_rectification": "报告整改",
    "verify": "复核通过",
    "reject": "复核不通过",
    "recheck_fail": "复核不通过",
    "close": "销号",
    "invalidate": "作废",
    "return": "退回",
    "extend": "延期",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "deny_extension": "驳回延期",
    "escalate": "督办",
    "reopen": "重新打开",
}

# Cases grid (案件)
CASES_TITLE = "案件"
COL = L.pick(L.CASE_FIELDS, "code", "state", "type", "district", "point", "unit", "source", "found_at",
             "deadline_at", overdue="是否超期")
FILTER = {
    **L.pick(L.CASE_FIELDS, "state", "type", "district", "unit", "source"),
    "date": "发现日期",
    "overdue": "只看超期",
    "type_unconfirmed": "只看类型待确认",
    "search": "编号 / 描述",
    "apply": "查询",
    "reset": "清空条件",
    "save": "保存筛选",
    "save_name": "筛选名称",
    "saved": "已保存的筛选",
    "delete_saved": "删除",
    "export": "导出 Excel",
}
CASES_COUNT = "共 {n} 件"
CASES_NEW = "有 {n} 件新案件，点击刷新列表"
CASES_EMPTY = "没有符合条件的案件。请放宽筛选条件，或点击“清空条件”查看全部案件。"
SAVED_OK = "已保存筛选“{name}”。"
SAVED_NEED_NAME = "请先填写筛选名称，再点“保存筛选”。"
SAVED_DELETED = "已删除筛选“{name}”。"
EXPORT_RUNNING = "正在导出 {done}/{total} 行…"
EXPORT_DONE = "已导出 {n} 行。"
EXPORT_STARTED = "已开始下载（没有开始请点这里）"
EXPORT_TOO_MANY = "符合条件的案件有 {n} 件，超过一次导出上限 {limit} 件，请缩小筛选范围后再导出。"
YES = "是"
NO = "否"

# Case page
CASE_NOT_FOUND = "没有找到编号为 {code} 的案件。请回到案件列表重新搜索。"
CASE_FORBIDDEN = "您没有权限查看这个案件（它不属于您所在的单位）。如认为是分派错误，请联系文明办。"
BACK_TO_CASES = "返回案件列表"
BACK_TO_TASKS = "返回我的任务"
SECTION_INFO = "基本信息"
SECTION_EVIDENCE = "证据图片"
SECTION_TIMELINE = "流转记录"
SECTION_DOCUMENTS = "四单"
SECTION_ACTIONS = "办理"
NO_EVIDENCE = "此阶段暂无图片。"
MANUAL_RECHECK_TITLE = "待人工复核"
MANUAL_RECHECK = ("{reason}。摄像机已停止自动复核：请对照“确认发现”与“复核”两栏的图片（或到现场）核查，"
                  "问题已消除选“复核通过”后“销号”，仍未整改选“返工”。")
NO_TIMELINE = "暂无流转记录。"
DOCUMENTS = {
    "problem": "问题清单",
    "dispatch": "交办单",
    "rectification": "整改单",
    "closure": "销号单",
}
DOC_NOT_YET = "（尚未生成）"
NO_ACTIONS = "当前状态下您没有可办理的操作。"
NOTE = "办理意见"
REASON_REQUIRED = "“{action}”必须填写理由。"
CONFIRM_TITLE = "确认{action}"
CONFIRM_BODY = "确定要对案件 {code} 执行“{action}”吗？此操作会记录在流转记录中。"
CONFIRM = "确定"
CANCEL = "取消"
ACTION_DONE = "已{action}：{code}，当前状态“{state}”。"
WORKFLOW_MISSING = "办理功能尚未启用（流程模块未安装），请联系系统管理员。"
UNIT_PICK = "交办给责任单位"
DEADLINE_DAYS = "延期天数"
INFO = L.CASE_FIELDS
TIMELINE_COLS = {"at": "时间", "actor": "办理人", "action": "操作", "from": "原状态", "to": "新状态", "note": "意见"}

# Unit task page (我的任务)
TASKS_TITLE = "我的任务"
TASKS_EMPTY = "您的单位目前没有待办案件。新交办的案件会出现在这里。"
TASKS_NO_UNIT = "您的账号没有绑定责任单位，无法查看任务。请联系系统管理员为账号设置单位。"
TASK_DUE_IN = "剩余 {text}"
TASK_OVERDUE = "已超期 {text}"
TASK_NO_DEADLINE = "无期限"
TASK_REPORT = "报告整改"
TASK_EXTEND = "申请延期"
TASK_RETURN = "退回（非本单位）"
TASK_NOTE = "整改说明"
TASK_NOTE_LABELS = {"rectify": "整改说明", "request_extension": "延期理由", "return": "退回理由"}
TASK_NOTE_HINTS = {"rectify": "写明整改了什么、怎么整改的", "request_extension": "写明需要延期的原因和预计完成时间",
                   "return": "写明为什么不属于本单位，应由哪个单位办理"}
TASK_PHOTO = "整改照片（JPG/PNG，不超过 10 MB）"
TASK_PHOTO_DROP = "拖入照片或点击选择"
TASK_PHOTO_NEEDED = "请上传整改后的现场照片。"
TASK_NOTE_NEEDED = "请填写整改说明。"
TASK_EXTEND_REASON = "延期理由"
TASK_RETURN_REASON = "退回理由（说明应由哪个单位办理）"
TASK_SUBMIT = "提交"
TASK_OPEN = "查看详情"
DAYS = "{d}天"
HOURS = "{h}小时"
MINUTES = "{m}分钟"

# Generic errors
ERROR_GENERIC = "出错了：{error}。请刷新页面重试；如果仍然出错，请联系系统管理员。"
FORBIDDEN = "您没有权限执行此操作。"
PAGE_FORBIDDEN_TITLE = "无权访问"
PAGE_FORBIDDEN = "您没有权限打开这个页面。如认为有误，请联系文明办。"

PAGE_NOT_FOUND_TITLE = "页面不存在"
PAGE_NOT_FOUND = "没有这个页面（地址可能输错了，或页面已移动）。请从上方导航进入。"
BACK_TO_START = "返回我的工作台"

# where a problem is (case page, task cards)
LOCATION = "位置"
LOCATION_NONE = "未记录位置"
LOCATION_COORDS = "经纬度 {lon:.5f}, {lat:.5f}"
LOCATION_MAP = "查看位置"

TYPE_UNCONFIRMED = "类型待确认"  # detection found a thing no type rule took; the supervisor confirms the type at 立案
TYPE_UNCONFIRMED_SUFFIX = "（待确认）"
TYPE_PICK = "问题类型（立案时确认或更正）"
TYPE_UNCONFIRMED_HINT = ("类型待确认：摄像头发现了滞留在区域内的物体，但它不符合任何问题类型的识别规则，"
                         "系统暂按最接近的类型上报。请查看证据图片，确认或更正问题类型后再立案。")
