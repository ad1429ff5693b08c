"""Append-only audit log of operator actions."""

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields, validate
from pymongo import DESCENDING

from models.clock import FIRST_DAY, LAST_DAY, days_bounds
from models.errors import AppError

DAY = validate.Range(FIRST_DAY, LAST_DAY, error="日期应在 {min} 至 {max} 之间")
EXPORT_MAX = 50_000  # rows in one export; more must be narrowed (a cut-off file would mislead)


async def ensure_indexes(db) -> None:
    await db.audit_log.create_index([("at", DESCENDING)])
    await db.audit_log.create_index([("target", 1), ("at", DESCENDING)])
    await db.audit_log.create_index([("target", 1), ("_id", DESCENDING)])
    await db.audit_log.create_index([("actor", 1), ("_id", DESCENDING)])


async def record(db, *, actor: str, role: str, action: str, target: str, details: dict | None = None,
                 session=None) -> None:
    await db.audit_log.insert_one({
        "at": dt.datetime.now(dt.UTC), "actor": actor, "role": role,
        "action": action, "target": target, "details": details or {},
    }, session=session)


class AuditQuerySchema(Schema):
    """Filters: the person (username, or a staff id), action, target, and Beijing days from..to."""

    actor = fields.String(load_default=None, validate=validate.Length(1, 64))
    action = fields.String(load_default=None, validate=validate.Length(1, 64))
    target = fields.String(load_default=None, validate=validate.Length(1, 200))
    from_ = fields.Date(data_key="from", load_default=None, validate=DAY)
    to = fields.Date(load_default=None, validate=DAY)


class AuditPageSchema(AuditQuerySchema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class AuditExportSchema(AuditQuerySchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


async def _query(db, filters: dict) -> dict:
    query: dict = {}
    for name in ("target", "action"):
        if filters.get(name):
            query[name] = filters[name]
    actor = filters.get("actor")
    if actor:
        person = None
        if ObjectId.is_valid(actor):  # a staff id stands for its username (what entries name)
            person = await db.staff.find_one({"_id": ObjectId(actor)}, {"username": 1})
        query["actor"] = person["username"] if person else actor
    if filters.get("from_") or filters.get("to"):
        start, end = days_bounds(filters.get("from_"), filters.get("to"))
        query["at"] = {"$gte": start, "$lt": end}
    return query


async def list_entries(db, *, limit: int = 50, cursor: str | None = None, **filters) -> tuple[list[dict], str | None]:
    """Newest first, and the cursor of the next page (None on the last). Paging on `_id`, not on
    `at`: two entries may share a millisecond, and one of them would be skipped."""
    query = await _query(db, filters)
    if cursor:
        try:
            query["_id"] = {"$lt": ObjectId(cursor)}
        except (InvalidId, TypeError):
            raise AppError(400, "request.bad_query", "参数 cursor 无效") from None
    entries = await db.audit_log.find(query).sort("_id", DESCENDING).limit(limit + 1).to_list(None)
    more = len(entries) > limit
    return entries[:limit], str(entries[limit - 1]["_id"]) if more else None


async def all_entries(db, **filters) -> list[dict]:
    """Every entry the filters match, newest first, for an export; 400 beyond EXPORT_MAX."""
    query = await _query(db, filters)
    entries = await db.audit_log.find(query).sort("_id", DESCENDING).limit(EXPORT_MAX + 1).to_list(None)
    if len(entries) > EXPORT_MAX:
        raise AppError(400, "audit.export_too_large", f"符合条件的记录超过 {EXPORT_MAX} 条，请缩小日期范围或增加筛选条件")
    return entries


class AuditEntrySchema(Schema):
    at = fields.AwareDateTime()
    actor = fields.String()
    role = fields.String()
    action = fields.String()
    target = fields.String()
    details = fields.Dict()
