"""/metrics: requests per route pattern, logins, breakers, the push stream, push outcomes on the
worker's own port, the token, and several API processes adding up to one figure."""

import asyncio
import datetime as dt
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from api.main import metrics_directory
from api.routes import ROUTES
from push.relay import STREAM
from push.retry import RetryPolicy
from push.worker import GROUP, Worker
from sandbox.demo import new_key_body, public_pem
from sandbox.identity import with_check_char
from support import ROOT, free_port, resident_token, start_server, stop_server
from wiring.common import make_redis
from wiring.push import push_providers, serve_metrics


def value(text: str, name: str, **labels) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when there are none)."""
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == name and labels.items() <= s.labels.items())


def names(text: str) -> set[str]:
    return {s.name for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(server, **kwargs) -> str:
    r = await server.fetch("/metrics", **kwargs)
    assert r.status == 200, r.body
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.body.decode()


@pytest.fixture
async def quiet(database, redis_server):
    """A server without its own push worker (nothing reads the stream but the test)."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", EXCHANGE_TIMEOUT="1",
                                EXCHANGE_BREAKER_FAILURES="2", EXCHANGE_BREAKER_SECONDS="30")
    yield server
    await stop_server(server)


async def test_requests_are_counted_per_route_pattern_never_per_path(server):
    before = await scrape(server)
    for _ in range(3):
        assert (await server.fetch("/api/v1/items/SB0008")).status == 200
    assert (await server.fetch("/api/v1/items/13812345678")).status == 404
    assert (await server.fetch("/api/v1/no/such/13812345678")).status == 404
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)  # a verb no client library sends
    writer.write(b"BREW /api/v1/items/13812345678 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await reader.readline()).startswith(b"HTTP/1.1 405")
    writer.close()
    after = await scrape(server)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    route = "/api/v1/items/{code}"
    assert delta("govservice_http_requests_total", route=route, method="GET", status="2xx") == 3
    assert delta("govservice_http_requests_total", route=route, method="GET", status="4xx") == 1
    assert delta("govservice_http_requests_total", route=route, method="other", status="4xx") == 1
    assert delta("govservice_http_requests_total", route="unmatched", status="4xx") == 1
    assert delta("govservice_http_request_duration_seconds_count", route=route, method="GET") == 4
    assert delta("govservice_http_requests_total", route="/metrics", method="GET", status="2xx") == 1  # the first scrape
    known = {server.app.request_metrics.route(handler) for _, handler, *_ in ROUTES} | {"unmatched", "sandbox", "static"}
    routes = set()
    for family in text_string_to_metric_families(after):
        for sample in family.samples:
            assert not any(raw in v for v in sample.labels.values() for raw in ("SB0008", "13812345678", "BREW"))
            routes.add(sample.labels.get("route", "/healthz"))
    assert routes <= known and route in routes
    assert not [n for n in names(after) if n.endswith("_created")]  # as in multi-process mode


async def test_resident_logins_per_channel_and_outcome(server):
    before = await scrape(server)
    await resident_token(server, "o-metrics-login")
    r = await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": "not-a-code-from-wechat"})
    assert r.status == 401, r.body
    after = await scrape(server)
    for outcome in ("success", "refused"):
        got = value(after, "govservice_resident_logins_total", channel="wechat", outcome=outcome)
        assert got - value(before, "govservice_resident_logins_total", channel="wechat", outcome=outcome) == 1
    assert value(after, "govservice_resident_logins_total", channel="app") == value(
        before, "govservice_resident_logins_total", channel="app")


async def test_a_breaker_opened_by_faults_shows_open(quiet):
    server = quiet
    token = await resident_token(server, "o-metrics-breaker")
    id_number = with_check_char("33010619550816331")
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body
    text = await scrape(server)
    assert value(text, "govservice_exchange_breaker_state", department="rsj", state="closed") == 1
    r = await server.fetch("/sandbox/faults", "POST", json_body={"target": "exchange.rsj.insured", "status": 503,
                                                                  "times": 0})
    assert r.status == 201, r.body
    r = await server.fetch("/api/v1/queries/SB0001", "POST", token=token, json_body={})
    assert r.status == 503 and r.json["error"]["code"] == "exchange.unavailable"  # two attempts: the breaker opens
    text = await scrape(server)
    assert value(text, "govservice_exchange_breaker_state", department="rsj", state="open") == 1
    assert value(text, "govservice_exchange_breaker_state", department="rsj", state="closed") == 0
    assert value(text, "govservice_exchange_breaker_state", department="jj", state="closed") == 1


async def test_stream_lag_and_pending_are_read_from_redis(quiet, redis_server):
    server = quiet
    text = await scrape(server)  # no stream yet
    assert value(text, "govservice_redis_up") == 1
    assert {"govservice_push_stream_lag", "govservice_push_stream_pending"} <= names(text)
    assert value(text, "govservice_push_stream_lag") == value(text, "govservice_push_stream_pending") == 0
    client = redis.Redis(port=redis_server.port)
    for i in range(5):
        client.xadd(STREAM, {"n": i})
    text = await scrape(server)  # a stream, no group yet
    assert value(text, "govservice_push_stream_lag") == value(text, "govservice_push_stream_pending") == 0
    client.xgroup_create(STREAM, GROUP, id="0")
    client.xreadgroup(GROUP, "test", {STREAM: ">"}, count=2)
    text = await scrape(server)
    assert value(text, "govservice_push_stream_lag") == 3 and value(text, "govservice_push_stream_pending") == 2
    client.close()

    real, server.deps.redis = server.deps.redis, make_redis(f"redis://127.0.0.1:{free_port()}/0")  # nobody there
    try:
        text = await scrape(server)
        assert value(text, "govservice_redis_up") == 0
        assert "govservice_push_stream_lag" not in names(text)
        assert "govservice_http_requests_total" in names(text)  # the rest still answers
    finally:
        await server.deps.redis.aclose()
        server.deps.redis = real


async def test_push_worker_counts_outcomes_on_its_own_port(quiet):
    server = quiet
    port = free_port()
    http = serve_metrics(server.settings.replace(metrics_port=port), server.deps)
    base = f"http://127.0.0.1:{port}"
    loop = asyncio.get_running_loop()

    def get(path):
        return requests.get(base + path, timeout=5)

    try:
        assert (await loop.run_in_executor(None, get, "/healthz")).status_code == 200
        before = (await loop.run_in_executor(None, get, "/metrics")).text
        # a WeChat resident with one subscription; WeChat answers 502 until the retry window ends
        openid = "o-metrics-push"
        token = await resident_token(server, openid)
        r = await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
            "appid": "wxdemominiapp", "openid": openid, "template_id": "TPL_APPLICATION_STATUS", "kind": "one-time"})
        assert r.status in (200, 201), r.body
        r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
            "channel": "wechat", "accepted": [{"template": "TPL_APPLICATION_STATUS", "kind": "one-time"}]})
        assert r.status == 200, r.body
        owner = (await server.fetch("/api/v1/me", token=token)).json["id"]
        r = await server.fetch("/sandbox/faults", "POST", json_body={"target": "wechat.subscribe.send", "status": 502,
                                                                      "times": 0})
        assert r.status == 201, r.body
        worker = Worker(server.deps.db, server.deps.redis, push_providers(server.deps), name="metrics", lease=2.0,
                        retry=RetryPolicy(base=0.02, cap=0.05, window=0.3))
        await worker.handle([{"event_id": uuid.uuid4().hex, "type": "application.accepted", "channel": "wechat",
                              "owner": owner, "number": "SB20260101000001", "item_name": "社会保障卡补换",
                              "at": dt.datetime.now(dt.UTC).isoformat()}])
        for _ in range(200):
            await worker.run_due()
            if not await server.deps.db.deliveries.count_documents({"status": "sending"}):
                break
            await asyncio.sleep(0.02)
        after = (await loop.run_in_executor(None, get, "/metrics")).text
    finally:
        http.stop()

    def delta(**labels):
        return value(after, "govservice_push_outcomes_total", **labels) - value(
            before, "govservice_push_outcomes_total", **labels)

    assert delta(channel="inbox", status="delivered") == 1
    assert delta(channel="wechat", status="technical-failure") == 1
    assert delta(channel="wechat", status="temporary-failure") >= 2
    assert delta(channel="wechat", status="accepted") == 0
    sent = value(after, "govservice_push_send_seconds_count", channel="wechat") - value(
        before, "govservice_push_send_seconds_count", channel="wechat")
    assert sent == delta(channel="wechat") - delta(channel="wechat", status="technical-failure")  # one per attempt
    assert {"govservice_redis_up", "govservice_push_stream_pending"} <= names(after)


