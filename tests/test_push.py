"""Outbox relay, the push worker and the inbox: every status change reaches the inbox once."""

import asyncio

from push.providers.inbox import InboxProvider
from push.relay import STREAM, relay_once
from push.worker import GROUP, Worker
from support import applicant_token, start_server, stop_server, submit


async def inbox_titles(server, token, want: int, timeout=5.0):
    for _ in range(int(timeout / 0.05)):
        body = (await server.fetch("/api/v1/me/inbox", token=token)).json
        if len(body["messages"]) >= want:
            return [m["title"] for m in body["messages"]], body
        await asyncio.sleep(0.05)
    raise AssertionError(f"inbox has {len(body['messages'])} messages, wanted {want}")


async def test_status_changes_reach_the_inbox(server):
    token = await applicant_token(server, "o-push")
    number = await submit(server, token)
    titles, body = await inbox_titles(server, token, 1)
    assert titles == ["办件已提交"] and body["unread"] == 1 and number in body["messages"][0]["body"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    r = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                           json_body={"action": "accept", "version": 1})
    assert r.status == 200
    titles, body = await inbox_titles(server, token, 2)
    assert titles == ["办件已受理", "办件已提交"]
    message_id = body["messages"][0]["id"]
    other = await applicant_token(server, "o-push-other")
    assert (await server.fetch(f"/api/v1/me/inbox/{message_id}/read", "POST", token=other)).status == 404
    assert (await server.fetch(f"/api/v1/me/inbox/{message_id}/read", "POST", token=token)).status == 204
    assert (await server.fetch("/api/v1/me/inbox", token=token)).json["unread"] == 1
    assert (await server.fetch("/api/v1/me/inbox", token=other)).json == {"unread": 0, "messages": []}
    stored = await server.deps.db.applications.find_one({"number": number})
    assert all(e["relayed"] for e in stored["outbox"])
    trail = await server.deps.db.deliveries.find({"number": number}).to_list(None)
    assert sorted(d["status"] for d in trail) == ["delivered", "delivered"]
    assert [h["status"] for h in trail[0]["history"]] == ["created", "sending", "delivered"]
    operator = await server.login()
    r = await server.fetch(f"/api/v1/admin/deliveries?application={number}", token=operator)
    assert r.status == 200 and [(d["type"], d["provider"], d["status"]) for d in r.json["deliveries"]] == [
        ("application.submitted", "inbox", "delivered"), ("application.accepted", "inbox", "delivered")]
    assert (await server.fetch("/api/v1/admin/deliveries", token=operator)).status == 400
    assert (await server.fetch(f"/api/v1/admin/deliveries?application={number}", token=token)).status == 403


async def test_a_redis_that_comes_back_empty_does_not_stop_delivery(server, redis_server):
    token = await applicant_token(server, "o-push-flushed")
    await submit(server, token)
    await inbox_titles(server, token, 1)
    redis_server.flush()  # Redis restarted without its data: no stream, no consumer group
    await submit(server, token)
    titles, _ = await inbox_titles(server, token, 2)
    assert titles == ["办件已提交", "办件已提交"]


async def test_relayed_twice_or_reclaimed_after_a_crash_is_delivered_once(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    try:
        db, redis = server.deps.db, server.deps.redis
        token = await applicant_token(server, "o-crash")
        await submit(server, token)
        worker = Worker(db, redis, {"inbox": InboxProvider(db)}, name="survivor", claim_idle_ms=0)
        await worker.ensure_group()
        assert await relay_once(db, redis) == 1
        # the relay died after XADD but before marking: the next pass adds the event again
        entries = await redis.xrange(STREAM)
        await redis.xadd(STREAM, entries[0][1])
        # a worker read both copies and was SIGKILLed before acknowledging them
        dead = await redis.xreadgroup(GROUP, "dead-worker", {STREAM: ">"}, count=10)
        assert len(dead[0][1]) == 2
        handled = await worker.run_once()  # reclaims the dead worker's entries (idle >= 0 ms)
        assert handled == 2
        assert await worker.run_once() == 0
        pending = await redis.xpending(STREAM, GROUP)
        assert pending["pending"] == 0
        messages = await db.inbox.find({}).to_list(None)
        assert [m["title"] for m in messages] == ["办件已提交"]
        delivery = (await db.deliveries.find({}).to_list(None))[0]
        assert delivery["status"] == "delivered" and delivery["attempts"] == 1
        assert await relay_once(db, redis) == 0  # marked relayed: nothing left
    finally:
        await stop_server(server)


async def test_malformed_entries_and_unknown_owners_do_not_block_the_stream(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    try:
        db, redis = server.deps.db, server.deps.redis
        token = await applicant_token(server, "o-poison")
        await submit(server, token)
        worker = Worker(db, redis, {"inbox": InboxProvider(db)}, name="w")
        await worker.ensure_group()
        await redis.xadd(STREAM, {"event_id": "e1", "type": "application.accepted"})  # fields missing
        await redis.xadd(STREAM, {"event_id": "e2", "type": "application.accepted", "channel": "wechat", "owner": "x",
                                  "number": "SB1", "item_name": "事项", "at": "not a time"})
        await redis.xadd(STREAM, {"event_id": "e3", "type": "application.accepted", "channel": "wechat",
                                  "owner": "not-an-id", "number": "SB1", "item_name": "事项", "at": "2026-11-24T00:00:00"})
        await relay_once(db, redis)
        assert await worker.run_once() == 4
        assert (await redis.xpending(STREAM, GROUP))["pending"] == 0
        assert [m["title"] for m in await db.inbox.find({}).to_list(None)] == ["办件已提交"]
    finally:
        await stop_server(server)
