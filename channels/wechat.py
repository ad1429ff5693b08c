"""The WeChat platform: access tokens shared through Redis, and official-account menu sync.

wechatpy is synchronous, so its calls run in a bounded executor with a timeout. Tokens do
not come from wechatpy: one `stable_token` per app is fetched with Tornado's async client
under a Redis lock, cached in Redis and refreshed 5 minutes early, so processes never
invalidate each other's token. A call answered 40001/42001 gets a new token once and retries
once: WeChat's current one (a normal fetch), and only when that is the token just refused, a
forced refresh. A forced refresh kills the token every process holds and WeChat allows 20 a day,
so one per `force_every` seconds at most, across processes (a Redis key).
"""

import asyncio
import json
import logging
import time
import types
import urllib.parse

from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from channels.base import Identity, LoginChannel
from models.errors import AppError

log = logging.getLogger(__name__)
TOKEN_ERRORS = {40001, 40014, 42001}
EARLY_REFRESH = 300
RECENT = 2.0  # seconds a token read from Redis is reused without asking again


class _TokenFromRedisOnly(Exception):
    pass


class _Client(WeChatClient):
    """wechatpy client aimed at a configurable base URL, using the token we hand it."""

    def __init__(self, api_base: str, appid: str, secret: str, token: str, timeout: float):
        super().__init__(appid, secret, access_token=token, session=MemoryStorage(), timeout=timeout,
                         auto_retry=False)
        self.API_BASE_URL = api_base + "cgi-bin/"
        self.wxa.API_BASE_URL = api_base  # code_to_session -> {api_base}sns/jscode2session

    def fetch_access_token(self):
        # The stock method hard-codes api.weixin.qq.com; tokens come from WeChatPlatform only.
        raise _TokenFromRedisOnly()


class _Captured(Exception):
    def __init__(self, request: dict):
        self.request = request


class _CaptureHttp:
    """Stands in for wechatpy's requests session: hands the built request back instead of sending it."""

    def request(self, **kwargs):
        raise _Captured(kwargs)


def unavailable(detail: str) -> AppError:
    return AppError(503, "wechat.unavailable", "微信服务暂时不可用，请稍后再试", details={"reason": detail},
                    headers={"Retry-After": "5"})


