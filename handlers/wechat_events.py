"""The WeChat mini-program's message-push server URL (消息推送): the receipts of subscribe
messages (`subscribe_msg_sent_event`) and the residents' choices (`subscribe_msg_popup_event`,
`subscribe_msg_change_event`), so deliveries and quotas stay true.

GET verifies the URL (echo `echostr`); POST carries events, XML or JSON, plain or in safe mode
(`encrypt_type=aes`: `msg_signature` signs the `Encrypt` field, wechatpy decrypts it; pure CPU
and fast, so inline). Every request must be signed with WECHAT_PUSH_TOKEN, dated within 5
minutes, and its nonce unused (Redis, 10 minutes): a replay is refused. Signatures are compared
as bytes in constant time, so a forged non-ASCII one is a 403 like any other. Unknown events
are answered "success" at once; WeChat retries what is not answered within 5 s."""

import hashlib
import hmac
import json
import time
from xml.parsers.expat import ExpatError

import xmltodict
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from wechatpy.crypto import WeChatCrypto

from api.base import BaseHandler
from models import wechat_events
from models.errors import AppError

MAX_SKEW = 300  # seconds a request's timestamp may be off our clock
NONCE_TTL = 2 * MAX_SKEW  # a nonce is remembered past the time its request could still be fresh


class QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    signature = fields.String(required=True, validate=validate.Length(1, 128))
    timestamp = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,12}\Z"))
    nonce = fields.String(required=True, validate=validate.Length(1, 128))
    echostr = fields.String(load_default=None, validate=validate.Length(1, 1024))
    encrypt_type = fields.String(load_default="raw", validate=validate.OneOf(["raw", "aes"]))
    msg_signature = fields.String(load_default=None, validate=validate.Length(1, 128))


def _sign(*parts: str) -> bytes:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest().encode()


def _same(expected: bytes, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass"))


_bad = wechat_events.malformed


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
            await wechat_events.apply(self.deps.db, doc)
        except AppError:
            raise
        except Exception:  # let WeChat's retry (same nonce) through once our trouble passes
            await self.deps.redis.delete(nonce_key)
            raise
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("success")

    def _decrypt(self, token: str, query: dict, doc: dict) -> dict:
        encrypted = doc.get("Encrypt") if isinstance(doc.get("Encrypt"), str) else None
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

default_handlers = [(r"/api/v1/wechat/events", WeChatEventsHandler)]
