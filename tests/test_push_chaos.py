"""Chaos: 1,000 status changes while the sandbox answers 10 % 5xx and 5 % timeouts, the WeChat
access token expires mid-run, and one of two workers dies mid-batch.

The dying worker runs on its own event loop in a thread, with its own Redis client; "killing"
it stops that loop: none of its code runs again (no acknowledgements, no outcome records, its
leases stay taken), like SIGKILL. Its sockets stay open, which is the harsher case: requests it
had sent still reach the sandbox. It has its own MongoDB client too (a client belongs to one event
loop), as a `python -m push.worker` process would; tests/test_processes.py kills real processes.

What must hold, read back from the sandbox: every message reached its resident; JPush saw each
exactly once (its cid makes a resend a no-op); WeChat saw each exactly once except a send that
was in flight in the dead worker, which is resent and marked `in_doubt` (WeChat has no
idempotency key); and the operators' figures match what the sandbox received.
"""

import asyncio
import collections
import concurrent.futures
import datetime as dt
import threading
import urllib.parse
import uuid

import redis.asyncio as aioredis

from channels.base import Identity
from channels.wechat import WeChatPlatform
from models import db as dbmod
from models import residents, subscriptions
from push.providers.inbox import InboxProvider
from push.providers.jpush import JPushProvider
from push.providers.wechat import WeChatSubscribeProvider
from push.relay import STREAM
from push.retry import RetryPolicy
from push.worker import GROUP, Worker, run
from support import start_server, stop_server
from wiring.push import push_providers

RESIDENTS = 100  # half WeChat, half app
APPLICATIONS = 250
STATES = ("submitted", "accepted", "in_review", "approved")  # 4 events each: 1,000
POLICY = RetryPolicy(base=0.05, cap=0.3, window=120)
TEMPLATE = "TPL_APPLICATION_STATUS"  # the demo status template (models/demo/message_templates.json)


def worker_for(db, redis, providers, name):
    return Worker(db, redis, providers, name=name, claim_idle_ms=1000, batch=50, lease=3.0, retry=POLICY)


class DoomedWorker:
    """A worker on its own loop and thread, to be stopped dead."""

    def __init__(self, server, redis_url, mongo_uri):
        self.server, self.redis_url, self.mongo_uri = server, redis_url, mongo_uri
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self):
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except RuntimeError:  # "Event loop stopped before Future completed": the kill
            pass

    async def _serve(self):
        cfg = self.server.settings
        db = dbmod.Database(dbmod.client(self.mongo_uri), self.server.deps.db.name)
        redis = aioredis.from_url(self.redis_url)
        executor = concurrent.futures.ThreadPoolExecutor(4)
        platform = WeChatPlatform(appid=cfg.wechat_mini_appid, secret=cfg.wechat_mini_secret,
                                  api_base=cfg.wechat_api_base, redis=redis, executor=executor,
                                  timeout=cfg.upstream_timeout)
        providers = {"inbox": InboxProvider(db, redis),
                     "wechat": WeChatSubscribeProvider(db, platform),
                     "app": JPushProvider(db, app_key=cfg.jpush_app_key, master_secret=cfg.jpush_master_secret,
                                          api_base=cfg.jpush_api_base, timeout=cfg.upstream_timeout)}
        await run(db, redis, worker_for(db, redis, providers, "doomed"), asyncio.Event(), relay_every=0.05)

    def kill(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def make_residents(server):
    db, cfg, owners = server.deps.db, server.settings, []
    for i in range(RESIDENTS):
        if i % 2:
            openid = f"o-chaos-{i}"
            doc = await residents.login(db, Identity("wechat", openid, address=openid))
            await subscriptions.accept(db, str(doc["_id"]), "wechat",
                                       [{"template": TEMPLATE, "kind": "long-term"}])
            r = await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
                "appid": cfg.wechat_mini_appid, "openid": openid, "template_id": TEMPLATE,
                "kind": "long-term"})
            owners.append((str(doc["_id"]), "wechat"))
        else:
            registration_id = f"1a0018970a{i:09d}"
            doc = await residents.login(db, Identity("app", f"phone-hmac-{i}"))
            await subscriptions.register_device(db, str(doc["_id"]), registration_id, "android")
            r = await server.fetch("/sandbox/jpush/devices", "POST", json_body={
                "app_key": cfg.jpush_app_key, "registration_id": registration_id, "platform": "android"})
            owners.append((str(doc["_id"]), "app"))
        assert r.status in (200, 201), r.body
    return owners


async def write_status_changes(db, owners):
    """1,000 events in application outboxes, as the workflow writes them."""
    now = dt.datetime.now(dt.UTC)
    docs = []
    for i in range(APPLICATIONS):
        owner, channel = owners[i % len(owners)]
        docs.append({"number": f"SB{20261124000000 + i}", "owner": owner, "channel": channel, "item_name": "社会保障卡补换",
                     "department": "rsj", "state": "approved",
                     "outbox": [{"id": uuid.uuid4().hex, "type": f"application.{s}", "channel": channel,
                                 "at": now, "relayed": False} for s in STATES]})
    await db.applications.insert_many(docs)
    return {e["id"]: d["channel"] for d in docs for e in d["outbox"]}