class WeChatPlatform:
    def __init__(self, *, appid: str, secret: str, api_base: str, redis, executor, timeout: float = 5.0,
                 force_every: float = 5400.0):
        self.appid, self._secret, self.api_base = appid, secret, api_base
        self.redis, self.executor, self.timeout = redis, executor, timeout
        self.force_every = force_every  # seconds between forced refreshes (WeChat: 20 a day)
        self._forced_at = -force_every  # monotonic time of this process's last forced refresh
        self._memo: tuple[str, float] | None = None  # (token, expires_at) when Redis is unreachable
        self._capture: tuple[str, _Client] | None = None
        self._recent: tuple[str, float] | None = None  # (token, until): the last token read from Redis
        self._reading: asyncio.Future | None = None

    @property
    def _key(self) -> str:
        return f"wechat:token:{self.appid}"

    async def access_token(self, stale: str | None = None) -> str:
        """A valid token; pass `stale` after WeChat refused that token to force a new one."""
        if stale is None and self._recent and self._recent[1] > time.monotonic():
            return self._recent[0]  # read from Redis a moment ago: a push batch asks once, not per message
        if self._reading is None or self._reading.done():  # concurrent callers share one read
            self._reading = asyncio.ensure_future(self._cached())
        cached = await asyncio.shield(self._reading)
        if cached and cached != stale:
            self._recent = (cached, time.monotonic() + RECENT)
            return cached
        try:
            async with self.redis.lock(f"lock:{self._key}", timeout=self.timeout * 3, blocking_timeout=self.timeout):
                cached = await self._cached()
                if cached and cached != stale:
                    return cached  # another process refreshed while we waited
                return await self._renew(stale)
        except AppError:
            raise
        except Exception as exc:  # Redis down: fetch alone rather than fail the operator
            log.warning("WeChat token lock unavailable (%s); fetching without it", exc)
            return await self._renew(stale)

    async def _renew(self, stale: str | None) -> str:
        """WeChat's current token (a normal fetch); after WeChat refused `stale` and the normal
        fetch answers that same token, a forced refresh if none was made within `force_every`,
        else the same token again (a 40001 is sometimes passing)."""
        token = await self._refresh(force=False)
        if stale is None or token != stale or not await self._may_force():
            return token
        log.warning("WeChat refused its own current access token; forcing a refresh")
        try:
            return await self._refresh(force=True)
        except AppError as exc:  # 45009/45011: the forced refreshes are used up for now
            log.warning("WeChat forced refresh refused (%s); keeping the current token", (exc.details or {}))
            return token

    async def _may_force(self) -> bool:
        """One forced refresh per `force_every` seconds: in this process, and across processes."""
        now = time.monotonic()
        if now - self._forced_at < self.force_every:
            return False
        self._forced_at = now
        try:
            return bool(await self.redis.set(f"wechat:forced:{self.appid}", "1", nx=True, ex=max(1, int(self.force_every))))
        except Exception as exc:  # Redis down: this process's own limit stands
            log.warning("WeChat forced-refresh limit not shared (%s)", exc)
            return True

    async def _cached(self) -> str | None:
        try:
            value = await self.redis.get(self._key)
            return value.decode() if isinstance(value, bytes) else value
        except Exception:
            if self._memo and self._memo[1] > time.time():
                return self._memo[0]
            return None

    async def _refresh(self, force: bool) -> str:
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self._secret,
                "force_refresh": force}
        try:
            response = await AsyncHTTPClient().fetch(
                self.api_base + "cgi-bin/stable_token", method="POST", body=json.dumps(body),
                headers={"Content-Type": "application/json"}, request_timeout=self.timeout)
            result = json.loads(response.body)
        except HTTPClientError as exc:
            raise unavailable(f"stable_token HTTP {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise unavailable(f"stable_token {type(exc).__name__}") from None
        if result.get("errcode"):
            raise AppError(502, "wechat.token_failed", "获取微信接口凭证失败",
                           details={"errcode": result["errcode"], "errmsg": result.get("errmsg", "")})
        token, expires_in = result.get("access_token"), int(result.get("expires_in", 7200))
        if not token:
            raise unavailable("stable_token reply without access_token")
        ttl = max(60, expires_in - EARLY_REFRESH)
        self._memo = (token, time.time() + ttl)
        try:
            await self.redis.set(self._key, token, ex=ttl)
        except Exception as exc:
            log.warning("WeChat token not shared through Redis: %s", exc)
        return token

    async def call(self, fn):
        """Run `fn(client)` in the executor; refresh the token and retry once on 40001/42001."""
        token = await self.access_token()
        try:
            return await self._run(fn, token)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.info("WeChat refused the access token (%s); refreshing once", exc.errcode)
        return await self._run(fn, await self.access_token(stale=token))

    async def _run(self, fn, token: str):
        client = _Client(self.api_base, self.appid, self._secret, token, self.timeout)
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.executor, fn, client), self.timeout + 1)
        except TimeoutError:
            raise unavailable("timeout") from None
        except WeChatClientException as exc:
            if exc.errcode is None or exc.errcode == -1:
                raise unavailable(f"errcode {exc.errcode}") from None
            raise
        except OSError as exc:  # requests' ConnectionError and timeouts are OSErrors
            raise unavailable(type(exc).__name__) from None

    async def send_async(self, build):
        """High-volume calls (push sends): wechatpy builds the request (`build(client)`, e.g.
        `lambda c: c.wxa.send_subscribe_message(...)`) and judges the reply, raising
        WeChatClientException on an errcode; Tornado's async client sends it, so no SDK thread
        waits on the network. 40001/42001 refresh the token and retry once; network errors,
        HTTP errors and errcode -1 raise `unavailable`."""
        token = await self.access_token()
        for attempt in range(2):
            client = self._recorder(token)
            try:
                build(client)
                raise AssertionError("wechatpy sent nothing")
            except _Captured as captured:
                request = captured.request
            url = f"{request['url']}?{urllib.parse.urlencode(request.get('params') or {})}"
            try:
                response = await AsyncHTTPClient().fetch(
                    url, method=request["method"].upper(), body=request.get("data"),
                    headers={"Content-Type": "application/json"}, request_timeout=self.timeout)
            except HTTPClientError as exc:
                raise unavailable(f"HTTP {exc.code}") from None
            except (TimeoutError, OSError) as exc:
                raise unavailable(type(exc).__name__) from None
            reply = types.SimpleNamespace(content=response.body, request=None, status_code=response.code)
            try:
                result = client._handle_result(reply)  # wechatpy decodes and raises on an errcode
                if not isinstance(result, dict):
                    raise unavailable("reply not JSON")
                return result
            except WeChatClientException as exc:
                if exc.errcode == -1:
                    raise unavailable("errcode -1") from None
                if exc.errcode not in TOKEN_ERRORS or attempt:
                    raise
                log.info("WeChat refused the access token (%s); refreshing once", exc.errcode)
                token = await self.access_token(stale=token)

    def _recorder(self, token: str) -> "_Client":
        # Building a wechatpy client walks its API classes; keep one per token.
        if self._capture is None or self._capture[0] != token:
            client = _Client(self.api_base, self.appid, self._secret, token, self.timeout)
            client._http = _CaptureHttp()
            self._capture = (token, client)
        return self._capture[1]

    async def code_to_session(self, code: str) -> dict:
        """jscode2session with Tornado's async client: a login storm must not queue on SDK threads
        (requests in a thread pool holds the GIL and starves the loop). Errors raise wechatpy's
        own WeChatClientException, as the SDK would."""
        query = urllib.parse.urlencode({"appid": self.appid, "secret": self._secret, "js_code": code,
                                        "grant_type": "authorization_code"})
        try:
            response = await AsyncHTTPClient().fetch(f"{self.api_base}sns/jscode2session?{query}",
                                                     request_timeout=self.timeout)
            result = json.loads(response.body)
        except HTTPClientError as exc:
            raise unavailable(f"jscode2session HTTP {exc.code}") from None
        except (TimeoutError, OSError, ValueError) as exc:
            raise unavailable(f"jscode2session {type(exc).__name__}") from None
        errcode = int(result.get("errcode") or 0) if isinstance(result, dict) else None
        if errcode == -1 or errcode is None:
            raise unavailable(f"errcode {errcode}")
        if errcode:
            raise WeChatClientException(errcode, result.get("errmsg", ""))
        return result

    async def apply_menu(self, official_account: dict | None) -> None:
        """Make WeChat's official-account menu match ours (None deletes it)."""
        try:
            if official_account is None:
                await self.call(lambda c: c.menu.delete())
            else:
                await self.call(lambda c: c.menu.create(official_account))
        except WeChatClientException as exc:
            raise AppError(422, "wechat.menu_rejected", f"微信拒绝了公众号菜单（errcode {exc.errcode}：{exc.errmsg}）",
                           details={"errcode": exc.errcode, "errmsg": exc.errmsg}) from None


