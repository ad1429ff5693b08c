"""The Alipay open-platform gateway (``gateway.do``), as much as the project uses.

Like the real gateway, requests are signed by the app (RSA2: SHA256withRSA,
PKCS#1 v1.5, over the sorted ``k=v&...`` of every non-empty parameter but
``sign``) and answers are signed by Alipay over the exact text of the
``*_response`` value::

    {"alipay_system_oauth_token_response":{...},"sign":"<base64>"}

The answer is compact JSON with non-ASCII left as it is (``ensure_ascii=False``);
the signature covers exactly the UTF-8 bytes of the ``{...}`` that follows
the response key. Give clients ``state.alipay_public_key_pem`` (or
``GET {prefix}/alipay/public-key``) as the Alipay public key.

* ``GET|POST {prefix}/alipay/gateway.do``  parameters from the query, a
  form-encoded body, or both
* ``POST {prefix}/alipay/auth-code``  ``{"user_id"?, "open_id"?, "app_id"?}``
  -> 201 ``{"auth_code", "expires_in": 300}`` (plays ``my.getAuthCode``)
* ``GET  {prefix}/alipay/public-key``  -> ``{"public_key": pem}``
* ``GET|DELETE {prefix}/alipay/template-messages[?to_user_id=|to_open_id=]``
  sent mini-program template messages, oldest first

Gateway checks, in order (all answer HTTP 200): ``app_id`` (40001
``isv.missing-app-id``, 40002 ``isv.invalid-app-id``), ``sign_type`` RSA2
(``isv.missing-signature-type``, ``isv.invalid-signature-type``), ``sign``
(``isv.missing-signature``, ``isv.invalid-signature``), ``method``
(``isv.missing-method``, ``isv.invalid-method``), ``timestamp`` within 15
minutes of the sandbox clock, read in ``state.alipay.timezone``
(``isv.missing-timestamp``, ``isv.invalid-timestamp``), ``charset`` utf-8
(``isv.invalid-charset``). Like the real gateway, which cannot tell which of
its keys to sign with before it knows the app and its signature, the
``app_id``, ``sign_type`` and ``sign`` errors carry the placeholder
``"sign":"ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"`` (no client can verify them),
under the method's response key when the method is one it knows, else under
``error_response``; the later checks answer a signed ``error_response``.

``GET|PUT {prefix}/alipay/signing`` ``{"mode": "normal" | "unsigned" |
"wrong-key"}``: every answer signed, without ``sign``, or signed with a key
clients were not given (the city's copy of Alipay's public key is stale).

Methods:

* ``alipay.system.oauth.token`` - ``grant_type`` authorization_code
  (``code``) or refresh_token (``refresh_token``); errors in
  ``error_response``: ``isv.code-invalid``, ``isv.refresh-token-invalid``
  (unknown, or already replaced: every refresh rotates it),
  ``isv.refresh-token-time-out``, ``isv.grant-type-invalid``.
* ``alipay.open.app.mini.templatemessage.send`` - ``biz_content``
  ``{"to_user_id"|"to_open_id", "user_template_id", "page", "data"}``;
  errors in the method's own response key: ``isv.missing-param``,
  ``isv.invalid-parameter``; then the app's templates
  (``sandbox.alipay_templates``): ``USER_TEMPLATE_ILLEGAL``, data not
  fitting the template's keywords.
* ``alipay.user.certify.open.initialize|certify|query`` - 身份验证, in
  ``sandbox.alipay_certify`` (``certify`` answers an HTML page).

Targets: ``alipay.gateway`` (every gateway request) and one per supported
method (``alipay.system.oauth.token``,
``alipay.open.app.mini.templatemessage.send`` and the three certify methods). A request to a supported
method is recorded under both (the record's ``target`` is the method), and a
fault on either applies to it. Fault mapping:

* ``errcode`` (any value) -> signed ``{"error_response": {"code": "20000",
  "msg": "Service Currently Unavailable", "sub_code": "isp.unknown-error",
  "sub_msg": <the fault's errmsg>}}``, HTTP 200;
* ``status`` / ``latency_ms`` / ``drop`` -> as for every upstream (a
  ``status`` answer is the sandbox's plain JSON error, not signed).

The log's ``errcode`` field holds the answer's ``sub_code`` (or ``code``
for "10000" successes; None for oauth.token successes).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox import alipay_certify as certify
from sandbox import alipay_templates
from sandbox.alipay_state import ALIPAY_AUTH_CODE_TTL, ALIPAY_TIMESTAMP_SKEW, AlipayToken
from sandbox.base import SandboxHandler
from sandbox.faults import ControlHandler
from sandbox.shared_state import Fault
from sandbox.state import SandboxState

GATEWAY_TARGET = "alipay.gateway"
OAUTH_TOKEN = "alipay.system.oauth.token"
TEMPLATE_MESSAGE_SEND = "alipay.open.app.mini.templatemessage.send"
METHODS = (OAUTH_TOKEN, TEMPLATE_MESSAGE_SEND, *certify.METHODS)
TARGETS = (GATEWAY_TARGET, *METHODS)

ERROR_KEY = "error_response"
MSG = {
    "10000": "Success",
    "20000": "Service Currently Unavailable",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
}
SUB_MSG = {
    "isv.missing-app-id": "缺少AppID参数",
    "isv.invalid-app-id": "无效的AppID参数",
    "isv.missing-signature-type": "缺少签名类型参数",
    "isv.invalid-signature-type": "无效的签名类型",
    "isv.missing-signature": "缺少签名参数",
    "isv.invalid-signature": "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配",
    "isv.missing-method": "缺少方法名参数",
    "isv.invalid-method": "不存在的方法名",
    "isv.missing-timestamp": "缺少时间戳参数",
    "isv.invalid-timestamp": "非法的时间戳参数",
    "isv.invalid-charset": "字符集错误",
    "isv.grant-type-invalid": "grant_type参数无效",
    "isv.code-invalid": "授权码code无效",
    "isv.refresh-token-invalid": "刷新令牌refresh_token无效",
    "isv.refresh-token-time-out": "刷新令牌refresh_token过期",
    "isv.missing-param": "缺少必选参数",
    "isv.invalid-parameter": "参数无效",
    "isp.unknown-error": "系统繁忙",
}

USER_ID = re.compile(r"2088[0-9]{12}")
OPEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def response_key(method: str) -> str:
    """``alipay.system.oauth.token`` -> ``alipay_system_oauth_token_response``."""
    return method.replace(".", "_") + "_response"


def sign_content(params: dict[str, str]) -> str:
    """What an app signs: ``k=v`` of the non-empty parameters but ``sign``,
    sorted by key, joined with ``&`` (values raw, not URL-encoded)."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def sign_rsa2(private_key: rsa.RSAPrivateKey, data: bytes) -> str:
    return base64.b64encode(private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def verify_rsa2(public_key: rsa.RSAPublicKey, data: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def signed_body(key: str, payload: dict[str, Any], private_key: rsa.RSAPrivateKey) -> bytes:
    """``{"<key>":<payload>,"sign":"..."}``, signed over the payload's exact bytes."""
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    sign = sign_rsa2(private_key, content)
    return b"{" + json.dumps(key).encode("ascii") + b":" + content + b',"sign":"' + sign.encode("ascii") + b'"}'


def error(code: str, sub_code: str, sub_msg: str | None = None) -> dict[str, str]:
    return {
        "code": code,
        "msg": MSG[code],
        "sub_code": sub_code,
        "sub_msg": SUB_MSG.get(sub_code, "") if sub_msg is None else sub_msg,
    }


PLACEHOLDER_SIGN = "ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"  # the gateway's `sign` when it could not sign
SIGNING_MODES = ("normal", "unsigned", "wrong-key")


class AlipayError(Exception):
    """An error answer: ``payload`` under ``key``; ``signed`` False: the placeholder sign."""

    def __init__(self, key: str, payload: dict[str, str], signed: bool = True) -> None:
        super().__init__(payload["sub_code"])
        self.key = key
        self.payload = payload
        self.signed = signed


def _fail(code: str, sub_code: str, sub_msg: str | None = None, key: str = ERROR_KEY) -> AlipayError:
    return AlipayError(key, error(code, sub_code, sub_msg))


def _unsigned(code: str, sub_code: str, sub_msg: str | None = None) -> AlipayError:
    return AlipayError(ERROR_KEY, error(code, sub_code, sub_msg), signed=False)


def unsigned_body(key: str, payload: dict[str, Any], sign: str | None) -> bytes:
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tail = b"" if sign is None else b',"sign":"' + sign.encode("ascii") + b'"'
    return b"{" + json.dumps(key).encode("ascii") + b":" + content + tail + b"}"


# ---------------------------------------------------------------- handlers


class GatewayHandler(SandboxHandler):
    target = GATEWAY_TARGET
    scrub_keys = frozenset({"code"})

    _params: dict[str, str] | None = None
    _params_parsed = False

    # ------------------------------------------------------------ input

    def params(self) -> dict[str, str] | None:
        """Query and form parameters (first value of each; the query wins),
        or None when one is not UTF-8."""
        if not self._params_parsed:
            self._params_parsed = True
            merged: dict[str, str] = {}
            try:
                for source in (self.request.query_arguments, self.request.body_arguments):
                    for name, values in source.items():
                        if name not in merged and values:
                            merged[name] = values[0].decode("utf-8")
            except UnicodeDecodeError:
                return None
            self._params = merged
        return self._params

    def request_targets(self) -> tuple[str, ...]:
        method = (self.params() or {}).get("method")
        if method in METHODS:
            return (method, GATEWAY_TARGET)
        return (GATEWAY_TARGET,)

    def record_query(self) -> dict[str, Any]:
        params = self.params()
        return self.query_dict() if params is None else certify.mask(dict(params))

    # ------------------------------------------------------------ output

    def send_signed(self, key: str, payload: dict[str, Any], signed: bool = True) -> None:
        self.note_code(payload.get("sub_code") or payload.get("code"))
        alipay = self.state.alipay
        if not signed:
            self.send_raw(unsigned_body(key, payload, PLACEHOLDER_SIGN))
        elif alipay.signing == "unsigned":
            self.send_raw(unsigned_body(key, payload, None))
        else:
            self.send_raw(signed_body(key, payload, alipay.wrong_key if alipay.signing == "wrong-key" else alipay.private_key))

    def send_errcode_fault(self, fault: Fault) -> None:
        self.send_signed(ERROR_KEY, error("20000", "isp.unknown-error", fault.errmsg))

    # ------------------------------------------------------------ the gateway

    def get(self) -> None:
        self.handle()

    def post(self) -> None:
        self.handle()

    def handle(self) -> None:
        params = None
        try:
            params = self.check_gateway()
            method = params["method"]
            if method == OAUTH_TOKEN:
                key, payload = self.oauth_token(params)
            elif method == TEMPLATE_MESSAGE_SEND:
                key, payload = self.template_message_send(params)
            elif method == certify.CERTIFY:  # a page for the phone, not a signed answer
                return self.send_page(certify.certify_page(self.state, params))
            else:
                key = response_key(method)
                payload = (certify.initialize if method == certify.INITIALIZE else certify.query)(self.state, params)
        except AlipayError as exc:
            if not exc.signed:  # before the app's signature is known good: under the method's key, if any
                method = (self.params() or {}).get("method")
                return self.send_signed(response_key(method) if method in METHODS else ERROR_KEY, exc.payload, False)
            key, payload = exc.key, exc.payload
        except certify.Refused as exc:
            key, payload = response_key(params["method"]), error(exc.code, exc.sub_code, exc.sub_msg)
        self.send_signed(key, payload)

    def send_page(self, body: bytes) -> None:
        self.note_code("10000")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.send_raw(body)

    def check_gateway(self) -> dict[str, str]:
        """The common-parameter checks; the parameters when they pass."""
        params = self.params()
        if params is None:
            raise _fail("40002", "isv.invalid-charset")
        alipay = self.state.alipay
        self.check_app(params)
        method = params.get("method", "")
        if not method:
            raise _fail("40001", "isv.missing-method")
        if method not in METHODS:
            raise _fail("40002", "isv.invalid-method")
        timestamp = params.get("timestamp", "")
        if not timestamp:
            raise _fail("40001", "isv.missing-timestamp")
        sent_at = alipay.parse_timestamp(timestamp)
        if sent_at is None or abs(sent_at - self.state.clock()) > ALIPAY_TIMESTAMP_SKEW:
            raise _fail("40002", "isv.invalid-timestamp")
        if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            raise _fail("40002", "isv.invalid-charset")
        return params

    def check_app(self, params: dict[str, str]) -> None:
        """The app and its signature: until they pass, the gateway has no key to sign with."""
        alipay = self.state.alipay
        app_id = params.get("app_id", "")
        if not app_id:
            raise _unsigned("40001", "isv.missing-app-id")
        if app_id not in alipay.app_keys:
            raise _unsigned("40002", "isv.invalid-app-id")
        sign_type = params.get("sign_type", "")
        if not sign_type:
            raise _unsigned("40001", "isv.missing-signature-type")
        if sign_type != "RSA2":
            raise _unsigned("40002", "isv.invalid-signature-type")
        sign = params.get("sign", "")
        if not sign:
            raise _unsigned("40001", "isv.missing-signature")
        content = sign_content(params)
        if not verify_rsa2(alipay.app_keys[app_id], content.encode("utf-8"), sign):
            # Like Alipay, show the string the gateway checked the signature against.
            raise _unsigned(
                "40002", "isv.invalid-signature", f"{SUB_MSG['isv.invalid-signature']}，网关生成的验签字符串为：{content}"
            )

    def oauth_token(self, params: dict[str, str]) -> tuple[str, dict[str, Any]]:
        alipay = self.state.alipay
        app_id = params["app_id"]
        grant_type = params.get("grant_type", "")
        if grant_type == "authorization_code":
            result = alipay.exchange_code(app_id, params["code"]) if params.get("code") else "isv.code-invalid"
        elif grant_type == "refresh_token":
            refresh_token = params.get("refresh_token")
            result = alipay.refresh(app_id, refresh_token) if refresh_token else "isv.refresh-token-invalid"
        else:
            result = "isv.grant-type-invalid"
        if isinstance(result, str):
            raise _fail("40002", result)
        return response_key(OAUTH_TOKEN), self.token_payload(result)

    def token_payload(self, token: AlipayToken) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if token.user_id is not None:
            payload["user_id"] = token.user_id
        if token.open_id is not None:
            payload["open_id"] = token.open_id
        payload.update(
            access_token=token.access_token,
            expires_in=round(token.expires_at - token.auth_start),
            refresh_token=token.refresh_token,
            re_expires_in=round(token.re_expires_at - token.auth_start),
            auth_start=self.state.alipay.datetime(token.auth_start).strftime("%Y-%m-%d %H:%M:%S"),
        )
        return payload

    def template_message_send(self, params: dict[str, str]) -> tuple[str, dict[str, Any]]:
        key = response_key(TEMPLATE_MESSAGE_SEND)
        raw = params.get("biz_content", "")
        if not raw:
            raise _fail("40002", "isv.missing-param", "缺少必选参数: biz_content", key)
        try:
            biz = json.loads(raw)
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            raise _fail("40002", "isv.invalid-parameter", "biz_content不是合法的JSON对象", key)
        to_user_id, to_open_id = biz.get("to_user_id"), biz.get("to_open_id")
        if not to_user_id and not to_open_id:
            raise _fail("40002", "isv.missing-param", "缺少必选参数: to_user_id或to_open_id", key)
        for name in ("user_template_id", "page", "data"):
            if not biz.get(name):
                raise _fail("40002", "isv.missing-param", f"缺少必选参数: {name}", key)
        if to_user_id and not (isinstance(to_user_id, str) and USER_ID.fullmatch(to_user_id)):
            raise _fail("40002", "isv.invalid-parameter", "参数无效: to_user_id", key)
        if to_open_id and not (isinstance(to_open_id, str) and OPEN_ID.fullmatch(to_open_id)):
            raise _fail("40002", "isv.invalid-parameter", "参数无效: to_open_id", key)
        data = biz["data"]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                data = None
        if not isinstance(data, dict) or not isinstance(biz["user_template_id"], str) or not isinstance(
            biz["page"], str
        ):
            raise _fail("40002", "isv.invalid-parameter", "参数无效: user_template_id, page或data", key)
        refused = alipay_templates.refusal(self.state.alipay_templates, params["app_id"], biz["user_template_id"], data)
        if refused:
            raise _fail(*refused, key)
        self.state.alipay.template_messages.append(
            {
                "app_id": params["app_id"],
                "to_user_id": to_user_id or None,
                "to_open_id": to_open_id or None,
                "user_template_id": biz["user_template_id"],
                "page": biz["page"],
                "data": data,
                "at": self.state.now_iso(),
            }
        )
        return key, {"code": "10000", "msg": MSG["10000"]}


class AuthCodeHandler(ControlHandler):
    """Plays ``my.getAuthCode`` in the mini-program: a code for a given user."""

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(400, "body must be a JSON object")
        user_id, open_id = body.get("user_id"), body.get("open_id")
        if user_id is None and open_id is None:
            return self.fail(400, "user_id or open_id is required")
        if user_id is not None and not (isinstance(user_id, str) and USER_ID.fullmatch(user_id)):
            return self.fail(400, 'user_id must be "2088" followed by 12 digits')
        if open_id is not None and not (isinstance(open_id, str) and OPEN_ID.fullmatch(open_id)):
            return self.fail(400, "open_id must be 1-64 characters of [A-Za-z0-9_-]")
        alipay = self.state.alipay
        app_id = body.get("app_id")
        if app_id is None:
            app_id = alipay.default_app()
            if app_id is None:
                return self.fail(400, "no Alipay app is configured")
        elif app_id not in alipay.apps:
            return self.fail(400, f"unknown app_id {app_id!r}")
        record = alipay.issue_auth_code(app_id, user_id, open_id)
        self.send_json({"auth_code": record.code, "expires_in": ALIPAY_AUTH_CODE_TTL}, 201)


class PublicKeyHandler(ControlHandler):
    def get(self) -> None:
        self.send_json({"public_key": self.state.alipay_public_key_pem})


class TemplateMessagesHandler(ControlHandler):
    def get(self) -> None:
        to_user_id = self.get_query_argument("to_user_id", None)
        to_open_id = self.get_query_argument("to_open_id", None)
        messages = [
            m
            for m in self.state.alipay.template_messages
            if (to_user_id is None or m["to_user_id"] == to_user_id)
            and (to_open_id is None or m["to_open_id"] == to_open_id)
        ]
        self.send_json({"messages": messages})

    def delete(self) -> None:
        count = len(self.state.alipay.template_messages)
        self.state.alipay.template_messages.clear()
        self.send_json({"deleted": count})


class SigningHandler(ControlHandler):
    def get(self) -> None:
        self.send_json({"mode": self.state.alipay.signing})

    def put(self) -> None:
        body = self.json_body()
        mode = body.get("mode") if isinstance(body, dict) else None
        if mode not in SIGNING_MODES:
            return self.fail(400, f'"mode" must be one of {", ".join(SIGNING_MODES)}')
        self.state.alipay.signing = mode
        self.get()


def alipay_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/alipay"
    args = {"state": state}
    return [
        (rf"{base}/gateway\.do", GatewayHandler, args),
        (rf"{base}/auth-code", AuthCodeHandler, args),
        (rf"{base}/public-key", PublicKeyHandler, args),
        (rf"{base}/template-messages", TemplateMessagesHandler, args),
        (rf"{base}/signing", SigningHandler, args),
    ]
