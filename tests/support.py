"""Test helpers: throwaway redis-server and MongoDB servers, the app on an unused port, an HTTP helper.

MongoDB: SecantusDB (a server speaking MongoDB's wire protocol) started on a free port, or any
other server when TEST_MONGODB_URI is set (a real `mongod`). Each test gets its own database and
its own client (one client per event loop), dropped and closed afterwards.
"""

import asyncio
import contextlib
import dataclasses
import inspect
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pymongo
import pytest
import redis
import tornado.httpserver
import tornado.testing
from PIL import Image
from tornado.simple_httpclient import SimpleAsyncHTTPClient

from api.app import make_app
from api.main import MAX_BODY_SIZE
from config import Settings
from models import setup
from sandbox.identity import person_for
from wiring.api import build_deps

TEST_MONGODB_URI = os.environ.get("TEST_MONGODB_URI")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


async def eventually(predicate, what: str, seconds: float = 10.0, every: float = 0.02):
    """Wait until `predicate()` (sync or async) is truthy and return it, rather than sleep a
    fixed time and hope; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(every)


# `pytestmark = SHARED_APP` in a test module: its tests run on one event loop and share one app and
# seeded database (conftest.py says when a module may).
SHARED_APP = pytest.mark.asyncio(loop_scope="module")


def shares_app(item) -> bool:
    marker = item.get_closest_marker("asyncio")
    return marker is not None and marker.kwargs.get("loop_scope") == "module"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server process (keeps nothing on disk)."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redis-test-")
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.exit("redis-server is not installed (make test installs it)", returncode=3)
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def flush(self) -> None:
        redis.Redis(port=self.port).flushall()


class MongoServer:
    """A throwaway SecantusDB process in its fast, in-memory mode (`make test` installs it into
    `.venv-secantus`; it is GPL-2.0-only, so it runs as its own program and is never imported)."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="mongo-test-")
        self.proc = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> "MongoServer":
        binary = secantusd()
        if binary is None:
            pytest.exit("SecantusDB is not installed (make test installs it into .venv-secantus)", returncode=3)
        env = {**os.environ, "SECANTUS_TEST_FAST_STORAGE": "1"}
        with open(os.path.join(self.dir, "secantusd.log"), "wb") as log:
            self.proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(self.port),
                                          "--storage-path", ":memory:", "--log-level", "WARNING"],
                                         stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.dir)
        return self.wait_ready()

    def wait_ready(self) -> "MongoServer":
        client = pymongo.MongoClient(self.url, serverSelectionTimeoutMS=200)
        try:
            for _ in range(300):
                try:
                    client.admin.command("ping")
                    return self
                except pymongo.errors.PyMongoError:
                    if self.proc.poll() is not None:
                        break
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"SecantusDB did not start; see {self.dir}/secantusd.log")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def secantusd() -> str | None:
    """The SecantusDB server: SECANTUSD, else the project's own install, else the PATH."""
    for candidate in (os.environ.get("SECANTUSD"), os.path.join(ROOT, ".venv-secantus", "bin", "secantusd-py")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("secantusd-py")


@dataclasses.dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body) if self.body else None


class Server:
    """One running app instance and an HTTP helper against it."""

    def __init__(self, settings, deps, app, http_server, port):
        self.settings, self.deps, self.app, self.http_server, self.port = settings, deps, app, http_server, port
        self.base = f"http://127.0.0.1:{port}"

    async def fetch(self, path, method="GET", *, json_body=None, body=None, headers=None, token=None) -> Response:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        # the phone's client, independent of the one the server configures for its upstreams
        response = await SimpleAsyncHTTPClient().fetch(self.base + path, method=method, body=body, headers=headers,
                                                 raise_error=False, request_timeout=20)
        return Response(response.code, dict(response.headers.get_all()), response.body)

    async def login(self, username="operator", password="Operator@2026") -> str:
        r = await self.fetch("/api/v1/auth/staff", "POST", json_body={"username": username, "password": password})
        assert r.status == 200, r.body
        return r.json["access_token"]


def make_settings(port: int, redis_url: str, **overrides) -> Settings:
    # CONSENT_GATE off: most tests log residents in and verify them without the consent steps,
    # which tests/test_privacy.py and the browser tests of the consent flow run with it on
    env = {"APP_MODE": "demo", "PORT": str(port), "REDIS_URL": redis_url, "ACCESS_LOG": "false",
           "CACHE_POLL_SECONDS": "5", "UPSTREAM_TIMEOUT": "2", "CONSENT_GATE": "false"}
    env.update(overrides)
    return Settings.from_mapping(env)


