"""Append-only audit log of operator actions."""

import datetime as dt

from marshmallow import Schema, fields
from pymongo import DESCENDING


async def ensure_indexes(db) -> None:
    await db.audit_log.create_index([("at", DESCENDING)])
    await db.audit_log.create_index([("target", 1), ("at", DESCENDING)])


async def record(db, *, actor: str, role: str, action: str, target: str, details: dict | None = None) -> None:
    await db.audit_log.insert_one({
        "at": dt.datetime.now(dt.UTC), "actor": actor, "role": role,
        "action": action, "target": target, "details": details or {},
    })


async def list_entries(db, *, target: str | None = None, action: str | None = None, limit: int = 50,
                       before: dt.datetime | None = None) -> list[dict]:
    query: dict = {}
    if target:
        query["target"] = target
    if action:
        query["action"] = action
    if before:
        query["at"] = {"$lt": before}
    return await db.audit_log.find(query).sort("at", DESCENDING).limit(limit).to_list(None)


class AuditEntrySchema(Schema):
    at = fields.AwareDateTime()
    actor = fields.String()
    role = fields.String()
    action = fields.String()
    target = fields.String()
    details = fields.Dict()
