"""Helpers shared by the sandbox tests: a frozen clock, a sandbox served on a
free loopback port (plus, on request, the SMS gateway on a second one), a
way to run blocking SDK calls off the event loop, and signed queries to the
data-sharing exchange. ``conftest.py`` turns ``RunningSandbox`` into the
``make_sandbox`` fixture."""

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import uuid
from urllib.parse import quote

import tornado.httpserver
import tornado.testing
from tornado.httpclient import AsyncHTTPClient

from sandbox.app import SandboxState, make_sandbox_app, sms_gateway_app

PREFIX = "/sandbox"
# 2026-03-02 10:00:00 Beijing time.
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
# The exchange app the exchange tests sign with.
EXCHANGE_APP, EXCHANGE_SECRET = "gov-backend", "exchange-secret-0001"


class FakeClock:
    """A frozen clock the tests move by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def call(fn, *args, **kwargs):
    """Run a blocking SDK call in a worker thread while the sandbox serves."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


def _serve(app):
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets([sock])
    return server, port


class RunningSandbox:
    def __init__(self, state: SandboxState, clock: FakeClock, with_sms: bool) -> None:
        self.state, self.clock = state, clock
        self.servers = []
        server, self.port = _serve(make_sandbox_app(state, prefix=PREFIX))
        self.servers.append(server)
        self.base = f"http://127.0.0.1:{self.port}{PREFIX}"
        self.sms_port = None
        if with_sms:
            server, self.sms_port = _serve(sms_gateway_app(state))
            self.servers.append(server)
        self.closers = []  # SDK clients etc. to close at the end

    async def fetch(self, path, method="GET", body=None, *, url=None, **kwargs):
        """``(response, parsed JSON or None)`` for a path below the prefix."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PUT"):
            body = b""
        response = await AsyncHTTPClient().fetch(
            url or self.base + path, method=method, body=body, raise_error=False, request_timeout=10, **kwargs
        )
        try:
            payload = json.loads(response.body) if response.body else None
        except ValueError:
            payload = None
        return response, payload

    async def add_fault(self, **spec):
        response, payload = await self.fetch("/faults", "POST", spec)
        assert response.code == 201, payload
        return payload

    async def received(self, target=None):
        response, payload = await self.fetch("/received" + (f"?target={target}" if target else ""))
        assert response.code == 200, payload
        return payload["requests"]

    async def stop(self):
        for close in self.closers:
            close()
        for server in self.servers:
            server.stop()
            await server.close_all_connections()


# ---------------------------------------------------------------- data-sharing exchange


def sign(secret, app_id, timestamp, nonce, method, path, body):
    text = "\n".join([app_id, timestamp, nonce, method, path, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class Exchange:
    """Signed queries to a running sandbox's exchange (paths below ``/exchange``)."""

    def __init__(self, sb):
        self.sb, self.state, self.clock = sb, sb.state, sb.clock

    def headers(self, path, raw, *, app=EXCHANGE_APP, secret=EXCHANGE_SECRET, nonce=None, timestamp=None, method="POST"):
        timestamp = str(int(self.clock.now * 1000)) if timestamp is None else timestamp
        nonce = uuid.uuid4().hex if nonce is None else nonce
        return {"Content-Type": "application/json", "X-App-Id": app, "X-Timestamp": timestamp, "X-Nonce": nonce,
                "X-Signature": sign(secret, app, timestamp, nonce, method, PREFIX + "/exchange" + path, raw)}

    async def raw(self, path, body, headers=None, **sign_kwargs):
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        headers = self.headers(path, raw, **sign_kwargs) if headers is None else headers
        return await self.sb.fetch("/exchange" + path, "POST", raw, headers=headers)

    async def query(self, path, body, **sign_kwargs):
        """The envelope of an accepted (HTTP 200) query."""
        response, envelope = await self.raw(path, body, **sign_kwargs)
        assert response.code == 200, envelope
        assert set(envelope) == {"code", "message", "request_id", "data"}
        assert re.fullmatch(r"[0-9a-f]{32}", envelope["request_id"])
        return envelope

    async def data(self, path, body):
        envelope = await self.query(path, body)
        assert (envelope["code"], envelope["message"]) == ("0", "成功"), envelope
        return envelope["data"]

    async def error(self, path, body, code):
        envelope = await self.query(path, body)
        assert envelope["code"] == code and envelope["data"] is None, envelope
        return envelope["message"]

    async def vehicle(self, plate):
        response, payload = await self.sb.fetch(f"/exchange/jj/vehicles/{quote(plate)}")
        assert response.code == 200, payload
        return payload

    async def calls(self):
        response, payload = await self.sb.fetch("/exchange/calls")
        assert response.code == 200
        return payload
