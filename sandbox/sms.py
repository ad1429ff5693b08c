"""Aliyun SMS (dysmsapi 2017-05-25 ``SendSms``), as the Aliyun SDK calls it.

The SDK (``alibabacloud_dysmsapi20170525.client.Client``) always posts to the
path ``/`` of its endpoint, so the gateway is a separate application served
on its own port::

    app = sms_gateway_app(state)          # listen on a second port
    Config(access_key_id="demo-ak", access_key_secret="demo-secret",
           endpoint=f"127.0.0.1:{port}", protocol="HTTP")

What the SDK sends (V3 signature, ``ACS3-HMAC-SHA256``): ``POST /?PhoneNumbers=
&SignName=&TemplateCode=&TemplateParam=`` with an empty body, the action and
version in the ``x-acs-action`` / ``x-acs-version`` headers, and
``Authorization: ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h;h>,
Signature=<hex>``. The gateway checks the whole signature (canonical
request: method, path, sorted RFC 3986 query, the signed headers, the body's
SHA-256), and also takes ``Action`` / ``Version`` and the SMS parameters
from the query or a form body.

Answers (``RequestId`` in every one, and in ``x-acs-request-id``):

* HTTP 200 ``{"Code": "OK", "Message": "OK", "BizId", "RequestId"}``
* HTTP 200 business errors, in this order: ``isv.MOBILE_NUMBER_ILLEGAL``,
  ``isv.SMS_SIGNATURE_ILLEGAL``, ``isv.SMS_TEMPLATE_ILLEGAL``,
  ``isv.INVALID_JSON_PARAM`` (TemplateParam not a JSON object of strings),
  ``isv.TEMPLATE_MISSING_PARAMETERS``, ``isv.PARAM_LENGTH_LIMIT`` (a value
  over 35 characters), ``isv.BUSINESS_LIMIT_CONTROL`` (Aliyun's default
  limits per phone, rolling windows of the sandbox clock: a verification
  code - a template with ``${code}`` - 1 a minute, 5 an hour, 10 a day per
  signature; a notification 50 a day per signature and template; the
  message names the window: ``触发分钟级流控Permits:1``),
  ``isv.DAY_LIMIT_CONTROL`` (the account's daily limit, a Beijing day),
  ``isv.AMOUNT_NOT_ENOUGH`` (the account's balance)
* HTTP 400 ``IncompleteSignature`` / ``SignatureDoesNotMatch`` /
  ``InvalidTimeStamp.Format`` / ``InvalidTimeStamp.Expired`` (``x-acs-date``
  more than 15 minutes off the sandbox clock) / ``MissingSignatureNonce`` /
  ``SignatureNonceUsed`` (an access key's ``x-acs-signature-nonce`` again
  within 15 minutes) / ``MissingPhoneNumbers`` / ``MissingSignName`` /
  ``MissingTemplateCode`` / ``InvalidVersion``; HTTP 404
  ``InvalidAccessKeyId.NotFound`` / ``InvalidAction.NotFound``

``QuerySendDetails`` (same signature; ``PhoneNumber``, ``SendDate`` yyyyMMdd, ``BizId``,
``PageSize`` 1-50, ``CurrentPage``): ``{"Code": "OK", "TotalCount", "SmsSendDetailDTOs":
{"SmsSendDetailDTO": [{"PhoneNum", "SendStatus" (1 waiting, 2 failed, 3 delivered), "ErrCode"
("DELIVERED" or the failure's), "TemplateCode", "Content", "SendDate", "ReceiveDate", "OutId"}]}}``;
what each message's report says is set by ``PUT {prefix}/sms/receipts`` before it is sent.

Read-back and the account, mounted by ``sms_routes`` (control plane):

* ``GET    {prefix}/sms/messages[?phone=]``  ``{"messages": [...]}``, oldest
  first: ``{"phone", "sign_name", "template_code", "params", "text", "biz_id", "at"}``
* ``DELETE {prefix}/sms/messages``  forget them (and the limits they count in)
* ``GET|PUT {prefix}/sms/account``  ``{"balance", "daily_limit"}``: messages
  left and the daily limit (null: no limit); a PUT sets the fields it names

Targets: ``sms.send``, ``sms.query`` (QuerySendDetails). An ``errcode`` fault answers HTTP 200
``{"Code": "isp.SYSTEM_ERROR", "Message": <errmsg>, "RequestId"}``. The
received log masks ``PhoneNumbers`` and ``TemplateParam`` (verification
codes); the read-back above has them in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from typing import Any
from urllib.parse import quote

import tornado.web

from sandbox.base import NotFoundHandler, SandboxHandler
from sandbox.faults import ControlHandler
from sandbox.shared_state import Fault
from sandbox.sms_state import SMS_CLOCK_SKEW, SMS_PARAM_MAX
from sandbox.state import SandboxState

TARGETS = ("sms.send", "sms.query")

ACTION = "SendSms"
QUERY_ACTION = "QuerySendDetails"
SEND_DATE = re.compile(r"[0-9]{8}")
VERSION = "2017-05-25"
SIGNATURE_ALGORITHM = "ACS3-HMAC-SHA256"

# Mainland mobile numbers, optionally with the country code.
PHONE = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")
MAX_PHONES = 1000
TEMPLATE_VAR = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
AUTHORIZATION = re.compile(
    rf"{SIGNATURE_ALGORITHM}\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)"
)

MESSAGES = {
    "OK": "OK",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板缺少变量",
    "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
    "isv.PARAM_LENGTH_LIMIT": "参数超出长度限制",
    "isv.DAY_LIMIT_CONTROL": "触发日发送限额",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "InvalidTimeStamp.Format": "Specified time stamp or date value is not well formatted.",
    "InvalidTimeStamp.Expired": "Specified time stamp or date value is expired.",
    "MissingSignatureNonce": "SignatureNonce is mandatory for this action.",
    "SignatureNonceUsed": "Specified signature nonce was used already.",
    "IncompleteSignature": "The request signature does not conform to Aliyun standards.",
    "SignatureDoesNotMatch": "Specified signature does not match our calculation.",
    "InvalidAccessKeyId.NotFound": "Specified access key is not found.",
    "InvalidAction.NotFound": "Specified api is not found, please check your url and method.",
    "InvalidVersion": "Specified parameter Version is not valid.",
    "MissingPhoneNumbers": "PhoneNumbers is mandatory for this action.",
    "MissingSignName": "SignName is mandatory for this action.",
    "MissingTemplateCode": "TemplateCode is mandatory for this action.",
}


class SmsError(Exception):
    def __init__(self, code: str, status: int = 200, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.message = message


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{k}={quote(params[k], safe='~')}" for k in sorted(params))


def acs3_signature(secret: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    string_to_sign = f"{SIGNATURE_ALGORITHM}\n{digest}"
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class SmsGatewayHandler(SandboxHandler):
    target = "sms.send"
    scrub_keys = frozenset({"phonenumbers", "templateparam"})

    request_id: str | None = None

    def set_default_headers(self) -> None:
        # Runs before initialize(), and again when an error clears the headers.
        super().set_default_headers()
        if self.request_id is None:
            self.request_id = str(uuid.uuid4()).upper()
        self.set_header("x-acs-request-id", self.request_id)

    def error_payload(self, status_code: int) -> dict[str, Any]:
        payload = super().error_payload(status_code)
        payload["RequestId"] = self.request_id
        return payload

    def request_targets(self) -> tuple[str, ...]:
        # QuerySendDetails is recorded and faulted apart, so a fault meant for a send never hits a query
        action = self.request.headers.get("x-acs-action") or self.get_query_argument("Action", "")
        return ("sms.query",) if action == QUERY_ACTION else ("sms.send",)

    def send_sms(self, code: str, status: int = 200, message: str | None = None, **extra: Any) -> None:
        self.note_code(code)
        payload = {"Code": code, "Message": MESSAGES.get(code, code) if message is None else message}
        payload.update(extra)
        payload["RequestId"] = self.request_id
        self.send_json(payload, status)

    def send_errcode_fault(self, fault: Fault) -> None:
        self.send_sms("isp.SYSTEM_ERROR", message=fault.errmsg)

    # ------------------------------------------------------------ input

    def _decoded(self, source: dict[str, list[bytes]]) -> dict[str, str]:
        try:
            return {name: values[-1].decode("utf-8") for name, values in source.items() if values}
        except UnicodeDecodeError:
            raise tornado.web.HTTPError(400) from None

    def params(self) -> dict[str, str]:
        """The form body's parameters, overridden by the query's."""
        return {**self._decoded(self.request.body_arguments), **self._decoded(self.request.query_arguments)}

    def record_query(self) -> dict[str, Any]:
        try:
            return self.params()
        except tornado.web.HTTPError:  # not UTF-8: log it mangled, answer 400 later
            return self.query_dict()

    # ------------------------------------------------------------ checks

    def authenticate(self) -> None:
        header = self.request.headers.get("Authorization", "")
        match = AUTHORIZATION.fullmatch(header.strip())
        if match is None:
            raise SmsError("IncompleteSignature", 400)
        access_key, signed_headers, signature = match.groups()
        secret = self.state.sms.access_keys.get(access_key)
        if secret is None:
            raise SmsError("InvalidAccessKeyId.NotFound", 404)
        names = signed_headers.split(";")
        if names != sorted(set(names)) or not {"host", "x-acs-date", "x-acs-content-sha256"} <= set(names):
            raise SmsError("IncompleteSignature", 400)
        body_hash = hashlib.sha256(self.request.body).hexdigest()
        if self.request.headers.get("x-acs-content-sha256", "") != body_hash:
            raise SmsError("SignatureDoesNotMatch", 400)
        headers = "".join(
            f"{name}:{','.join(sorted(v.strip() for v in self.request.headers.get_list(name)))}\n" for name in names
        )
        query = self._decoded(self.request.query_arguments)
        canonical = "\n".join(
            [self.request.method or "", self.request.path, canonical_query(query), headers, signed_headers, body_hash]
        )
        if not hmac.compare_digest(acs3_signature(secret, canonical), signature.lower()):
            raise SmsError("SignatureDoesNotMatch", 400)
        self.check_fresh(access_key)

    def check_fresh(self, access_key: str) -> None:
        """A signed request is refused when its date is 15 minutes off, or its nonce was used."""
        raw = self.request.headers.get("x-acs-date", "")
        try:
            sent = dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            raise SmsError("InvalidTimeStamp.Format", 400) from None
        if abs(sent - self.state.clock()) > SMS_CLOCK_SKEW:
            raise SmsError("InvalidTimeStamp.Expired", 400)
        nonce = self.request.headers.get("x-acs-signature-nonce", "")
        if not nonce:
            raise SmsError("MissingSignatureNonce", 400)
        if not self.state.sms.use_nonce(access_key, nonce):
            raise SmsError("SignatureNonceUsed", 400)

    def get(self) -> None:
        self.handle()

    def post(self) -> None:
        self.handle()

    def handle(self) -> None:
        try:
            self.authenticate()
            params = self.params()
            action = self.request.headers.get("x-acs-action") or params.get("Action", "")
            version = self.request.headers.get("x-acs-version") or params.get("Version", "")
            if action not in (ACTION, QUERY_ACTION):
                raise SmsError("InvalidAction.NotFound", 404)
            if version != VERSION:
                raise SmsError("InvalidVersion", 400)
            if action == QUERY_ACTION:
                return self.query_details(params)
            message = self.check_message(params)
        except SmsError as exc:
            return self.send_sms(exc.code, exc.status, exc.message)
        self.deliver(message)

    def check_message(self, params: dict[str, str]) -> dict[str, Any]:
        sms = self.state.sms
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                raise SmsError(f"Missing{name}", 400)
        phones = []
        for number in params["PhoneNumbers"].split(","):
            match = PHONE.fullmatch(number.strip())
            if match is None:
                raise SmsError("isv.MOBILE_NUMBER_ILLEGAL")
            phones.append(match.group(1))
        if len(phones) > MAX_PHONES:
            raise SmsError("isv.MOBILE_NUMBER_ILLEGAL")
        if params["SignName"] not in sms.sign_names:
            raise SmsError("isv.SMS_SIGNATURE_ILLEGAL")
        template = sms.templates.get(params["TemplateCode"])
        if template is None:
            raise SmsError("isv.SMS_TEMPLATE_ILLEGAL")
        values: Any = {}
        if params.get("TemplateParam"):
            try:
                values = json.loads(params["TemplateParam"])
            except ValueError:
                values = None
            if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
                raise SmsError("isv.INVALID_JSON_PARAM")
        if any(name not in values for name in TEMPLATE_VAR.findall(template)):
            raise SmsError("isv.TEMPLATE_MISSING_PARAMETERS")
        if any(len(v) > SMS_PARAM_MAX for v in values.values()):
            raise SmsError("isv.PARAM_LENGTH_LIMIT")
        for phone in phones:
            limited = sms.limited(params["SignName"], params["TemplateCode"], phone)
            if limited:
                raise SmsError("isv.BUSINESS_LIMIT_CONTROL", message=limited)
        count = len(set(phones))
        if sms.over_daily_limit(count):
            raise SmsError("isv.DAY_LIMIT_CONTROL")
        if sms.balance is not None and sms.balance < count:
            raise SmsError("isv.AMOUNT_NOT_ENOUGH")
        return {
            "phones": list(dict.fromkeys(phones)),
            "sign_name": params["SignName"],
            "template_code": params["TemplateCode"],
            "params": values,
            "text": TEMPLATE_VAR.sub(lambda m: values[m.group(1)], template),
        }

    def query_details(self, params: dict[str, str]) -> None:
        """QuerySendDetails: the messages of one BizId to one phone sent on SendDate (yyyyMMdd,
        Beijing), with the delivery report each got (SendStatus 1 waiting, 2 failed, 3 delivered)."""
        for name in ("PhoneNumber", "SendDate", "BizId"):
            if not params.get(name):
                raise SmsError(f"Missing{name}", 400, f"{name} is mandatory for this action.")
        match = PHONE.fullmatch(params["PhoneNumber"].strip())
        if match is None:
            raise SmsError("isv.MOBILE_NUMBER_ILLEGAL")
        if not SEND_DATE.fullmatch(params["SendDate"]):
            raise SmsError("isv.INVALID_PARAMETERS", message="SendDate must be yyyyMMdd")
        size, page = params.get("PageSize", "10"), params.get("CurrentPage", "1")
        if not (size.isdigit() and 1 <= int(size) <= 50 and page.isdigit() and int(page) >= 1):
            raise SmsError("isv.INVALID_PARAMETERS", message="PageSize 1-50, CurrentPage from 1")
        day = f"{params['SendDate'][:4]}-{params['SendDate'][4:6]}-{params['SendDate'][6:]}"
        found = [{"PhoneNum": m["phone"], "TemplateCode": m["template_code"], "Content": m["text"], "OutId": "",
                  **m["report"]} for m in self.state.sms.messages
                 if m["phone"] == match.group(1) and m["biz_id"] == params["BizId"]
                 and m["report"]["SendDate"].startswith(day)]
        start = (int(page) - 1) * int(size)
        self.send_sms("OK", TotalCount=len(found),
                      SmsSendDetailDTOs={"SmsSendDetailDTO": found[start:start + int(size)]})

    def deliver(self, message: dict[str, Any]) -> None:
        sms = self.state.sms
        biz_id = f"{secrets.randbelow(10**18):018d}^0"
        for phone in message["phones"]:
            sms.record(message["sign_name"], message["template_code"], phone)
            sms.messages.append(
                {
                    "phone": phone,
                    "sign_name": message["sign_name"],
                    "template_code": message["template_code"],
                    "params": message["params"],
                    "text": message["text"],
                    "biz_id": biz_id,
                    "at": self.state.now_iso(),
                    "report": sms.report(phone),
                }
            )
        self.send_sms("OK", BizId=biz_id)


class MessagesHandler(ControlHandler):
    def get(self) -> None:
        phone = self.get_query_argument("phone", None)
        if phone is not None:
            match = PHONE.fullmatch(phone.strip())
            phone = match.group(1) if match else phone
        messages = [m for m in self.state.sms.messages if phone is None or m["phone"] == phone]
        self.send_json({"messages": messages})

    def delete(self) -> None:
        count = len(self.state.sms.messages)
        self.state.sms.forget()
        self.send_json({"deleted": count})


class ReceiptsHandler(ControlHandler):
    """``GET|PUT {prefix}/sms/receipts`` ``{"outcome": "deliver" | "fail" | "waiting", "errcode",
    "outcomes": {phone: {"outcome", "errcode"?}}}``: the reports of messages sent from now."""

    def get(self) -> None:
        sms = self.state.sms
        self.send_json({"outcome": sms.receipt_outcome, "errcode": sms.receipt_errcode,
                        "outcomes": sms.receipt_outcomes})

    def put(self) -> None:
        body = self.json_body()
        outcomes = body.get("outcomes", {}) if isinstance(body, dict) else None
        rules = [body, *outcomes.values()] if isinstance(outcomes, dict) else [None]
        if not all(isinstance(r, dict) and r.get("outcome", "deliver") in ("deliver", "fail", "waiting")
                   and isinstance(r.get("errcode", ""), str) for r in rules):
            return self.fail(400, 'outcome(s) must be "deliver", "fail" or "waiting"; errcode a string')
        sms = self.state.sms
        sms.receipt_outcome = body.get("outcome", sms.receipt_outcome)
        sms.receipt_errcode = body.get("errcode", sms.receipt_errcode)
        sms.receipt_outcomes.update(outcomes)
        self.get()


class AccountHandler(ControlHandler):
    """The account's balance and daily limit (``isv.AMOUNT_NOT_ENOUGH``, ``isv.DAY_LIMIT_CONTROL``)."""

    def get(self) -> None:
        self.send_json({"balance": self.state.sms.balance, "daily_limit": self.state.sms.daily_limit})

    def put(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict) or not set(body) <= {"balance", "daily_limit"}:
            return self.fail(400, 'body must be a JSON object of "balance" and "daily_limit"')
        for name, value in body.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                return self.fail(400, f"{name} must be null or an integer >= 0")
            setattr(self.state.sms, name, value)
        self.get()


def sms_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    """The read-back and account routes below ``{prefix}/sms/`` (the gateway
    itself is ``sms_gateway_app``)."""
    args = {"state": state}
    return [(rf"{prefix_re}/sms/messages", MessagesHandler, args), (rf"{prefix_re}/sms/account", AccountHandler, args),
            (rf"{prefix_re}/sms/receipts", ReceiptsHandler, args)]


def sms_gateway_app(state: SandboxState, **settings: Any) -> tornado.web.Application:
    """The SMS gateway at ``/``, for its own port (the SDK's path is fixed).

    Extra keyword arguments are passed to the Application as settings.
    """
    state.register_targets(TARGETS)
    settings.setdefault("default_handler_class", NotFoundHandler)
    settings.setdefault("default_handler_args", {"state": state})
    return tornado.web.Application([(r"/", SmsGatewayHandler, {"state": state})], **settings)
