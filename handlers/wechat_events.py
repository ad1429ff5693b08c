"""The WeChat mini-program's message-push server URL (消息推送): the receipts of subscribe
messages (`subscribe_msg_sent_event`) and the residents' choices (`subscribe_msg_popup_event`,
`subscribe_msg_change_event`), so deliveries and quotas stay true.

GET verifies the URL (echo `echostr`); POST carries events, XML or JSON, plain or in safe mode
(`encrypt_type=aes`: `msg_signature` signs the `Encrypt` field, wechatpy decrypts it; pure CPU
and fast, so inline). Every request must be signed with WECHAT_PUSH_TOKEN, dated within 5
minutes, and its nonce unused (Redis, 10 minutes): a replay is refused. Signatures are compared
as bytes in constant time, so a forged non-ASCII one is a 403 like any other. Unknown events
are answered "success" at once; WeChat retries what is not answered within 5 s."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from xml.parsers.expat import ExpatError

import xmltodict
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from wechatpy.crypto import WeChatCrypto

from api.base import BaseHandler
from models import receipts, residents, subscriptions
from models.errors import AppError

log = logging.getLogger(__name__)
MAX_SKEW = 300  # seconds a request's timestamp may be off our clock
NONCE_TTL = 2 * MAX_SKEW  # a nonce is remembered past the time its request could still be fresh
# ErrorCode -> the reason a failure receipt records
SENT_ERRORS = {43101: "user refused", 43107: "user refused", 43108: "blocked", 45009: "daily quota"}


class QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    signature = fields.String(required=True, validate=validate.Length(1, 128))
    timestamp = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,12}\Z"))
    nonce = fields.String(required=True, validate=validate.Length(1, 128))
    echostr = fields.String(load_default=None, validate=validate.Length(1, 1024))
    encrypt_type = fields.String(load_default="raw", validate=validate.OneOf(["raw", "aes"]))
    msg_signature = fields.String(load_default=None, validate=validate.Length(1, 128))


class SentItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    TemplateId = fields.String(required=True, validate=validate.Length(1, 128))
    MsgID = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,32}\Z"))
    ErrorCode = fields.String(required=True, validate=validate.Regexp(r"^-?[0-9]{1,9}\Z"))
    ErrorStatus = fields.String(load_default="", validate=validate.Length(0, 256))


class ChoiceItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    TemplateId = fields.String(required=True, validate=validate.Length(1, 128))
    SubscribeStatusString = fields.String(required=True, validate=validate.Length(1, 32))


class EventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    FromUserName = fields.String(required=True, validate=validate.Length(1, 128))
    CreateTime = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{1,12}\Z"))
    MsgType = fields.String(load_default="")
    Event = fields.String(load_default="")


def _sign(*parts: str) -> bytes:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest().encode()


def _same(expected: bytes, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass"))


def _bad(message: str) -> AppError:
    return AppError(400, "wechat_push.malformed", message)


def _parse(body: bytes) -> dict:
    """A push body, XML (`<xml>…</xml>`) or JSON, as a dict of text values."""
    try:
        text = body.decode("utf-8").strip()
        if text.startswith("<"):
            doc = xmltodict.parse(text, disable_entities=True).get("xml")
        else:
            doc = json.loads(text)
    except (UnicodeDecodeError, ValueError, ExpatError, AttributeError, RecursionError):
        raise _bad("消息体不是合法的 XML 或 JSON") from None
    if not isinstance(doc, dict):
        raise _bad("消息体应为一个对象")
    return doc


def _text(value) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _items(doc: dict, container: str, schema: Schema) -> list[dict]:
    """The event's List entries (XML: one object per <List>; JSON: an object or a list), checked."""
    holder = doc.get(container)
    entries = holder.get("List") if isinstance(holder, dict) else None
    entries = [entries] if isinstance(entries, dict) else entries
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise _bad(f"{container} 缺少 List")
    try:
        return [schema.load({k: _text(v) for k, v in e.items() if _text(v) is not None}) for e in entries]
    except ValidationError:
        raise _bad(f"{container} 格式不正确") from None