async def test_metrics_token_is_required_when_set(database, redis_server):
    secret = "m" * 40
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", METRICS_TOKEN=secret)
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": secret}):
            r = await server.fetch("/metrics", headers=headers)
            assert r.status == 401 and r.json["error"]["code"] == "metrics.unauthorized"
            assert r.headers["Www-Authenticate"] == "Bearer" and secret.encode() not in r.body
        assert "govservice_http_requests_total" in names(await scrape(server, token=secret))
    finally:
        await stop_server(server)


def test_metrics_directory_per_start(tmp_path, redis_server):
    from support import make_settings

    named = tmp_path / "metrics"
    named.mkdir()
    (named / "counter_123.db").write_bytes(b"stale")
    settings = make_settings(8000, redis_server.url, PROMETHEUS_MULTIPROC_DIR=str(named))
    assert metrics_directory(settings, 2) == str(named) and not list(named.iterdir())  # an earlier start's samples go
    plain = make_settings(8000, redis_server.url)
    assert metrics_directory(plain, 1) == ""  # one process: its own registry
    fresh = metrics_directory(plain, 2)
    assert os.path.isdir(fresh) and fresh != metrics_directory(plain, 0)


def test_two_api_processes_add_up_in_one_scrape(mongo_uri, redis_server):
    """`python -m api --processes 2`: whichever child answers the scrape, it counts every child's
    requests; the start's own metrics folder goes when the server stops."""
    redis_server.flush()
    port, sandbox_port = free_port(), free_port()
    env = {**os.environ, "APP_MODE": "demo", "SANDBOX": "0", "SANDBOX_PORT": str(sandbox_port), "PUSH_WORKER": "0",
           "MONGODB_URI": mongo_uri, "MONGODB_DB": f"metrics_{uuid.uuid4().hex[:8]}", "REDIS_URL": redis_server.url,
           "ACCESS_LOG": "false", "ALIPAY_PRIVATE_KEY": new_key_body()}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # this start makes a folder of its own
    env["SANDBOX_ALIPAY_PRIVATE_KEY"] = platform = new_key_body()
    env["ALIPAY_PUBLIC_KEY"] = public_pem(platform)
    logs = tempfile.mkdtemp(prefix="metrics-procs-")
    procs = []
    for args, own_port in ((["sandbox"], sandbox_port), (["api", "--processes", "2"], port)):
        with open(os.path.join(logs, f"{args[0]}.log"), "wb") as log:
            procs.append(subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                          env={**env, "PORT": str(own_port)}, start_new_session=True))
    api, base = procs[1], f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, api, os.path.join(logs, "api.log"))
        for _ in range(40):  # a connection each: the kernel hands them to either child
            assert requests.get(base + "/healthz", timeout=5, headers={"Connection": "close"}).status_code == 200
        for scrapes in range(6):
            text = requests.get(base + "/metrics", timeout=5, headers={"Connection": "close"}).text
            assert value(text, "govservice_http_requests_total", route="/healthz") == 40
            assert value(text, "govservice_http_requests_total", route="/readyz", status="2xx") == 1
            assert value(text, "govservice_http_requests_total", route="/metrics") == scrapes
        children = set(open(f"/proc/{api.pid}/task/{api.pid}/children").read().split())
        folders = [d for d in glob.glob(os.path.join(tempfile.gettempdir(), "govservice-metrics-*"))
                   if {f.rsplit("_", 1)[1][:-3] for f in os.listdir(d)} & children]
        assert len(folders) == 1 and len(children) == 2
        writers = {f.rsplit("_", 1)[1][:-3] for f in os.listdir(folders[0])}
        assert writers <= children  # the children wrote them, not the parent
        os.killpg(api.pid, signal.SIGTERM)  # as a terminal or systemd stops it: the whole group
        assert api.wait(20) == 0
        assert not os.path.exists(folders[0])
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_ready(base: str, proc, log: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, open(log).read()
        try:
            if requests.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the API did not get ready; see {log}")
