"""One department system behind the data-sharing exchange (数据共享交换平台).

Every call is signed (HMAC-SHA256 over app id, timestamp, nonce, method, path and the body's
hash), bounded by a fixed deadline, retried once when it failed transiently (every call here is a
read, so a retry cannot do anything twice), and goes through a circuit breaker (the
`circuitbreaker` package: after `failures` transient failures in a row the department is not
called for `recovery` seconds, so a resident waits no time on a system that is down). The
exchange's envelope `{"code", "message", "data"}` is mapped to clear errors.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time

import circuitbreaker
from prometheus_client import Gauge
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from models.errors import AppError

log = logging.getLogger(__name__)
# One series per state, 1 for the current one. Several API processes each have their own breaker:
# a scrape shows 1 for every state at least one live process is in (open wins an alert).
BREAKER = Gauge("govservice_exchange_breaker_state", "Circuit breaker of each department system: 1 for its state",
                ["department", "state"], multiprocess_mode="livemax")
STATES = {circuitbreaker.STATE_CLOSED: "closed", circuitbreaker.STATE_OPEN: "open",
          circuitbreaker.STATE_HALF_OPEN: "half-open"}


class Transient(Exception):
    """The department did not answer usefully (timeout, connection, 5xx): retry, count a failure."""


class NoRecord(Exception):
    """The department has nothing for this subject (envelope code 40401)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Department:
    name = ""  # "rsj" | "jj": the path segment and the breaker's name
    title = ""  # shown to residents: "社保系统"

    def __init__(self, *, api_base: str, app_id: str, secret: str, timeout: float = 3.0, failures: int = 5,
                 recovery: float = 30.0):
        self.api_base, self.app_id, self._secret = api_base.rstrip("/"), app_id, secret.encode()
        self.timeout = timeout  # the whole call, retry included
        self.breaker = circuitbreaker.CircuitBreaker(failure_threshold=failures, recovery_timeout=recovery,
                                                     expected_exception=Transient, name=self.name)
        self._guarded = self.breaker.decorate(self._attempt)

    def unavailable(self) -> AppError:
        return AppError(503, "exchange.unavailable", f"{self.title}繁忙，请稍后再试", details={"department": self.name},
                        headers={"Retry-After": str(max(5, int(self.breaker.open_remaining)) if self.breaker.opened else 5)})

    async def call(self, endpoint: str, body: dict) -> dict:
        """The `data` of a successful answer. Raises NoRecord, AppError 422 (the department refused
        the input) or AppError 503 `exchange.unavailable` — never later than `timeout` seconds."""
        try:
            async with asyncio.timeout(self.timeout):
                async for attempt in AsyncRetrying(stop=stop_after_attempt(2), wait=wait_random(0.05, 0.2),
                                                   retry=retry_if_exception_type(Transient), reraise=True):
                    with attempt:
                        return await self._guarded(endpoint, body)
        except (Transient, TimeoutError, circuitbreaker.CircuitBreakerError) as exc:
            log.warning("exchange %s/%s unavailable: %s", self.name, endpoint, type(exc).__name__)
            raise self.unavailable() from None
        finally:
            self.report()

    def report(self) -> None:
        """The breaker's state into its gauge (after each call, and every few seconds)."""
        current = self.breaker.state
        for state, label in STATES.items():
            BREAKER.labels(self.name, label).set(1 if state == current else 0)

    async def _attempt(self, endpoint: str, body: dict) -> dict:
        path = f"/{self.name}/{endpoint}"
        raw = json.dumps(body, ensure_ascii=False).encode()
        try:
            response = await AsyncHTTPClient().fetch(self.api_base + path, method="POST", body=raw,
                                                     headers=self._headers(path, raw), request_timeout=self.timeout)
            reply = json.loads(response.body)
        except HTTPClientError as exc:
            raise Transient(f"HTTP {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise Transient(type(exc).__name__) from None
        code = str(reply.get("code")) if isinstance(reply, dict) else None
        if code == "0" and isinstance(reply.get("data"), dict):
            return reply["data"]
        message = reply.get("message") if isinstance(reply, dict) else None
        if code == "40401":
            raise NoRecord(message or "未查询到相关记录")
        if code in ("40001", "40301"):
            raise AppError(422, "exchange.rejected" if code == "40001" else "vehicle.mismatch",
                           message or "查询条件有误", details={"department": self.name, "code": code})
        raise Transient(f"code {code}")  # auth refusals, unknown codes: ours to fix, the resident's to retry

    def _headers(self, path: str, body: bytes) -> dict:
        timestamp, nonce = str(int(time.time() * 1000)), secrets.token_hex(8)
        text = "\n".join([self.app_id, timestamp, nonce, "POST", self._base_path() + path, hashlib.sha256(body).hexdigest()])
        return {"Content-Type": "application/json", "X-App-Id": self.app_id, "X-Timestamp": timestamp, "X-Nonce": nonce,
                "X-Signature": hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()}

    def _base_path(self) -> str:
        """The path part of api_base: the signature covers the full request path."""
        rest = self.api_base.split("://", 1)[-1]
        return rest[rest.find("/"):] if "/" in rest else ""

    def status(self) -> dict:
        return {"department": self.name, "title": self.title, "breaker": self.breaker.state,
                "failures": self.breaker.failure_count,
                "open_for_seconds": max(0, self.breaker.open_remaining) if self.breaker.opened else 0}
