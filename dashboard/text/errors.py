"""Validation messages of the models (English, for logs and the API) said in Chinese on pages.

Each table maps a pattern of the English message to a Chinese sentence (``\\1`` … keep numbers and names).
A message no pattern knows is shown only if it is already Chinese; otherwise the page's general sentence."""
from __future__ import annotations

import re

INDICATOR = [
    (r"^(\w+): a number is required", r"\1：请填写数字"),
    (r"^(\w+): .* is not a number", r"\1：请填写数字"),
    (r"^(\w+): expected a non-negative number", r"\1：不能为负数"),
    (r"^(\w+): expected a positive number", r"\1：必须大于 0"),
    (r"^(\w+): .* is too large", r"\1：数值过大"),
    (r"^evidence: at most (\d+) characters", r"evidence：最多 \1 个字"),
    (r"is not assigned to unit", "该指标尚未分配给此单位，请先添加责任单位"),
    (r"unknown indicator id", "指标不存在，请刷新页面"),
    (r"unknown responsible unit", "责任单位不存在，请刷新页面"),
    (r"already owns the indicator", "该单位已承担此指标"),
    (r"^actor:", "无法识别当前用户，请重新登录"),
]
INDICATOR_FALLBACK = "输入有误，请检查后重试"

FILTER = [
    (r"^text: at most (\d+) characters", r"搜索内容最多 \1 个字"),
    (r"^date_(?:from|to): expected a date", "日期格式应为 年-月-日（例如 2025-11-15）"),
    (r"at most 500 values", "选择的条件过多（每项最多 500 个）"),
]
FILTER_FALLBACK = "筛选条件无效，请点击“清空条件”后重新选择"

EXPORT_FALLBACK = "导出失败"

_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def translate(exc: Exception | str, table: list[tuple[str, str]], fallback: str) -> str:
    msg = str(exc)
    for pattern, text in table:
        found = re.search(pattern, msg)
        if found:
            return found.expand(text)
    if is_chinese(msg) and not re.search(r"[A-Za-z]{4,}", msg.split(":", 1)[-1]):
        return msg.split(":", 1)[-1].strip() if ":" in msg else msg
    return fallback
