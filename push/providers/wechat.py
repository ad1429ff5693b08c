"""WeChat mini-program subscribe messages (wechatpy's `send_subscribe_message`), for residents
with quota on the status template. 43101 (no quota) is an expected answer: the quota record
is corrected and the next channel is tried; it is never retried here."""

from wechatpy.exceptions import WeChatClientException

from models import subscriptions
from models.errors import AppError
from push import failures
from push.providers.base import PermanentFailure, Provider, QuotaExhausted, TemporaryFailure, UnknownFailure, channel_address
from push.templates import HINTS, beijing_minute, check_fields, fit

# errcodes that mean "this message will never go through on this channel": errcode -> (reason, cause)
PERMANENT = {40003: ("invalid-openid", "recipient"), 43101: ("no-quota", "recipient"),
             47003: ("invalid-data", "content"), 41030: ("invalid-page", "content"), 45168: ("blocked-word", "content"),
             40037: ("invalid-template", "config"), 48001: ("api-unauthorized", "config")}
# stable_token refusing our credentials (wechat.token_failed): nothing works until an operator fixes them
TOKEN_CONFIG = {40013, 40125, 40164, 41002, 41004}


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
            errcode = (exc.details or {}).get("errcode")
            if exc.code == "wechat.token_failed" and errcode in TOKEN_CONFIG:
                raise PermanentFailure(f"token refused ({errcode})", cause="config", code=errcode) from None
            raise TemporaryFailure(exc.details.get("reason", exc.code) if exc.details else exc.code) from None
        except WeChatClientException as exc:
            if exc.errcode == 43101:
                await subscriptions.exhausted(self.db, str(resident["_id"]), "wechat", self.template_id)
            if exc.errcode in PERMANENT:
                reason, cause = PERMANENT[exc.errcode]
                raise PermanentFailure(f"{reason} ({exc.errcode})", cause=cause, code=exc.errcode) from None
            if exc.errcode == 45009:  # the API's daily quota: nothing more goes out until midnight
                raise QuotaExhausted("daily quota (45009)", until=failures.beijing_midnight(), code=45009) from None
            if exc.errcode == 45011:  # the minute quota
                raise TemporaryFailure("minute quota (45011)", not_before=failures.after(60)) from None
            raise UnknownFailure(f"errcode {exc.errcode}") from None
        return str(reply.get("msgid", "")) if isinstance(reply, dict) else ""
