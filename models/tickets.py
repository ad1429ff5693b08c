"""差评整改 tickets: each 不满意 or 非常不满意 rating opens one for the department that handled the
办件. The department records its call-backs to the resident, then closes the ticket with what it
rectified (or an explanation), within RECTIFY_DAYS working days; the resident sees the answer and
says whether it is solved (not solved reopens it). A department may instead appeal the rating; an
operator decides: upheld voids the ticket and takes the rating out of the figures.

States: open → closed (→ open again if the resident says not solved); open → appealed → voided
(upheld) or open (rejected). Every change is one conditional update on the state it expects.
"""

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from models import clock, org, workdays
from models.errors import Conflict, NotFound
from models.ratings import LEVELS, REASONS

STATES = ("open", "closed", "appealed", "voided")
OUTCOMES = {"rectified": "已整改", "explained": "作出说明"}


def due_date(calendar, opened: dt.datetime, days: int) -> tuple[str, bool]:
    """The `days`-th working day after the Beijing day the ticket opened (and whether provisional)."""
    due, provisional = calendar.add_working_days(workdays.business_date(opened), days)
    return due.isoformat(), provisional


def on_time(ticket: dict) -> bool | None:
    """Closed by its due date (Beijing day); None while not closed."""
    if ticket.get("closed_at") is None:
        return None
    return workdays.business_date(ticket["closed_at"]).isoformat() <= ticket["due_date"]


class CallbackSchema(Schema):
    called_at = fields.AwareDateTime(required=True)
    result = fields.String(required=True, validate=validate.Length(1, 500))


class CloseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(list(OUTCOMES), error="请选择整改结果"))
    text = fields.String(required=True, validate=validate.Length(1, 1000))


class AppealSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["upheld", "rejected"], error="请选择裁定结果"))
    comment = fields.String(required=True, validate=validate.Length(1, 500))


class VerdictSchema(Schema):
    solved = fields.Boolean(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=500))


def _iso(value):
    """Nested records as JSON: times in ISO 8601, as every other time the API sends."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _nested(name: str) -> fields.Function:
    return fields.Function(lambda t: _iso(t.get(name)))


class TicketSchema(Schema):
    id = fields.Function(lambda t: str(t["_id"]))
    number = fields.String()
    item_name = fields.String()
    department = fields.String()
    state = fields.String()
    rating = fields.Function(lambda t: {**{k: t["rating"][k] for k in ("level", "reasons", "comment")},
                                        "label": LEVELS[t["rating"]["level"]][0],
                                        "reason_labels": [REASONS.get(r, r) for r in t["rating"]["reasons"]]})
    opened_at = fields.AwareDateTime()
    due_date = fields.String()
    due_provisional = fields.Boolean()
    callbacks = _nested("callbacks")
    resolution = _nested("resolution")
    closed_at = fields.AwareDateTime(allow_none=True)
    on_time = fields.Function(on_time)
    verdict = _nested("verdict")
    appeal = _nested("appeal")
    history = _nested("history")


class ResidentTicketSchema(TicketSchema):
    """What the resident sees: the answer and its state, not the department's appeal."""

    class Meta:
        exclude = ("appeal", "history")


async def ensure_indexes(db) -> None:
    await db.tickets.create_index([("number", ASCENDING)], unique=True)  # one per rating, one rating per 办件
    await db.tickets.create_index([("department", ASCENDING), ("state", ASCENDING), ("_id", DESCENDING)])
    await db.tickets.create_index([("state", ASCENDING), ("_id", DESCENDING)])
    await db.tickets.create_index([("opened_at", ASCENDING)])


async def open_for(db, application: dict, *, calendar, days: int, session=None) -> dict:
    opened = clock.now_ms()
    due, provisional = due_date(calendar, opened, days)
    doc = {"number": application["number"], "item_name": application["item_name"],
           "department": application["department"], "owner": application["owner"],
           "rating": application["rating"], "state": "open", "opened_at": opened, "due_date": due,
           "due_provisional": provisional, "callbacks": [], "resolution": None, "closed_at": None,
           "verdict": None, "appeal": None, "history": [_event("open", "system", "")]}
    result = await db.tickets.insert_one(doc, session=session)
    return {**doc, "_id": result.inserted_id}


def _event(action: str, actor: str, comment: str) -> dict:
    return {"action": action, "actor": actor, "at": clock.now_ms(), "comment": comment}


def _oid(ticket_id: str) -> ObjectId:
    try:
        return ObjectId(ticket_id)
    except (InvalidId, TypeError):
        raise NotFound("ticket.not_found", "整改工单不存在") from None


async def get(db, ticket_id: str, department: str | None) -> dict:
    """A ticket; another department's is 'not found'. `department` None: any (operators, admins)."""
    doc = await db.tickets.find_one({"_id": _oid(ticket_id)})
    if doc is None or (department is not None and doc["department"] != department):
        raise NotFound("ticket.not_found", "整改工单不存在")
    return doc


async def of_application(db, number: str) -> dict | None:
    return await db.tickets.find_one({"number": number})


async def listing(db, department: str | None, state: str | None, limit: int = 100) -> list[dict]:
    query: dict = {}
    if department is not None:
        query["department"] = department
    if state:
        query["state"] = state
    return await db.tickets.find(query).sort("_id", DESCENDING).limit(limit).to_list(None)


