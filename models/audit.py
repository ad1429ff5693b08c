"""Append-only audit log of operator actions."""

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields
from pymongo import DESCENDING

from models.errors import AppError


async def ensure_indexes(db) -> None:
    await db.audit_log.create_index([("at", DESCENDING)])
    await db.audit_log.create_index([("target", 1), ("at", DESCENDING)])
    await db.audit_log.create_index([("target", 1), ("_id", DESCENDING)])


async def record(db, *, actor: str, role: str, action: str, target: str, details: dict | None = None,
                 session=None) -> None:
    await db.audit_log.insert_one({
        "at": dt.datetime.now(dt.UTC), "actor": actor, "role": role,
        "action": action, "target": target, "details": details or {},
    }, session=session)


async def list_entries(db, *, target: str | None = None, action: str | None = None, limit: int = 50,
                       cursor: str | None = None) -> tuple[list[dict], str | None]:
    """Newest first, and the cursor of the next page (None on the last). Paging on `_id`, not on
    `at`: two entries may share a millisecond, and one of them would be skipped."""
    query: dict = {}
    if target:
        query["target"] = target
    if action:
        query["action"] = action
    if cursor:
        try:
            query["_id"] = {"$lt": ObjectId(cursor)}
        except InvalidId:
            raise AppError(400, "request.bad_query", "参数 cursor 无效") from None
    entries = await db.audit_log.find(query).sort("_id", DESCENDING).limit(limit + 1).to_list(None)
    more = len(entries) > limit
    return entries[:limit], str(entries[limit - 1]["_id"]) if more else None


class AuditEntrySchema(Schema):
    at = fields.AwareDateTime()
    actor = fields.String()
    role = fields.String()
    action = fields.String()
    target = fields.String()
    details = fields.Dict()
