"""Account closure (注销账号, 个人信息保护法 Art. 47).

What the resident gave us for the account is erased: the resident record becomes a tombstone with
no identity keys, channels, phone, name or 身份证号 (so the same WeChat or phone logs in as a new
resident), and vehicles, inbox, material library, subscriptions, devices, favourites, notification
preferences, idempotency records, link requests, merge records (they name the moved logins),
consents and uploads no 办件 uses are deleted. 办件 are government records the law requires us to
keep (档案法): they stay with their contents, but their `owner` — and everything else that points
back at the account (tickets, delivery records, the notification outbox, query audit, the uploads
they use) — is replaced by one random anonymous id that is written nowhere else, so nothing leads
from the 办件 back to the person's account or from the account to them.

The tombstone keeps `_id` and `state: closed`, so a token still held answers 401
`auth.account_closed` (models/legal.check_login) and a refresh is refused.
"""

import re
import secrets

from models import audit
from models.clock import now
from models.errors import AppError

# collections whose records of the resident are deleted, by the field naming the owner (a string id)
DELETED = ("vehicles", "inbox", "material_library", "subscriptions", "devices", "favorites")
# collections whose records must stay (they belong to a 办件), their owner replaced by the anonymous id
UNLINKED = ("tickets", "deliveries", "notifications", "query_audit")


async def remember_face(db, resident_id, channel: str, handle_enc: str) -> None:
    """The face check a closure needs (usecases/account_closure.py), kept until it is spent."""
    await db.residents.update_one({"_id": resident_id, "state": "active"}, {"$set": {"closure_face": {
        "channel": channel, "handle_enc": handle_enc, "started_at": now()}}})


async def forget_face(db, resident_id) -> None:
    await db.residents.update_one({"_id": resident_id}, {"$unset": {"closure_face": ""}})


def anonymous_id() -> str:
    return "anon:" + secrets.token_hex(12)


async def close(db, resident: dict, *, channel: str, proof: str) -> dict:
    """Close the account; returns what was done, by collection, for the audit record and the answer."""
    oid, owner = resident["_id"], str(resident["_id"])
    closed = await db.residents.find_one_and_replace(
        {"_id": oid, "state": "active"},
        {"state": "closed", "closed_at": now(), "identity_keys": [f"closed:{oid}"], "channels": []})
    if closed is None:
        raise AppError(409, "resident.changed", "账号信息已变化，请刷新后重试")
    anon = anonymous_id()
    done: dict[str, int] = {}
    # the logins merged into this account: their tombstones may still hold a phone
    merged = await db.residents.find({"merged_into": oid}, {"_id": 1}).to_list(None)
    for m in merged:
        await db.residents.replace_one({"_id": m["_id"]}, {"state": "closed", "closed_at": now(),
                                                           "identity_keys": [f"closed:{m['_id']}"], "channels": []})
    done["merged_logins"] = len(merged)
    owners = [owner, *(str(m["_id"]) for m in merged)]

    kept_numbers = []
    async for app in db.applications.find({"owner": {"$in": owners}}, {"number": 1}):
        kept_numbers.append(app["number"])
    result = await db.applications.update_many({"owner": {"$in": owners}}, {"$set": {"owner": anon}})
    done["applications_unlinked"] = result.modified_count
    if kept_numbers:  # the resident's own steps in each timeline name them too
        await db.applications.update_many({"number": {"$in": kept_numbers}},
                                          {"$set": {"timeline.$[mine].actor": anon}},
                                          array_filters=[{"mine.actor": {"$in": owners}}])
    used = set()
    async for app in db.applications.find({"number": {"$in": kept_numbers}}, {"materials": 1, "form": 1}):
        used.update(m.get("upload_id") for m in app.get("materials") or [] if m.get("upload_id"))
    uploads = await db.uploads.find({"owner": {"$in": owners}}, {"_id": 1}).to_list(None)
    keep = [u["_id"] for u in uploads if str(u["_id"]) in used]
    result = await db.uploads.delete_many({"owner": {"$in": owners}, "_id": {"$nin": keep}})
    done["uploads_deleted"] = result.deleted_count
    if keep:
        await db.uploads.update_many({"_id": {"$in": keep}}, {"$set": {"owner": anon}})
    done["uploads_unlinked"] = len(keep)

    for name in UNLINKED:
        result = await db[name].update_many({"owner": {"$in": owners}}, {"$set": {"owner": anon}})
        done[f"{name}_unlinked"] = result.modified_count
    for name in DELETED:
        result = await db[name].delete_many({"owner": {"$in": owners}})
        done[f"{name}_deleted"] = result.deleted_count
    result = await db.notification_preferences.delete_many({"_id": {"$in": owners}})
    done["notification_preferences_deleted"] = result.deleted_count
    prefixes = "|".join(re.escape(o) for o in owners)
    result = await db.idempotency.delete_many({"_id": {"$regex": f"^(?:{prefixes}):"}})
    done["idempotency_deleted"] = result.deleted_count
    oids = [oid, *(m["_id"] for m in merged)]
    result = await db.resident_links.delete_many({"$or": [{"source": {"$in": oids}}, {"target": {"$in": oids}}]})
    done["resident_links_deleted"] = result.deleted_count
    result = await db.resident_merges.delete_many({"$or": [{"source": {"$in": oids}}, {"target": {"$in": oids}}]})
    done["resident_merges_deleted"] = result.deleted_count
    result = await db.consent_log.delete_many({"resident": {"$in": oids}})
    done["consent_log_deleted"] = result.deleted_count

    # the anonymous id is in no audit record: it would lead from the account to its 办件
    await audit.record(db, actor=owner, role="resident", action="resident.closed", target=f"resident:{owner}",
                       details={"channel": channel, "proof": proof, **done})
    return done