class WeChatEventsHandler(BaseHandler):
    body_limit = 64 * 1024

    def _query(self) -> dict:
        names = ("signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature")
        args = {k: self.get_query_argument(k) for k in names if self.get_query_argument(k, None) is not None}
        try:
            query = QuerySchema().load(args)
        except ValidationError:
            raise AppError(400, "wechat_push.bad_query", "缺少或错误的签名参数") from None
        if abs(time.time() - int(query["timestamp"])) > MAX_SKEW:
            raise AppError(403, "wechat_push.stale", "请求时间戳已过期")
        return query

    def _token(self) -> str:
        token = self.config.wechat_push_token
        if not token:
            raise AppError(404, "not_found", "未配置微信消息推送")
        return token

    async def get(self):
        """WeChat's check of the server URL: echoes `echostr` when the signature is ours.
        ---
        tags: [wechat]
        parameters:
          - {in: query, name: signature, required: true, schema: {type: string}}
          - {in: query, name: timestamp, required: true, schema: {type: string}}
          - {in: query, name: nonce, required: true, schema: {type: string}}
          - {in: query, name: echostr, required: true, schema: {type: string}}
        responses:
          200: {description: "echostr"}
          400: {description: "missing or malformed parameters"}
          403: {description: "bad signature or stale timestamp"}
          404: {description: "no WECHAT_PUSH_TOKEN configured"}
        """
        token = self._token()
        query = self._query()
        if not _same(_sign(token, query["timestamp"], query["nonce"]), query["signature"]) or not query["echostr"]:
            raise AppError(403, "wechat_push.bad_signature", "签名无效")
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(query["echostr"])

    async def post(self):
        """Events from WeChat (XML or JSON; plain or safe mode). Answers "success".
        ---
        tags: [wechat]
        parameters:
          - {in: query, name: signature, required: true, schema: {type: string}}
          - {in: query, name: timestamp, required: true, schema: {type: string}}
          - {in: query, name: nonce, required: true, schema: {type: string}}
          - {in: query, name: encrypt_type, schema: {type: string, enum: [raw, aes]}}
          - {in: query, name: msg_signature, schema: {type: string}}
        requestBody:
          content:
            text/xml: {schema: {type: string}}
            application/json: {schema: {type: object}}
        responses:
          200: {description: "success"}
          400: {description: "malformed parameters or body"}
          403: {description: "bad signature, stale timestamp or replayed nonce"}
          404: {description: "no WECHAT_PUSH_TOKEN configured"}
          413: {description: "body over 64 KiB"}
        """
        token = self._token()
        query = self._query()
        if query["encrypt_type"] == "aes":  # msg_signature covers the encrypted body
            doc = self._decrypt(token, query, _parse(self.body))
        elif _same(_sign(token, query["timestamp"], query["nonce"]), query["signature"]):
            doc = _parse(self.body)  # plain mode signs no body: safe mode is the one for production
        else:
            raise AppError(403, "wechat_push.bad_signature", "签名无效")
        nonce_key = f"wechat:push:nonce:{hashlib.sha1(query['nonce'].encode()).hexdigest()}"
        if not await self.deps.redis.set(nonce_key, "1", nx=True, ex=NONCE_TTL):
            raise AppError(403, "wechat_push.replayed", "重复的请求")
        try:
            await self._handle(doc)
        except AppError:
            raise
        except Exception:  # let WeChat's retry (same nonce) through once our trouble passes
            await self.deps.redis.delete(nonce_key)
            raise
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("success")

    def _decrypt(self, token: str, query: dict, doc: dict) -> dict:
        encrypted = _text(doc.get("Encrypt"))
        if not encrypted or not self.config.wechat_push_aes_key:
            raise _bad("安全模式的消息缺少 Encrypt")
        if not _same(_sign(token, query["timestamp"], query["nonce"], encrypted), query["msg_signature"]):
            raise AppError(403, "wechat_push.bad_signature", "签名无效")
        crypto = WeChatCrypto(token, self.config.wechat_push_aes_key, self.config.wechat_mini_appid)
        try:
            plain = crypto.decrypt_message({"Encrypt": encrypted}, query["msg_signature"], query["timestamp"],
                                           query["nonce"])
        except Exception:  # wrong key, padding, appid: never our message
            raise _bad("消息无法解密") from None
        return _parse(plain.encode("utf-8") if isinstance(plain, str) else plain)

    async def _handle(self, doc: dict) -> None:
        try:
            head = EventSchema().load({k: _text(v) for k, v in doc.items() if _text(v) is not None})
        except ValidationError:
            raise _bad("消息缺少 FromUserName") from None
        kind = head["Event"] if head["MsgType"] == "event" else ""
        db = self.deps.db
        if kind == "subscribe_msg_sent_event":
            at = dt.datetime.fromtimestamp(int(head["CreateTime"]), dt.UTC) if head["CreateTime"] else None
            for item in _items(doc, "SubscribeMsgSentEvent", SentItemSchema()):
                code = int(item["ErrorCode"])
                reason = None if code == 0 else \
                    f"wechat-sent-event {code} {SENT_ERRORS.get(code) or item['ErrorStatus'] or 'failed'}"
                await receipts.record(db, "wechat", item["MsgID"], "delivered" if code == 0 else "permanent-failure",
                                      reason=reason, at=at)
        elif kind in ("subscribe_msg_popup_event", "subscribe_msg_change_event"):
            container = "SubscribeMsgPopupEvent" if kind == "subscribe_msg_popup_event" else "SubscribeMsgChangeEvent"
            choices = _items(doc, container, ChoiceItemSchema())
            resident = await residents.by_address(db, "wechat", head["FromUserName"])
            if resident is None:
                log.info("wechat push: %s for an openid we do not know", kind)
                return
            for choice in choices:
                await self._choice(str(resident["_id"]), choice, popup=kind == "subscribe_msg_popup_event")

    async def _choice(self, owner: str, choice: dict, *, popup: bool) -> None:
        template = await self.deps.db.message_templates.find_one(
            {"channel": "wechat", "template_id": choice["TemplateId"]}, {"kind": 1})
        if template is None:  # not one of ours
            return
        kind = template.get("kind", "one-time")
        if choice["SubscribeStatusString"] == "accept" and (popup or kind == "long-term"):
            await subscriptions.accept(self.deps.db, owner, "wechat", [{"template": choice["TemplateId"], "kind": kind}])
        elif choice["SubscribeStatusString"] == "reject" and not popup:
            await subscriptions.turned_off(self.deps.db, owner, "wechat", choice["TemplateId"])


default_handlers = [(r"/api/v1/wechat/events", WeChatEventsHandler)]
