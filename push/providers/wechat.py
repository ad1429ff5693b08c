"""WeChat mini-program subscribe messages (wechatpy's `send_subscribe_message`), for residents
with quota on the status template. 43101 (no quota) is an expected answer: the quota record
is corrected and the next channel is tried; it is never retried here."""

from wechatpy.exceptions import WeChatClientException

from models import subscriptions
from models.errors import AppError
from push.providers.base import PermanentFailure, Provider, TemporaryFailure, channel_address
from push.templates import HINTS, beijing_minute, check_fields, fit

# errcodes that mean "this message will never go through on this channel"
PERMANENT = {40003: "invalid-openid", 40037: "invalid-template", 43101: "no-quota", 47003: "invalid-data"}


class WeChatSubscribeProvider(Provider):
    name = "wechat"

    def __init__(self, db, platform, template_id: str, page: str = "pages/applications/detail"):
        self.db, self.platform, self.template_id, self.page = db, platform, template_id, page
        self.quota = template_id

    def address(self, resident: dict, reach):
        return channel_address(resident, "wechat")

    def data(self, note: dict) -> dict:
        values = {"thing1": fit(note["item_name"], 20), "character_string2": note["number"],
                  "phrase3": note["phrase"], "time4": beijing_minute(note["at"]),
                  "thing5": HINTS.get(note["type"], "点击查看办件详情")}
        return {key: {"value": value} for key, value in values.items()}

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        data = self.data(note)
        bad = check_fields(data)
        if bad:  # WeChat would answer 47003; never spend a request on it
            raise PermanentFailure(f"invalid-data: {','.join(bad)}")
        page = f"{self.page}?number={note['number']}&event={note['_id']}"
        try:
            reply = await self.platform.send_async(
                lambda c: c.wxa.send_subscribe_message(to, self.template_id, data, page=page))
        except AppError as exc:  # network, 5xx, -1, or a token still refused after a refresh
            raise TemporaryFailure(exc.details.get("reason", exc.code) if exc.details else exc.code) from None
        except WeChatClientException as exc:
            if exc.errcode == 43101:
                await subscriptions.exhausted(self.db, str(resident["_id"]), "wechat", self.template_id)
            if exc.errcode in PERMANENT:
                raise PermanentFailure(f"{PERMANENT[exc.errcode]} ({exc.errcode})") from None
            raise TemporaryFailure(f"errcode {exc.errcode}") from None
        return str(reply.get("msgid", "")) if isinstance(reply, dict) else ""
