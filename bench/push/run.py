"""Messages per second for one push worker, against the sandbox answering after 10 ms.

    .venv/bin/python bench/push/run.py [--messages 3000] [--residents 200] [--batch 100] [--lanes 2] [--profile]

The sandbox runs in its own process (WeChat token and subscribe-message endpoints, a 10 ms
latency fault on every send). This process holds the worker: the in-process engine (or
MONGODB_URI when set), a real redis-server on a free port, residents with long-term WeChat
subscriptions. `messages` status events go into the stream; the worker handles them (notification
record, inbox message, WeChat subscribe message, delivery records) until none is left.

Baseline of the same run: the same number of subscribe-message POSTs sent straight to the sandbox
with Tornado's async client at the same concurrency, nothing else: what the network path allows.
"""

import argparse
import asyncio
import concurrent.futures
import cProfile
import datetime as dt
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import cleanup, free_port, record, start_redis  # noqa: E402

APPID, SECRET, TEMPLATE = "wxbenchmini", "bench-secret", "TPL_APPLICATION_STATUS"
SANDBOX = r"""
import asyncio, sys
import tornado.httpserver
from sandbox.app import SandboxState, make_sandbox_app
from sandbox.state import Fault
async def main():
    state = SandboxState(wechat_apps={sys.argv[2]: sys.argv[3]})
    state.faults.add(Fault(target="wechat.subscribe.send", latency_ms=10, times=0))
    server = tornado.httpserver.HTTPServer(make_sandbox_app(state, log_function=lambda h: None))
    server.listen(int(sys.argv[1]), "127.0.0.1")
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def baseline(api_base: str, token: str, messages: int, concurrency: int) -> float:
    from tornado.httpclient import AsyncHTTPClient

    client = AsyncHTTPClient()
    body = json.dumps({"touser": "o-bench-0", "template_id": TEMPLATE, "data": {
        "thing1": {"value": "社会保障卡补换"}, "character_string2": {"value": "SB20261124000001"},
        "phrase3": {"value": "已受理"}, "time4": {"value": "2026-11-24 16:30"}, "thing5": {"value": "点击查看办件详情"}}})
    left = [messages]

    async def sender():
        while left[0] > 0:
            left[0] -= 1
            await client.fetch(f"{api_base}cgi-bin/message/subscribe/send?access_token={token}", method="POST",
                               body=body, headers={"Content-Type": "application/json"})

    start = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return messages / (time.monotonic() - start)


async def bench(args, api_base: str, redis_url: str | None) -> dict:
    from api.app import configure_http_client, make_redis

    configure_http_client(args.batch * args.lanes)
    from channels.base import Identity
    from channels.wechat import WeChatPlatform
    from models import db as dbmod
    from models import residents, setup, subscriptions
    from push.providers.inbox import InboxProvider
    from push.providers.wechat import WeChatSubscribeProvider
    from push.relay import STREAM
    from push.worker import Worker

    db = dbmod.connect(os.environ.get("MONGODB_URI"), f"bench_push_{uuid.uuid4().hex[:6]}")
    redis = make_redis(redis_url)
    await setup.ensure_indexes(db)
    platform = WeChatPlatform(appid=APPID, secret=SECRET, api_base=api_base, redis=redis,
                              executor=concurrent.futures.ThreadPoolExecutor(4), timeout=5.0)
    owners = []
    for i in range(args.residents):
        openid = f"o-bench-{i}"
        doc = await residents.login(db, Identity("wechat", openid, address=openid))
        await subscriptions.accept(db, str(doc["_id"]), "wechat", [{"template": TEMPLATE, "kind": "long-term"}])
        owners.append(str(doc["_id"]))
    from tornado.httpclient import AsyncHTTPClient as Client

    for i in range(args.residents):  # the phones accept long-term subscriptions
        await Client().fetch(f"{api_base.rsplit('/wechat/', 1)[0]}/wechat/subscriptions", method="POST", body=json.dumps(
            {"appid": APPID, "openid": f"o-bench-{i}", "template_id": TEMPLATE, "kind": "long-term"}))
    token = await platform.access_token()
    base_rate = await baseline(api_base, token, args.messages, args.batch)

    worker = Worker(db, redis, {"inbox": InboxProvider(db, redis),
                                "wechat": WeChatSubscribeProvider(db, platform, TEMPLATE)}, batch=args.batch)
    await worker.ensure_group()
    at = dt.datetime.now(dt.UTC).isoformat()
    pipe = redis.pipeline()
    for i in range(args.messages):
        pipe.xadd(STREAM, {"event_id": uuid.uuid4().hex, "type": "application.accepted", "channel": "wechat",
                           "number": f"SB{20261124000000 + i}", "owner": owners[i % len(owners)],
                           "item_name": "社会保障卡补换", "at": at})
    await pipe.execute()
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    start = time.monotonic()
    handled = [0]

    async def consume():  # `lanes` batches in flight at once, as `run()` does
        while handled[0] < args.messages:
            count = await worker.run_once()
            handled[0] += count

    await asyncio.gather(*(consume() for _ in range(args.lanes)))
    seconds = time.monotonic() - start
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(30)
    delivered = await db.deliveries.count_documents({"provider": "wechat", "status": "delivered"})
    await redis.aclose()
    rate = args.messages / seconds
    return {"messages": args.messages, "delivered": delivered, "seconds": round(seconds, 2),
            "messages_per_s": round(rate), "baseline_per_s": round(base_rate), "ratio": round(rate / base_rate, 2),
            "batch": args.batch, "lanes": args.lanes, "engine": db.engine}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-push-")
    redis_proc, redis_url = start_redis(workdir)
    port = free_port()
    sandbox = subprocess.Popen([sys.executable, "-c", SANDBOX, str(port), APPID, SECRET], stdout=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert sandbox.stdout.readline().strip() == b"ready"
        result = asyncio.run(bench(args, f"http://127.0.0.1:{port}/sandbox/wechat/", redis_url))
        record("push", result)
    finally:
        cleanup([p for p in (redis_proc, sandbox) if p], workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
