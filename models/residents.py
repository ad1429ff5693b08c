"""Residents (一号): one record owns the channel identities of one person.

A channel identity is a key `"<channel>:<subject>"` (subject: WeChat unionid or openid, Alipay
user_id or open_id, the app's phone HMAC). `identity_keys` carries a unique index, so a key
belongs to exactly one resident. Real-name verification stores the 身份证号 only as an HMAC
(unique among active residents) and AES-GCM ciphertext. When a second login verifies a 身份证号
that a resident already holds, nothing is joined yet: name + number are no proof of being that
person, so models/links.py asks the existing resident for proof first, then `merge` joins them.
The resident (or an admin) can undo a merge.

Tokens carry a tag of the identity key they were issued for (`idk`); `of_token` refuses a token
whose key no longer belongs to the resident (its merge was undone, or the channel unlinked).
"""

import datetime as dt
import hashlib
import logging

from bson import ObjectId
from bson.errors import InvalidId
from id_validator import validator
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models import audit, legal
from models.clock import now
from models.errors import AppError, Conflict, Invalid, NotFound
from models.pii import mask_id, mask_name, mask_phone

log = logging.getLogger(__name__)
NAME_RE = r"^[\u4e00-\u9fa5·]{2,20}\Z"
LOGIN_STAMP_EVERY = dt.timedelta(hours=1)


class RealnameSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(NAME_RE, error="请输入身份证上的中文姓名"))
    id_number = fields.String(required=True, validate=validate.Length(18, 18, error="身份证号码应为18位"))


class ChannelViewSchema(Schema):
    channel = fields.String()
    linked_at = fields.AwareDateTime()


class ResidentViewSchema(Schema):
    id = fields.Function(lambda r: str(r["_id"]))
    channels = fields.List(fields.Nested(ChannelViewSchema))
    realname = fields.Method("_realname")
    phone = fields.Function(lambda r: (r.get("phone") or {}).get("masked"))
    created_at = fields.AwareDateTime()
    consents = fields.Method("_consents")  # {kind: {version, at, channel}}: models/legal.py

    def _consents(self, r):
        return legal.consent_view(r)

    def _realname(self, r):
        rn = r.get("realname")
        if not rn:
            return {"status": "unverified"}
        return {"status": "verified", "name": rn["name_masked"], "id_number": rn["id_masked"],
                "verified_at": rn["verified_at"].isoformat()}


class ContactSchema(Schema):
    """What a form may fill in for the resident (`prefill: login_phone`): their own, unmasked."""

    phone = fields.String(allow_none=True)


def contact(resident: dict, pii) -> dict:
    """The login's phone in clear, for the resident alone; None when the account has none."""
    enc = (resident.get("phone") or {}).get("enc")
    return {"phone": pii.decrypt(enc) if enc else None}


async def ensure_indexes(db) -> None:
    await db.residents.create_index([("identity_keys", ASCENDING)], unique=True)
    await db.residents.create_index([("realname.id_hmac", ASCENDING)], unique=True,
                                    partialFilterExpression={"state": "active", "realname.id_hmac": {"$exists": True}})
    await db.resident_merges.create_index([("at", ASCENDING)])
    await db.residents.create_index([("channels.address", ASCENDING)])  # WeChat's events name the openid
    await db.resident_merges.create_index([("target", ASCENDING), ("at", ASCENDING)])


def _oid(resident_id) -> ObjectId:
    try:
        return resident_id if isinstance(resident_id, ObjectId) else ObjectId(resident_id)
    except (InvalidId, TypeError):
        raise AppError(401, "auth.token_invalid", "登录凭证无效") from None


async def get(db, resident_id) -> dict:
    """The resident, following a merge to the resident it now belongs to."""
    doc = await db.residents.find_one({"_id": _oid(resident_id)})
    for _ in range(5):
        if doc is None or doc.get("state") != "merged":
            break
        doc = await db.residents.find_one({"_id": doc["merged_into"]})
    if doc is None or doc.get("state") != "active":
        raise NotFound("resident.not_found", "用户不存在")
    return doc


