"""Four eyes on what residents see (审核发布): a menu or item change is submitted for review, and a
second operator approves it (published at once, or at `publish_at`) or rejects it with a comment.

States: pending -> rejected | publishing | scheduled; scheduled -> rejected | publishing;
publishing -> published | failed. Every step is one conditional update on (state, version), so
two reviewers, or two API processes seeing the same scheduled time pass, cannot both act: only
the one whose update matched goes on to publish. The publish itself is the menu's or item's own
(models/menus.publish, models/catalog.update_item), so its conflict rules still hold: a change
approved after someone published over its base fails instead of overwriting.
"""

import datetime as dt
import uuid

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from models import audit
from models.catalog import ItemInSchema
from models.clock import now
from models.db import MAX_INT
from models.errors import AppError, Conflict, NotFound

KINDS = ("menu", "item")
STATES = ("pending", "scheduled", "publishing", "published", "rejected", "failed")
MODES = ("optional", "required")
OPEN = ("pending", "scheduled", "publishing")
# A publish claimed by a process that then died is taken over after this long.
CLAIM_STALE_AFTER = dt.timedelta(minutes=2)
LATEST_SCHEDULE = dt.timedelta(days=90)


class MenuChangeSchema(Schema):
    menu = fields.Dict(load_default=None, allow_none=True)  # MenuSchema (checked as a publish does); none: the draft
    base_version = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_INT))
    comment = fields.String(load_default="", validate=validate.Length(max=200))


class ItemChangeSchema(Schema):
    item = fields.Nested(ItemInSchema, required=True)
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  validate=validate.Range(1, MAX_INT))  # none: a new item
    comment = fields.String(load_default="", validate=validate.Length(max=200))


class ApproveSchema(Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=200))
    publish_at = fields.AwareDateTime(load_default=None, allow_none=True)  # none or past: at once

    @validates_schema
    def _not_too_far(self, data, **kwargs):
        when = data.get("publish_at")
        if when is not None and when > now() + LATEST_SCHEDULE:
            raise ValidationError({"publish_at": ["定时发布最晚为 90 天后"]})


class RejectSchema(Schema):
    comment = fields.String(required=True, validate=validate.Length(1, 200, error="请填写驳回理由（200 字以内）"))


