"""Deliveries: one record per (event, provider), so each message reaches each channel once.

Statuses follow GOV.UK Notify: created → sending → accepted (the platform took it; its
`message_id` is kept) | delivered (our own inbox at once; a platform's message once its receipt
says so, models/receipts.py) | permanent-failure (a refusal, or a failure receipt after acceptance)
| technical-failure (temporary errors kept failing for the whole retry window) | temporary-failure
(still `sending` after 3 days). A record is worked by whoever holds its lease; a temporary error
schedules `retry_at`; send outcomes are accepted only while the record is `sending`, so a late
duplicate answer changes nothing; receipts only change an `accepted` record.
"""

import datetime as dt

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError

from models.clock import now

FINAL = ("accepted", "delivered", "permanent-failure", "technical-failure", "temporary-failure")
# a channel that reached one of these is done: the worker tries no further channel
REACHED = ("accepted", "delivered")
STUCK_AFTER = dt.timedelta(days=3)


def key(event_id: str, provider: str) -> str:
    return f"{event_id}:{provider}"


async def ensure_indexes(db) -> None:
    await db.deliveries.create_index([("number", ASCENDING), ("created_at", ASCENDING)])
    await db.deliveries.create_index([("status", ASCENDING), ("retry_at", ASCENDING)])
    await db.deliveries.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
    await db.deliveries.create_index([("created_at", ASCENDING)])
    # receipts find their message; the receipts poller its channel's accepted messages
    await db.deliveries.create_index([("provider", ASCENDING), ("message_id", ASCENDING)])
    await db.deliveries.create_index([("status", ASCENDING), ("provider", ASCENDING), ("finished_at", ASCENDING)])
    # accepted messages whose receipt failed them late, waiting for the next channel (only those have the field)
    await db.deliveries.create_index([("fallback", ASCENDING)], sparse=True)


def new(note: dict, provider: str, lease: float, worker: str, **extra) -> dict:
    at = now()
    return {"_id": key(note["_id"], provider), "event_id": note["_id"], "provider": provider, "type": note["type"],
            "number": note["number"], "owner": note["owner"], "event_at": note["at"], "status": "sending",
            "attempts": 0, "created_at": at, "lease_until": at + dt.timedelta(seconds=lease), "lease_by": worker,
            "retry_at": None, "history": [{"status": "created", "at": at}, {"status": "sending", "at": at}], **extra}


async def begin_many(db, docs: list[dict]) -> list[dict]:
    """Create delivery records; returns the ones this call created (another worker may have made
    some of them first: those are theirs)."""
    if not docs:
        return []
    try:
        await db.deliveries.insert_many(docs, ordered=False)
        return docs
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", ())
        if any(e.get("code") != 11000 for e in errors):
            raise
        lost = {e["index"] for e in errors}
        return [d for i, d in enumerate(docs) if i not in lost]


async def get_many(db, delivery_ids) -> dict[str, dict]:
    return {d["_id"]: d for d in await db.deliveries.find({"_id": {"$in": list(delivery_ids)}}).to_list(None)}


async def claim(db, delivery_id: str, lease: float, worker: str) -> dict | None:
    """Take a record whose retry is due, or whose lease expired (then marked in doubt: the
    platform may have received the attempt its dead worker was making)."""
    at, until = now(), now() + dt.timedelta(seconds=lease)
    due = await db.deliveries.find_one_and_update(
        {"_id": delivery_id, "status": "sending", "retry_at": {"$lte": at}},
        {"$set": {"retry_at": None, "lease_until": until, "lease_by": worker}}, return_document=ReturnDocument.AFTER)
    if due is not None:
        return due
    return await db.deliveries.find_one_and_update(
        {"_id": delivery_id, "status": "sending", "retry_at": None, "lease_until": {"$lte": at}},
        {"$set": {"lease_until": until, "lease_by": worker, "in_doubt": True}}, return_document=ReturnDocument.AFTER)


async def due(db, limit: int) -> list[str]:
    """Ids of records ready for another attempt: retry time reached, or lease expired."""
    at = now()
    query = {"status": "sending", "$or": [{"retry_at": {"$lte": at}},
                                          {"retry_at": None, "lease_until": {"$lte": at}}]}
    return [d["_id"] for d in await db.deliveries.find(query, {"_id": 1}).limit(limit).to_list(None)]


