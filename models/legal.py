"""Versioned 用户协议, 隐私政策 and the 身份证号 notice, and each resident's consent to them.

Version 1 of each is code data (models/legal_texts.py); operators publish later versions into
`legal_documents`, one document per (kind, version), each with the date it takes effect. The
current version of a kind is the newest one in effect. A resident's consents live on the resident
(`consents.<kind>`: version, time, channel) for the per-request check, and every consent given is
also appended to `consent_log`, the record of when and through which channel it was given.

Login needs the current 用户协议 and 隐私政策 (个人信息保护法 Art. 13–14, 17); the 身份证号 is
sensitive personal information and needs its own consent before it is collected (Art. 28–29).
"""

import time

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from models import audit
from models.clock import now
from models.errors import AppError, Invalid
from models.legal_texts import BUILT_IN

KINDS = ("terms", "privacy", "id_number")
LOGIN_KINDS = ("terms", "privacy")  # what a login must have agreed to before anything else
CACHE_SECONDS = 30.0  # how long another process may go on with an older version after a publish
_versions: dict[str, tuple[float, list[dict]]] = {}  # database name -> (read at, published versions)


class LegalSectionSchema(Schema):
    heading = fields.String(required=True, validate=validate.Length(1, 60))
    text = fields.String(required=True, validate=validate.Length(1, 4000))


class LegalPublishSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 40))
    sections = fields.List(fields.Nested(LegalSectionSchema), required=True, validate=validate.Length(1, 40))
    effective_at = fields.AwareDateTime(load_default=None)  # none: at once
    changes = fields.String(load_default="", validate=validate.Length(0, 500))  # what changed, shown to residents


class LegalTextSchema(Schema):
    kind = fields.String()
    version = fields.Integer()
    title = fields.String()
    sections = fields.List(fields.Nested(LegalSectionSchema))
    effective_at = fields.AwareDateTime()
    changes = fields.String()


class AgreementSchema(Schema):
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), required=True,
                        validate=validate.Length(1, len(KINDS)))
    # the versions the resident was shown: agreeing to an older text than the current one is refused
    versions = fields.Dict(keys=fields.String(validate=validate.OneOf(KINDS)), values=fields.Integer(),
                           required=True)


async def ensure_indexes(db) -> None:
    await db.legal_documents.create_index([("kind", ASCENDING), ("version", DESCENDING)], unique=True)
    await db.consent_log.create_index([("resident", ASCENDING), ("at", ASCENDING)])


async def _published(db) -> list[dict]:
    """Every published version's kind, number and date (not the texts), cached a while per process."""
    cached = _versions.get(db.name)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    docs = await db.legal_documents.find({}, {"kind": 1, "version": 1, "effective_at": 1}).to_list(None)
    _versions[db.name] = (time.monotonic(), docs)
    return docs


def forget(db) -> None:
    _versions.pop(db.name, None)


async def current_versions(db) -> dict[str, int]:
    at = now()
    versions = {kind: 1 for kind in KINDS}
    for doc in await _published(db):
        if doc["effective_at"].replace(tzinfo=at.tzinfo) <= at and doc["version"] > versions[doc["kind"]]:
            versions[doc["kind"]] = doc["version"]
    return versions


async def document(db, kind: str, version: int | None = None) -> dict:
    """The text of `kind` at `version` (default: the current one)."""
    if kind not in KINDS:
        raise AppError(404, "legal.not_found", "没有这份文件")
    version = version or (await current_versions(db))[kind]
    if version == 1:
        return {"kind": kind, "changes": "", **BUILT_IN[kind]}
    doc = await db.legal_documents.find_one({"kind": kind, "version": version})
    if doc is None:
        raise AppError(404, "legal.not_found", "没有这个版本")
    return doc


async def history(db, kind: str) -> list[dict]:
    docs = await db.legal_documents.find({"kind": kind}, {"sections": 0}).sort("version", DESCENDING).to_list(None)
    return [*docs, {"kind": kind, "changes": "", **{k: v for k, v in BUILT_IN[kind].items() if k != "sections"}}]


