"""Who did it, as people read it (办理人 / 更新人): the person's display name and unit for a login name,
系统自动 for the workflow's automatic steps, 摄像头复核 for the camera re-check, 市民（随手拍）for a citizen's
report. The log keeps the technical actor (``CaseTransition.actor``); pages and printed documents show this.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import User
from .registry import ResponsibleUnit

SYSTEM = "系统自动"
RECHECK = "摄像头复核"
# technical actors of automatic steps → their name on pages and documents
SYSTEM_ACTORS = {"camera": RECHECK, "auto": SYSTEM, "detection": "系统自动（视频识别）",
                 "deadline-job": "系统自动（期限监控）", "registry import": "台账导入"}
CITIZEN_CHANNELS = {"随手拍": "市民（随手拍）", "Open311": "市民（第三方平台）"}
ROLE_LABELS = {"admin": "系统管理员", "supervisor": "文明办督查员", "viewer": "只读用户", "unit": "责任单位操作员",
               "edge": "AI边缘设备", "citizen": "市民", "system": SYSTEM, "wall": "大屏"}
# camera source kinds (接入方式)
SOURCE_KINDS = {"simulated": "模拟画面（演示）", "file": "视频文件", "folder": "图片目录", "http_snapshot": "HTTP 抓图",
                "mjpeg": "MJPEG 视频流", "rtsp": "RTSP 视频流", "onvif": "ONVIF 视频流"}
# evidence kinds (证据) as captions
EVIDENCE_KINDS = {"first_sight": "首次发现", "confirmation": "确认", "rectification": "整改", "recheck": "复核",
                  "recheck_crop": "复核特写", "citizen": "市民上传", "edge": "边缘设备抓拍",
                  "ref_problem": "问题特写（复核参考）", "ref_clean": "整改前背景（复核参考）"}

_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str | None) -> bool:
    return bool(text and _CJK.search(text))


def evidence_caption(kind: str, n: int, stage: str | None = None) -> str:
    """A photo's caption: its stage (given, e.g. 整改前, or from its kind) and its number among the case's
    photos (首次发现 · 照片 1)."""
    return f"{stage or EVIDENCE_KINDS.get(kind, '证据')} · 照片 {n}"


def source_kind_label(kind: str | None) -> str:
    return SOURCE_KINDS.get(kind or "", "其他")


class ActorNames:
    """Resolves technical actors to display names within one session (users looked up once each)."""

    def __init__(self, session: Session):
        self._session = session
        self._users: dict[str, str | None] = {}

    def _user(self, username: str) -> str | None:
        if username not in self._users:
            row = self._session.execute(
                select(User.display_name, User.role, ResponsibleUnit.name)
                .outerjoin(ResponsibleUnit, ResponsibleUnit.id == User.unit_id)
                .where(User.username == username)).first()
            name = None
            if row is not None:
                display, role, unit = row
                person = display if display and display != username else ROLE_LABELS.get(role, "工作人员")
                name = f"{person}（{unit}）" if unit else person
            self._users[username] = name
        return self._users[username]

    def name(self, actor: str | None, role: str | None = None) -> str:
        """The display name of ``actor`` (acting as ``role``); never a login name or an English word."""
        actor = actor or ""
        if actor in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[actor]
        if role == "citizen":
            return CITIZEN_CHANNELS.get(actor, actor if is_chinese(actor) else "市民")
        if role in ("system", "edge"):
            label = ROLE_LABELS[role]
            return actor if is_chinese(actor) else label
        person = self._user(actor) if actor else None
        if person:
            return person
        if is_chinese(actor):
            return actor
        return ROLE_LABELS.get(role or "", "工作人员")
