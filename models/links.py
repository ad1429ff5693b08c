"""Link requests: a login asking to join a resident who already exists.

Name + 身份证号 pass the register check for anyone who knows them, so they prove nothing about
who holds the phone. When a login verifies a 身份证号 another resident already holds, a pending
link is made instead of a merge; the new login sees nothing of that resident until one proof
arrives from the person behind it:
- `sms`: a code sent to the phone already on that resident;
- `approval`: a session of a channel already linked approves (or refuses) the request;
- `face`: the channel's face verification (WeChat 人脸核身 / Alipay 身份验证) against the name
  and number entered, which the platform checks against the register's photo.
A request lives a day; every step is audited.
"""

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING, ReturnDocument

from models import audit
from models.clock import now
from models.db import ttl_index
from models.errors import Conflict, NotFound

PENDING_FOR = dt.timedelta(days=1)
KEEP_FOR = dt.timedelta(days=180)  # decided requests, for the resident's and support's history
PROOFS = ("sms", "approval", "face")


class LinkConfirmSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(("sms", "face")))
    code = fields.String(validate=validate.Regexp(r"^\d{6}\Z", error="验证码应为6位数字"))


class LinkViewSchema(Schema):
    id = fields.Function(lambda link: str(link["_id"]))
    state = fields.String()
    channel = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    via = fields.String(allow_none=True)


async def ensure_indexes(db) -> None:
    await db.resident_links.create_index([("source", ASCENDING), ("state", ASCENDING)])
    await db.resident_links.create_index([("target", ASCENDING), ("state", ASCENDING)])
    await ttl_index(db.resident_links, "purge_at", 0)


async def request(db, source: dict, target: dict, *, channel: str, pii, name: str, id_number: str) -> dict:
    """The pending request of `source` to join `target`; a repeat returns the one still pending."""
    at = now()
    pending = await db.resident_links.find_one({"source": source["_id"], "target": target["_id"],
                                                "state": "pending", "expires_at": {"$gt": at}})
    if pending is not None:
        return pending
    link = {"source": source["_id"], "target": target["_id"], "channel": channel, "state": "pending",
            "created_at": at, "expires_at": at + PENDING_FOR, "purge_at": at + KEEP_FOR, "decided_at": None,
            "via": None, "name_enc": pii.encrypt(name), "id_enc": pii.encrypt(id_number)}
    link["_id"] = (await db.resident_links.insert_one(link)).inserted_id
    await audit.record(db, actor=str(source["_id"]), role="resident", action="resident.link_requested",
                       target=f"resident:{target['_id']}", details={"link_id": str(link["_id"]), "channel": channel})
    return link


def _oid(link_id) -> ObjectId:
    try:
        return ObjectId(link_id)
    except (InvalidId, TypeError):
        raise NotFound("link.not_found", "关联申请不存在或已失效") from None


async def pending(db, link_id, *, source=None, target=None) -> dict:
    """A pending, unexpired request that `source` made or `target` is asked about; else 404."""
    query = {"_id": _oid(link_id), "state": "pending", "expires_at": {"$gt": now()}}
    if source is not None:
        query["source"] = source
    if target is not None:
        query["target"] = target
    link = await db.resident_links.find_one(query)
    if link is None:
        raise NotFound("link.not_found", "关联申请不存在或已失效")
    return link


async def decide(db, link: dict, state: str, *, via: str | None, session=None) -> dict:
    """Move a pending request to `state` once; a second decision gets 409."""
    decided = await db.resident_links.find_one_and_update(
        {"_id": link["_id"], "state": "pending"},
        {"$set": {"state": state, "via": via, "decided_at": now()}, "$unset": {"name_enc": "", "id_enc": "", "face": ""}},
        return_document=ReturnDocument.AFTER, session=session)
    if decided is None:
        raise Conflict("link.decided", "该关联申请已处理")
    return decided


async def remember_face(db, link: dict, handle_enc: str) -> None:
    await db.resident_links.update_one({"_id": link["_id"], "state": "pending"},
                                       {"$set": {"face": {"handle_enc": handle_enc, "started_at": now()}}})


async def of_resident(db, resident_id) -> dict:
    """Pending requests to join this resident (`incoming`) and made by it (`outgoing`)."""
    hidden = {"name_enc": 0, "id_enc": 0, "face": 0}
    at = now()
    found = {}
    for side, field in (("incoming", "target"), ("outgoing", "source")):
        links = await db.resident_links.find({field: resident_id, "state": "pending"}, hidden).to_list(20)
        found[side] = [link for link in links if link["expires_at"] > at]
    return found
