"""The stream is no record (review issue 14, finding 7). Events relayed onto it and lost with it
before a worker read them (Redis back empty, the stream deleted or trimmed) are relayed again by
the sweep and reach the resident exactly once; events a worker handled are never sent again, and
events still waiting in the stream are left to the workers."""

import asyncio
import collections
import datetime as dt
import urllib.parse

import pytest
from prometheus_client import REGISTRY

from push.relay import GROUP, STREAM, relay_once, sweep_once
from push.worker import Worker, run
from support import applicant_token, start_server, stop_server, submit
from wiring.push import push_providers

TEMPLATE = "TPL_APPLICATION_STATUS"


@pytest.fixture
async def push_server(database, redis_server):
    """A server without its own worker: the tests decide when a worker reads."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def make_worker(server, **options) -> Worker:
    return Worker(server.deps.db, server.deps.redis, push_providers(server.deps), name="sweeper", **options)


async def subscribed(server, openid: str) -> str:
    """A resident who takes WeChat status messages (long-term: any number of them)."""
    token = await applicant_token(server, openid)
    r = await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
        "appid": server.settings.wechat_mini_appid, "openid": openid, "template_id": TEMPLATE, "kind": "long-term"})
    assert r.status in (200, 201), r.body
    r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
        "channel": "wechat", "accepted": [{"template": TEMPLATE, "kind": "long-term"}]})
    assert r.status == 200, r.body
    return token


def wechat_seen(server) -> collections.Counter:
    """Event id -> how many messages WeChat (the sandbox) took for it."""
    return collections.Counter(urllib.parse.parse_qs(urllib.parse.urlparse(m["page"]).query)["event"][0]
                               for m in server.deps.sandbox.wechat_subscribe.messages)


async def events(db) -> list[dict]:
    return [e for doc in await db.applications.find({}).to_list(None) for e in doc["outbox"]]


def relayed_again() -> float:
    return REGISTRY.get_sample_value("govservice_push_relayed_again_total") or 0.0


async def wait_for(predicate, what: str, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("loss", ["flushall", "delete", "trim"])
async def test_events_the_stream_lost_are_relayed_again_and_sent_once(push_server, redis_server, loss):
    server = push_server
    db, redis = server.deps.db, server.deps.redis
    token = await subscribed(server, f"o-lost-{loss}")
    for _ in range(3):
        await submit(server, token)
    worker = make_worker(server, sweep_age=0.2)
    await worker.ensure_group()
    assert await relay_once(db, redis) == 3
    if loss == "flushall":  # Redis restarted without its data: no stream, no group
        redis_server.flush()
    elif loss == "delete":
        await redis.delete(STREAM)
    else:  # capped away: the group stays, its entries are gone
        await redis.xtrim(STREAM, maxlen=0)
    await worker.ensure_group()
    assert await worker.run_once() == 0  # the workers alone would never see these events
    before = relayed_again()

    stop = asyncio.Event()
    task = asyncio.create_task(run(db, redis, worker, stop, relay_every=0.05, due_every=0.05))
    try:
        async def confirmed():
            return not [e for e in await events(db) if "unconfirmed_since" in e]

        await wait_for(confirmed, "every event handled and confirmed")
    finally:
        stop.set()
        await task
    ids = {e["id"] for e in await events(db)}
    assert wechat_seen(server) == {event_id: 1 for event_id in ids}  # each reached WeChat exactly once
    inbox = await db.inbox.find({}).to_list(None)
    assert len(inbox) == 3 and len({m["_id"] for m in inbox}) == 3
    assert [e["relays"] for e in await events(db)] == [2, 2, 2]
    assert relayed_again() - before == 3
    assert await sweep_once(db, redis, 0) == 0  # nothing left to look at: never relayed a third time


async def test_handled_or_waiting_events_are_not_relayed_again(push_server, redis_server):
    server = push_server
    db, redis = server.deps.db, server.deps.redis
    token = await subscribed(server, "o-handled")
    worker = make_worker(server)
    await worker.ensure_group()
    await submit(server, token)
    await relay_once(db, redis)
    assert await worker.run_once() == 1  # handled: WeChat took it
    handled = (await events(db))[0]["id"]
    redis_server.flush()  # the stream goes; the record of what was handled stays
    await worker.ensure_group()
    before = relayed_again()
    assert await sweep_once(db, redis, 0) == 1  # confirmed from the notification
    assert await redis.xlen(STREAM) == 0 and relayed_again() == before

    # one unread, one read by a worker that has not acknowledged it, one acknowledged by a worker
    # that recorded nothing (an older release, or an entry it dropped): none is relayed again
    for _ in range(3):
        await submit(server, token)
    assert await relay_once(db, redis) == 3
    entries = await redis.xrange(STREAM)
    read = await redis.xreadgroup(GROUP, "busy", {STREAM: ">"}, count=2)
    await redis.xack(STREAM, GROUP, read[0][1][1][0])
    assert await sweep_once(db, redis, 0) == 1  # the acknowledged one is confirmed
    assert await redis.xlen(STREAM) == 3 and relayed_again() == before
    unconfirmed = {e["stream_id"] for e in await events(db) if "unconfirmed_since" in e}
    assert unconfirmed == {entries[0][0].decode(), entries[2][0].decode()}
    assert wechat_seen(server) == {handled: 1}


async def test_two_sweeps_at_once_relay_a_lost_event_once(push_server, redis_server):
    server = push_server
    db, redis = server.deps.db, server.deps.redis
    token = await subscribed(server, "o-two-sweeps")
    await submit(server, token)
    await relay_once(db, redis)
    redis_server.flush()
    before = relayed_again()
    await asyncio.gather(sweep_once(db, redis, 0), sweep_once(db, redis, 0))
    assert await redis.xlen(STREAM) == 1 and relayed_again() - before == 1
    assert (await events(db))[0]["relays"] == 2


# ---- /readyz ---------------------------------------------------------------------------------
async def backdate(db, field: str, hours: float = 1) -> None:
    """Make the outbox's events look `hours` older (instead of waiting)."""
    async for doc in db.applications.find({}):
        for event in doc["outbox"]:
            if event.get(field):
                await db.applications.update_one({"_id": doc["_id"], "outbox.id": event["id"]}, {
                    "$set": {f"outbox.$.{field}": event[field] - dt.timedelta(hours=hours)}})