async def wait_for(predicate, seconds, what):
    for _ in range(int(seconds / 0.1)):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_chaos_every_message_once(database, redis_server, mongo_uri):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", UPSTREAM_TIMEOUT="1")
    doomed, stop, survivor_task = None, asyncio.Event(), None
    try:
        db, sandbox = server.deps.db, server.deps.sandbox
        owners = await make_residents(server)
        for target in ("wechat.subscribe.send", "jpush.push"):
            for spec in ({"status": 503, "probability": 0.10},  # 10 % 5xx
                         {"latency_ms": 1500, "drop": True, "probability": 0.056}):  # 5 % of all: timeouts
                r = await server.fetch("/sandbox/faults", "POST", json_body={"target": target, "times": 0, **spec})
                assert r.status == 201, r.body
        events = await write_status_changes(db, owners)
        assert len(events) == 1000

        doomed = DoomedWorker(server, redis_server.url, mongo_uri)
        doomed.thread.start()
        survivor = worker_for(db, server.deps.redis, push_providers(server.deps), "survivor")
        survivor_task = asyncio.create_task(run(db, server.deps.redis, survivor, stop, relay_every=0.05))

        async def delivered_at_least(n):
            return await db.deliveries.count_documents({"provider": {"$ne": "inbox"}, "status": "accepted"}) >= n

        # generous deadlines: they only matter when something hangs, and a loaded 2-core machine
        # (the whole suite, one shared SecantusDB) can be several times slower than a quiet one
        await wait_for(lambda: delivered_at_least(200), 240, "200 deliveries")
        for token in sandbox.wechat.tokens.values():  # the access token expires mid-run
            token.expires_at = sandbox.clock() - 1
        await wait_for(lambda: delivered_at_least(400), 240, "400 deliveries")

        async def doomed_mid_send():  # kill it while it holds sends in flight
            return await db.deliveries.count_documents({"status": "sending", "lease_by": "doomed", "retry_at": None,
                                                        "lease_until": {"$gt": dt.datetime.now(dt.UTC)}}) >= 3

        for _ in range(2000):
            if await doomed_mid_send():
                break
            await asyncio.sleep(0.005)
        doomed.kill()
        assert not doomed.thread.is_alive()

        async def finished():
            pending = await server.deps.redis.xpending(STREAM, GROUP)
            return (pending["pending"] == 0
                    and await db.notifications.count_documents({}) == 1000
                    and not await db.deliveries.count_documents({"status": "sending"})
                    and not await db.applications.count_documents({"outbox.relayed": False}))

        await wait_for(finished, 300, "every event handled")

        wechat_seen = collections.Counter(
            urllib.parse.parse_qs(urllib.parse.urlparse(m["page"]).query)["event"][0]
            for m in sandbox.wechat_subscribe.messages)
        jpush_seen = collections.Counter(p["notification"]["android"]["extras"]["event"] for p in sandbox.jpush.pushes)
        by_channel = {c: {e for e, ch in events.items() if ch == c} for c in ("wechat", "app")}
        trail = {(d["event_id"], d["provider"]): d async for d in db.deliveries.find({})}

        assert set(jpush_seen) == by_channel["app"] and set(jpush_seen.values()) == {1}  # JPush: exactly once
        assert set(wechat_seen) == by_channel["wechat"]  # WeChat: every one arrived
        twice = {e for e, n in wechat_seen.items() if n > 1}
        assert all(trail[(e, "wechat")].get("in_doubt") for e in twice), "a duplicate not explained by the kill"
        assert max(wechat_seen.values()) <= 2 and len(twice) <= 50  # at most one batch was in flight
        assert all(trail[(e, "inbox")]["status"] == "delivered" for e in events)
        assert await db.inbox.count_documents({}) == 1000
        retried = sum(1 for d in trail.values() if d["attempts"] > 1)
        assert retried > 50  # the faults really hit
        assert any(d.get("in_doubt") for d in trail.values())  # the kill really cut sends short

        operator = await server.login()
        stats = (await server.fetch("/api/v1/admin/deliveries/stats", token=operator)).json
        assert stats["channels"]["wechat"]["accepted"] == len(wechat_seen) == 500
        assert stats["channels"]["app"]["accepted"] == len(jpush_seen) == 500
        assert stats["channels"]["inbox"]["delivered"] == 1000
        # no receipts played here: every message accepted, none known to have arrived
        assert (stats["total"]["acceptance_rate"], stats["total"]["arrival_rate"]) == (1.0, 0.0)
        print(f"\nchaos: {retried} deliveries retried, {len(twice)} WeChat sends in doubt and resent, "
              f"{sum(1 for d in trail.values() if d.get('in_doubt'))} in doubt in all")
    finally:
        stop.set()
        if survivor_task:
            await asyncio.wait_for(survivor_task, 10)
        await stop_server(server)
