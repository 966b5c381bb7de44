"""Delivery to real servers on loopback: an SMTP server (aiosmtpd) and HTTP receivers answering like the
企业微信 / 钉钉 robot APIs (errcode answers, rate limits 45009 / 130101, 钉钉 signature check)."""
from __future__ import annotations

import email
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from models.notifications import Notification
from models.notify.service import channels_for
from models.notify.sender import deliver_due, quiet_until
from tests.feeds.sources import free_port

from .conftest import T0, configure, new_dispatched
from .receivers import RobotReceiver

SECRET = "SECtest0123456789abcdef"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield ctl, inbox
    ctl.stop()


@pytest.fixture
def robot():
    r = RobotReceiver()
    yield r
    r.close()


@pytest.fixture
def ding():
    r = RobotReceiver(dingtalk_secret=SECRET)
    yield r
    r.close()


def statuses(ctx):
    with ctx.sessions() as s:
        return [(r.channel, r.status, r.attempts) for r in s.scalars(select(Notification).order_by(Notification.id))]


def test_dispatch_email_arrives_at_the_smtp_server(ncity, smtp):
    ctl, inbox = smtp
    configure(ncity, channels=[{"name": "mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": ctl.port,
                                "starttls": False, "sender": "cw@zz.gov.cn"}])
    code = new_dispatched(ncity)
    counts = deliver_due(ncity.sessions, ncity.config.notify, channels_for(ncity), T0)
    assert counts["sent"] == 1
    [(rcpt, raw)] = inbox.messages
    assert rcpt == ["nq@example.org"]
    msg = email.message_from_bytes(raw)
    assert code in str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    text = msg.get_payload(decode=True).decode("utf-8")
    assert f"/tasks/{code}" in text and "胜利路" in text
    assert statuses(ncity) == [("mail", "sent", 1)]


def test_email_attachment_and_starttls_required_off_loopback(ncity, smtp):
    from models.config import ChannelConfig, ConfigError
    from models.notify.channels import OutMessage
    from models.notify.channels.email import SmtpEmail

    ctl, inbox = smtp
    ch = SmtpEmail(ChannelConfig(name="m", kind="email", smtp_port=ctl.port, starttls=False))
    ch.send(OutMessage("【日报】", "正文", "boss@example.org", "k1", "briefing",
                       attachments=[("日报.xlsx", b"PK\x03\x04data", "application/vnd.ms-excel")]))
    msg = email.message_from_bytes(inbox.messages[0][1])
    parts = [p for p in msg.walk() if p.get_filename()]
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parts] == [("日报.xlsx", b"PK\x03\x04data")]
    with pytest.raises(ConfigError, match="starttls"):
        SmtpEmail(ChannelConfig(name="m", kind="email", smtp_host="mail.example.org", starttls=False))


