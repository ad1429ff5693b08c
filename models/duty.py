"""Duty dispatch (勤务调派): inspectors' position heartbeats, tasks from supervisors, the nearest
available inspectors suggested, and each task step timed.

Positions are few (one per inspector on duty, read by one indexed query per team), so distances
are computed in Python (haversine); a 2dsphere `$geoNear` pays off only at thousands. A position older than STALE is
not used for suggestions; its age is shown. Assigning a task writes an outbox event in the task,
which the push service relays to the inspector's inbox and live socket.
"""

import datetime as dt
import math
import uuid

from marshmallow import Schema, fields, validate
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from models import outbox
from models.cases import PointSchema
from models.clock import now
from models.errors import AppError, Conflict, NotFound

STALE = dt.timedelta(minutes=10)
# step -> (who, from states, to state)
STEPS = {"accept": ("assigned",), "arrive": ("accepted",), "complete": ("arrived",)}
TO = {"accept": "accepted", "arrive": "arrived", "complete": "completed"}
BUSY = ("assigned", "accepted", "arrived")


class PositionSchema(Schema):
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    on_duty = fields.Boolean(load_default=True)


class TaskSchema(Schema):
    location = fields.Nested(PointSchema, required=True)
    description = fields.String(required=True, validate=validate.Length(2, 500))
    address = fields.String(load_default="", validate=validate.Length(max=200))  # what the inspector looks for
    priority = fields.String(load_default="normal", validate=validate.OneOf(["urgent", "normal", "low"]))


class AssignSchema(Schema):
    inspector = fields.String(required=True, validate=validate.Length(1, 64))


class TaskViewSchema(Schema):
    id = fields.String(attribute="_id")
    number = fields.String()
    team = fields.String()
    location = fields.Dict()
    description = fields.String()
    address = fields.String(dump_default="")
    priority = fields.String()
    state = fields.String()
    assignee = fields.String(allow_none=True)
    created_by = fields.String()
    timeline = fields.List(fields.Dict())
    created_at = fields.AwareDateTime()


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between (lng, lat) points."""
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


async def ensure_indexes(db) -> None:
    await db.positions.create_index([("team", ASCENDING)])
    await db.tasks.create_index([("team", ASCENDING), ("state", ASCENDING)])
    await db.tasks.create_index([("assignee", ASCENDING), ("state", ASCENDING)])
    await outbox.ensure_indexes(db.tasks)


async def heartbeat(db, claims: dict, body: dict) -> dict:
    doc = {"team": claims.get("team"), "lng": body["lng"], "lat": body["lat"], "on_duty": body["on_duty"], "at": now()}
    await db.positions.update_one({"_id": claims["username"]}, {"$set": doc}, upsert=True)
    return {"inspector": claims["username"], **doc}


async def team_positions(db, team: str) -> list[dict]:
    at = now()
    return [{"inspector": p["_id"], "lng": p["lng"], "lat": p["lat"], "on_duty": p["on_duty"],
             "age_seconds": round((at - p["at"]).total_seconds()), "stale": at - p["at"] > STALE}
            for p in await db.positions.find({"team": team}).sort("_id", ASCENDING).to_list(None)]


async def suggest(db, task: dict, limit: int = 5) -> list[dict]:
    """On-duty inspectors of the task's team with a fresh position and no task in hand, nearest first."""
    busy = {t["assignee"] for t in await db.tasks.find({"team": task["team"], "state": {"$in": list(BUSY)}},
                                                       {"assignee": 1}).to_list(None)}
    target = tuple(task["location"]["coordinates"])
    found = [{**p, "distance_m": round(metres((p["lng"], p["lat"]), target))}
             for p in await team_positions(db, task["team"])
             if p["on_duty"] and not p["stale"] and p["inspector"] not in busy]
    return sorted(found, key=lambda p: p["distance_m"])[:limit]


def _step(state: str, by: str, **extra) -> dict:
    return {"state": state, "at": now(), "by": by, **extra}


async def create(db, claims: dict, body: dict) -> dict:
    task_id = uuid.uuid4().hex
    doc = {"_id": task_id, "number": "RW" + task_id[:10].upper(), "team": claims.get("team"), "created_by": claims["username"],
           "location": body["location"], "description": body["description"], "address": body["address"].strip(),
           "priority": body["priority"],
           "state": "open", "assignee": None, "timeline": [_step("open", claims["username"])], "outbox": [],
           "created_at": now()}
    await db.tasks.insert_one(doc)
    return doc


def visible(task: dict, claims: dict) -> bool:
    role = claims.get("role")
    return role == "admin" or (role == "supervisor" and task["team"] == claims.get("team")) or \
        (role == "inspector" and task["assignee"] == claims["username"])


async def get(db, task_id: str, claims: dict) -> dict:
    task = await db.tasks.find_one({"_id": task_id})
    if task is None or not visible(task, claims):
        raise NotFound("task.not_found", "任务不存在")
    return task


async def assign(db, task_id: str, inspector: str, claims: dict) -> dict:
    task = await get(db, task_id, claims)
    member = await db.staff.find_one({"username": inspector, "role": "inspector", "active": True})
    if member is None or member.get("team") != task["team"]:
        raise AppError(422, "task.bad_assignee", "只能指派本中队的执法队员")
    event = {"id": uuid.uuid4().hex, "type": "task.assigned", "channel": "staff", "at": now(), "relayed": False,
             "to": {"owner": f"staff:{inspector}", "number": task["number"], "item_name": task["description"][:20]}}
    updated = await db.tasks.find_one_and_update(
        {"_id": task_id, "state": {"$in": ["open", "assigned"]}},
        {"$set": {"state": "assigned", "assignee": inspector},
         "$push": {"timeline": _step("assigned", claims["username"], to=inspector), "outbox": event}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise Conflict("task.state", "任务已被接受，不能改派")
    return updated


async def advance(db, task_id: str, step: str, claims: dict) -> dict:
    task = await get(db, task_id, claims)
    if task["assignee"] != claims["username"]:
        raise AppError(403, "auth.forbidden", "只有被指派的执法队员可以操作")
    since = task["timeline"][-1]["at"]
    updated = await db.tasks.find_one_and_update(
        {"_id": task_id, "state": {"$in": list(STEPS[step])}, "assignee": claims["username"]},
        {"$set": {"state": TO[step]},
         "$push": {"timeline": _step(TO[step], claims["username"], seconds=round((now() - since).total_seconds()))}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise Conflict("task.state", f"任务当前状态（{task['state']}）不能执行该操作")
    return updated


async def listing(db, claims: dict, *, open_only: bool = False) -> list[dict]:
    role = claims.get("role")
    query = {} if role == "admin" else {"team": claims.get("team")} if role == "supervisor" else \
        {"assignee": claims["username"]}
    if open_only:
        query["state"] = {"$in": ["open", *BUSY]}
    return await db.tasks.find(query, {"outbox": 0}).sort("created_at", DESCENDING).limit(100).to_list(None)
