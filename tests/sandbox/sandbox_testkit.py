"""Helpers shared by the sandbox tests: a frozen clock, a sandbox served on a
free loopback port (plus, on request, the SMS gateway on a second one), and
a way to run blocking SDK calls off the event loop. ``conftest.py`` turns
``RunningSandbox`` into the ``make_sandbox`` fixture."""

import asyncio
import datetime as dt
import functools
import json

import tornado.httpserver
import tornado.testing
from tornado.httpclient import AsyncHTTPClient

from sandbox.app import SandboxState, make_sandbox_app, sms_gateway_app

PREFIX = "/sandbox"
# 2026-03-02 10:00:00 Beijing time.
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


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
