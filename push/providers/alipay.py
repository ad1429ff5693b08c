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
from push.providers.base import PermanentFailure, TemporaryFailure, channel_address
from push.providers.templated import TemplateProvider

USER_ID = re.compile(r"2088\d{12}")  # older apps: user_id; newer ones only get open_id


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
            raise TemporaryFailure((exc.details or {}).get("reason", exc.code)) from None
        code, sub_code = str(reply.get("code")), reply.get("sub_code") or ""
        if code == "10000":
            return "10000"
        if code == "20000" or sub_code.startswith("isp."):  # Alipay's own trouble: try again later
            raise TemporaryFailure(sub_code or code)
        raise PermanentFailure(sub_code or code)
