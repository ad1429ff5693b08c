"""Enforcement cases (移动执法案件), offline-first and tamper-evident.

The inspector's app makes the case id (a UUID) before it has a connection and sends each change
with the version it saw (`PUT`). A change applies when that version is current; the same change
sent again (a replay after a lost answer) returns the stored case; another change on a version
already moved past is a 409 carrying the current case. Everything happens in one document per
case, so one update writes the content, the version and the case's event.

Every event (created, edited, evidence added, state changed, document issued) is appended to a hash chain inside
the case: each event's hash covers its own content and the previous event's hash. `verify()`
recomputes the chain and the evidence files' SHA-256 and reports the first broken link.
"""

import datetime as dt
import hashlib
import json

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.clock import now_ms as now
from models.db import MAX_INT, increment
from models.errors import AppError, Conflict, NotFound

CASE_TYPES = ("非法营运", "超限超载", "违规停车", "无证经营", "占道经营", "其他")
STATES = ("draft", "registered", "under_review", "decided", "closed", "returned")
EDITABLE = ("draft", "returned")
CONTENT = ("type", "legal_basis", "parties", "location", "record")
# action -> (roles allowed, states it starts from, state it ends in)
TRANSITIONS = {
    "register": (("inspector",), ("draft", "returned"), "registered"),
    "review": (("supervisor",), ("registered",), "under_review"),
    "approve": (("supervisor",), ("registered", "under_review"), "decided"),
    "return": (("supervisor",), ("registered", "under_review"), "returned"),
    "close": (("supervisor",), ("decided",), "closed"),
}
GENESIS = "0" * 64


class PartySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "vehicle", "business"]))
    name = fields.String(validate=validate.Length(1, 64))
    id_number_masked = fields.String(validate=validate.Length(1, 32))
    plate = fields.String(validate=validate.Length(7, 8))
    licence_no = fields.String(validate=validate.Length(1, 32))
    role = fields.String(validate=validate.Length(1, 32))  # 当事人, 驾驶员, 车主, 经营者…


class PointSchema(Schema):
    type = fields.String(required=True, validate=validate.Equal("Point"))
    coordinates = fields.List(fields.Float(), required=True, validate=validate.Length(2, 2))

    @validates_schema
    def _range(self, data, **kwargs):
        lng, lat = data["coordinates"]
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValidationError("经纬度超出范围", "coordinates")


class StatementSchema(Schema):
    who = fields.String(required=True, validate=validate.Length(1, 64))
    text = fields.String(required=True, validate=validate.Length(1, 4000))


class RecordSchema(Schema):  # 现场写实
    facts = fields.String(load_default="", validate=validate.Length(0, 8000))
    statements = fields.List(fields.Nested(StatementSchema), load_default=list, validate=validate.Length(0, 50))
    observed_at = fields.AwareDateTime(allow_none=True, load_default=None, format="iso")
    # from the inspectors' app (执法通); absent on cases made before it
    violation = fields.String(validate=validate.Length(1, 32))  # the app's catalog code (违法行为)
    measures = fields.String(validate=validate.Length(0, 2000))  # 现场处置措施
    address = fields.String(validate=validate.Length(0, 200))  # editable, beside the GPS point
    accuracy_m = fields.Float(allow_none=True, validate=validate.Range(0, 100000))  # GPS accuracy


class CasePutSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    legal_basis = fields.String(load_default="", validate=validate.Length(0, 500))
    parties = fields.List(fields.Nested(PartySchema), load_default=list, validate=validate.Length(0, 20))
    location = fields.Nested(PointSchema, required=True)
    record = fields.Nested(RecordSchema, load_default=dict)


class CaseTransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))
    version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    comment = fields.String(load_default="", validate=validate.Length(0, 2000))


class CaseViewSchema(Schema):
    id = fields.String(attribute="_id")
    number = fields.String(allow_none=True)
    version = fields.Integer()
    state = fields.String()
    team = fields.String()
    inspector = fields.String()
    type = fields.String()
    legal_basis = fields.String()
    parties = fields.List(fields.Dict())
    location = fields.Dict()
    record = fields.Dict()
    evidence = fields.List(fields.Dict())
    comments = fields.List(fields.Dict())
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    raise TypeError(type(value).__name__)


def event_hash(event: dict) -> str:
    """What an event's hash covers: everything in it but the hash itself."""
    return hashlib.sha256(canonical({k: v for k, v in event.items() if k != "hash"}).encode()).hexdigest()


def new_event(case: dict | None, kind: str, actor: dict, data: dict) -> dict:
    events = case["events"] if case else []
    event = {"seq": len(events) + 1, "type": kind, "at": now().isoformat(timespec="milliseconds"),
             "actor": actor["username"], "data": data, "prev": events[-1]["hash"] if events else GENESIS}
    return {**event, "hash": event_hash(event)}


async def ensure_indexes(db) -> None:
    await db.cases.create_index([("inspector", ASCENDING), ("updated_at", DESCENDING)])
    await db.cases.create_index([("team", ASCENDING), ("state", ASCENDING)])
    await db.cases.create_index([("number", ASCENDING)], unique=True,
                                partialFilterExpression={"number": {"$type": "string"}})


