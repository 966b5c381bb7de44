"""钉钉 custom robot (自定义机器人) with the 加签 secret: ``POST …/robot/send?access_token=T&timestamp=&sign=``.

``sign`` = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), timestamp in ms.
The URL with its access_token comes from ``url_env``, the secret (``SEC…``) from ``secret_env``. The
recipient address, if any, is a mobile number to @ in the group. Answers: ``errcode`` 0 = sent; 130101
(sending too fast) and -1 (busy) are retried; 310000 (signature/keyword refused) … are dead letters.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from .base import Channel, OutMessage, register
from .http_json import post_json, robot_answer

RETRYABLE = frozenset({-1, 130101, 130102})


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` parameter of a 钉钉 robot request (already URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


@register("dingtalk")
class DingTalkRobot(Channel):
    clock = staticmethod(time.time)

    def check(self) -> None:
        self.url()
        self.env("secret_env")

    def send(self, message: OutMessage) -> dict:
        ts = int(self.clock() * 1000)
        url = self.url()
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign(self.env('secret_env'), ts)}"
        mobiles = [message.recipient] if message.recipient else []
        text = f"#### {message.subject}\n{message.body}" + "".join(f"\n@{m}" for m in mobiles)
        body = {"msgtype": "markdown", "markdown": {"title": message.subject[:64], "text": text},
                "at": {"atMobiles": mobiles, "isAtAll": False}}
        return robot_answer(post_json(url, body, self.config.timeout_s), RETRYABLE, "钉钉")
