"""Deliveries: one record per (event, provider), so each message reaches each channel once.

Status history follows GOV.UK Notify: created → sending → delivered | permanent-failure |
temporary-failure (retries come with the push service's next step).
"""

import datetime as dt

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

FINAL = {"delivered", "permanent-failure"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def ensure_indexes(db) -> None:
    await db.deliveries.create_index([("number", ASCENDING), ("created_at", ASCENDING)])


async def begin(db, event: dict, provider: str) -> bool:
    """Claim this event for this provider; False when it was already delivered or refused for good."""
    key = f"{event['event_id']}:{provider}"
    try:
        await db.deliveries.insert_one({
            "_id": key, "event_id": event["event_id"], "provider": provider, "type": event["type"],
            "number": event["number"], "owner": event["owner"], "status": "sending", "attempts": 1,
            "created_at": _now(), "history": [{"status": "created", "at": _now()}, {"status": "sending", "at": _now()}]})
        return True
    except DuplicateKeyError:
        pass
    # Seen before: a worker that died mid-send left it 'sending'; finish it (providers dedupe by key).
    doc = await db.deliveries.find_one_and_update(
        {"_id": key, "status": {"$nin": sorted(FINAL)}},
        {"$inc": {"attempts": 1}, "$push": {"history": {"status": "sending", "at": _now()}}},
        return_document=ReturnDocument.AFTER)
    return doc is not None


async def finish(db, event: dict, provider: str, outcome: dict) -> None:
    await db.deliveries.update_one(
        {"_id": f"{event['event_id']}:{provider}"},
        {"$set": {"status": outcome["status"], "reason": outcome.get("reason"), "ms": outcome.get("ms"),
                  "finished_at": _now()},
         "$push": {"history": {"status": outcome["status"], "at": _now()}}})


async def for_application(db, number: str) -> list[dict]:
    return await db.deliveries.find({"number": number}).sort("created_at", ASCENDING).to_list(None)
