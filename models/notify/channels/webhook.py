"""Generic JSON webhook (政务钉钉 gateway, a city's own message bus): ``POST url`` with the message as JSON.

Headers: ``Idempotency-Key`` (the outbox key: a receiver can drop a repeat), and with ``secret_env``
``X-CivicWatch-Signature: sha256=<hex HMAC of the body>``. 2xx = delivered; 429/5xx/no answer = retried;
other 4xx = dead letter.
"""
from __future__ import annotations

import hashlib
import hmac
import json

import requests

from .base import Channel, DeliveryError, OutMessage, register


@register("webhook")
class JsonWebhook(Channel):
    def check(self) -> None:
        self.url()
        if self.config.secret_env:
            self.env("secret_env")

    def send(self, message: OutMessage) -> dict:
        body = json.dumps({"id": message.dedupe_key, "event": message.event, "case_code": message.case_code,
                           "recipient": message.recipient, "subject": message.subject, "text": message.body,
                           "link": message.link}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.dedupe_key}
        if self.config.secret_env:
            mac = hmac.new(self.env("secret_env").encode("utf-8"), body, hashlib.sha256).hexdigest()
            headers["X-CivicWatch-Signature"] = f"sha256={mac}"
        url = self.url()
        try:
            resp = requests.post(url, data=body, headers=headers, timeout=self.config.timeout_s)
        except requests.RequestException as exc:
            raise DeliveryError(f"cannot reach {url.split('?')[0]}: {type(exc).__name__}") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise DeliveryError(f"HTTP {resp.status_code}", code=str(resp.status_code))
        if not 200 <= resp.status_code < 300:
            raise DeliveryError(f"HTTP {resp.status_code}", retryable=False, code=str(resp.status_code))
        return {"status": resp.status_code}
