"""Notifications: one record per event, holding what the resident is told and the channels to
try, in order. Deliveries (one per channel) record what happened on each."""

import datetime as dt

from pymongo.errors import DuplicateKeyError

IMPORTANT = frozenset({"application.refused", "application.supplement_required", "application.approved",
                       "application.denied", "application.completed"})


async def open_once(db, note: dict) -> dict:
    """Store the notification unless this event already has one; return the stored one."""
    try:
        await db.notifications.insert_one({**note, "created_at": dt.datetime.now(dt.UTC)})
        return note
    except DuplicateKeyError:
        return await db.notifications.find_one({"_id": note["_id"]})


async def get(db, event_id: str) -> dict | None:
    return await db.notifications.find_one({"_id": event_id})