async def _move(db, doc: dict, states: set[str], changes: dict, event: dict, push: dict | None = None,
                match: dict | None = None) -> dict:
    update = {"$set": changes, "$push": {"history": event, **(push or {})}}
    updated = await db.tickets.find_one_and_update({"_id": doc["_id"], "state": {"$in": sorted(states)}, **(match or {})},
                                                   update, return_document=ReturnDocument.AFTER)
    if updated is None:
        current = await db.tickets.find_one({"_id": doc["_id"]})
        if current["state"] in states:
            raise Conflict("ticket.answered", "您已对本次整改答复作出评价", details={"state": current["state"]})
        raise Conflict("ticket.state", f"工单当前状态（{STATE_LABELS[current['state']]}）下不能执行此操作",
                       details={"state": current["state"]})
    return updated


STATE_LABELS = {"open": "整改中", "closed": "已办结", "appealed": "申诉中", "voided": "申诉成立已撤销"}


async def add_callback(db, doc: dict, actor: str, body: dict) -> dict:
    entry = {"called_at": body["called_at"], "by": actor, "result": body["result"], "at": clock.now_ms()}
    return await _move(db, doc, {"open"}, {}, _event("callback", actor, body["result"]), {"callbacks": entry})


async def close(db, doc: dict, actor: str, body: dict) -> dict:
    """Close with what was done; at least one call-back to the resident must be recorded first."""
    if not doc["callbacks"]:
        raise Conflict("ticket.callback_required", "请先记录对申请人的回访，再办结整改")
    at = clock.now_ms()
    resolution = {"outcome": body["outcome"], "text": body["text"], "by": actor, "at": at}
    return await _move(db, doc, {"open"}, {"state": "closed", "resolution": resolution, "closed_at": at, "verdict": None},
                       _event("close", actor, body["text"]))


async def verdict(db, doc: dict, owner: str, body: dict) -> dict:
    """The resident's word on a closed ticket: not solved reopens it for the department."""
    if doc["owner"] != owner:
        raise NotFound("ticket.not_found", "整改工单不存在")
    given = {"solved": body["solved"], "comment": body["comment"], "at": clock.now_ms()}
    changes = {"verdict": given} if body["solved"] else {"verdict": given, "state": "open", "closed_at": None}
    return await _move(db, doc, {"closed"}, changes,  # once per answer: a new close asks again
                       _event("solved" if body["solved"] else "unsolved", "resident", body["comment"]),
                       match={"verdict": None})


async def appeal(db, doc: dict, actor: str, body: dict) -> dict:
    if doc.get("appeal") is not None:
        raise Conflict("ticket.appealed_before", "该评价已申诉过，不能再次申诉")
    given = {"reason": body["reason"], "by": actor, "at": clock.now_ms(), "decision": None}
    return await _move(db, doc, {"open"}, {"state": "appealed", "appeal": given}, _event("appeal", actor, body["reason"]))


async def decide(db, doc: dict, actor: str, body: dict) -> dict:
    """An operator's decision: upheld voids the ticket and takes the rating out of the figures."""
    decided = {**(doc.get("appeal") or {}), "decision": body["decision"], "comment": body["comment"],
               "decided_by": actor, "decided_at": clock.now_ms()}
    state = "voided" if body["decision"] == "upheld" else "open"
    updated = await _move(db, doc, {"appealed"}, {"state": state, "appeal": decided},
                          _event(f"appeal_{body['decision']}", actor, body["comment"]))
    if state == "voided":
        await db.applications.update_one({"number": doc["number"]}, {"$set": {"rating.excluded": True}})
    return updated


async def figures(db, start: dt.datetime, end: dt.datetime) -> dict:
    """Dashboard: tickets open now; of those opened in [start, end): closed, closed on time, and the
    average hours to close, in all and per department."""
    rows: dict[str, dict] = {}
    open_now = await db.tickets.count_documents({"state": {"$in": ["open", "appealed"]}})
    async for t in db.tickets.find({"opened_at": {"$gte": start, "$lt": end}},
                                   {"department": 1, "state": 1, "opened_at": 1, "closed_at": 1, "due_date": 1}):
        row = rows.setdefault(t["department"], {"department": t["department"], "opened": 0, "open": 0, "closed": 0,
                                                "on_time": 0, "hours": 0.0})
        row["opened"] += 1
        if t["state"] in ("open", "appealed"):
            row["open"] += 1
        if t["state"] == "closed" and t.get("closed_at"):
            row["closed"] += 1
            row["on_time"] += bool(on_time(t))
            row["hours"] += (t["closed_at"] - t["opened_at"]).total_seconds() / 3600
    departments, names = [], await org.names(db, "department")
    for row in sorted(rows.values(), key=lambda r: r["department"]):
        closed, hours = row["closed"], row.pop("hours")
        departments.append({**row, "name": names.get(row["department"], row["department"]),
                            "avg_close_hours": round(hours / closed, 1) if closed else None,
                            "on_time_rate": round(row["on_time"] / closed, 4) if closed else None})
    closed = sum(r["closed"] for r in departments)
    on = sum(r["on_time"] for r in departments)
    return {"open": open_now, "closed": closed, "on_time_rate": round(on / closed, 4) if closed else None,
            "departments": departments}
