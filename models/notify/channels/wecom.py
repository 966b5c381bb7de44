"""企业微信 group robot (群机器人): ``POST …/cgi-bin/webhook/send?key=KEY`` with a markdown message.

The full URL with its key comes from the environment variable ``url_env``. Answers: ``errcode`` 0 = sent;
45009 (API frequency limit, 20 messages/minute per robot) and -1 (system busy) are retried with back-off;
others (93000 invalid webhook URL …) make the message a dead letter.
"""
from __future__ import annotations

from .base import Channel, OutMessage, register
from .http_json import post_json, robot_answer

RETRYABLE = frozenset({-1, 45009, 45033})
MAX_BYTES = 4096


@register("wecom")
class WeComRobot(Channel):
    def check(self) -> None:
        self.url()

    def send(self, message: OutMessage) -> dict:
        text = f"**{message.subject}**\n{message.body}"
        raw = text.encode("utf-8")
        if len(raw) > MAX_BYTES:
            text = raw[:MAX_BYTES - 3].decode("utf-8", "ignore") + "…"
        resp = post_json(self.url(), {"msgtype": "markdown", "markdown": {"content": text}}, self.config.timeout_s)
        return robot_answer(resp, RETRYABLE, "企业微信")
