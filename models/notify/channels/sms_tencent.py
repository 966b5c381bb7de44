"""SMS through Tencent Cloud SMS (腾讯云短信) with its SDK (``tencentcloud-sdk-python-sms``, API 2021-01-11
``SendSms``). SecretId/SecretKey come from ``key_id_env``/``secret_env``; the template (approved with the
signature) gets three parameters: case code (or tracking code), event label, deadline.

Provider answers: per phone ``SendStatusSet[].Code`` ``Ok`` = sent; ``LimitExceeded.*`` (frequency limits) and
``InternalError.*`` are retried; other codes (bad number, template …) are dead letters. SDK errors without
an answer (network) are retried.
"""
from __future__ import annotations

import re

from .base import Channel, DeliveryError, OutMessage, register

PHONE = re.compile(r"^\+?\d{6,15}$")


def _retryable(code: str) -> bool:
    return code.startswith(("LimitExceeded", "InternalError", "RequestLimitExceeded")) or code in ("ClientNetworkError", "ServerNetworkError")


@register("sms_tencent")
class TencentSms(Channel):
    def check(self) -> None:
        self.env("key_id_env")
        self.env("secret_env")
        for attr in ("sms_app_id", "sms_sign", "sms_template_id"):
            if not getattr(self.config, attr):
                from ...config import ConfigError

                raise ConfigError(f"notify.channels[{self.name}].{attr}: required for kind sms_tencent")

    def _client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(protocol=self.config.scheme, endpoint=self.config.url or "sms.tencentcloudapi.com",
                           reqTimeout=int(self.config.timeout_s))
        cred = credential.Credential(self.env("key_id_env"), self.env("secret_env"))
        return sms_client.SmsClient(cred, self.config.sms_region, ClientProfile(httpProfile=http))

    def send(self, message: OutMessage) -> dict:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        phone = message.recipient.replace(" ", "").replace("-", "")
        if not PHONE.match(phone):
            raise DeliveryError(f"not a phone number: {message.recipient!r}", retryable=False)
        if not phone.startswith("+"):
            phone = "+86" + phone
        req = models.SendSmsRequest()
        req.SmsSdkAppId = self.config.sms_app_id
        req.SignName = self.config.sms_sign
        req.TemplateId = self.config.sms_template_id
        req.PhoneNumberSet = [phone]
        f = message.fields
        req.TemplateParamSet = [message.case_code or f.get("tracking_code", ""), f.get("event_label", message.event),
                                f.get("deadline", "")]
        req.SessionContext = message.dedupe_key[:100]
        try:
            resp = self._client().SendSms(req)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "ClientNetworkError"
            raise DeliveryError(f"Tencent SMS: {code}: {exc.get_message()}"[:300], retryable=_retryable(code),
                                code=code) from None
        status = (resp.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            code = status.Code if status else "NoStatus"
            raise DeliveryError(f"Tencent SMS: {code}: {status.Message if status else ''}"[:300],
                                retryable=_retryable(code), code=code)
        return {"serial": status.SerialNo, "request_id": resp.RequestId}