class ReviewSchema(Schema):
    id = fields.String(attribute="_id")
    kind = fields.String()
    target = fields.String()
    version = fields.Integer()
    state = fields.String()
    body = fields.Dict()
    base_version = fields.Integer(allow_none=True)
    diff = fields.Dict(allow_none=True)
    comment = fields.String()
    submitted_by = fields.String()
    submitted_at = fields.AwareDateTime()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)
    publish_at = fields.AwareDateTime(allow_none=True)
    published_version = fields.Integer(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    error = fields.Dict(allow_none=True)


class ReviewListSchema(Schema):
    mode = fields.String()
    reviews = fields.List(fields.Nested(ReviewSchema))


async def ensure_indexes(db) -> None:
    await db.reviews.create_index([("state", ASCENDING), ("publish_at", ASCENDING)])
    await db.reviews.create_index([("submitted_at", DESCENDING)])


def refuse_direct(mode: str) -> None:
    """The city's rule (MENU_REVIEW=required): nothing reaches residents without a second operator."""
    if mode == "required":
        raise AppError(403, "review.required", "本市规定菜单和事项的变更须由另一名运营人员审核后发布，请提交审核")


async def submit(db, kind: str, target: str, body: dict, *, base_version: int | None, comment: str,
                 actor: dict, diff: dict | None = None) -> dict:
    doc = {"_id": uuid.uuid4().hex, "kind": kind, "target": target, "version": 1, "state": "pending",
           "body": body, "base_version": base_version, "diff": diff, "comment": comment,
           "submitted_by": actor["username"], "submitted_role": actor["role"], "submitted_at": now(),
           "reviewed_by": None, "reviewed_at": None, "review_comment": None, "publish_at": None,
           "published_version": None, "published_at": None, "error": None}
    await db.reviews.insert_one(doc)
    await audit.record(db, actor=actor["username"], role=actor["role"], action="review.submit",
                       target=_target(doc), details={"review": doc["_id"], "base_version": base_version,
                                                     "comment": comment, "diff": diff})
    return doc


async def list_reviews(db, *, state: str | None = None, kind: str | None = None, limit: int = 100) -> list[dict]:
    query = {k: v for k, v in (("state", state), ("kind", kind)) if v}
    return await db.reviews.find(query).sort("submitted_at", DESCENDING).limit(limit).to_list(None)


async def get_review(db, review_id: str) -> dict:
    doc = await db.reviews.find_one({"_id": review_id})
    if doc is None:
        raise NotFound("review.not_found", "审核单不存在")
    return doc


async def approve(db, review_id: str, version: int, actor: dict, *, comment: str, publish_at) -> dict:
    """Pending -> scheduled (publish_at in the future) or publishing (the caller publishes now)."""
    later = publish_at is not None and publish_at > now()
    state = "scheduled" if later else "publishing"
    doc = await _decide(db, review_id, version, actor, ("pending",), {
        "state": state, "reviewed_by": actor["username"], "reviewed_role": actor["role"], "reviewed_at": now(),
        "review_comment": comment, "publish_at": publish_at if later else None,
        **({} if later else {"claimed_at": now()})})
    await audit.record(db, actor=actor["username"], role=actor["role"], action="review.approve", target=_target(doc),
                       details={"review": review_id, "comment": comment,
                                "publish_at": publish_at.isoformat() if later else None})
    return doc


async def reject(db, review_id: str, version: int, actor: dict, *, comment: str) -> dict:
    """Pending or scheduled -> rejected: it never goes live."""
    doc = await _decide(db, review_id, version, actor, ("pending", "scheduled"), {
        "state": "rejected", "reviewed_by": actor["username"], "reviewed_role": actor["role"], "reviewed_at": now(),
        "review_comment": comment})
    await audit.record(db, actor=actor["username"], role=actor["role"], action="review.reject", target=_target(doc),
                       details={"review": review_id, "comment": comment})
    return doc


async def _decide(db, review_id: str, version: int, actor: dict, from_states: tuple, changes: dict) -> dict:
    current = await get_review(db, review_id)
    if current["submitted_by"] == actor["username"]:
        raise AppError(403, "review.own_change", "不能审核自己提交的变更，请由另一名运营人员审核")
    doc = await db.reviews.find_one_and_update(
        {"_id": review_id, "version": version, "state": {"$in": list(from_states)}},
        {"$set": changes, "$inc": {"version": 1}}, return_document=ReturnDocument.AFTER)
    if doc is None:
        latest = await get_review(db, review_id)
        if latest["version"] != version:
            raise Conflict("review.version_conflict", "审核单已被他人处理或更新，请刷新后重试",
                           details={"current_version": latest["version"], "state": latest["state"]})
        raise Conflict("review.not_open", "该审核单已处理，不能再批准或驳回", details={"state": latest["state"]})
    return doc


async def claim_due(db) -> dict | None:
    """Take one scheduled change whose time has passed (or a publish whose process died): the one
    conditional update decides which process publishes it."""
    at = now()
    return await db.reviews.find_one_and_update(
        {"$or": [{"state": "scheduled", "publish_at": {"$lte": at}},
                 {"state": "publishing", "claimed_at": {"$lt": at - CLAIM_STALE_AFTER}}]},
        {"$set": {"state": "publishing", "claimed_at": at}, "$inc": {"version": 1}},
        sort=[("publish_at", ASCENDING)], return_document=ReturnDocument.AFTER)


async def finish(db, review: dict, *, published_version: int | None = None, error: AppError | None = None) -> dict:
    """Publishing -> published, or failed with the reason (a stale base, an invalid menu, WeChat)."""
    if error is None:
        changes = {"state": "published", "published_version": published_version, "published_at": now()}
    else:
        changes = {"state": "failed", "error": {"code": error.code, "message": error.message}}
    doc = await db.reviews.find_one_and_update(
        {"_id": review["_id"], "state": "publishing"}, {"$set": changes, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER)
    action = "review.published" if error is None else "review.failed"
    await audit.record(db, actor=review["reviewed_by"], role=review.get("reviewed_role", ""), action=action,
                       target=_target(review), details={"review": review["_id"], "version": published_version,
                                                        **({"error": changes["error"]} if error else {})})
    return doc or {**review, **changes}


def approver(review: dict) -> dict:
    """Who publishes an approved change: its reviewer, also when a timer fires it later."""
    return {"username": review["reviewed_by"], "role": review.get("reviewed_role", "")}


def _target(doc: dict) -> str:
    return f"{doc['kind']}:{doc['target']}"
