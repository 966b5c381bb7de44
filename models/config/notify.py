"""Notifications (通知): channels, recipients, timing of reminders, quiet hours, retries and briefings."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section

CHANNEL_KINDS = ("wecom", "dingtalk", "email", "sms_tencent", "webhook", "log")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class ChannelConfig(Section):
    """One delivery channel (a plugin in models/notify/channels chosen by ``kind``). Secrets come from the
    environment variables named here, never from this file."""

    name: str = Field(..., min_length=1, max_length=40, description="Name recipients refer to (e.g. `unit-sms`).")
    kind: Literal["wecom", "dingtalk", "email", "sms_tencent", "webhook", "log"] = Field(
        ..., description="`wecom` 企业微信 group robot, `dingtalk` 钉钉 custom robot, `email` SMTP, "
        "`sms_tencent` Tencent Cloud SMS, `webhook` generic JSON POST, `log` local JSON-lines file.")
    url: str | None = Field(None, description="Endpoint: robot webhook URL without its key/token, webhook URL, "
                            "or the SMS API endpoint host (default: the provider's).")
    url_env: str | None = Field(None, description="Environment variable holding the full robot/webhook URL "
                                "(with its key or access_token); wins over `url`.")
    secret_env: str | None = Field(None, description="Environment variable holding the signing secret "
                                   "(钉钉 `SEC…`, webhook HMAC key) or the SMS SecretKey.")
    key_id_env: str | None = Field(None, description="Environment variable holding the SMS SecretId.")
    path: str = Field("{data_dir}/notifications.log", description="`log`: file the messages are appended to.")
    smtp_host: str = Field("127.0.0.1", description="`email`: SMTP server host.")
    smtp_port: int = Field(587, gt=0, lt=65536, description="`email`: SMTP server port.")
    starttls: bool = Field(True, description="`email`: upgrade the connection with STARTTLS (required unless "
                           "the server is on loopback).")
    ca_file: str | None = Field(None, description="`email`: PEM file of the CA that signed the SMTP server's "
                                "certificate (a government-internal CA); default: the system's trusted CAs.")
    username: str | None = Field(None, description="`email`: SMTP login (password from `secret_env`).")
    sender: str = Field("civicwatch@localhost", description="`email`: From address.")
    sms_app_id: str | None = Field(None, description="`sms_tencent`: SmsSdkAppId.")
    sms_sign: str | None = Field(None, description="`sms_tencent`: approved signature (签名).")
    sms_template_id: str | None = Field(None, description="`sms_tencent`: approved template id; its parameters "
                                        "are the case code, the event and the deadline.")
    sms_region: str = Field("ap-guangzhou", description="`sms_tencent`: region.")
    scheme: Literal["https", "http"] = Field("https", description="`sms_tencent`: scheme (http for a test server).")
    timeout_s: float = Field(10, gt=0, le=120, description="Time allowed for one delivery attempt.")


class Recipient(Section):
    """A fixed recipient (the command center, a leader)."""

    channel: str = Field(..., description="Name of a configured channel.")
    address: str = Field("", description="Address on that channel (phone, e-mail, mobile to @; may be empty "
                         "for a group robot).")
    label: str = Field("", description="Who this is, as shown in 通知记录 (e.g. 指挥中心值班).")


class BriefingSchedule(Section):
    """The 日报/周报 sent to leaders as text plus the XLSX of the reports page."""

    daily_at: str | None = Field("08:30", description="Local time of the daily briefing (日报); null = none.")
    weekly_at: str | None = Field("09:00", description="Local time of the weekly briefing (周报), on Mondays; "
                                  "null = none.")
    recipients: list[Recipient] = Field(default_factory=list, description="Leaders who receive the briefings.")

    @field_validator("daily_at", "weekly_at")
    @classmethod
    def _hhmm(cls, v: str | None) -> str | None:
        if v is not None and not HHMM.match(v):
            raise ValueError("expected HH:MM (24 h)")
        return v


class NotifyConfig(Section):
    """Who is told what, over which channel, and how delivery is retried (see docs/操作手册.md)."""

    enabled: bool = Field(True, description="Write notifications to the outbox and deliver them.")
    base_url: str | None = Field(None, description="Public address of the platform: messages link to "
                                 "`<base_url>/tasks/<case code>`. Default: `server.public_url`, else "
                                 "http://<server.host>:<server.port>.")
    channels: list[ChannelConfig] = Field(default_factory=list, description="Delivery channels.")
    default_unit_recipients: list[Recipient] = Field(
        default_factory=list, description="Recipients for a unit that has no contacts of its own (e.g. a log "
        "sink in the demo); the unit is named in the message.")
    center: list[Recipient] = Field(default_factory=list, description="The command center (指挥中心): told of "
                                    "退回 and 延期 requests.")
    citizen_channel: str | None = Field(None, description="Channel (SMS) used to tell a citizen who left a phone "
                                        "and agreed that their 随手拍 was accepted or closed; null = never.")
    deadline_soon_fraction: float = Field(0.75, gt=0, lt=1, description="Remind the unit once this share of "
                                          "the time between 交办 and the deadline has passed.")
    quiet_hours: str | None = Field("22:00-07:00", description="Local hours without SMS (except 督办/超期); "
                                    "messages wait until the end. null = none.")
    quiet_kinds: list[str] = Field(["sms_tencent"], description="Channel kinds that respect the quiet hours.")
    send_every_s: float = Field(10, gt=0, description="How often the sender job runs.")
    max_attempts: int = Field(8, ge=1, le=100, description="Attempts before a message becomes a dead letter (死信).")
    backoff_base_s: float = Field(30, gt=0, description="First retry delay; doubled after each failure.")
    backoff_max_s: float = Field(3600, gt=0, description="Longest retry delay.")
    lease_s: float = Field(120, gt=0, description="A message claimed by a sender that died is retried after this.")
    briefing: BriefingSchedule = Field(default_factory=BriefingSchedule)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts = v.split("-")
        if len(parts) != 2 or not all(HHMM.match(p) for p in parts):
            raise ValueError("expected HH:MM-HH:MM (local time; may cross midnight)")
        return v

    @model_validator(mode="after")
    def _names(self) -> "NotifyConfig":
        names = [c.name for c in self.channels]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"channels: duplicate channel name(s) {', '.join(dup)}")
        known = set(names)
        refs = [(f"default_unit_recipients[{i}]", r.channel) for i, r in enumerate(self.default_unit_recipients)]
        refs += [(f"center[{i}]", r.channel) for i, r in enumerate(self.center)]
        refs += [(f"briefing.recipients[{i}]", r.channel) for i, r in enumerate(self.briefing.recipients)]
        if self.citizen_channel:
            refs.append(("citizen_channel", self.citizen_channel))
        for where, name in refs:
            if name not in known:
                raise ValueError(f"{where}: unknown channel {name!r}; configured: {', '.join(names) or 'none'}")
        return self

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)
