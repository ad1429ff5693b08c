"""The production process shape, with real processes: `make run`'s (deploy/local.py under honcho)
killed with SIGKILL and started again, and two API processes with two push workers sharing one
MongoDB and one Redis."""

import copy
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pymongo
import pytest
import requests

from models import seed
from sandbox.demo import new_key_body, public_pem
from sandbox.identity import person_for
from support import ROOT, MongoServer, photo

PYTHON = sys.executable
FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}
PHOTO = photo()


def free_ports(n: int) -> int:
    """A base port with `n` free ports in a row from it."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n < 65535 and all(_free(base + i) for i in range(n)):
            return base
    raise RuntimeError("no free ports in a row")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_until(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (requests.ConnectionError, requests.Timeout, pymongo.errors.PyMongoError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Api:
    """HTTP against one API process and the sandbox."""

    def __init__(self, port: int, sandbox_port: int):
        self.base, self.sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}"

    def call(self, path, method="GET", token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.base + path, headers=headers, timeout=20, **kwargs)

    def ready(self) -> bool:
        return self.call("/readyz").status_code == 200

    def staff(self, username="processor.rsj", password="Processor@2026") -> str:
        r = self.call("/api/v1/auth/staff", "POST", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def resident(self, openid: str, *, subscribe: bool = False) -> str:
        """A WeChat resident with a verified real name; optionally subscribed to status messages."""
        code = requests.post(f"{self.sandbox}/sandbox/wechat/login-code", timeout=10,
                             json={"openid": openid, "appid": "wxdemominiapp"}).json()["code"]
        token = self.call("/api/v1/auth/wechat", "POST", json={"code": code}).json()["access_token"]
        # as the app asks first: the 用户协议, the 隐私政策 and the 身份证号 notice (models/legal.py)
        versions = self.call("/api/v1/legal").json()["versions"]
        r = self.call("/api/v1/me/consents", "POST", token=token, json={"kinds": list(versions), "versions": versions})
        assert r.status_code == 200, r.text
        id_number, name = person_for(openid)
        r = self.call("/api/v1/me/realname", "POST", token=token, json={"name": name, "id_number": id_number})
        assert r.status_code == 200, r.text
        if subscribe:
            self.wechat_subscribed(openid)
            r = self.call("/api/v1/me/subscriptions", "POST", token=token, json={
                "channel": "wechat", "accepted": [{"template": "TPL_APPLICATION_STATUS", "kind": "long-term"}]})
            assert r.status_code in (200, 201), r.text
        return token

    def wechat_subscribed(self, openid: str) -> None:
        """The resident taps 允许 on WeChat's subscribe prompt (WeChat's side of it)."""
        r = requests.post(f"{self.sandbox}/sandbox/wechat/subscriptions", timeout=10, json={
            "appid": "wxdemominiapp", "openid": openid, "template_id": "TPL_APPLICATION_STATUS", "kind": "long-term"})
        assert r.status_code in (200, 201), r.text

    def submit(self, token) -> dict:
        upload = self.call("/api/v1/uploads", "POST", token=token, data=PHOTO).json()
        r = self.call("/api/v1/applications", "POST", token=token, headers={"Idempotency-Key": uuid.uuid4().hex},
                      json={"item_code": "SB0008", "form": FORM,
                            "materials": [{"code": "id_card", "upload_id": upload["id"]}]})
        assert r.status_code == 201, r.text
        return {**r.json(), "upload": upload}

    def accept(self, clerk, number) -> None:
        r = self.call(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                      json={"action": "accept", "version": 1})
        assert r.status_code == 200, r.text

    def inbox_titles(self, token, number) -> list[str]:
        items = self.call("/api/v1/me/inbox", token=token).json()["messages"]
        return sorted(m["title"] for m in items if m.get("number") == number)


class LocalRun:
    """`python deploy/local.py` (what `make run` runs) in its own session, with its own var/."""

    def __init__(self, var_dir: str, port: int):
        self.var_dir, self.port, self.proc = var_dir, port, None
        self.log = open(os.path.join(var_dir, "run.log"), "ab")  # noqa: SIM115

    def start(self) -> Api:
        env = {**os.environ, "PORT": str(self.port), "VAR_DIR": self.var_dir, "API_PROCESSES": "2",
               "ACCESS_LOG": "false", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([PYTHON, "deploy/local.py"], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        api = Api(self.port, self.port + 1)
        wait_until(api.ready, 90, "make run to be ready")
        return api

    def kill_9(self) -> None:
        """SIGKILL to every process at once: honcho, Redis, MongoDB, the API and its children, the worker."""
        pids = [self.proc.pid, *descendants(self.proc.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        wait_until(lambda: all(not os.path.exists(f"/proc/{p}") or _zombie(p) for p in pids), 10, "the kill")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            pids = descendants(self.proc.pid)
            self.proc.send_signal(signal.SIGINT)  # Ctrl-C: honcho stops every process
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_9()
                raise
            assert not [p for p in pids if os.path.exists(f"/proc/{p}") and not _zombie(p)]


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_make_run_keeps_every_acknowledged_write_through_kill_9():
    var_dir = tempfile.mkdtemp(prefix="make-run-")
    run = LocalRun(var_dir, free_ports(4))
    try:
        api = run.start()
        clerk = api.staff()
        token = api.resident("o-kill9", subscribe=True)
        first, second = api.submit(token), api.submit(token)
        api.accept(clerk, first["number"])
        wait_until(lambda: api.inbox_titles(token, first["number"]) == ["办件已受理", "办件已提交"], 20,
                   "the worker to deliver both messages")
        mongo = pymongo.MongoClient(f"mongodb://127.0.0.1:{run.port + 3}/?directConnection=true")
        wait_until(lambda: mongo.govservice.deliveries.count_documents({"status": {"$nin": ["delivered", "accepted"]}}) == 0, 20,
                   "every delivery to be recorded")
        before = {name: sorted(map(repr, mongo.govservice[name].find({}, sort=[("_id", 1)])))
                  for name in ("residents", "applications", "uploads", "deliveries", "notifications")}
        mongo.close()
        run.kill_9()

        api = run.start()
        mongo = pymongo.MongoClient(f"mongodb://127.0.0.1:{run.port + 3}/?directConnection=true")
        for name, docs in before.items():
            after = sorted(map(repr, mongo.govservice[name].find({}, sort=[("_id", 1)])))
            assert after == docs, f"{name} changed across kill -9"
        assert mongo.govservice.items.count_documents({}) == 55  # seeded once, not again
        mongo.close()
        r = api.call("/api/v1/applications", token=token)
        assert r.status_code == 200, r.text
        mine = r.json()["applications"]
        assert {a["number"]: a["state"] for a in mine} == {first["number"]: "accepted", second["number"]: "submitted"}
        content = api.call(f"/api/v1/uploads/{first['upload']['id']}/content", token=token)
        assert content.status_code == 200 and content.content == PHOTO
        # Redis kept the stream's consumer group: new changes still reach the resident. (The sandbox
        # plays WeChat from memory: it is told again of the subscription WeChat itself would keep.)
        api.wechat_subscribed("o-kill9")
        api.accept(api.staff(), second["number"])
        wait_until(lambda: api.inbox_titles(token, second["number"]) == ["办件已受理", "办件已提交"], 20,
                   "a status change after the restart to be delivered")
        # the sandbox restarted empty: one message since, sent once
        wait_until(lambda: len(requests.get(f"{api.sandbox}/sandbox/wechat/subscribe-messages", timeout=10,
                                            params={"touser": "o-kill9"}).json()["messages"]) == 1, 20, "WeChat")
        run.stop()
    finally:
        if run.proc and run.proc.poll() is None:
            run.kill_9()


@pytest.fixture
def shared(redis_server):
    """One MongoDB (durable, in a folder) and one Redis for several API and worker processes."""
    mongo = MongoServer().start()
    yield mongo, redis_server
    mongo.stop()
    mongo.cleanup()


def test_two_api_processes_and_two_workers_share_one_store(shared):
    mongo, redis_server = shared
    redis_server.flush()
    base = free_ports(3)
    env = {**os.environ, "APP_MODE": "demo", "SANDBOX": "0", "SANDBOX_PORT": str(base), "PUSH_WORKER": "0",
           "MONGODB_URI": mongo.url, "MONGODB_DB": f"shared_{uuid.uuid4().hex[:8]}", "REDIS_URL": redis_server.url,
           "CACHE_POLL_SECONDS": "60", "ACCESS_LOG": "false", "ALIPAY_PRIVATE_KEY": new_key_body()}
    env["SANDBOX_ALIPAY_PRIVATE_KEY"] = platform = new_key_body()
    env["ALIPAY_PUBLIC_KEY"] = public_pem(platform)
    logs = tempfile.mkdtemp(prefix="shared-")
    procs = []

    def start(*args, port=None):
        with open(os.path.join(logs, f"{len(procs)}.log"), "wb") as log:
            procs.append(subprocess.Popen([PYTHON, "-m", *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                          env={**env, "PORT": str(port or base + 10)}))

    try:
        start("sandbox")
        start("api", port=base + 1)
        start("push.worker")
        start("push.worker")
        a, b = Api(base + 1, base), Api(base + 2, base)
        wait_until(a.ready, 60, "the first API process")
        start("api", port=base + 2)  # after the first one seeded (its own start finds the data there)
        wait_until(b.ready, 60, "the second API process")
        check_menus(a, b)
        check_live(a, b)
        check_exactly_once(a, b)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def check_menus(a: Api, b: Api) -> None:
    """A menu published through one process is served by the other within a second (Redis pub/sub:
    the poll is set to a minute)."""
    assert b.call("/api/v1/channels/app/menu").json()["version"] == 1
    operator = a.staff("operator", "Operator@2026")
    draft = copy.deepcopy(seed.demo_menus()["app"])
    draft["sections"][0]["title"] = "两个进程"
    r = a.call("/api/v1/admin/menus/app/publish", "POST", token=operator, json={"base_version": 1, "menu": draft})
    assert r.status_code == 201, r.text
    published = time.monotonic()
    wait_until(lambda: b.call("/api/v1/channels/app/menu").json()["version"] == 2, 1.0, "the other process")
    assert time.monotonic() - published < 1.0


def check_live(a: Api, b: Api) -> None:
    """A WebSocket open on one process receives a status change made through the other."""
    import asyncio
    import json

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    token = a.resident("o-two-live")

    async def listen():
        url = b.base.replace("http", "ws") + "/api/v1/ws"
        conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"Bearer {token}"}))
        assert json.loads(await asyncio.wait_for(conn.read_message(), 5)) == {"type": "ready"}
        number = (await asyncio.get_running_loop().run_in_executor(None, a.submit, token))["number"]
        pushed = json.loads(await asyncio.wait_for(conn.read_message(), 10))
        conn.close()
        return number, pushed

    number, pushed = asyncio.run(listen())
    assert pushed["type"] == "message" and pushed["message"]["number"] == number


def check_exactly_once(a: Api, b: Api) -> None:
    """Status changes made through both processes, delivered by two workers: WeChat receives each
    exactly once."""
    clerk = b.staff()
    numbers = []
    for i in range(6):
        api = (a, b)[i % 2]
        token = api.resident(f"o-two-{i}", subscribe=True)
        number = api.submit(token)["number"]
        (b, a)[i % 2].accept(clerk, number)
        numbers.append((f"o-two-{i}", number))

    def received():
        got = {}
        for openid, _ in numbers:
            sent = requests.get(f"{a.sandbox}/sandbox/wechat/subscribe-messages", params={"touser": openid},
                                timeout=10).json()
            got[openid] = sent["messages"]
        return got if all(len(m) >= 2 for m in got.values()) else None

    got = wait_until(received, 30, "every status message at WeChat")
    time.sleep(1.0)  # a duplicate would arrive now
    got = received()
    for openid, _ in numbers:
        assert len(got[openid]) == 2, (openid, got[openid])
