"""Outbox relay: events written inside application documents are copied to a Redis Stream.

Order matters for safety: the event is added to the stream first and marked relayed after.
A relay that dies between the two adds the event again on its next pass; the worker's
dedupe key (event id + provider) makes that second copy a no-op, so nothing is lost and
nothing reaches a resident twice.
"""

import logging

log = logging.getLogger(__name__)
STREAM = "push:events"
STREAM_MAXLEN = 100_000


SOURCES = ("applications", "tasks")  # documents that carry an outbox


async def relay_once(db, redis, limit: int = 200) -> int:
    """Relay up to `limit` documents' pending events; returns how many events were relayed. An
    event names its recipient and subject itself (`to`), or takes the document's (an application's
    owner, number and item name)."""
    relayed = 0
    for source in SOURCES:
        cursor = db[source].find({"outbox.relayed": False}, {"number": 1, "owner": 1, "item_name": 1, "outbox": 1})
        for doc in await cursor.limit(limit).to_list(None):
            for event in doc["outbox"]:
                if event["relayed"]:
                    continue
                subject = {"number": doc.get("number"), "owner": doc.get("owner"), "item_name": doc.get("item_name"),
                           **event.get("to", {})}
                await redis.xadd(STREAM, {"event_id": event["id"], "type": event["type"], "channel": event["channel"],
                                          **subject, "at": event["at"].isoformat()},
                                 maxlen=STREAM_MAXLEN, approximate=True)
                await db[source].update_one({"_id": doc["_id"], "outbox.id": event["id"]},
                                            {"$set": {"outbox.$.relayed": True}})
                relayed += 1
    return relayed
