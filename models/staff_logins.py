"""Staff login history: one record per attempt at the staff login (success, wrong password,
refused by the throttle), with the time, address, user agent and method. Admins read everyone's,
each staff member their own. Kept a year (TTL): the Cybersecurity Law (Art. 21) asks for network
logs of at least six months."""

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields, validate
from pymongo import DESCENDING

from models.clock import FIRST_DAY, LAST_DAY, days_bounds, now_ms
from models.db import ttl_index
from models.errors import AppError

DAY = validate.Range(FIRST_DAY, LAST_DAY, error="日期应在 {min} 至 {max} 之间")
KEEP_SECONDS = 366 * 86400
OUTCOMES = ("success", "failed", "locked")
USER_AGENT_MAX = 300  # enough to tell a browser and its version; the rest is noise


async def ensure_indexes(db) -> None:
    await ttl_index(db.staff_logins, "at", KEEP_SECONDS)
    await db.staff_logins.create_index([("username", 1), ("_id", DESCENDING)])


async def record(db, *, username: str, outcome: str, address: str, user_agent: str, staff_id=None,
                 method: str = "password") -> None:
    await db.staff_logins.insert_one({
        "at": now_ms(), "username": username, "staff_id": staff_id, "outcome": outcome, "address": address,
        "user_agent": (user_agent or "")[:USER_AGENT_MAX], "method": method,
    })


class LoginQuerySchema(Schema):
    """Filters of the admins' view: the person (username), outcome and Beijing days from..to."""

    username = fields.String(load_default=None, validate=validate.Length(1, 64))
    outcome = fields.String(load_default=None, validate=validate.OneOf(OUTCOMES))
    from_ = fields.Date(data_key="from", load_default=None, validate=DAY)
    to = fields.Date(load_default=None, validate=DAY)
    cursor = fields.String(load_default=None, validate=validate.Length(24, 24))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class StaffLoginSchema(Schema):
    at = fields.AwareDateTime()
    username = fields.String()
    outcome = fields.String()
    address = fields.String()
    user_agent = fields.String()
    method = fields.String()


def _page_query(query: dict, cursor: str | None) -> dict:
    if cursor:
        try:
            query["_id"] = {"$lt": ObjectId(cursor)}
        except InvalidId:
            raise AppError(400, "request.bad_query", "参数 cursor 无效") from None
    return query


async def listing(db, filters: dict) -> tuple[list[dict], str | None]:
    """Newest first, and the cursor of the next page (None on the last)."""
    query: dict = {}
    if filters["username"]:
        query["username"] = filters["username"]
    if filters["outcome"]:
        query["outcome"] = filters["outcome"]
    if filters["from_"] or filters["to"]:
        start, end = days_bounds(filters["from_"], filters["to"])
        query["at"] = {"$gte": start, "$lt": end}
    limit = filters["limit"]
    docs = await db.staff_logins.find(_page_query(query, filters["cursor"])).sort("_id", DESCENDING) \
        .limit(limit + 1).to_list(None)
    more = len(docs) > limit
    return docs[:limit], str(docs[limit - 1]["_id"]) if more else None


async def mine(db, staff_id: str, limit: int = 20) -> list[dict]:
    """A staff member's own recent logins, by account (a failed attempt on their username is
    someone's, perhaps not theirs, but they should see it too)."""
    person = await db.staff.find_one({"_id": ObjectId(staff_id)}, {"username": 1})
    if person is None:
        return []
    return await db.staff_logins.find({"username": person["username"]}).sort("_id", DESCENDING) \
        .limit(limit).to_list(None)
