"""Alipay mini-program template messages (`alipay.open.app.mini.templatemessage.send` through
alipay-sdk-python: the SDK signs and verifies, Tornado sends), for residents with quota on the
event's template (push/providers/templated.py)."""

import json
import re

from alipay.aop.api.domain.AlipayOpenAppMiniTemplatemessageSendModel import AlipayOpenAppMiniTemplatemessageSendModel
from alipay.aop.api.request.AlipayOpenAppMiniTemplatemessageSendRequest import (
    AlipayOpenAppMiniTemplatemessageSendRequest,
)

from models.errors import AppError
from push.providers.base import PermanentFailure, TemporaryFailure, UnknownFailure, channel_address
from push.providers.templated import TemplateProvider

USER_ID = re.compile(r"2088\d{12}")  # older apps: user_id; newer ones only get open_id
# sub_code -> cause of a refusal no retry changes (the gateway's checks; templatemessage.send's own)
PERMANENT = {**dict.fromkeys(("isv.missing-app-id", "isv.invalid-app-id", "isv.missing-signature-type",
                              "isv.invalid-signature-type", "isv.missing-signature", "isv.invalid-signature",
                              "isv.invalid-method", "isv.invalid-timestamp", "isv.invalid-charset",
                              "isv.insufficient-isv-permissions", "USER_TEMPLATE_ILLEGAL", "FORM_ID_NOT_MATCH_APPID"),
                             "config"),
             "isv.missing-param": "content", "isv.invalid-parameter": "content"}


class AlipayTemplateProvider(TemplateProvider):
    name = "alipay"

    def __init__(self, db, gateway, templates=None):
        super().__init__(db, templates)
        self.gateway = gateway

    def address(self, resident: dict, reach):
        return channel_address(resident, "alipay")

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        template, data, page = self.payload(note)
        model = AlipayOpenAppMiniTemplatemessageSendModel()
        if USER_ID.fullmatch(to):
            model.to_user_id = to
        else:
            model.to_open_id = to
        model.user_template_id = template["template_id"]
        model.page = page
        model.data = json.dumps(data, ensure_ascii=False)
        request = AlipayOpenAppMiniTemplatemessageSendRequest(biz_model=model)
        try:
            reply = await self.gateway.call(request)
        except AppError as exc:
            reason = (exc.details or {}).get("reason", exc.code)
            if reason == "reply not verifiable":  # Alipay may well have taken it: never send it again
                raise PermanentFailure(reason, cause="config", code="reply-not-verifiable") from None
            if reason == "reply unreadable":
                raise UnknownFailure(reason) from None
            raise TemporaryFailure(reason) from None
        code, sub_code = str(reply.get("code")), reply.get("sub_code") or ""
        if code == "10000" and reply.get("verified", True):
            return None  # templatemessage.send names no message and Alipay has no receipt API: stays accepted
        if code == "20000" or sub_code.startswith("isp."):  # Alipay's own trouble: try again later
            raise TemporaryFailure(sub_code or code)
        if sub_code in PERMANENT:
            raise PermanentFailure(sub_code, cause=PERMANENT[sub_code], code=sub_code)
        raise UnknownFailure(sub_code or code)
