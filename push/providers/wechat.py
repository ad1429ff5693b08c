"""WeChat mini-program subscribe messages (wechatpy's `send_subscribe_message`), for residents
with quota on the event's template (push/providers/templated.py). 43101 (no quota) is an
expected answer: the quota record is corrected and the next channel is tried; it is never
retried here."""

from wechatpy.exceptions import WeChatClientException

from models import subscriptions
from models.errors import AppError
from push import failures
from push.providers.base import PermanentFailure, QuotaExhausted, TemporaryFailure, UnknownFailure, channel_address
from push.providers.templated import TemplateProvider

# errcodes that mean "this message will never go through on this channel": errcode -> (reason, cause)
PERMANENT = {40003: ("invalid-openid", "recipient"), 43101: ("no-quota", "recipient"),
             47003: ("invalid-data", "content"), 41030: ("invalid-page", "content"), 45168: ("blocked-word", "content"),
             40037: ("invalid-template", "config"), 48001: ("api-unauthorized", "config")}
# stable_token refusing our credentials (wechat.token_failed): nothing works until an operator fixes them
TOKEN_CONFIG = {40013, 40125, 40164, 41002, 41004}


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
            errcode = (exc.details or {}).get("errcode")
            if exc.code == "wechat.token_failed" and errcode in TOKEN_CONFIG:
                raise PermanentFailure(f"token refused ({errcode})", cause="config", code=errcode) from None
            raise TemporaryFailure(exc.details.get("reason", exc.code) if exc.details else exc.code) from None
        except WeChatClientException as exc:
            if exc.errcode == 43101:
                await subscriptions.exhausted(self.db, str(resident["_id"]), "wechat", template_id)
            if exc.errcode in PERMANENT:
                reason, cause = PERMANENT[exc.errcode]
                raise PermanentFailure(f"{reason} ({exc.errcode})", cause=cause, code=exc.errcode) from None
            if exc.errcode == 45009:  # the API's daily quota: nothing more goes out until midnight
                raise QuotaExhausted("daily quota (45009)", until=failures.beijing_midnight(), code=45009) from None
            if exc.errcode == 45011:  # the minute quota
                raise TemporaryFailure("minute quota (45011)", not_before=failures.after(60)) from None
            raise UnknownFailure(f"errcode {exc.errcode}") from None
        return str(reply.get("msgid", "")) if isinstance(reply, dict) else ""
