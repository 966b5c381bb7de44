"""UI text of notifications (通知记录 on the case page, 死信 list)."""
from __future__ import annotations

SECTION = "通知记录"
NONE = "暂无通知。"
COLS = {"at": "时间", "to": "通知对象", "channel": "通道", "event": "事项", "status": "状态", "error": "说明"}
STATUS = {"pending": "待发送", "sending": "发送中", "sent": "已送达", "failed": "发送失败，将重试", "dead": "发送失败（已停止重试）"}
REPORTER = "举报人"
DEAD_TITLE = "未送达的通知（死信）"

CONTACTS = "通知联系人"
CONTACTS_HELP = "交办、临期、超期、督办、返工和延期结果会通知这些联系人（分管领导另收上级督办）。"
CONTACTS_NONE = "尚未设置联系人：通知发给系统默认接收人。"
CONTACT_COLS = {"role": "角色", "name": "姓名", "channel": "通道", "address": "地址", "remove": ""}
ROLES = {"contact": "联络员", "leader": "分管领导", "duty": "值班"}
ADD = "添加联系人"
REMOVE = "删除"
ADDED = "已添加联系人。"
REMOVED = "已删除联系人。"
REFUSED = "未保存：{error}"
NO_RIGHT = "您没有权限修改该单位的联系人。"
ADDRESS_PH = "手机号、邮箱或群内@的手机号"

PAGE_TITLE = "通知"
PAGE_HELP = ("系统发出的全部通知（最新在前）。“发送失败（已停止重试）”的是死信：核对联系人地址或通道配置后，"
             "管理员可点“重新发送”。")
FILTER_ALL = "全部"
RETRY = "重新发送"
RETRIED = "已重新排队，将在下一轮发送。"
RETRY_REFUSED = "只有管理员可以重新发送死信。"
PAGE_COLS = {"at": "时间", "case": "案件", "to": "通知对象", "channel": "通道", "event": "事项", "status": "状态",
             "attempts": "次数", "error": "说明", "retry": ""}
