"""UI text of refused case actions (操作未完成): the workflow's reasons in the user's words. The English
message of a :class:`models.workflow.WorkflowError` is for logs and the API, never for a page."""
from __future__ import annotations

REASONS = {
    "bad_state": "案件当前状态为“{state}”，不能{action}。请刷新页面查看案件的最新状态。",
    "needs_note": "{action}需要填写理由。",
    "stale": "案件刚刚被他人处理过，请刷新页面后再操作。",
    "no_route": "没有找到该案件的默认责任单位，请选择责任单位。",
    "unknown_unit": "所选责任单位不存在，请重新选择。",
    "extension_pending": "该案件已有待审批的延期申请，请等待文明办审批。",
    "bad_hours": "请填写延长的小时数（大于 0，最多 2160 小时，即 90 天）。",
    "no_extension": "该案件没有待审批的延期申请。",
    "bad_deadline": "期限格式不正确，请重新选择日期和时间。",
}
DEFAULT = "操作未完成，请刷新页面查看案件的最新状态；如果仍然不行，请联系文明办。"
FAILED = "操作未完成：{reason}"


def workflow_message(exc: Exception) -> str:
    """The Chinese sentence for a refused action (never the exception's English text)."""
    template = REASONS.get(getattr(exc, "reason", ""), None)
    if template is None:
        return DEFAULT
    try:
        return FAILED.format(reason=template.format(**getattr(exc, "params", {})))
    except (KeyError, IndexError):
        return DEFAULT
