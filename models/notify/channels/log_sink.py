"""``log``: append each message as one JSON line to a local file (the demo's sink; see ``notify tail``)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from ...clock import utcnow
from .base import Channel, DeliveryError, OutMessage, register

_LOCK = threading.Lock()


@register("log")
class LogSink(Channel):
    def check(self) -> None:
        self.file = Path(self.resolve_path(self.config.path))
        if "{data_dir}" in str(self.file):
            from ...config import ConfigError

            raise ConfigError(f"notify.channels[{self.name}].path: {{data_dir}} not resolved in {self.file} "
                              "(build the channels with the app config's path resolver)")

    def send(self, message: OutMessage) -> dict:
        line = json.dumps({"at": utcnow().isoformat(), "id": message.dedupe_key, "event": message.event,
                           "case_code": message.case_code, "recipient": message.recipient,
                           "subject": message.subject, "text": message.body,
                           "attachments": [a[0] for a in message.attachments]}, ensure_ascii=False)
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with _LOCK, self.file.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.file}: {exc.strerror}") from None
        return {"file": str(self.file)}
