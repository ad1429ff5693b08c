"""api/pubsub.py: a subscription whose connection is killed subscribes again and messages flow."""

import copy
import json

import redis.asyncio

from api.cache import PUBSUB_CHANNEL
from api.live import LiveHub
from api.pubsub import Subscription
from models import seed
from models.inbox import LIVE_CHANNEL
from support import eventually, start_server, stop_server

CHANNEL = "test:pubsub"


async def subscribers(client, channel=CHANNEL, at_least=1) -> bool:
    return dict(await client.pubsub_numsub(channel)).get(channel.encode(), 0) >= at_least


async def test_messages_flow_again_after_the_connection_is_killed(redis_server):
    client = redis.asyncio.from_url(redis_server.url)
    got, caught_up = [], []

    async def catch_up():
        caught_up.append(True)

    subscription = Subscription(client, CHANNEL, got.append, on_subscribe=catch_up)
    subscription.start()
    try:
        await eventually(lambda: subscribers(client), "the subscription")
        await client.publish(CHANNEL, "before")
        await eventually(lambda: got == [b"before"], "the first message")
        assert await client.client_kill_filter(_type="pubsub") == 1
        await eventually(lambda: subscription.subscribed == 2, "subscribing again")
        await eventually(lambda: subscribers(client), "the new subscription")
        await client.publish(CHANNEL, "after")
        await eventually(lambda: got == [b"before", b"after"], "a message on the new connection")
        assert caught_up == [True, True]  # the user caught up after each subscription
    finally:
        await subscription.stop()
        await client.aclose()
    assert subscription._task is None


async def test_a_bad_message_costs_nothing(redis_server):
    client = redis.asyncio.from_url(redis_server.url)
    got = []
    subscription = Subscription(client, CHANNEL, lambda data: got.append(int(data)))
    subscription.start()
    try:
        await eventually(lambda: subscribers(client), "the subscription")
        await client.publish(CHANNEL, "not a number")
        await client.publish(CHANNEL, "2")
        await eventually(lambda: got == [2], "the message after the bad one")
        assert subscription.subscribed == 1
    finally:
        await subscription.stop()
        await client.aclose()


async def test_the_cache_hears_publishes_again_after_its_connection_is_killed(database, redis_server):
    redis_server.flush()
    a = await start_server(database, redis_server.url, CACHE_POLL_SECONDS="60")  # only pub/sub can tell b
    b = await start_server(database, redis_server.url, seed_demo=False, CACHE_POLL_SECONDS="60")
    client = redis.asyncio.from_url(redis_server.url)
    try:
        assert (await b.fetch("/api/v1/channels/app/menu")).json["version"] == 1
        listening = b.app.settings["deps"].cache.subscription
        await eventually(lambda: listening.subscribed == 1, "b's first subscription")
        await client.client_kill_filter(_type="pubsub")  # a's and b's
        await eventually(lambda: listening.subscribed == 2, "b subscribing again")
        await eventually(lambda: subscribers(client, PUBSUB_CHANNEL, 2), "a and b subscribed again")
        token = await a.login()
        r = await a.fetch("/api/v1/admin/menus/app/publish", "POST", token=token,
                          json_body={"base_version": 1, "menu": copy.deepcopy(seed.demo_menus()["app"])})
        assert r.status == 201

        async def b_serves_version_2():
            return (await b.fetch("/api/v1/channels/app/menu")).json["version"] == 2
        await eventually(b_serves_version_2, "b serving version 2", seconds=2)
    finally:
        await client.aclose()
        await stop_server(a)
        await stop_server(b)


async def test_live_messages_flow_again_after_the_connection_is_killed(redis_server):
    client = redis.asyncio.from_url(redis_server.url)
    delivered = []

    class Socket:
        deliver = staticmethod(delivered.append)

    socket = Socket()
    hub = LiveHub(client)
    hub.add("owner-1", socket)
    try:
        for n in (1, 2):
            # the subscription of this round (redis-py may also reconnect the old one, only to lose it)
            await eventually(lambda n=n: hub.subscription.subscribed == n, f"subscription {n}")
            await eventually(lambda: subscribers(client, LIVE_CHANNEL), "the live subscription")
            await client.publish(LIVE_CHANNEL, json.dumps([{"owner": "owner-1", "message": {"n": n}}]))
            await eventually(lambda n=n: len(delivered) == n, f"live message {n}")
            await client.client_kill_filter(_type="pubsub")
        assert delivered == [{"n": 1}, {"n": 2}]
    finally:
        await hub.stop()
        await client.aclose()