def visible(case: dict, claims: dict) -> bool:
    """An inspector sees their own cases, a supervisor their team's, an admin all."""
    role = claims.get("role")
    if role == "admin":
        return True
    if role == "inspector":
        return case["inspector"] == claims.get("username")
    return role == "supervisor" and case["team"] == claims.get("team")


def scope(claims: dict) -> dict:
    role = claims.get("role")
    if role == "admin":
        return {}
    if role == "inspector":
        return {"inspector": claims.get("username")}
    return {"team": claims.get("team")}


async def get(db, case_id: str, claims: dict) -> dict:
    case = await db.cases.find_one({"_id": case_id})
    if case is None or not visible(case, claims):
        raise NotFound("case.not_found", "案件不存在")
    return case


def _op(base_version: int, content: dict) -> str:
    return hashlib.sha256(canonical({"base": base_version, "content": content}).encode()).hexdigest()


async def put(db, case_id: str, body: dict, claims: dict) -> tuple[dict, int]:
    """Create or update from the app; returns (case, HTTP status: 201 created, 200 otherwise)."""
    content = {k: body[k] for k in CONTENT}
    actor = {"username": claims["username"]}
    op = _op(body["version"], content)
    case = await db.cases.find_one({"_id": case_id})
    if case is not None and not visible(case, claims):
        raise NotFound("case.not_found", "案件不存在")
    if case is not None and claims.get("role") != "admin" and case["inspector"] != claims["username"]:
        raise AppError(403, "auth.forbidden", "只有办案的执法队员可以修改现场内容")
    if case is not None and any(e["data"].get("op") == op for e in case["events"]):
        return case, 200  # this very change was applied before: a replay
    if case is None:
        if body["version"] != 0:
            raise NotFound("case.not_found", "案件不存在（新案件的 version 应为 0）")
        if claims.get("role") != "inspector":
            raise AppError(403, "auth.forbidden", "只有执法队员可以现场立案")
        doc = {"_id": case_id, "number": None, "version": 1, "state": "draft", "team": claims.get("team"),
               "inspector": claims["username"], **content, "evidence": [], "comments": [],
               "created_at": now(), "updated_at": now()}
        doc["events"] = [new_event(None, "created", actor, {"op": op, "content": content})]
        try:
            await db.cases.insert_one(doc)
            return doc, 201
        except DuplicateKeyError:  # the same new case sent twice at once
            return await put(db, case_id, body, claims)
    if body["version"] != case["version"]:
        raise conflict(case, "案件已被更新，请以最新版本为准")
    if case["state"] not in EDITABLE:
        raise conflict(case, "案件已立案，不能再修改现场内容")
    event = new_event(case, "edited", actor, {"op": op, "content": content})
    updated = await db.cases.find_one_and_update(
        {"_id": case_id, "version": case["version"]},
        {"$set": {**content, "version": case["version"] + 1, "updated_at": now()}, "$push": {"events": event}},
        return_document=ReturnDocument.AFTER)
    if updated is None:  # someone else moved it between our read and write
        return await put(db, case_id, body, claims)
    return updated, 200


def conflict(case: dict, message: str) -> Conflict:
    return Conflict("case.conflict", message, details={"current": CaseViewSchema().dump(case)})


async def transition(db, case_id: str, body: dict, claims: dict) -> dict:
    """One step of the case's state machine. Registering numbers the case: the year's counter and
    the case move in one transaction, so a step that loses a race leaves no gap in the numbers."""
    case = await get(db, case_id, claims)
    roles, sources, target = TRANSITIONS[body["action"]]
    if claims.get("role") not in roles and claims.get("role") != "admin":
        raise AppError(403, "auth.forbidden", "没有权限执行此操作")
    if body["version"] != case["version"]:
        raise conflict(case, "案件已被更新，请以最新版本为准")
    if case["state"] not in sources:
        raise conflict(case, f"案件当前状态（{case['state']}）不能执行该操作")
    if body["action"] == "return" and not body["comment"].strip():
        raise AppError(422, "validation_failed", "退回须填写意见", details={"comment": ["退回须填写意见"]})

    async def write(session) -> dict:
        changes = {"state": target, "version": case["version"] + 1, "updated_at": now()}
        if body["action"] == "register" and not case.get("number"):
            changes["number"] = await next_number(db, session)
        data = {"action": body["action"], "from": case["state"], "to": target, "comment": body["comment"],
                **({"number": changes["number"]} if "number" in changes else {})}
        update = {"$set": changes, "$push": {"events": new_event(case, "state_changed", claims, data)}}
        if body["comment"]:
            update["$push"]["comments"] = {"by": claims["username"], "at": now(), "action": body["action"],
                                           "text": body["comment"]}
        updated = await db.cases.find_one_and_update({"_id": case_id, "version": case["version"]}, update,
                                                     return_document=ReturnDocument.AFTER, session=session)
        if updated is None:
            raise Stale  # aborts the transaction: the number taken above is given back
        return updated

    try:
        return await db.transaction(write)
    except Stale:
        raise conflict(await get(db, case_id, claims), "案件已被更新，请以最新版本为准") from None


