"""Notifications: one record per event, holding what the resident is told and the channels to
try, in order. Deliveries (one per channel) record what happened on each. `handled_at` is set once
a worker has begun every first step of the event (its deliveries exist, so `run_due` carries on
from MongoDB alone): from then on the event needs the stream no more."""

import datetime as dt

from pymongo.errors import BulkWriteError

IMPORTANT = frozenset({"application.refused", "application.supplement_required", "application.approved",
                       "application.denied", "application.completed"})


async def open_many(db, notes: list[dict]) -> list[dict]:
    """Store each notification unless its event already has one; return the stored ones."""
    if not notes:
        return []
    at = dt.datetime.now(dt.UTC)
    try:
        await db.notifications.insert_many([{**n, "created_at": at} for n in notes], ordered=False)
        return notes
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", ())):
            raise
    return list((await get_many(db, [n["_id"] for n in notes])).values())  # a replayed event keeps its first plan


async def get_many(db, event_ids) -> dict[str, dict]:
    return {n["_id"]: n for n in await db.notifications.find({"_id": {"$in": list(event_ids)}}).to_list(None)}


async def mark_handled(db, event_ids) -> None:
    if event_ids:
        await db.notifications.update_many({"_id": {"$in": list(event_ids)}}, {"$set": {"handled_at": dt.datetime.now(dt.UTC)}})


async def handled(db, event_ids) -> set[str]:
    """Which of these events a worker has handled."""
    found = db.notifications.find({"_id": {"$in": list(event_ids)}, "handled_at": {"$ne": None}}, {"_id": 1})
    return {n["_id"] for n in await found.to_list(None)}
