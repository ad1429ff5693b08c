"""Receipts: what a platform reported about a message it accepted (WeChat's
`subscribe_msg_sent_event`, JPush's received report, Aliyun's QuerySendDetails), one per
(provider, message_id).

They live apart from the deliveries because a receipt may arrive before the worker has written
the acceptance (WeChat pushes it within a second of the send): the receipt is kept, and the
acceptance applies any receipt waiting for it. Whichever write comes second sees the first.
A receipt changes only an `accepted` delivery, so a duplicate changes nothing, and a failure
receipt turns an acceptance into permanent-failure.
"""

import datetime as dt

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from models.clock import now

STATUSES = ("delivered", "permanent-failure")


async def ensure_indexes(db) -> None:
    await db.receipts.create_index([("provider", ASCENDING), ("message_id", ASCENDING)], unique=True)


async def record(db, provider: str, message_id: str, status: str, *, reason: str | None = None,
                 at: dt.datetime | None = None) -> bool:
    """Keep a receipt (the first one of a message wins) and apply it. True when it changed a
    delivery now; False for a duplicate, or a message whose acceptance is not written yet."""
    if status not in STATUSES:
        raise ValueError(f"receipt status {status!r}")
    doc = {"provider": provider, "message_id": str(message_id), "status": status, "reason": reason,
           "at": at or now(), "received_at": now()}
    try:
        await db.receipts.insert_one(doc)
    except DuplicateKeyError:
        return False
    return await _apply(db, doc)


def _change(receipt: dict) -> dict:
    entry = {"status": receipt["status"], "at": receipt["at"], "receipt": True,
             **({"reason": receipt["reason"]} if receipt["reason"] else {})}
    changes = {"status": receipt["status"], "receipt_at": receipt["at"]}
    if receipt["status"] == "delivered":
        changes["delivered_at"] = receipt["at"]
    else:  # a late failure: the worker's run_due hands the notification to its next channel
        changes["reason"] = receipt["reason"]
        changes["fallback"] = "due"
    return {"$set": changes, "$push": {"history": entry}}


async def _apply(db, receipt: dict) -> bool:
    # found by exactly the index's fields, then changed by _id: SecantusDB scans the collection for an
    # update's filter, or a find's with a field more than its index has (mongod uses the index either way)
    found = await db.deliveries.find_one({"provider": receipt["provider"], "message_id": receipt["message_id"]},
                                         {"_id": 1, "status": 1})
    if found is None or found["status"] != "accepted":
        return False
    result = await db.deliveries.update_one({"_id": found["_id"], "status": "accepted"}, _change(receipt))
    return bool(result.modified_count)


async def apply_waiting(db, accepted: list[tuple[str, str, str]]) -> int:
    """After acceptances were written ((provider, message_id, delivery id) each): apply the receipts
    that came first. One query and at most one bulk write per batch."""
    by_provider: dict[str, dict[str, str]] = {}
    for provider, message_id, delivery_id in accepted:
        by_provider.setdefault(provider, {})[message_id] = delivery_id
    changes = []
    for provider, ids in by_provider.items():
        for receipt in await db.receipts.find({"provider": provider, "message_id": {"$in": list(ids)}}).to_list(None):
            changes.append(UpdateOne({"_id": ids[receipt["message_id"]], "status": "accepted"}, _change(receipt)))
    if not changes:
        return 0
    return (await db.deliveries.bulk_write(changes, ordered=False)).modified_count