class Stale(Exception):
    """The case changed between our read and our write."""


async def next_number(db, session=None) -> str:
    year = now().astimezone(dt.timezone(dt.timedelta(hours=8))).year
    serial = await increment(db.counters, f"case:{year}", "n", session=session)
    return f"ZF{year}{serial:06d}"


async def add_evidence(db, case: dict, item: dict, claims: dict) -> tuple[dict, bool]:
    """Record an evidence file on the case (once per SHA-256). Returns (case, added)."""
    for existing in case["evidence"]:
        if existing["sha256"] == item["sha256"]:
            return case, False
    if case["state"] in ("decided", "closed"):
        raise conflict(case, "案件已决定，不能再补充证据")
    event = new_event(case, "evidence_added", claims, item)
    updated = await db.cases.find_one_and_update(
        {"_id": case["_id"], "version": case["version"], "evidence.sha256": {"$ne": item["sha256"]}},
        {"$push": {"evidence": item, "events": event}, "$set": {"version": case["version"] + 1, "updated_at": now()}},
        return_document=ReturnDocument.AFTER)
    if updated is None:  # changed meanwhile: look again (it may be the same evidence)
        return await add_evidence(db, await get(db, case["_id"], claims), item, claims)
    return updated, True


async def listing(db, claims: dict, *, state: str | None = None, limit: int = 50) -> list[dict]:
    query = {**scope(claims), **({"state": state} if state else {})}
    return await db.cases.find(query, {"events": 0}).sort("updated_at", DESCENDING).limit(limit).to_list(None)


def broken_link(case: dict) -> dict | None:
    """The chain's first broken link (a `verify` answer), or None: hashes only, no files read."""
    prev = GENESIS
    for index, event in enumerate(case["events"], start=1):
        if event.get("seq") != index or event.get("prev") != prev:
            return {"ok": False, "broken_at": index, "reason": "链接断开（前一事件哈希不符）", "events": len(case["events"])}
        if event_hash(event) != event.get("hash"):
            return {"ok": False, "broken_at": index, "reason": "事件内容与哈希不符", "events": len(case["events"])}
        prev = event["hash"]
    return None


async def verify(db, case: dict) -> dict:
    """Recompute the chain and the evidence hashes; the first broken link, if any."""
    broken = broken_link(case)
    if broken:
        return broken
    prev = case["events"][-1]["hash"] if case["events"] else GENESIS
    contents = [e["data"]["content"] for e in case["events"] if "content" in e["data"]]
    if contents and canonical(contents[-1]) != canonical({k: case.get(k) for k in CONTENT}):
        return {"ok": False, "broken_at": None, "reason": "案件内容与事件链不符", "events": len(case["events"])}
    recorded = [e["data"] for e in case["events"] if e["type"] == "evidence_added"]
    if [e["sha256"] for e in recorded] != [e["sha256"] for e in case["evidence"]]:
        return {"ok": False, "broken_at": None, "reason": "证据清单与事件链不符", "events": len(case["events"])}
    # a 现场笔录 the party refused to sign has no signature file
    documents = [e["data"]["document"] for e in case["events"] if e["type"] == "document_issued"]
    files = [(item["sha256"], "证据文件") for item in case["evidence"]] + \
        [(digest, "文书") for d in documents for digest in (d["sha256"], d["signature_sha256"]) if digest]
    for sha256, what in files:
        try:
            data = await db.blobs.get(sha256)
        except Exception:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            return {"ok": False, "broken_at": None, "reason": f"{what}缺失或被改动：{sha256[:12]}",
                    "events": len(case["events"])}
    return {"ok": True, "broken_at": None, "events": len(case["events"]), "head": prev}


class SyncOpSchema(Schema):
    op = fields.String(required=True, validate=validate.OneOf(["put_case"]))
    case_id = fields.UUID(required=True)
    body = fields.Dict(required=True)


class SyncSchema(Schema):
    operations = fields.List(fields.Nested(SyncOpSchema), required=True, validate=validate.Length(1, 100))


async def sync(db, operations: list[dict], claims: dict) -> list[dict]:
    """Apply a batch of offline operations in order; answer each on its own. Replaying the whole
    batch is safe: each operation is itself idempotent."""
    results = []
    for index, operation in enumerate(operations):
        case_id = str(operation["case_id"])
        try:
            body = CasePutSchema().load(operation["body"])
            case, status = await put(db, case_id, body, claims)
            results.append({"index": index, "case_id": case_id, "status": status, "case": CaseViewSchema().dump(case)})
        except ValidationError as err:
            results.append({"index": index, "case_id": case_id, "status": 422,
                            "error": {"code": "validation_failed", "message": "提交的数据有误", "details": err.messages}})
        except AppError as exc:
            results.append({"index": index, "case_id": case_id, "status": exc.status, **exc.to_dict()})
    return results
