"""Posting JSON to a robot or webhook and reading the ``errcode`` answer 企业微信/钉钉 robots give."""
from __future__ import annotations

from typing import Any

import requests

from .base import DeliveryError


def post_json(url: str, body: dict[str, Any], timeout: float, headers: dict[str, str] | None = None) -> requests.Response:
    try:
        resp = requests.post(url, json=body, timeout=timeout, headers=headers or {})
    except requests.RequestException as exc:
        raise DeliveryError(f"cannot reach {_safe(url)}: {type(exc).__name__}", retryable=True) from None
    if resp.status_code == 429 or resp.status_code >= 500:
        raise DeliveryError(f"HTTP {resp.status_code} from {_safe(url)}", retryable=True, code=str(resp.status_code))
    if resp.status_code >= 400:
        raise DeliveryError(f"HTTP {resp.status_code} from {_safe(url)}", retryable=False, code=str(resp.status_code))
    return resp


def robot_answer(resp: requests.Response, retryable_codes: frozenset[int], what: str) -> dict[str, Any]:
    """Check a robot's ``{"errcode": 0, "errmsg": "ok"}`` answer; rate limits and busy codes are retried."""
    try:
        answer = resp.json()
        code = int(answer.get("errcode", -1))
    except (ValueError, TypeError, AttributeError):
        raise DeliveryError(f"{what}: answer is not the expected JSON: {resp.text[:120]!r}", retryable=True) from None
    if code != 0:
        raise DeliveryError(f"{what}: errcode {code}: {str(answer.get('errmsg'))[:200]}",
                            retryable=code in retryable_codes, code=str(code))
    return {"errcode": 0}


def _safe(url: str) -> str:
    """The URL without its query (robot keys and tokens are secrets)."""
    return url.split("?", 1)[0]
