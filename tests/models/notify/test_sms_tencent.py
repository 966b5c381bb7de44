"""SMS through the Tencent Cloud SMS SDK against a loopback server answering like ``SendSms`` (2021-01-11):
success, a per-number frequency limit (retried), an API error (dead letter), and quiet hours."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.notifications import Notification
from models.notify.sender import deliver_due
from models.notify.service import channels_for

from .conftest import T0, configure, new_dispatched
from .receivers import RobotReceiver


def ok(req):
    phones = req["json"]["PhoneNumberSet"]
    return 200, {"Response": {"SendStatusSet": [{"SerialNo": "2019:1", "PhoneNumber": p, "Fee": 1, "Code": "Ok",
                                                 "Message": "send success", "IsoCode": "CN", "SessionContext": ""}
                                                for p in phones], "RequestId": "r-1"}}


@pytest.fixture
def gateway(monkeypatch):
    answers = []

    def respond(req):
        return answers.pop(0)(req) if answers else ok(req)

    r = RobotReceiver(responder=respond)
    r.answers = answers
    monkeypatch.setenv("CW_SMS_ID", "AKIDtest")
    monkeypatch.setenv("CW_SMS_KEY", "secret-key")
    yield r
    r.close()


def sms_channel(port):
    return {"name": "sms", "kind": "sms_tencent", "url": f"127.0.0.1:{port}", "scheme": "http",
            "key_id_env": "CW_SMS_ID", "secret_env": "CW_SMS_KEY", "sms_app_id": "1400000000",
            "sms_sign": "漳州文明办", "sms_template_id": "1000001", "timeout_s": 5}


def street_id(s):
    from models.registry import ResponsibleUnit

    return s.scalar(select(ResponsibleUnit.id).where(ResponsibleUnit.code == "U-XC-NQ"))


def rows(ctx):
    with ctx.sessions() as s:
        return [(r.status, r.attempts, r.last_error) for r in s.scalars(select(Notification).order_by(Notification.id))]


def test_sms_sent_through_the_sdk_with_the_template_parameters(ncity, gateway):
    from models.notifications import UnitContact

    with ncity.sessions.begin() as s:  # the street office's 联络员 also gets SMS
        s.add(UnitContact(unit_id=street_id(s), role="contact", name="李联络", channel="sms",
                          address="138-0000-0001"))
    configure(ncity, channels=[sms_channel(gateway.port)])
    code = new_dispatched(ncity)
    gateway.answers.append(lambda req: (200, {"Response": {"SendStatusSet": [{
        "SerialNo": "", "PhoneNumber": "+8613800000001", "Fee": 0, "Code": "LimitExceeded.PhoneNumberThirtySecondLimit",
        "Message": "the number of SMS messages sent from a single mobile number within 30 seconds exceeds the upper "
                   "limit", "IsoCode": "CN", "SessionContext": ""}], "RequestId": "r-0"}}))
    channels = channels_for(ncity)
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, T0)["failed"] == 1
    assert "LimitExceeded.PhoneNumberThirtySecondLimit" in rows(ncity)[0][2]
    assert deliver_due(ncity.sessions, ncity.config.notify, channels, T0 + timedelta(minutes=1))["sent"] == 1
    assert rows(ncity) == [("sent", 2, None)]
    last = gateway.received[-1]
    assert last["headers"]["X-TC-Action"] == "SendSms" and last["headers"]["Authorization"].startswith("TC3-HMAC-SHA256")
    body = last["json"]
    assert body["PhoneNumberSet"] == ["+8613800000001"] and body["SignName"] == "漳州文明办"
    assert body["TemplateParamSet"][:2] == [code, "交办"]


def test_api_error_is_a_dead_letter_and_a_bad_number_never_reaches_the_gateway(ncity, gateway):
    from models.notifications import UnitContact

    with ncity.sessions.begin() as s:
        uid = street_id(s)
        s.add_all([UnitContact(unit_id=uid, role="contact", channel="sms", address="13800000001"),
                   UnitContact(unit_id=uid, role="duty", channel="sms", address="call-me")])
    configure(ncity, channels=[sms_channel(gateway.port)])
    new_dispatched(ncity)
    gateway.answers.append(lambda req: (200, {"Response": {"Error": {
        "Code": "FailedOperation.TemplateIncorrectOrUnapproved", "Message": "template not approved"},
        "RequestId": "r-2"}}))
    counts = deliver_due(ncity.sessions, ncity.config.notify, channels_for(ncity), T0)
    assert counts["dead"] == 2 and len(gateway.received) == 1
    errors = sorted(r[2] for r in rows(ncity))
    assert "TemplateIncorrectOrUnapproved" in errors[0] and "not a phone number" in errors[1]
