"""Loopback servers that answer like the 企业微信 / 钉钉 robot APIs (and a plain JSON webhook), for tests.

A :class:`RobotReceiver` records every request it accepts, answers ``{"errcode": 0, "errmsg": "ok"}`` or
the next scripted answer (e.g. 45009 / 130101 rate limits), checks a 钉钉 ``sign`` when given the secret
(answering 310000 like 钉钉 when it is wrong), and can be stopped and started again on the same port
(``down()`` / ``up()``: connections are refused meanwhile).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RobotReceiver:
    def __init__(self, dingtalk_secret: str | None = None, responder=None):
        self.secret = dingtalk_secret
        self.responder = responder  # optional: req -> (status, answer) for other APIs (Tencent SMS); all recorded
        self.received: list[dict] = []  # accepted messages: {"path", "query", "json", "headers"}
        self.rejected: list[dict] = []
        self.script: list[tuple[int, dict]] = []  # (HTTP status, answer) consumed one per request
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/robot/send"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                req = {"path": parsed.path, "query": query, "raw_query": parsed.query, "json": json.loads(raw or b"{}"),
                       "headers": dict(self.headers)}
                status, answer = receiver.answer(req)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def close(self) -> None:
        self.down()

    def answer(self, req: dict) -> tuple[int, dict]:
        with self.lock:
            if self.responder is not None:
                self.received.append(req)
                return self.responder(req)
            if self.secret is not None and not self.sign_ok(req):
                self.rejected.append(req)
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if self.script:
                status, answer = self.script.pop(0)
                if status != 200 or answer.get("errcode", 0) != 0:
                    self.rejected.append(req)
                    return status, answer
            self.received.append(req)
            return 200, {"errcode": 0, "errmsg": "ok"}

    def sign_ok(self, req: dict) -> bool:
        """The 钉钉 check: sign == base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded."""
        ts = req["query"].get("timestamp")
        raw_sign = next((p.split("=", 1)[1] for p in req["raw_query"].split("&") if p.startswith("sign=")), None)
        if not ts or raw_sign is None:
            return False
        expected = base64.b64encode(hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        return urllib.parse.unquote_plus(raw_sign) == expected
