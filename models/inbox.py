"""The resident's in-app message inbox. A message's id is the event's id, so writing the same
event twice keeps one message (the `_id` is the dedupe key)."""

from marshmallow import Schema, fields
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError

from models.errors import NotFound

# Redis pub/sub channel of new messages: push workers publish each batch (push/providers/inbox.py),
# every API process's LiveHub (api/live.py) hands them to the owner's open WebSockets.
LIVE_CHANNEL = "push:live"


class InboxMessageSchema(Schema):
    id = fields.Function(lambda m: str(m["_id"]))
    title = fields.String()
    body = fields.String()
    number = fields.String()
    at = fields.String()
    read = fields.Boolean()


async def ensure_indexes(db) -> None:
    await db.inbox.create_index([("owner", ASCENDING), ("created_at", DESCENDING)])


async def write_many(db, messages: list[dict]) -> None:
    """Store messages (each with `_id` = event id); ones already stored are left as they are."""
    try:
        await db.inbox.insert_many(messages, ordered=False)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", ())):
            raise


async def messages(db, owner: str, limit: int = 50) -> tuple[list[dict], int]:
    docs = await db.inbox.find({"owner": owner}).sort([("created_at", DESCENDING), ("_id", DESCENDING)]) \
        .limit(limit).to_list(None)
    unread = await db.inbox.count_documents({"owner": owner, "read": False})
    return docs, unread


async def mark_read(db, owner: str, message_id: str) -> None:
    result = await db.inbox.update_one({"_id": message_id, "owner": owner}, {"$set": {"read": True}})
    if not result.matched_count:
        raise NotFound("inbox.not_found", "消息不存在")