async def ready(server) -> tuple[int, str, dict]:
    r = await server.fetch("/readyz")
    return r.status, r.json["checks"]["push"], r.json.get("push")


async def test_readyz_reports_the_backlog_and_the_workers_last_read(push_server):
    server = push_server
    db, redis = server.deps.db, server.deps.redis
    status, check, figures = await ready(server)
    assert (status, check) == (200, "no worker seen") and figures["last_read_seconds"] is None
    token = await subscribed(server, "o-ready")
    await submit(server, token)
    status, check, figures = await ready(server)
    assert status == 200 and figures["unrelayed"]["count"] == 1 and figures["unrelayed"]["oldest_seconds"] < 300

    await backdate(db, "at")  # nothing relays: the event waits an hour
    status, check, figures = await ready(server)
    assert status == 503 and check.startswith("stale: an event waits for the relay")
    assert figures["unrelayed"]["oldest_seconds"] >= 3600
    assert await relay_once(db, redis) == 1
    status, check, figures = await ready(server)
    assert status == 200 and figures["unrelayed"] == {"count": 0, "oldest_seconds": None}

    await backdate(db, "unconfirmed_since")  # relayed an hour ago, never handled
    status, check, figures = await ready(server)
    assert status == 503 and check.startswith("stale: an event relayed") and figures["unconfirmed"]["count"] == 1
    worker = make_worker(server)
    await worker.ensure_group()
    assert await worker.run_once() == 1
    await worker.beat()
    assert await sweep_once(db, redis, server.settings.push_sweep_age) == 1
    status, check, figures = await ready(server)
    assert (status, check) == (200, "ok") and figures["workers_reading"] == 1
    assert figures["unconfirmed"] == {"count": 0, "oldest_seconds": None}

    # the worker stopped reading an hour ago (any fresh one would do)
    await db.workers.update_many({}, {"$set": {"read_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)}})
    status, check, figures = await ready(server)
    assert status == 503 and check.startswith("stale: no worker read the stream") and figures["workers_reading"] == 0
    other = make_worker(server)
    other.name = "another"
    await other.run_once()
    await other.beat()
    status, check, figures = await ready(server)
    assert (status, check) == (200, "ok") and figures["workers_reading"] == 1


async def test_readyz_follows_a_worker_that_stops_and_starts(database, redis_server):
    """Short settings, the in-process worker: unready once its heartbeat is a second old."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_READY_HEARTBEAT_AGE="1")
    stop, task = asyncio.Event(), None
    try:
        async def push_is(wanted):
            return (await ready(server))[1].startswith(wanted)

        await wait_for(lambda: push_is("ok"), "the worker's first heartbeat")
        assert (await server.fetch("/readyz")).status == 200
        await server.deps.stop_push()
        await wait_for(lambda: push_is("stale"), "the heartbeat to go stale")
        assert (await server.fetch("/readyz")).status == 503
        worker = make_worker(server, heartbeat_every=0.2)
        task = asyncio.create_task(run(server.deps.db, server.deps.redis, worker, stop))
        await wait_for(lambda: push_is("ok"), "a new worker's heartbeat")
        assert (await server.fetch("/readyz")).status == 200
    finally:
        stop.set()
        if task:
            await task
        await stop_server(server)
