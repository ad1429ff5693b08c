"""WeChat mini-program subscribe messages (wechatpy's `send_subscribe_message`), for residents
with quota on the event's template (push/providers/templated.py). 43101 (no quota) is an
expected answer: the quota record is corrected and the next channel is tried; it is never
retried here."""

from wechatpy.exceptions import WeChatClientException

from models import subscriptions
from models.errors import AppError
from push.providers.base import PermanentFailure, TemporaryFailure, channel_address
from push.providers.templated import TemplateProvider

# errcodes that mean "this message will never go through on this channel"
PERMANENT = {40003: "invalid-openid", 40037: "invalid-template", 43101: "no-quota", 47003: "invalid-data"}


class WeChatSubscribeProvider(TemplateProvider):
    name = "wechat"

    def __init__(self, db, platform, templates=None):
        super().__init__(db, templates)
        self.platform = platform

    def address(self, resident: dict, reach):
        return channel_address(resident, "wechat")

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        template, data, page = self.payload(note)
        template_id = template["template_id"]
        try:
            reply = await self.platform.send_async(
                lambda c: c.wxa.send_subscribe_message(to, template_id, data, page=page))
        except AppError as exc:  # network, 5xx, -1, or a token still refused after a refresh
            raise TemporaryFailure(exc.details.get("reason", exc.code) if exc.details else exc.code) from None
        except WeChatClientException as exc:
            if exc.errcode == 43101:
                await subscriptions.exhausted(self.db, str(resident["_id"]), "wechat", template_id)
            if exc.errcode in PERMANENT:
                raise PermanentFailure(f"{PERMANENT[exc.errcode]} ({exc.errcode})") from None
            raise TemporaryFailure(f"errcode {exc.errcode}") from None
        return str(reply.get("msgid", "")) if isinstance(reply, dict) else ""