async def publish(db, kind: str, body: dict, actor: dict) -> dict:
    """A new version of `kind`, numbered after the newest one; residents are asked again once it is in effect."""
    if kind not in KINDS:
        raise AppError(404, "legal.not_found", "没有这份文件")
    effective_at = body["effective_at"] or now()
    if effective_at < now().replace(microsecond=0):
        raise Invalid({"effective_at": ["生效时间不能早于现在"]})
    for _ in range(5):  # two operators publishing at once: the second takes the next number
        newest = await db.legal_documents.find_one({"kind": kind}, sort=[("version", DESCENDING)])
        version = (newest["version"] if newest else 1) + 1
        doc = {"_id": f"{kind}:{version}", "kind": kind, "version": version, "title": body["title"],
               "sections": body["sections"], "changes": body["changes"], "effective_at": effective_at,
               "published_at": now(), "published_by": actor["username"]}
        try:
            await db.legal_documents.insert_one(doc)
            break
        except DuplicateKeyError:
            continue
    else:
        raise AppError(409, "legal.publish_conflict", "发布冲突，请重试")
    forget(db)
    await audit.record(db, actor=actor["username"], role=actor["role"], action="legal.publish",
                       target=f"legal:{kind}", details={"version": version, "effective_at": effective_at.isoformat()})
    return doc


async def pending(db, resident: dict, kinds=LOGIN_KINDS) -> list[dict]:
    """What of `kinds` the resident has not agreed to in its current version: [{kind, version, title}]."""
    versions = await current_versions(db)
    given = resident.get("consents") or {}
    out = []
    for kind in kinds:
        if (given.get(kind) or {}).get("version") != versions[kind]:
            out.append({"kind": kind, "version": versions[kind], "title": BUILT_IN[kind]["title"]})
    return out


async def record(db, resident: dict, kinds: list[str], shown: dict, channel: str) -> dict:
    """Record the resident's consent to the current version of each of `kinds`, which must be the
    version the resident was shown (a publish in between means they have not read the new one)."""
    versions = await current_versions(db)
    stale = {kind: ["文件已更新，请阅读新版本后再同意"] for kind in kinds if shown.get(kind) != versions[kind]}
    if stale:
        raise AppError(409, "consent.version_changed", "文件已更新，请阅读新版本后再同意", details=stale)
    at = now()
    changes = {f"consents.{kind}": {"version": versions[kind], "at": at, "channel": channel} for kind in kinds}
    result = await db.residents.update_one({"_id": resident["_id"], "state": "active"}, {"$set": changes})
    if result.matched_count == 0:
        raise AppError(409, "resident.changed", "账号信息已变化，请刷新后重试")
    await db.consent_log.insert_many([{"resident": resident["_id"], "kind": kind, "version": versions[kind],
                                       "at": at, "channel": channel} for kind in kinds])
    given = {**(resident.get("consents") or {}), **{k.split(".", 1)[1]: v for k, v in changes.items()}}
    return {**resident, "consents": given}


async def check_login(db, resident_id: str) -> None:
    """The gate before any resident API but consent, documents, who-am-I and closure: 401 once the
    account is closed, 403 `consent.required` until the current 用户协议 and 隐私政策 are agreed to.
    One read of the resident's consents (the versions are cached)."""
    try:
        oid = ObjectId(resident_id)
    except (InvalidId, TypeError):
        raise AppError(401, "auth.token_invalid", "登录凭证无效") from None
    doc = await db.residents.find_one({"_id": oid}, {"consents": 1, "state": 1, "merged_into": 1})
    for _ in range(5):  # a merged-away login speaks for the account it joined
        if doc is None or doc.get("state") != "merged":
            break
        doc = await db.residents.find_one({"_id": doc["merged_into"]}, {"consents": 1, "state": 1, "merged_into": 1})
    if doc is None or doc.get("state") != "active":
        raise AppError(401, "auth.account_closed", "账号已注销或不存在，请重新登录")
    missing = await pending(db, doc)
    if missing:
        raise AppError(403, "consent.required", "请先阅读并同意用户协议和隐私政策",
                       details={"consent_required": [f"{m['kind']}:{m['version']}" for m in missing]})


def consent_view(resident: dict) -> dict:
    return {kind: {"version": c["version"], "at": c["at"].isoformat(), "channel": c["channel"]}
            for kind, c in (resident.get("consents") or {}).items()}
