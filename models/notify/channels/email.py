"""E-mail over SMTP: STARTTLS (refused without it unless the server is on loopback), optional login with
the password from ``secret_env``, attachments (the briefing's XLSX). A 4xx SMTP answer or a lost connection
is retried; a 5xx (unknown mailbox …) is a dead letter."""
from __future__ import annotations

import ipaddress
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from ...config import ConfigError
from .base import Channel, DeliveryError, OutMessage, register


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register("email")
class SmtpEmail(Channel):
    def check(self) -> None:
        ca = self.config.ca_file
        try:
            self.tls_context = ssl.create_default_context(cafile=str(self.resolve_path(ca)) if ca else None)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"notify.channels[{self.name}].ca_file: cannot load {ca}: {exc}") from None
        if not self.config.starttls and not _loopback(self.config.smtp_host):
            raise ConfigError(f"notify.channels[{self.name}].starttls: must be true for a non-loopback SMTP "
                              f"server ({self.config.smtp_host}): mail would cross the network in clear")
        if self.config.username:
            self.env("secret_env")

    def build(self, message: OutMessage) -> EmailMessage:
        if "@" not in message.recipient or any(c in message.recipient for c in "\r\n,;"):
            raise DeliveryError(f"not an e-mail address: {message.recipient!r}", retryable=False)
        msg = EmailMessage()
        msg["Subject"] = message.subject
        msg["From"] = self.config.sender
        msg["To"] = message.recipient
        msg["Message-ID"] = make_msgid(domain="civicwatch")
        msg["X-CivicWatch-Key"] = message.dedupe_key
        msg.set_content(message.body)
        for name, data, mime in message.attachments:
            maintype, _, subtype = mime.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
        return msg

    def send(self, message: OutMessage) -> dict:
        msg = self.build(message)
        cfg = self.config
        try:
            with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s) as smtp:
                smtp.ehlo()
                if cfg.starttls:
                    smtp.starttls(context=self.tls_context)
                    smtp.ehlo()
                if cfg.username:
                    smtp.login(cfg.username, self.env("secret_env"))
                smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error[:200]!r}", retryable=exc.smtp_code < 500,
                                code=str(exc.smtp_code)) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            raise DeliveryError(f"recipient refused: {codes}", retryable=all(c < 500 for c in codes)) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {cfg.smtp_host}:{cfg.smtp_port}: {type(exc).__name__}: {exc}"[:300]) from None
        return {"message_id": msg["Message-ID"]}