async def record_many(db, results: list[tuple[dict, dict, dt.datetime | None]]) -> list[tuple[str, str, str]]:
    """Write attempts' outcomes: (delivery, outcome, retry_at). A temporary failure with a retry
    time stays `sending`; otherwise the status is final (a temporary failure past its window
    becomes technical-failure; an acceptance keeps the platform's `message_id`). Only records
    still `sending` change: a late answer changes nothing. Outcomes alike are written together,
    acceptances (one message id each) in one bulk write, so a batch costs a few writes, not one
    per message. Returns the (provider, message_id, delivery id) of the acceptances written."""
    at = now()
    groups: dict[tuple, list[str]] = {}
    accepted: list[UpdateOne] = []
    ids: list[tuple[str, str, str]] = []
    for delivery, outcome, retry_at in results:
        entry = {"status": outcome["status"], "at": at, **({"reason": outcome["reason"]} if outcome.get("reason") else {})}
        if outcome["status"] == "temporary-failure" and retry_at is not None:
            await db.deliveries.update_one({"_id": delivery["_id"], "status": "sending"}, {
                "$inc": {"attempts": 1}, "$push": {"history": entry},
                "$set": {"retry_at": retry_at, "lease_until": None, "reason": outcome.get("reason")}})
            continue
        if outcome["status"] == "accepted" and outcome.get("message_id"):
            accepted.append(UpdateOne({"_id": delivery["_id"], "status": "sending"}, {
                "$inc": {"attempts": 1}, "$push": {"history": entry},
                "$set": {"status": "accepted", "message_id": outcome["message_id"], "reason": None, "finished_at": at,
                         "lease_until": None, "retry_at": None}}))
            ids.append((delivery["provider"], outcome["message_id"], delivery["_id"]))
            continue
        final = "technical-failure" if outcome["status"] == "temporary-failure" else outcome["status"]
        groups.setdefault((outcome["status"], final, outcome.get("reason")), []).append(delivery["_id"])
    if accepted:
        await db.deliveries.bulk_write(accepted, ordered=False)
    for (status, final, reason), group in groups.items():
        entry = {"status": status, "at": at, **({"reason": reason} if reason else {})}
        trail = [entry] if final == status else [entry, {"status": final, "at": at}]
        await db.deliveries.update_many({"_id": {"$in": group}, "status": "sending"}, {
            "$inc": {"attempts": 1}, "$push": {"history": {"$each": trail}},
            "$set": {"status": final, "reason": reason, "finished_at": at, "lease_until": None, "retry_at": None}})
    return ids


async def late_failures(db, limit: int) -> list[dict]:
    """Records a failure receipt turned from accepted into permanent-failure (models/receipts.py) whose
    notification has not gone on to its next channel yet (`fallback: due`)."""
    return await db.deliveries.find({"fallback": "due"}, {"event_id": 1}).limit(limit).to_list(None)


async def fell_back(db, delivery_ids: list[str]) -> None:
    """Their notifications went on (`fallback`: due → done). Marked after the next channel was
    started, so a worker dying in between leaves them due; two workers doing it at once start
    each next channel once all the same (one record per event and provider)."""
    if delivery_ids:
        await db.deliveries.update_many({"_id": {"$in": delivery_ids}, "fallback": "due"},
                                        {"$set": {"fallback": "done"}})


async def expire_stuck(db) -> int:
    """Anything still `sending` after 3 days becomes temporary-failure."""
    at = now()
    result = await db.deliveries.update_many(
        {"status": "sending", "created_at": {"$lt": at - STUCK_AFTER}},
        {"$set": {"status": "temporary-failure", "reason": "stuck-sending", "finished_at": at, "lease_until": None,
                  "retry_at": None},
         "$push": {"history": {"status": "temporary-failure", "at": at, "reason": "stuck-sending"}}})
    return result.modified_count


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
              "attempts": 1, "delivered_at": 1}
    return await db.deliveries.find(query, fields).to_list(None)


async def awaiting_receipt(db, provider: str, since: dt.datetime, checked_before: dt.datetime,
                           limit: int) -> list[dict]:
    """A channel's accepted messages younger than `since` whose receipt was last asked for before
    `checked_before` (or never), oldest first: what the receipts poller asks the platform about."""
    query = {"status": "accepted", "provider": provider, "finished_at": {"$gte": since},
             "$or": [{"receipt_checked_at": None}, {"receipt_checked_at": {"$lt": checked_before}}]}
    fields = {"owner": 1, "message_id": 1, "finished_at": 1, "event_at": 1}
    return await db.deliveries.find(query, fields).sort("finished_at", ASCENDING).limit(limit).to_list(None)


async def checked(db, delivery_ids: list[str]) -> None:
    """The poller asked about these: the next look at them waits its turn."""
    if delivery_ids:
        await db.deliveries.update_many({"_id": {"$in": delivery_ids}}, {"$set": {"receipt_checked_at": now()}})


async def keep(db, delivery_id: str, field: str, value):
    """Set a provider's per-delivery value once (the first writer wins) and return the kept one."""
    await db.deliveries.update_one({"_id": delivery_id, field: None}, {"$set": {field: value}})
    return (await db.deliveries.find_one({"_id": delivery_id}, {field: 1}))[field]