LOGIN_ERRORS = {
    40029: (401, "auth.code_invalid", "登录凭证无效或已使用，请重新登录"),
    40163: (401, "auth.code_invalid", "登录凭证无效或已使用，请重新登录"),
    40226: (403, "auth.high_risk", "该微信账号存在安全风险，暂时无法登录"),
    45011: (429, "auth.rate_limited", "登录过于频繁，请稍后再试"),
}


class WeChatMiniLogin(LoginChannel):
    """wx.login code -> code2session -> unionid or openid."""

    name = "wechat"

    def __init__(self, platform: WeChatPlatform):
        self.platform = platform

    async def authenticate(self, payload: dict) -> Identity:
        code = payload["code"]
        try:
            session = await self.platform.code_to_session(code)
        except WeChatClientException as exc:
            status, err, message = LOGIN_ERRORS.get(exc.errcode, (502, "wechat.error", "微信登录失败"))
            headers = {"Retry-After": "60"} if status == 429 else {}
            raise AppError(status, err, message, details={"errcode": exc.errcode}, headers=headers) from None
        if not isinstance(session, dict) or not session.get("openid"):
            raise unavailable("code2session reply without openid")
        subject = session.get("unionid") or session["openid"]
        aliases = (session["openid"],) if subject != session["openid"] else ()
        # session_key is dropped: nothing here decrypts wx.getUserInfo data or checks its signature
        return Identity("wechat", subject, address=session["openid"], aliases=aliases)
