"""Applications (办件): submit, follow, and the workflow that department staff drive.

One document per application holds its state, version, timeline and outbox: every transition
is one conditional update (state and version must still be what the caller saw) that also
appends the notification event, so no state change can lose its message. Sensitive answers are
stored encrypted in `form_enc` and masked in `form` (models/sensitive.py).
"""

import datetime as dt
import functools
import hashlib
import json
import re
import uuid

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, ValidationError, fields, validate
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models import clock, outbox, ratings, sensitive, uploads
from models.clock import now_ms as now
from models.db import MAX_INT, increment, ttl_index
from models.errors import AppError, Conflict, Invalid, NotFound, flatten_errors
from models.forms import file_answers, load_answers, sensitive_fields

RESIDENT, STAFF = "resident", "staff"
# action: (from states, to state, who may do it)
TRANSITIONS = {
    "accept": ({"submitted"}, "accepted", STAFF),
    "refuse": ({"submitted"}, "refused", STAFF),
    "start_review": ({"accepted", "resubmitted"}, "in_review", STAFF),
    "approve": ({"in_review"}, "approved", STAFF),
    "deny": ({"in_review"}, "denied", STAFF),
    "request_supplement": ({"in_review"}, "supplement_required", STAFF),
    "resubmit": ({"supplement_required"}, "resubmitted", RESIDENT),
    "withdraw": ({"submitted", "accepted"}, "withdrawn", RESIDENT),
    "complete": ({"approved"}, "completed", STAFF),
}
STATES = ("submitted", "accepted", "refused", "in_review", "approved", "denied", "supplement_required",
          "resubmitted", "withdrawn", "completed")
FINAL = {"refused", "denied", "withdrawn", "completed"}
NEEDS_COMMENT = {"refuse", "deny", "request_supplement"}


class MaterialRefSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 40))
    upload_id = fields.String(required=True, validate=validate.Length(1, 40))


class SubmitSchema(Schema):
    item_code = fields.String(required=True, validate=validate.Length(1, 20))
    form = fields.Dict(load_default=dict)
    materials = fields.List(fields.Nested(MaterialRefSchema), load_default=list, validate=validate.Length(max=30))


class ApplicationTransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))
    comment = fields.String(load_default="", validate=validate.Length(max=500))
    version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    result = fields.String(load_default=None, validate=validate.Length(1, 40))  # staff upload id of the result document
    # request_supplement: the codes of the item's materials to send again (named in the comment)
    materials = fields.List(fields.String(validate=validate.Length(1, 40)), load_default=list,
                            validate=validate.Length(max=30))


class SupplementSchema(Schema):
    materials = fields.List(fields.Nested(MaterialRefSchema), required=True, validate=validate.Length(1, 30))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class TimelineSchema(Schema):
    action = fields.String()
    from_state = fields.String(data_key="from", allow_none=True)
    to_state = fields.String(data_key="to")
    role = fields.String()
    actor = fields.String()
    at = fields.AwareDateTime()
    comment = fields.String()


