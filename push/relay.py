"""Outbox relay: events written inside documents (models/outbox.py) are copied to a Redis Stream;
the sweep relays again those whose stream entry was lost before a worker handled them.

Order matters for safety: the event is added to the stream first and marked relayed after.
A relay that dies between the two adds the event again on its next pass; the worker's
dedupe key (event id + provider) makes that second copy a no-op, so nothing is lost and
nothing reaches a resident twice.

The stream is no record: Redis may come back empty, and the stream is capped. An event is handled
once a worker has begun its deliveries (its notification's `handled_at`), or, while its entry is
still in the stream, once the entry is acknowledged (a worker acknowledges without a notification
what it drops: a malformed entry, a resident gone). The sweep looks at events relayed more than
`sweep_age` ago and not yet confirmed handled:
- handled: confirmed, never looked at again;
- entry still in the stream, unread or unacknowledged: left alone, a worker will get to it;
- entry gone (trimmed, or Redis lost it): relayed again. Relaying a handled event again would be
  harmless too (the worker's dedupe), but costs work when the workers are already behind.
"""

import datetime as dt
import logging

from prometheus_client import Counter
from redis.exceptions import ResponseError

from models import notifications, outbox

log = logging.getLogger(__name__)
STREAM = "push:events"
GROUP = "push-workers"
STREAM_MAXLEN = 100_000
RELAYED_AGAIN = Counter("govservice_push_relayed_again", "Events the sweep relayed again: their stream entry was "
                        "lost (Redis came back empty, or the stream was trimmed) before a worker handled them")


def entry(doc: dict, event: dict) -> dict:
    """A stream entry. An event names its recipient and subject itself (`to`), or takes the
    document's (an application's owner, number and item name)."""
    subject = {"number": doc.get("number"), "owner": doc.get("owner"), "item_name": doc.get("item_name"),
               **event.get("to", {})}
    return {"event_id": event["id"], "type": event["type"], "channel": event["channel"], **subject,
            "at": event["at"].isoformat()}


async def add(redis, doc: dict, event: dict) -> str:
    return _text(await redis.xadd(STREAM, entry(doc, event), maxlen=STREAM_MAXLEN, approximate=True))


async def relay_once(db, redis, limit: int = 200) -> int:
    """Relay up to `limit` documents' pending events; returns how many events were relayed."""
    relayed = 0
    for source in outbox.SOURCES:
        for doc in await outbox.unrelayed(db, source, limit):
            for event in doc["outbox"]:
                if event["relayed"]:
                    continue
                await outbox.mark_relayed(db, source, doc["_id"], event["id"], await add(redis, doc, event))
                relayed += 1
    return relayed


async def sweep_once(db, redis, sweep_age: float, limit: int = 200) -> int:
    """Look at up to `limit` documents per collection whose events have waited `sweep_age` seconds
    unconfirmed; returns how many events it confirmed or relayed again."""
    before = outbox.now() - dt.timedelta(seconds=sweep_age)
    progress = again = 0
    for source in outbox.SOURCES:
        due = [(doc, event) for doc in await outbox.unconfirmed(db, source, before, limit) for event in doc["outbox"]
               if event.get("unconfirmed_since") and event["unconfirmed_since"] <= before]
        if not due:
            continue
        done = await notifications.handled(db, {event["id"] for _, event in due})
        rest = [(doc, event) for doc, event in due if event["id"] not in done]
        states = await stream_states(redis, [event["stream_id"] for _, event in rest])
        confirmed = [(doc["_id"], event["id"]) for doc, event in due if event["id"] in done]
        confirmed += [(doc["_id"], event["id"]) for (doc, event), state in zip(rest, states, strict=True)
                      if state == "acknowledged"]
        await outbox.confirm(db, source, confirmed)
        progress += len(confirmed)
        for (doc, event), state in zip(rest, states, strict=True):
            if state == "lost" and await outbox.take_for_relay(db, source, doc["_id"], event):
                await outbox.set_stream_id(db, source, doc["_id"], event["id"], await add(redis, doc, event))
                RELAYED_AGAIN.inc()
                again += 1
    if again:
        log.warning("push: relayed %d events again: their stream entries were lost before a worker handled them", again)
    return progress + again


async def stream_states(redis, ids: list[str]) -> list[str]:
    """Per stream entry id: "lost" (not in the stream), "waiting" (unread, or read and not yet
    acknowledged) or "acknowledged"."""
    if not ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for entry_id in ids:
            pipe.xrange(STREAM, entry_id, entry_id, count=1)
        present = [bool(found) for found in await pipe.execute()]
    if not any(present):
        return ["lost"] * len(ids)
    try:
        group = next((g for g in await redis.xinfo_groups(STREAM) if _text(g["name"]) == GROUP), None)
    except ResponseError:  # the stream went in the meantime
        return ["lost"] * len(ids)
    if group is None:  # the worker makes the group again, from the stream's start
        return ["waiting" if p else "lost" for p in present]
    read_up_to = _order(_text(group["last-delivered-id"]))
    async with redis.pipeline(transaction=False) as pipe:
        for entry_id in ids:
            pipe.xpending_range(STREAM, GROUP, min=entry_id, max=entry_id, count=1)
        pending = [bool(found) for found in await pipe.execute()]
    return ["lost" if not p else "waiting" if pend or _order(i) > read_up_to else "acknowledged"
            for i, p, pend in zip(ids, present, pending, strict=True)]


def _order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _text(value):
    return value.decode() if isinstance(value, bytes) else value
