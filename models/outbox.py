"""The outbox: events written inside a document (an application, a task) in the same update as the
change they announce, then put on the push stream by the relay (push/relay.py).

An event's life: `relayed: False` until the relay adds it to the stream; then `relayed: True`,
`relayed_at`, `relays` (how many times it was added), `stream_id` (its latest stream entry), and
`unconfirmed_since` while no sweep has yet seen it handled. The sweep removes that field once the
event is handled, so the field's index holds only recent and stuck events.
"""

import datetime as dt

from pymongo import UpdateOne

from models.clock import now

SOURCES = ("applications", "tasks")  # collections whose documents carry an outbox
FIELDS = {"number": 1, "owner": 1, "item_name": 1, "outbox": 1}  # what a stream entry is made from
LOOK = 10_000  # documents /readyz looks at, at most, per figure and collection
PROJECTION = {"outbox.at": 1, "outbox.relayed": 1, "outbox.unconfirmed_since": 1}


async def ensure_indexes(collection) -> None:
    """Both hold only the documents with an event to relay or to confirm, so both stay small."""
    # the relay's `{"outbox.relayed": False}`, every half second
    await collection.create_index([("outbox.relayed", 1)], partialFilterExpression={"outbox.relayed": False})
    # the sweep's `{"outbox.unconfirmed_since": {"$lte": …}}`; sparse rather than partial:
    # SecantusDB uses a sparse index for a range, not a partial one (test_secantus_differences)
    await collection.create_index([("outbox.unconfirmed_since", 1)], sparse=True)


async def unrelayed(db, source: str, limit: int) -> list[dict]:
    return await db[source].find({"outbox.relayed": False}, FIELDS).limit(limit).to_list(None)


async def mark_relayed(db, source: str, doc_id, event_id: str, stream_id: str) -> None:
    at = now()
    await db[source].update_one({"_id": doc_id, "outbox.id": event_id}, {"$set": {
        "outbox.$.relayed": True, "outbox.$.relayed_at": at, "outbox.$.relays": 1, "outbox.$.stream_id": stream_id,
        "outbox.$.unconfirmed_since": at}})


async def unconfirmed(db, source: str, before: dt.datetime, limit: int) -> list[dict]:
    """Documents with an event relayed before `before` that no sweep has confirmed handled."""
    return await db[source].find({"outbox.unconfirmed_since": {"$lte": before}}, FIELDS).limit(limit).to_list(None)


async def confirm(db, source: str, pairs: list[tuple]) -> None:
    """(document id, event id) pairs whose events are handled: nothing more to watch."""
    if pairs:
        await db[source].bulk_write([UpdateOne({"_id": doc_id, "outbox.id": event_id},
                                               {"$unset": {"outbox.$.unconfirmed_since": ""}})
                                     for doc_id, event_id in pairs], ordered=False)


async def take_for_relay(db, source: str, doc_id, event: dict) -> bool:
    """Claim an unconfirmed event for relaying again (one sweeper wins when several see it): it
    waits a full sweep age again from now."""
    at = now()
    result = await db[source].update_one(
        {"_id": doc_id, "outbox": {"$elemMatch": {"id": event["id"], "unconfirmed_since": event["unconfirmed_since"]}}},
        {"$set": {"outbox.$.unconfirmed_since": at, "outbox.$.relayed_at": at}, "$inc": {"outbox.$.relays": 1}})
    return result.modified_count == 1


async def set_stream_id(db, source: str, doc_id, event_id: str, stream_id: str) -> None:
    await db[source].update_one({"_id": doc_id, "outbox.id": event_id}, {"$set": {"outbox.$.stream_id": stream_id}})


async def backlog(db, sweep_age: float) -> dict:
    """For /readyz: events waiting for the relay, and events relayed longer than `sweep_age` ago
    and not yet confirmed handled: {"count", "oldest"} each (oldest: a time, None when none)."""
    cutoff = now() - dt.timedelta(seconds=sweep_age)
    figures = {}
    for name, query, field in (("unrelayed", {"outbox.relayed": False}, "at"),
                               ("unconfirmed", {"outbox.unconfirmed_since": {"$lte": cutoff}}, "unconfirmed_since")):
        # after $unwind, the same filter picks the events themselves
        pipeline = [{"$match": query}, {"$limit": LOOK}, {"$project": PROJECTION}, {"$unwind": "$outbox"},
                    {"$match": query}, {"$group": {"_id": None, "count": {"$sum": 1}, "oldest": {"$min": f"$outbox.{field}"}}}]
        count, oldest = 0, None
        for source in SOURCES:
            for row in await (await db[source].aggregate(pipeline)).to_list(None):
                count += row["count"]
                oldest = row["oldest"] if oldest is None else min(oldest, row["oldest"])
        figures[name] = {"count": count, "oldest": oldest}
    return figures