def key_tag(key: str) -> str:
    """What a token carries of its identity key: enough to check it, not the channel's user id."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def holds_tag(resident: dict, tag: str | None) -> bool:
    """Whether the login a token was issued for still belongs to this resident (tokens from before
    tags existed carry none and are let through until they expire)."""
    return tag is None or any(key_tag(k) == tag for k in resident["identity_keys"])


async def of_token(db, claims: dict) -> dict:
    """The resident a resident token speaks for, refusing a login that no longer belongs to it."""
    doc = await get(db, claims["sub"])
    if not holds_tag(doc, claims.get("idk")):
        raise AppError(401, "auth.token_revoked", "该登录方式已与账号解除关联，请重新登录")
    return doc


async def by_address(db, channel: str, address: str) -> dict | None:
    """The active resident a channel reaches at `address` (WeChat: the mini-program openid)."""
    return await db.residents.find_one({"state": "active", "channels": {"$elemMatch": {"channel": channel,
                                                                                      "address": address}}})


async def get_many(db, resident_ids) -> dict[str, dict]:
    """id -> active resident (following merges) for many ids at once; unknown ones are left out."""
    wanted = {}
    for i in resident_ids:
        try:
            wanted[str(i)] = _oid(i)
        except AppError:  # not an id of ours: nobody
            continue
    docs = {str(d["_id"]): d for d in await db.residents.find({"_id": {"$in": list(wanted.values())}}).to_list(None)}
    found = {}
    for key in wanted:
        doc = docs.get(key)
        if doc is not None and doc.get("state") == "merged":
            try:
                doc = await get(db, doc["_id"])
            except NotFound:
                doc = None
        if doc is not None and doc.get("state") == "active":
            found[key] = doc
    return found


async def login(db, identity, pii=None) -> dict:
    """The resident owning this channel identity, created on first login.

    A returning resident costs one read; `last_login_at` is written at most hourly, so a
    morning login storm of returning residents is (almost) read-only.
    """
    key = f"{identity.channel}:{identity.subject}"
    aliases = [f"{identity.channel}:{alias}" for alias in identity.aliases]
    # A merged-away record no longer holds its keys (they moved to the resident it joined),
    # so whoever holds the key is active.
    if aliases:  # the record this login used before wins over one that only shares the unionid
        matches = await db.residents.find({"identity_keys": {"$in": [key, *aliases]}}).to_list(2)
        found = next((r for r in matches if set(aliases) & set(r["identity_keys"])), matches[0] if matches else None)
    else:
        found = await db.residents.find_one({"identity_keys": key})
    address = identity.address or identity.subject
    if found is not None and key not in found["identity_keys"]:
        found = await _gain_key(db, found, identity, key)
    if found is not None:
        changes = _phone(identity, pii)
        moved = not any(c["subject"] == identity.subject and c.get("address") == address for c in found["channels"])
        if changes or moved or found.get("last_login_at", now()) < now() - LOGIN_STAMP_EVERY:
            await db.residents.update_one({"_id": found["_id"], "channels.subject": identity.subject},
                                          {"$set": {"last_login_at": now(), "channels.$.address": address, **changes}})
        return {**found, **changes}
    doc = {"identity_keys": [key], "state": "active", "created_at": now(), "last_login_at": now(),
           "channels": [{"channel": identity.channel, "subject": identity.subject, "address": address,
                         "linked_at": now()}],
           **_phone(identity, pii)}
    try:
        result = await db.residents.insert_one(doc)
        return {**doc, "_id": result.inserted_id}
    except DuplicateKeyError:  # the same person logging in twice at once
        return await get(db, (await db.residents.find_one({"identity_keys": key}))["_id"])


async def _gain_key(db, found: dict, identity, key: str) -> dict:
    """A returning resident found by an alias (WeChat: the openid) now logs in with a new subject
    (the unionid, once the mini-program is bound to an Open Platform account): the record gains
    the new key and its channel entry the new subject, so the next login finds it directly."""
    held = next((c["subject"] for c in found["channels"] if c["subject"] in identity.aliases), None)
    try:
        await db.residents.update_one({"_id": found["_id"], "state": "active", "channels.subject": held},
                                      {"$addToSet": {"identity_keys": key}, "$set": {"channels.$.subject": identity.subject}})
    except DuplicateKeyError:
        # Another resident already holds the unionid (the person also used another mini-program of
        # the same Open Platform account): WeChat says they are one person, but joining accounts is
        # the resident's decision (models/links.py). Keep this one as it is.
        log.warning("unionid already held by another resident", extra={"resident_id": str(found["_id"])})
        return found
    return await db.residents.find_one({"_id": found["_id"]}) or found


def login_key(resident: dict, identity) -> str:
    """The identity key this login holds on the resident (its tokens are tagged with it)."""
    for subject in (identity.subject, *identity.aliases):
        key = f"{identity.channel}:{subject}"
        if key in resident["identity_keys"]:
            return key
    return f"{identity.channel}:{identity.subject}"


def _phone(identity, pii) -> dict:
    if not (identity.phone and pii is not None):
        return {}
    return {"phone": {"hmac": pii.lookup("phone", identity.phone), "enc": pii.encrypt(identity.phone),
                      "masked": mask_phone(identity.phone)}}


def check_id_number(id_number: str) -> str:
    id_number = id_number.strip().upper()
    if not validator.is_valid(id_number):
        raise Invalid({"id_number": ["身份证号码不正确（请检查校验位、出生日期和地区码）"]})
    return id_number


async def verify_realname(db, resident: dict, name: str, id_number: str, *, pii, verify) -> tuple[dict, dict | None]:
    """Record a verified 身份证号 for this resident, unless another resident already holds it.

    `verify(name, id_number)` asks the identity register and raises AppError on mismatch.
    Returns (this resident, None) once recorded, or (this resident unchanged, the holder).
    """
    id_number = check_id_number(id_number)
    id_hmac = pii.lookup("id", id_number)
    current = resident.get("realname")
    if current and current["id_hmac"] != id_hmac:
        raise Conflict("realname.already_verified", "已完成实名认证，如需更换请联系客服")
    await verify(name, id_number)
    owner = await db.residents.find_one({"realname.id_hmac": id_hmac, "state": "active"})
    if owner is not None and owner["_id"] != resident["_id"]:
        return resident, owner
    realname = {"id_hmac": id_hmac, "id_enc": pii.encrypt(id_number), "id_masked": mask_id(id_number),
                "name_enc": pii.encrypt(name), "name_masked": mask_name(name), "verified_at": now()}
    try:
        doc = await db.residents.find_one_and_update({"_id": resident["_id"], "state": "active"},
                                                     {"$set": {"realname": realname}},
                                                     return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:  # another login of the same 身份证号 verified at the same moment
        return resident, await db.residents.find_one({"realname.id_hmac": id_hmac, "state": "active"})
    if doc is None:  # merged away meanwhile
        raise Conflict("resident.changed", "账号信息已变化，请刷新后重试")
    return doc, None


async def merge(db, source: dict, target: dict, *, via: str, link_id=None, session=None) -> dict:
    """Move source's channel identities to target; source stays as a tombstone pointing at target.
    `via` says what proved it is the same person (sms, approval, face). Pass the `session` of a
    transaction: the moves and the records must happen together or not at all."""
    claimed = await db.residents.find_one_and_update(
        {"_id": source["_id"], "state": "active", "realname": {"$exists": False}},
        {"$set": {"state": "merged", "merged_into": target["_id"], "identity_keys": [f"merged:{source['_id']}"],
                  "channels": []}}, session=session)
    if claimed is None:  # merged, verified or gone since the request was made
        raise Conflict("link.source_changed", "发起关联的账号已变化，请重新发起")
    moved = {"identity_keys": claimed["identity_keys"], "channels": claimed["channels"]}
    joined = await db.residents.update_one({"_id": target["_id"], "state": "active"}, {
        "$addToSet": {"identity_keys": {"$each": moved["identity_keys"]}},
        "$push": {"channels": {"$each": moved["channels"]}}}, session=session)
    if joined.matched_count == 0:
        raise Conflict("link.target_changed", "要关联的账号已变化，请重新发起")
    merge = {"at": now(), "source": source["_id"], "target": target["_id"], "moved": moved, "reverted_at": None,
             "via": via, "link": link_id}
    result = await db.resident_merges.insert_one(merge, session=session)
    await audit.record(db, actor=str(source["_id"]), role="resident", action="resident.merge",
                       target=f"resident:{target['_id']}", session=session,
                       details={"merge_id": str(result.inserted_id), "source": str(source["_id"]), "via": via,
                                "keys": len(moved["identity_keys"])})
    return {**merge, "_id": result.inserted_id}


async def revert_merge(db, merge_id: str, actor: dict, *, target=None) -> dict:
    """Give the merged resident its channels back. With `target`, only a merge into that resident
    (a resident undoing one of their own)."""
    query = {"_id": _oid_or_404(merge_id), "reverted_at": None}
    if target is not None:
        query["target"] = target
    merge = await db.resident_merges.find_one_and_update(query, {"$set": {"reverted_at": now()}})
    if merge is None:
        raise NotFound("merge.not_found", "合并记录不存在或已撤销")
    moved = merge["moved"]
    await db.residents.update_one({"_id": merge["target"]}, {
        "$pull": {"identity_keys": {"$in": moved["identity_keys"]},
                  "channels": {"subject": {"$in": [c["subject"] for c in moved["channels"]]}}}})
    await db.residents.update_one({"_id": merge["source"]}, {
        "$set": {"state": "active", "identity_keys": moved["identity_keys"], "channels": moved["channels"]},
        "$unset": {"merged_into": ""}})
    await audit.record(db, actor=actor["username"], role=actor["role"], action="resident.merge_reverted",
                       target=f"resident:{merge['target']}", details={"merge_id": merge_id})
    return await get(db, merge["source"])


async def list_merges(db, limit: int = 50, *, target=None) -> list[dict]:
    query = {} if target is None else {"target": target}
    return await db.resident_merges.find(query).sort("at", -1).limit(limit).to_list(None)


def _oid_or_404(value: str) -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound("merge.not_found", "合并记录不存在或已撤销") from None


async def unlink_channel(db, resident: dict, channel: str, *, current: str) -> dict:
    """Unlink `channel`, never the one the resident is logged in on (`current`): its tokens would
    go on working for an identity no longer theirs."""
    keep = [c for c in resident["channels"] if c["channel"] != channel]
    if len(keep) == len(resident["channels"]):
        raise NotFound("channel.not_linked", "未绑定该渠道")
    if not keep:
        raise Conflict("channel.last", "不能解绑唯一的登录方式")
    if channel == current:
        raise Conflict("channel.current", "不能解绑当前正在使用的登录方式，请从其他方式登录后再解绑")
    keys = [f"{c['channel']}:{c['subject']}" for c in keep]
    doc = await db.residents.find_one_and_update(
        {"_id": resident["_id"], "state": "active", "channels": resident["channels"]},
        {"$set": {"channels": keep, "identity_keys": keys}}, return_document=ReturnDocument.AFTER)
    if doc is None:  # merged, deactivated or changed since it was read
        raise Conflict("resident.changed", "账号信息已变化，请刷新后重试")
    return doc


async def merged_ids(db, resident_id) -> list[str]:
    """The residents merged into this one (their logins now speak for it)."""
    return [str(r["_id"]) async for r in db.residents.find({"merged_into": resident_id}, {"_id": 1})]
