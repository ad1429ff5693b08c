"""Contained failures: whatever one send raises, the batch records every message's outcome and
never sends an accepted message twice (issue 15, finding 2). Counted in the sandbox."""

import collections
import urllib.parse

import pytest
from test_push_channels import event, make_worker, settle, trail, wechat_resident

from models import deliveries, inbox
from push.failures import UNKNOWN_TRIES
from support import eventually, start_server, stop_server


@pytest.fixture
async def push_server(database, redis_server):
    """A server without its own worker: tests drive a worker directly."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def sent_per_event(server) -> collections.Counter:
    return collections.Counter(urllib.parse.parse_qs(urllib.parse.urlparse(m["page"]).query)["event"][0]
                               for m in server.deps.sandbox.wechat_subscribe.messages)


async def raised(awaitable) -> list[str]:
    try:
        await awaitable
        return []
    except Exception as exc:  # noqa: BLE001 - what used to escape the worker
        return [type(exc).__name__]


async def wechat_batch(server, size, prefix):
    owners = [(await wechat_resident(server, f"{prefix}-{i}", kind="long-term"))[1] for i in range(size)]
    return [event(owner) for owner in owners]


async def test_an_unexpected_error_in_one_send_spares_the_batch(push_server, monkeypatch):
    server = push_server
    worker = make_worker(server, window=60.0)
    events = await wechat_batch(server, 5, "o-boom")
    doomed = events[2]["event_id"]
    provider = worker.providers["wechat"]
    real = provider._send

    async def flaky(to, resident, note, delivery):
        if note["_id"] == doomed:
            raise RuntimeError("a bug in our own code")
        return await real(to, resident, note, delivery)

    monkeypatch.setattr(provider, "_send", flaky)
    escaped = await raised(worker.handle(events))  # asyncio.gather used to give up on the whole batch

    async def taken_again():  # once its lease has run out, what was left `sending` is taken again
        escaped.extend(await raised(worker.run_due()))
        return (await trail(server, doomed))["wechat"]["attempts"] == 2

    await eventually(taken_again, "the doomed send taken again after its lease", every=0.1)
    others = {e["event_id"] for e in events} - {doomed}  # sends an escaped error left running finish
    await eventually(lambda: set(sent_per_event(server)) == others, "the other sends")
    sent = sent_per_event(server)
    assert set(sent) == {e["event_id"] for e in events} - {doomed} and set(sent.values()) == {1}, sent
    assert not escaped
    for e in events:
        found = await trail(server, e["event_id"])
        assert found["inbox"]["status"] == "delivered"
        if e["event_id"] != doomed:
            assert found["wechat"]["status"] == "accepted" and found["wechat"]["attempts"] == 1
    failed = (await trail(server, doomed))["wechat"]
    assert failed["reason"] == "unknown: RuntimeError" and failed["attempts"] == 2

    # tried again a few times, then given up for good; nobody else is sent anything again
    await settle(server, worker, seconds=10)
    failed = (await trail(server, doomed))["wechat"]
    assert failed["status"] == "permanent-failure" and failed["attempts"] == UNKNOWN_TRIES
    assert failed["reason"].startswith("unknown: RuntimeError")
    assert sent_per_event(server) == sent

async def test_a_batch_write_failing_spares_the_other_channels(push_server, monkeypatch):
    server = push_server
    worker = make_worker(server, window=60.0)
    events = await wechat_batch(server, 3, "o-inbox")
    real = inbox.write_many
    calls = []

    async def broken_once(db, messages):
        calls.append(len(messages))
        if len(calls) == 1:
            raise ConnectionError("inbox store went away")
        return await real(db, messages)

    monkeypatch.setattr(inbox, "write_many", broken_once)
    await worker.handle(events)
    for e in events:
        found = await trail(server, e["event_id"])
        assert found["wechat"]["status"] == "accepted"
        kept = found["inbox"]  # our store failing is temporary: retried for the whole window
        assert (kept["status"], kept["reason"]) == ("sending", "ConnectionError") and kept["retry_at"]
    await settle(server, worker, seconds=10)  # the inbox's retry comes once its lease has run out
    for e in events:
        found = await trail(server, e["event_id"])
        assert found["inbox"]["status"] == "delivered" and found["wechat"]["status"] == "accepted"
    assert set(sent_per_event(server).values()) == {1}


async def test_a_provider_that_breaks_its_own_contract_is_contained(push_server, monkeypatch):
    """A channel whose batch call raises, or answers the wrong number of outcomes."""
    server = push_server
    worker = make_worker(server, window=60.0)
    events = await wechat_batch(server, 2, "o-contract")

    async def short(jobs):
        return []

    monkeypatch.setattr(worker.providers["wechat"], "_send_many", short)
    await worker.handle(events)
    for e in events:
        found = await trail(server, e["event_id"])
        assert found["inbox"]["status"] == "delivered"
        assert found["wechat"]["status"] == "sending" and found["wechat"]["reason"].startswith("unknown: ")
    key = deliveries.key(events[0]["event_id"], "wechat")
    assert (await deliveries.get_many(server.deps.db, [key]))[key]["attempts"] == 1