class ApplicationSchema(Schema):
    number = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    department = fields.String()
    state = fields.String()
    version = fields.Integer()
    form = fields.Dict()  # sensitive answers masked: `reveal` shows them
    masked_fields = fields.Method("_masked")
    materials = fields.List(fields.Dict())
    submitted_at = fields.AwareDateTime()
    due_date = fields.String()
    due_provisional = fields.Boolean()
    overdue = fields.Method("_overdue")
    allowed_actions = fields.Method("_allowed")
    timeline = fields.List(fields.Nested(TimelineSchema))
    rating = fields.Dict(allow_none=True)
    result = fields.Method("_result")
    assignee = fields.String(allow_none=True)
    claimed_at = fields.AwareDateTime(allow_none=True)
    supplement_request = fields.Dict(allow_none=True)  # {materials: [{code, name}], reason}: the latest 补正 asked
    due_in = fields.Integer()  # working days to the due date (negative: overdue); queue and staff view only

    def _overdue(self, doc):
        return doc["state"] not in FINAL and doc["due_date"] < self.context_today()

    def _masked(self, doc):
        return sorted(doc.get("form_enc") or {})

    def _result(self, doc):
        result = doc.get("result")
        return {"filename": result["filename"], "content_type": result["content_type"]} if result else None

    def __init__(self, *args, role: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role  # whose actions `allowed_actions` lists: the reader's

    def _allowed(self, doc):
        return allowed_actions(doc["state"], self.role)

    @staticmethod
    def context_today() -> str:
        return clock.business_date().isoformat()


@functools.cache
def _resident_view() -> ApplicationSchema:
    """Built once: a marshmallow schema costs more to build than to use."""
    return ApplicationSchema(role=RESIDENT)


def allowed_actions(state: str, role: str | None = None) -> list[str]:
    return [a for a, (src, _, who) in TRANSITIONS.items() if state in src and (role is None or who == role)]


async def ensure_indexes(db) -> None:
    await db.applications.create_index([("number", ASCENDING)], unique=True)
    await db.applications.create_index([("owner", ASCENDING), ("_id", DESCENDING)])
    await db.applications.create_index([("department", ASCENDING), ("state", ASCENDING), ("due_date", ASCENDING)])
    await db.applications.create_index([("submitted_at", ASCENDING)])
    await db.applications.create_index([("finished_at", ASCENDING)], sparse=True)
    await db.applications.create_index([("rating.at", ASCENDING)], sparse=True)
    await outbox.ensure_indexes(db.applications)
    await ttl_index(db.idempotency, "created_at", 24 * 3600)  # a repeat is answered for a day


# ---- idempotent submission -------------------------------------------------------------------
def request_hashes(body, pii) -> tuple[str, str]:
    """The keyed hash an idempotency record keeps of its request (a plain SHA-256 of a form with a
    phone number in it is undone by trying the 10⁴ numbers its mask leaves), then the plain one
    that records written before kept: accepted until they expire, a day after the upgrade."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return pii.lookup("request", text), hashlib.sha256(text.encode()).hexdigest()


def idempotency_id(owner: str, key: str) -> str:
    if not key or len(key) > 255 or not key.isprintable():
        raise AppError(400, "idempotency.key_required", "请在 Idempotency-Key 中提供 1 到 255 个字符的请求标识")
    return f"{owner}:{key}"


async def stored_answer(db, record_id: str, digests: tuple[str, ...], session=None) -> dict | None:
    """The answer given to an earlier request with this key, or None; 409 if its body differed."""
    record = await db.idempotency.find_one({"_id": record_id}, session=session)
    if record is None:
        return None
    if record["hash"] not in digests:
        raise Conflict("idempotency.key_reused", "同一请求标识已用于内容不同的提交")
    return record["response"]


# ---- submit ----------------------------------------------------------------------------------
async def _next_number(db, prefix: str, department: str, day: dt.date) -> str:
    serial = await increment(db.counters, f"application:{department}:{day:%Y%m%d}")
    return f"{prefix}{day:%Y%m%d}{serial:06d}"


FILE_MISSING = "文件不存在，请重新上传"


async def _check_files(db, owner: str, item: dict, form: dict, refs: list[dict]) -> list[dict]:
    """Every upload the form's file fields and the materials name must be the applicant's own,
    looked up in one query; returns the materials to store. 422 names each field that fails."""
    answers = file_answers(item["form"], form)
    found = await uploads.owned(db, owner, [i for _, i in answers] + [r["upload_id"] for r in refs])
    errors = {f"form.{path}": [FILE_MISSING] for path, upload_id in answers if upload_id not in found}
    materials = _check_materials(item, refs, found, errors)
    if errors:
        raise Invalid(errors, "表单填写有误" if any(k.startswith("form.") for k in errors) else "材料不完整")
    return materials


def _check_materials(item: dict, refs: list[dict], found: dict, errors: dict) -> list[dict]:
    wanted = {m["code"]: m for m in item["materials"]}
    out = []
    for i, ref in enumerate(refs):
        if ref["code"] not in wanted:
            errors[f"materials[{i}].code"] = ["该事项不需要此材料"]
            continue
        upload = found.get(ref["upload_id"])
        if upload is None:
            errors[f"materials[{i}].upload_id"] = ["文件不存在"]
            continue
        out.append({"code": ref["code"], "name": wanted[ref["code"]]["name"], "upload_id": str(upload["_id"]),
                    "sha256": upload["sha256"], "content_type": upload["content_type"]})
    given = {m["code"] for m in out}
    for code, material in wanted.items():
        if material.get("required") and code not in given and not any(k.startswith("materials[") for k in errors):
            errors[f"materials.{code}"] = [f"请上传{material['name']}"]
    return out


async def submit(db, *, owner: str, channel: str, item: dict, body: dict, key: str, calendar,
                 business_date, pii) -> tuple[int, dict, bool]:
    """(status, answer, fresh): 201 with the new application, or the first answer to an identical
    repeat (same Idempotency-Key and body; `fresh` False). `calendar.add_working_days` gives the 承诺时限 due date;
    `business_date(utc)` the Beijing date.

    The application and its idempotency record are written in one transaction: both or neither,
    so no key is left without its 办件 (nor a 办件 without its key), and two identical requests at
    once make one application (the second sees the first's record). The day's number is taken
    before, outside it, like a database sequence: inside, every concurrent submission to a
    department would conflict on its counter and be retried (bench/README.md: 40 database calls
    per submission instead of 8 at 32 connections). A number is never given twice (unique index);
    a submission that fails after taking one leaves a gap. Sensitive answers are sealed with `pii`
    before anything is written: neither the application nor the stored answer holds them in clear."""
    record_id, digests = idempotency_id(owner, key), request_hashes(body, pii)
    stored = await stored_answer(db, record_id, digests)
    if stored is not None:
        return stored["status"], stored["body"], False
    if item["kind"] != "application" or item["status"] != "published":
        raise NotFound("item.not_found", "事项不存在或不可在线申请")
    if channel not in item["channels"]:
        raise AppError(422, "item.not_on_channel", "该事项未在当前渠道提供")
    try:
        form = load_answers(item["form"], body["form"])
    except ValidationError as err:
        raise Invalid({f"form.{k}": v for k, v in flatten_errors(err.messages).items()}, "表单填写有误") from None
    materials = await _check_files(db, owner, item, form, body["materials"])
    shown, sealed = sensitive.seal(_jsonable(form), sensitive_fields(item["form"]), pii)
    submitted_at = now()
    day = business_date(submitted_at)
    due, provisional = calendar.add_working_days(day, item["promise_days"])
    number = await _next_number(db, item["code"][:2], item["department"], day)

    async def write(session) -> tuple[int, dict, bool]:
        stored = await stored_answer(db, record_id, digests, session)
        if stored is not None:
            return stored["status"], stored["body"], False
        doc = {
            "number": number,
            "item_code": item["code"], "item_name": item["name"], "department": item["department"],
            "owner": owner, "channel": channel, "form": shown, "form_enc": sealed, "materials": materials,
            "state": "submitted", "version": 1, "submitted_at": submitted_at, "rating": None, "result": None,
            "assignee": None,
            "due_date": due.isoformat(), "due_provisional": provisional, "promise_days": item["promise_days"],
            "timeline": [_event("submit", None, "submitted", RESIDENT, owner, "")],
            "outbox": [_outbox("submitted", channel)],
        }
        await db.applications.insert_one(doc, session=session)
        answer = _resident_view().dump(doc)
        await db.idempotency.insert_one({"_id": record_id, "hash": digests[0], "created_at": now(),
                                         "response": {"status": 201, "body": answer}}, session=session)
        return 201, answer, True

    try:
        return await db.transaction(write)
    except DuplicateKeyError:  # an identical request committed first
        stored = await stored_answer(db, record_id, digests)
        if stored is None:  # and its record expired since (a day later): a fresh submission
            return await submit(db, owner=owner, channel=channel, item=item, body=body, key=key,
                                calendar=calendar, business_date=business_date, pii=pii)
        return stored["status"], stored["body"], False


def _jsonable(form: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in form.items()}


def _event(action, src, dst, role, actor, comment) -> dict:
    return {"action": action, "from_state": src, "to_state": dst, "role": role, "actor": actor, "at": now(),
            "comment": comment}


def _outbox(state: str, channel: str) -> dict:
    return {"id": uuid.uuid4().hex, "type": f"application.{state}", "channel": channel, "at": now(), "relayed": False}


# ---- reads -----------------------------------------------------------------------------------
async def get_for_owner(db, owner: str, number: str) -> dict:
    doc = await db.applications.find_one({"number": number})
    if doc is None or doc["owner"] != owner:
        raise NotFound("application.not_found", "办件不存在")
    return doc


async def get_for_department(db, department: str | None, number: str) -> dict:
    doc = await db.applications.find_one({"number": number})
    if doc is None or (department is not None and doc["department"] != department):
        raise NotFound("application.not_found", "办件不存在")
    return doc


async def list_for_owner(db, owner: str, *, state: str | None, cursor: str | None, limit: int) -> tuple[list, str | None]:
    query: dict = {"owner": owner}
    if state:
        query["state"] = state
    if cursor:
        try:
            query["_id"] = {"$lt": ObjectId(cursor)}
        except (InvalidId, TypeError):
            raise AppError(400, "request.bad_cursor", "分页参数无效") from None
    docs = await db.applications.find(query).sort("_id", DESCENDING).limit(limit + 1).to_list(None)
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (str(docs[-1]["_id"]) if more else None)


async def queue(db, department: str | None, *, state: str | None, limit: int, search: str | None = None,
                claimed: str | None = None, me: str = "") -> list[dict]:
    """Open applications, soonest due first. `search`: a number (exact), an item code or part of an
    item's name; `claimed`: "mine" or "unclaimed"."""
    query: dict = {"state": {"$nin": sorted(FINAL)}}
    if department is not None:
        query["department"] = department
    if state:
        query["state"] = state
    if search:
        query["$or"] = [{"number": search}, {"item_code": search}, {"item_name": {"$regex": re.escape(search)}}]
    if claimed == "mine":
        query["assignee"] = me
    elif claimed == "unclaimed":
        query["assignee"] = None
    return await db.applications.find(query).sort([("due_date", ASCENDING), ("_id", ASCENDING)]).limit(limit).to_list(None)


# ---- transitions -----------------------------------------------------------------------------
async def transition(db, doc: dict, action: str, *, role: str, actor: str, version: int, comment: str = "",
                     extra: dict | None = None) -> dict:
    """Apply `action` if the application is still at `version` and the action is allowed now."""
    src, dst, who = TRANSITIONS[action]
    if role == STAFF and doc.get("assignee") not in (None, actor):
        raise claimed_by(doc["assignee"])
    if who != role:
        raise Conflict("application.action_not_allowed", "无权执行此操作",
                       details={"allowed_actions": allowed_actions(doc["state"], role)})
    if action in NEEDS_COMMENT and not comment.strip():
        raise Invalid({"comment": ["请填写原因或需补正的内容"]})
    claim = {}
    if role == STAFF and doc.get("assignee") is None:  # the first staff action claims it
        claim = {"assignee": actor, "claimed_at": now()}
    at = now()
    # 办结 time and Beijing date, for the on-time rate against the 承诺时限 due date
    finished = {"finished_at": at, "finished_date": clock.business_date(at).isoformat()} if dst in FINAL else {}
    update = {"$set": {"state": dst, **claim, **finished, **(extra or {})}, "$inc": {"version": 1},
              "$push": {"timeline": _event(action, doc["state"], dst, role, actor, comment),
                        "outbox": _outbox(dst, doc["channel"])}}
    updated = await db.applications.find_one_and_update(
        {"_id": doc["_id"], "version": version, "state": {"$in": sorted(src)},
         **({"assignee": {"$in": [None, actor]}} if role == STAFF else {})}, update,
        return_document=ReturnDocument.AFTER)
    if updated is not None:
        return updated
    current = await db.applications.find_one({"_id": doc["_id"]})
    if role == STAFF and current.get("assignee") not in (None, actor):  # claimed meanwhile
        raise claimed_by(current["assignee"])
    if current["version"] != version:
        raise Conflict("application.version_conflict", "办件已被更新，请刷新后重试",
                       details={"current_version": current["version"], "state": current["state"]})
    raise Conflict("application.action_not_allowed", f"当前状态下不能执行此操作：{action}",
                   details={"state": current["state"], "allowed_actions": allowed_actions(current["state"], role)})


def supplement_request(item: dict, codes: list[str], reason: str) -> tuple[dict, str]:
    """The materials a 补正 names (codes of the item's materials; 422 otherwise) and the comment the
    resident reads: the names first, then the reason."""
    wanted = {m["code"]: m["name"] for m in item["materials"]}
    errors = {f"materials[{i}]": ["该事项没有此材料"] for i, code in enumerate(codes) if code not in wanted}
    if errors:
        raise Invalid(errors, "补正材料有误")
    named = [{"code": c, "name": wanted[c]} for c in dict.fromkeys(codes)]
    comment = f"需补正：{'、'.join(m['name'] for m in named)}。{reason.strip()}" if named else reason
    return {"materials": named, "reason": reason.strip()}, comment[:600]


async def supplement(db, doc: dict, *, owner: str, version: int, refs: list[dict], comment: str, item: dict) -> dict:
    # a 补正 sends materials only: the form, and its file fields, stay as submitted
    materials = await _check_files(db, owner, {**item, "materials": [
        {**m, "required": False} for m in item["materials"]]}, {}, refs)
    merged = {m["code"]: m for m in doc["materials"]}
    merged.update({m["code"]: m for m in materials})
    return await transition(db, doc, "resubmit", role=RESIDENT, actor=owner, version=version, comment=comment,
                            extra={"materials": list(merged.values())})


async def rate(db, doc: dict, body: dict, on_bad=None) -> dict:
    """好差评: once, after completion. A 不满意 or 非常不满意 rating and the ticket `on_bad(application,
    session)` opens for it are written in one transaction: no bad rating without its ticket."""
    rating = ratings.rating_doc(body, now())

    async def write(session) -> dict | None:
        updated = await db.applications.find_one_and_update(
            {"_id": doc["_id"], "state": "completed", "rating": None}, {"$set": {"rating": rating}},
            return_document=ReturnDocument.AFTER, session=session)
        if updated is not None and rating["level"] in ratings.BAD and on_bad is not None:
            await on_bad(updated, session)
        return updated

    updated = await db.transaction(write)
    if updated is None:
        if doc["state"] != "completed":
            raise Conflict("application.not_completed", "办结后才能评价")
        raise Conflict("application.already_rated", "已评价过")
    return updated


def claimed_by(assignee: str) -> Conflict:
    return Conflict("application.claimed", f"该办件已由 {assignee} 认领，只有认领人可以办理",
                    details={"assignee": assignee})


async def claim(db, doc: dict, username: str) -> dict:
    """Take an application into one's own work (no version needed: only an unclaimed one can be taken)."""
    if doc["state"] in FINAL:
        raise Conflict("application.final", "办件已办结或终止")
    if doc.get("assignee") == username:
        return doc
    updated = await db.applications.find_one_and_update(
        {"_id": doc["_id"], "assignee": None},
        {"$set": {"assignee": username, "claimed_at": now()},
         "$push": {"timeline": _event("claim", doc["state"], doc["state"], STAFF, username, "")}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        current = await db.applications.find_one({"_id": doc["_id"]})
        if current.get("assignee") == username:
            return current
        raise claimed_by(current.get("assignee"))
    return updated


async def release(db, doc: dict, username: str, *, admin: bool = False) -> dict:
    """Give a claimed application back to the queue: its assignee may, and an admin (someone absent)."""
    holder = doc.get("assignee")
    if holder is None:
        raise Conflict("application.not_claimed", "该办件尚未被认领")
    if holder != username and not admin:
        raise claimed_by(holder)
    updated = await db.applications.find_one_and_update(
        {"_id": doc["_id"], "assignee": holder},
        {"$set": {"assignee": None, "claimed_at": None},
         "$push": {"timeline": _event("release", doc["state"], doc["state"], STAFF, username,
                                      "" if holder == username else f"释放 {holder} 的认领")}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise Conflict("application.claim_changed", "认领状态已变化，请刷新后重试")
    return updated
