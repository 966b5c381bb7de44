"""UI text of notifications (通知记录 on the case page, 死信 list)."""
from __future__ import annotations

SECTION = "通知记录"
NONE = "暂无通知。"
COLS = {"at": "时间", "to": "通知对象", "channel": "通道", "event": "事项", "status": "状态", "error": "说明"}
STATUS = {"pending": "待发送", "sending": "发送中", "sent": "已送达", "failed": "发送失败，将重试", "dead": "发送失败（已停止重试）"}
REPORTER = "举报人"
DEAD_TITLE = "未送达的通知（死信）"
