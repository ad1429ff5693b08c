"""The resident's in-app message inbox."""

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields
from pymongo import ASCENDING, DESCENDING

from models.errors import NotFound


class InboxMessageSchema(Schema):
    id = fields.Function(lambda m: str(m["_id"]))
    title = fields.String()
    body = fields.String()
    number = fields.String()
    at = fields.String()
    read = fields.Boolean()


async def ensure_indexes(db) -> None:
    await db.inbox.create_index([("owner", ASCENDING), ("event_id", ASCENDING)], unique=True)
    await db.inbox.create_index([("owner", ASCENDING), ("_id", DESCENDING)])


async def messages(db, owner: str, limit: int = 50) -> tuple[list[dict], int]:
    docs = await db.inbox.find({"owner": owner}).sort("_id", DESCENDING).limit(limit).to_list(None)
    unread = await db.inbox.count_documents({"owner": owner, "read": False})
    return docs, unread


async def mark_read(db, owner: str, message_id: str) -> None:
    try:
        oid = ObjectId(message_id)
    except (InvalidId, TypeError):
        raise NotFound("inbox.not_found", "消息不存在") from None
    result = await db.inbox.update_one({"_id": oid, "owner": owner}, {"$set": {"read": True}})
    if not result.matched_count:
        raise NotFound("inbox.not_found", "消息不存在")