async def start_server(database, redis_url, *, seed_demo=True, **overrides) -> Server:
    sock, port = tornado.testing.bind_unused_port()
    sms_sock, sms_port = tornado.testing.bind_unused_port()
    settings = make_settings(port, redis_url, SMS_ENDPOINT=f"127.0.0.1:{sms_port}", **overrides)
    deps = build_deps(settings, db=database)
    from sandbox.app import sms_gateway_app

    sms_server = tornado.httpserver.HTTPServer(sms_gateway_app(deps.sandbox, log_function=lambda handler: None))
    sms_server.add_sockets([sms_sock])
    await setup.prepare(database, demo=seed_demo, pii=deps.pii)
    await deps.start()
    app = make_app(settings, deps)
    http_server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY_SIZE, xheaders=settings.trust_proxy)
    http_server.add_sockets([sock])
    server = Server(settings, deps, app, http_server, port)
    server.sms_server = sms_server
    return server


async def stop_server(server: Server) -> None:
    server.sms_server.stop()
    server.http_server.stop()
    await server.http_server.close_all_connections()
    await server.deps.close()




async def resident_token(server, openid: str) -> str:
    """Log a resident in through the sandbox's wx.login and our WeChat login."""
    r = await server.fetch("/sandbox/wechat/login-code", "POST", json_body={"openid": openid, "appid": "wxdemominiapp"})
    r = await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": r.json["code"]})
    assert r.status == 200, r.body
    return r.json["access_token"]


async def applicant_token(server, openid: str) -> str:
    """A resident who may apply: logged in, with their real name verified (their own made-up person)."""
    token = await resident_token(server, openid)
    id_number, name = person_for(openid)
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body
    return token


async def play_face(server, channel: str, who: str, outcome: str = "pass") -> dict:
    """Plays the resident in the sandbox's face check: the latest session of `who` (WeChat: the
    openid; Alipay: the 身份证号) ends with `outcome` (pass, fail, timeout, cancel, or expire)."""
    path, key = {"wechat": ("/sandbox/wechat/face", "openid"), "alipay": ("/sandbox/alipay/certify", "cert_no")}[channel]
    r = await server.fetch(f"{path}?{key}={who}")
    assert r.status == 200, r.body
    r = await server.fetch(f"{path}/{r.json['id']}", "POST", json_body={"outcome": outcome})
    assert r.status == 200, r.body
    return r.json


FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}


def photo(kind: str = "JPEG", size: tuple[int, int] = (16, 16)) -> bytes:
    """A real image of random pixels (uploads are decoded, and each call's bytes differ)."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, kind)
    return out.getvalue()


async def upload_photo(server, token) -> str:
    """A fresh photo uploaded by the resident; returns its upload id."""
    return (await server.fetch("/api/v1/uploads", "POST", body=photo(), token=token)).json["id"]


async def submit(server, token) -> str:
    """Submit a 社保卡补换 application with a photo; returns its number."""
    upload = await upload_photo(server, token)
    r = await server.fetch("/api/v1/applications", "POST", token=token, headers={"Idempotency-Key": uuid.uuid4().hex},
                           json_body={"item_code": "SB0008", "form": FORM,
                                      "materials": [{"code": "id_card", "upload_id": upload}]})
    assert r.status == 201, r.body
    return r.json["number"]


def watch_policy(context, seen: list[str] | None = None) -> list[str]:
    """Browser tests: collects the Content-Security-Policy violations the pages of `context` report."""
    seen = [] if seen is None else seen
    context.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


H5_BUILD = os.path.join(ROOT, "miniprogram", "dist", "build", "h5")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@contextlib.asynccontextmanager
async def phone_page(database, redis_server, *, init_script=None, **env):
    """Browser tests of the residents' h5: a fresh server serving the build, and a 375 px chromium
    tab (`tab.server`) whose pages must raise no Content-Security-Policy violation. `init_script`: a
    file the browser injects in every page (axe-core: outside the page's CSP)."""
    from playwright.async_api import async_playwright

    redis_server.flush()
    server = await start_server(database, redis_server.url, H5_DIR=H5_BUILD, **env)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        if init_script:
            await context.add_init_script(path=str(init_script))
        tab = await context.new_page()
        tab.server = server
        tab.violations = watch_policy(context)
        yield tab
        await browser.close()
    assert tab.violations == []  # the pages work under their Content-Security-Policy
    await stop_server(server)


def unless_present(*paths, reason: str):
    """Skip tests of a client build or of the system chromium when one is missing, which happens
    only under a bare `pytest` (`make test` installs and builds them first). Under CI nothing may
    skip: the test runs and fails on the missing file instead of passing quietly."""
    missing = not all(os.path.exists(p) for p in paths)
    return pytest.mark.skipif(missing and not os.environ.get("CI"), reason=reason)