def test_wecom_markdown_and_rate_limit_retried(ncity, robot, monkeypatch):
    monkeypatch.setenv("CW_TEST_WECOM_URL", robot.url + "?key=abc-123")
    configure(ncity, channels=[{"name": "robot", "kind": "wecom", "url_env": "CW_TEST_WECOM_URL"}],
              backoff_base_s=30)
    code = new_dispatched(ncity)
    robot.script = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    channels = channels_for(ncity)
    c1 = deliver_due(ncity.sessions, ncity.config.notify, channels, T0)
    assert c1["failed"] == 1 and robot.received == []
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, T0 + timedelta(seconds=10))["sent"] == 0
    c2 = deliver_due(ncity.sessions, ncity.config.notify, channels, T0 + timedelta(seconds=31))
    assert c2["sent"] == 1
    [req] = robot.received
    assert req["query"] == {"key": "abc-123"}
    assert req["json"]["msgtype"] == "markdown" and code in req["json"]["markdown"]["content"]
    with ncity.sessions() as s:
        row = s.scalar(select(Notification))
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_dingtalk_signed_and_bad_secret_is_a_dead_letter(ncity, ding, monkeypatch):
    monkeypatch.setenv("CW_TEST_DING_URL", ding.url + "?access_token=tok")
    monkeypatch.setenv("CW_TEST_DING_SECRET", SECRET)
    configure(ncity, channels=[{"name": "robot", "kind": "dingtalk", "url_env": "CW_TEST_DING_URL",
                                "secret_env": "CW_TEST_DING_SECRET"}])
    code = new_dispatched(ncity)
    ding.script = [(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})]
    channels = channels_for(ncity)
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, T0)["failed"] == 1
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, T0 + timedelta(minutes=1))["sent"] == 1
    [req] = ding.received  # the receiver verified the HMAC-SHA256 signature
    assert req["query"]["access_token"] == "tok"
    assert req["json"]["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert code in req["json"]["markdown"]["text"]
    # a wrong secret: 钉钉 answers 310000, which no retry can heal
    monkeypatch.setenv("CW_TEST_DING_SECRET", "SECwrong")
    new_dispatched(ncity)
    counts = deliver_due(ncity.sessions, ncity.config.notify, channels, T0 + timedelta(minutes=2))
    assert counts["dead"] == 1 and len(ding.received) == 1
    with ncity.sessions() as s:
        dead = s.scalar(select(Notification).where(Notification.status == "dead"))
        assert "310000" in dead.last_error and dead.attempts == 1


def test_quiet_hours_hold_sms_but_not_escalation(ncity, robot):
    configure(ncity, channels=[{"name": "robot", "kind": "webhook", "url": robot.url}], quiet_kinds=["webhook"])
    night = T0.replace(hour=15)  # 23:00 in Zhangzhou
    assert quiet_until(ncity.config.notify, night) == T0.replace(hour=23)  # 07:00 local
    assert quiet_until(ncity.config.notify, T0) is None
    code = new_dispatched(ncity, at=night)
    from models.cases import Case
    from models.workflow import apply

    with ncity.sessions.begin() as s:
        apply(s, s.scalar(select(Case).where(Case.code == code)), "escalate", actor="s", actor_role="supervisor",
              at=night)
    channels = channels_for(ncity)
    counts = deliver_due(ncity.sessions, ncity.config.notify, channels, night)
    assert (counts["sent"], counts["deferred"]) == (2, 1)  # 督办 to the unit and the parent's leader
    assert [r["json"]["event"] for r in robot.received] == ["escalate", "escalate"]
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, night + timedelta(hours=2))["sent"] == 0
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, T0.replace(hour=23))["sent"] == 1
    assert [r["json"]["event"] for r in robot.received] == ["escalate", "escalate", "dispatch"]


def test_starttls_with_the_servers_ca_and_refused_with_an_untrusted_certificate(ncity, tmp_path):
    import ssl
    import subprocess

    from models.config import ChannelConfig, ConfigError
    from models.notify.channels import DeliveryError, OutMessage
    from models.notify.channels.email import SmtpEmail

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=server_tls, require_starttls=True)
    ctl.start()
    try:
        msg = OutMessage("【交办】AJ1", "正文", "nq@example.org", "k-tls", "dispatch")
        trusted = SmtpEmail(ChannelConfig(name="m", kind="email", smtp_port=ctl.port, ca_file=str(cert)))
        trusted.send(msg)
        assert [m[0] for m in inbox.messages] == [["nq@example.org"]]
        system_cas = SmtpEmail(ChannelConfig(name="m", kind="email", smtp_port=ctl.port))
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            system_cas.send(msg)
        plain = SmtpEmail(ChannelConfig(name="m", kind="email", smtp_port=ctl.port, starttls=False))
        with pytest.raises(DeliveryError, match="530") as err:  # the server insists on STARTTLS
            plain.send(msg)
        assert err.value.retryable is False
        assert len(inbox.messages) == 1
    finally:
        ctl.stop()
    with pytest.raises(ConfigError, match="ca_file"):
        SmtpEmail(ChannelConfig(name="m", kind="email", ca_file=str(tmp_path / "missing.pem")))
