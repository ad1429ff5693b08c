"""Alipay mini-program login: alipay.system.oauth.token through alipay-sdk-python.

The SDK's own `execute()` ignores the port of `server_url` and sends with blocking urllib, so
the SDK builds and signs the request (`page_execute(..., "GET")` returns the signed URL),
Tornado's async client sends it, and the SDK parses the reply and verifies Alipay's
signature. Signing and verifying are pure-Python RSA (milliseconds of CPU), so both run in
the executor, never on the event loop.
"""

import asyncio
import datetime as dt
import json
import logging
import types
import uuid

from alipay.aop.api import DefaultAlipayClient as sdk_client_module
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.constant.CommonConstants import THREAD_LOCAL
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.exception.Exception import AopException, ResponseException
from alipay.aop.api.request.AlipaySystemOauthTokenRequest import AlipaySystemOauthTokenRequest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from channels.base import Identity, LoginChannel
from models.clock import BEIJING
from models.errors import AppError

log = logging.getLogger(__name__)


class _BeijingDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return dt.datetime.now(tz) if tz else dt.datetime.now(BEIJING).replace(tzinfo=None)


# The SDK stamps requests with the machine's local time, which Alipay reads as Beijing time;
# on a server running in UTC every request would be 8 hours off (isv.invalid-timestamp). This
# is the one place we adjust the SDK: its module-level `datetime` gets a Beijing `now()`.
sdk_client_module.datetime = types.SimpleNamespace(datetime=_BeijingDatetime)


def pem_body(pem: str) -> str:
    """The base64 body of a PEM key, which is the form the SDK expects in its config."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def unavailable(detail: str) -> AppError:
    return AppError(503, "alipay.unavailable", "支付宝服务暂时不可用，请稍后再试", details={"reason": detail},
                    headers={"Retry-After": "5"})


class AlipayGateway:
    def __init__(self, *, app_id: str, private_key: str, alipay_public_key: str, gateway: str, executor,
                 timeout: float = 5.0):
        config = AlipayClientConfig()
        config.server_url = gateway
        config.app_id = app_id
        config.app_private_key = pem_body(private_key)
        config.alipay_public_key = pem_body(alipay_public_key)
        config.sign_type = "RSA2"
        config.timeout = int(timeout)
        self._client = DefaultAlipayClient(config)
        self.app_id, self.executor, self.timeout = app_id, executor, timeout

    async def page_url(self, request) -> str:
        """The signed GET URL of `request`: what `call` sends, or a page the client opens itself."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, lambda: self._client.page_execute(request, http_method="GET"))
        except Exception as exc:  # the SDK raises plain Exceptions (a key it cannot sign with, ...)
            log.warning("Alipay request not signed: %s", type(exc).__name__)
            raise unavailable("request not signed") from None

    async def call(self, request) -> dict:
        """Send one signed request; return the verified `*_response` object (errors included)."""
        loop = asyncio.get_running_loop()
        url = await self.page_url(request)
        try:
            response = await AsyncHTTPClient().fetch(url, request_timeout=self.timeout)
        except HTTPClientError as exc:
            raise unavailable(f"gateway HTTP {exc.code}") from None
        except (TimeoutError, OSError) as exc:
            raise unavailable(type(exc).__name__) from None
        try:
            text = await loop.run_in_executor(self.executor, self._parse, response.body)
            reply = json.loads(text)
        except (AopException, ResponseException, ValueError) as exc:  # ResponseException: unsigned or mis-signed
            claimed = unverified_reply(response.body)
            if claimed is not None and claimed.get("code") not in (None, "10000"):
                # An error the gateway could not sign (a bad app id or signature: its placeholder sign):
                # read, never trusted beyond "no" (as Alipay's Java SDK does); a success never is.
                log.warning("Alipay error without a valid signature: %s", claimed.get("sub_code"))
                return {**claimed, "verified": False}
            log.warning("Alipay reply rejected: %s", type(exc).__name__)
            raise unavailable("reply not verifiable" if claimed is not None else "reply unreadable") from None
        if not isinstance(reply, dict):
            raise unavailable("reply unreadable")
        return reply

    def _parse(self, body: bytes) -> str:
        """The SDK's own parser: extracts the signed `*_response` text and verifies Alipay's signature.
        It reads per-thread context that page_execute set, maybe on another executor thread."""
        THREAD_LOCAL.logger, THREAD_LOCAL.uuid = None, uuid.uuid4().hex
        return self._client._DefaultAlipayClient__parse_response(body)


def unverified_reply(body: bytes) -> dict | None:
    """The `*_response` object of a reply in Alipay's shape, unverified; None when it is not one."""
    try:
        outer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(outer, dict):
        return None
    found = [value for key, value in outer.items() if key.endswith("_response") and isinstance(value, dict)]
    return found[0] if len(found) == 1 else None


CODE_ERRORS = {"isv.code-invalid", "isv.refresh-token-invalid", "isv.refresh-token-time-out"}


class AlipayMiniLogin(LoginChannel):
    name = "alipay"

    def __init__(self, gateway: AlipayGateway):
        self.gateway = gateway

    async def authenticate(self, payload: dict) -> Identity:
        request = AlipaySystemOauthTokenRequest()
        request.grant_type = "authorization_code"
        request.code = payload["auth_code"]
        result = await self.gateway.call(request)
        sub_code = result.get("sub_code")
        if result.get("verified") is False:  # an error the gateway could not sign: our app or keys
            raise unavailable(sub_code or str(result.get("code")))
        if sub_code in CODE_ERRORS:
            raise AppError(401, "auth.code_invalid", "登录凭证无效或已使用，请重新登录", details={"sub_code": sub_code})
        if result.get("code") not in (None, "10000"):
            raise unavailable(sub_code or str(result.get("code")))
        subject = result.get("user_id") or result.get("open_id")
        if not subject:
            raise unavailable("oauth reply without user_id or open_id")
        return Identity("alipay", subject)
