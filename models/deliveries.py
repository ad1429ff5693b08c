"""Deliveries: one record per (event, provider), so each message reaches each channel once.

Statuses follow GOV.UK Notify: created → sending → delivered | permanent-failure |
technical-failure (temporary errors kept failing for the whole retry window) | temporary-failure
(still `sending` after 3 days). A record is worked by whoever holds its lease; a temporary error
schedules `retry_at`; outcomes are accepted only while the record is `sending`, so a late
duplicate answer changes nothing.
"""

import datetime as dt

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

FINAL = ("delivered", "permanent-failure", "technical-failure", "temporary-failure")
STUCK_AFTER = dt.timedelta(days=3)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def key(event_id: str, provider: str) -> str:
    return f"{event_id}:{provider}"


async def ensure_indexes(db) -> None:
    await db.deliveries.create_index([("number", ASCENDING), ("created_at", ASCENDING)])
    await db.deliveries.create_index([("status", ASCENDING), ("retry_at", ASCENDING)])
    await db.deliveries.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
    await db.deliveries.create_index([("created_at", ASCENDING)])


async def begin(db, note: dict, provider: str, to: str | None, lease: float) -> dict | None:
    """Claim this (event, provider): a new record, or an existing one nobody is working on.

    None when it is final, waiting for its retry time, or leased by a live worker. A record
    whose lease ran out mid-attempt (its worker died) is taken over and marked `in_doubt`:
    the platform may have received that attempt.
    """
    at = now()
    doc = {"_id": key(note["_id"], provider), "event_id": note["_id"], "provider": provider, "to": to,
           "type": note["type"], "number": note["number"], "owner": note["owner"], "event_at": note["at"],
           "status": "sending", "attempts": 0, "created_at": at, "lease_until": at + dt.timedelta(seconds=lease),
           "retry_at": None, "history": [{"status": "created", "at": at}, {"status": "sending", "at": at}]}
    try:
        await db.deliveries.insert_one(doc)
        return doc
    except DuplicateKeyError:
        return await claim(db, doc["_id"], lease)


async def claim(db, delivery_id: str, lease: float) -> dict | None:
    """Take a record whose retry is due, or whose lease expired (then marked in doubt)."""
    at, until = now(), now() + dt.timedelta(seconds=lease)
    due = await db.deliveries.find_one_and_update(
        {"_id": delivery_id, "status": "sending", "retry_at": {"$lte": at}},
        {"$set": {"retry_at": None, "lease_until": until}}, return_document=ReturnDocument.AFTER)
    if due is not None:
        return due
    return await db.deliveries.find_one_and_update(
        {"_id": delivery_id, "status": "sending", "retry_at": None, "lease_until": {"$lte": at}},
        {"$set": {"lease_until": until, "in_doubt": True}}, return_document=ReturnDocument.AFTER)


async def due(db, limit: int) -> list[str]:
    """Ids of records ready for another attempt: retry time reached, or lease expired."""
    at = now()
    query = {"status": "sending", "$or": [{"retry_at": {"$lte": at}},
                                          {"retry_at": None, "lease_until": {"$lte": at}}]}
    return [d["_id"] for d in await db.deliveries.find(query, {"_id": 1}).limit(limit).to_list(None)]


async def record(db, delivery_id: str, outcome: dict, retry_at: dt.datetime | None = None) -> dict | None:
    """Write one attempt's outcome. A temporary failure with `retry_at` stays `sending`."""
    at = now()
    entry = {"status": outcome["status"], "at": at, **({"reason": outcome["reason"]} if outcome.get("reason") else {})}
    change = {"$inc": {"attempts": 1}, "$push": {"history": entry}}
    if outcome["status"] == "temporary-failure" and retry_at is not None:
        change["$set"] = {"retry_at": retry_at, "lease_until": None, "reason": outcome.get("reason")}
    else:
        status = "technical-failure" if outcome["status"] == "temporary-failure" else outcome["status"]
        change["$set"] = {"status": status, "reason": outcome.get("reason"), "finished_at": at, "lease_until": None,
                          "retry_at": None, "ms": outcome.get("ms"), "receipt": outcome.get("receipt")}
        if status != outcome["status"]:
            change["$push"] = {"history": {"$each": [entry, {"status": status, "at": at}]}}
    return await db.deliveries.find_one_and_update({"_id": delivery_id, "status": "sending"}, change,
                                                   return_document=ReturnDocument.AFTER)


async def expire_stuck(db) -> int:
    """Anything still `sending` after 3 days becomes temporary-failure."""
    at = now()
    result = await db.deliveries.update_many(
        {"status": "sending", "created_at": {"$lt": at - STUCK_AFTER}},
        {"$set": {"status": "temporary-failure", "reason": "stuck-sending", "finished_at": at, "lease_until": None,
                  "retry_at": None},
         "$push": {"history": {"status": "temporary-failure", "at": at, "reason": "stuck-sending"}}})
    return result.modified_count


async def get(db, delivery_id: str) -> dict | None:
    return await db.deliveries.find_one({"_id": delivery_id})


async def for_application(db, number: str) -> list[dict]:
    return await db.deliveries.find({"number": number}).sort("created_at", ASCENDING).to_list(None)


async def window(db, start: dt.datetime, end: dt.datetime, *, provider: str | None = None,
                 template: str | None = None) -> list[dict]:
    query = {"created_at": {"$gte": start, "$lt": end}}
    if provider:
        query["provider"] = provider
    if template:
        query["type"] = template
    fields = {"event_id": 1, "provider": 1, "type": 1, "status": 1, "reason": 1, "event_at": 1, "finished_at": 1,
              "attempts": 1}
    return await db.deliveries.find(query, fields).to_list(None)


async def keep(db, delivery_id: str, field: str, value) -> None:
    """Set a provider's per-delivery value once (the first writer wins), e.g. JPush's cid."""
    await db.deliveries.update_one({"_id": delivery_id, field: {"$exists": False}}, {"$set": {field: value}})
