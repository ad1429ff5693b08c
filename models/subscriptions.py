"""What a resident agreed to receive: mini-program subscribe-message quotas (WeChat, Alipay),
JPush devices of the native app, and notification preferences.

A one-time subscription (`wx.requestSubscribeMessage` accepted once) allows one message, so
quotas add up and each delivered message uses one; a long-term subscription (政务民生 and 交通
accounts) has no count. Quotas are spent only when the platform accepted the message.
"""

import datetime as dt

from marshmallow import Schema, fields, validate
from pymongo import ASCENDING

from models.clock import now

CHANNELS = ("wechat", "alipay")
PUSH_CHANNELS = ("wechat", "alipay", "app")


class AcceptedSchema(Schema):
    template = fields.String(required=True, validate=validate.Length(1, 64))
    kind = fields.String(load_default="one-time", validate=validate.OneOf(["one-time", "long-term"]))


class SubscriptionsSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    # At most 3 templates per requestSubscribeMessage call; a client may batch a few calls.
    accepted = fields.List(fields.Nested(AcceptedSchema), required=True, validate=validate.Length(1, 10))


class SubscriptionViewSchema(Schema):
    channel = fields.String()
    template = fields.String()
    kind = fields.String()
    remaining = fields.Integer(allow_none=True)
    updated_at = fields.AwareDateTime()


class DeviceSchema(Schema):
    registration_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z]{11,32}\Z",
                                                                            error="推送设备标识格式不正确"))
    platform = fields.String(required=True, validate=validate.OneOf(["android", "ios"]))


class DeviceViewSchema(Schema):
    registration_id = fields.String(attribute="_id")
    platform = fields.String()
    active = fields.Boolean()
    updated_at = fields.AwareDateTime()


class PreferencesSchema(Schema):
    # None: the channel the resident used for that application.
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PUSH_CHANNELS))
    # "important": SMS when no other channel reached the resident, for important events only.
    sms = fields.String(load_default="important", validate=validate.OneOf(["important", "off"]))


DEFAULT_PREFERENCES = {"channel": None, "sms": "important"}


async def ensure_indexes(db) -> None:
    await db.subscriptions.create_index([("owner", ASCENDING), ("channel", ASCENDING)])
    await db.devices.create_index([("owner", ASCENDING), ("active", ASCENDING)])


def _key(owner: str, channel: str, template: str) -> str:
    return f"{owner}:{channel}:{template}"


# One popup, two reports: the mini-program's `POST /me/subscriptions` and WeChat's
# `subscribe_msg_popup_event` (when the message-push URL is configured) both tell of the same accept.
# Neither alone can be the authority: the client's report is lost when the app is closed at once,
# and WeChat's event is lost when no push URL is configured (or it fails). So each source adds a
# unit unless the other source reported an accept of the same template within MATCH_WINDOW that
# no report of this source has matched yet: then the two are one accept, and nothing is added.
# Each subscription document keeps, per source, how many of its reports are still unmatched and
# when the last came; one pipeline update on that document decides, so concurrent reports of the
# two sources cannot both add. Long-term subscriptions have no count: nothing to deduplicate.
SOURCES = ("client", "wechat")
MATCH_WINDOW = dt.timedelta(minutes=10)


def _accept_one_time(source: str, at: dt.datetime) -> list[dict]:
    other = next(s for s in SOURCES if s != source)
    mine_n, mine_at = f"unmatched_{source}", f"unmatched_{source}_at"
    other_n, other_at = f"unmatched_{other}", f"unmatched_{other}_at"
    cutoff = at - MATCH_WINDOW
    theirs = {"$ifNull": [f"${other_n}", 0]}
    match = {"$and": [{"$gt": [theirs, 0]}, {"$gte": [{"$ifNull": [f"${other_at}", None]}, cutoff]}]}
    mine_fresh = {"$gte": [{"$ifNull": [f"${mine_at}", None]}, cutoff]}
    mine = {"$ifNull": [f"${mine_n}", 0]}
    remaining = {"$ifNull": ["$remaining", 0]}
    long_term = {"$eq": ["$kind", "long-term"]}
    return [{"$set": {
        "kind": {"$ifNull": ["$kind", "one-time"]},
        "remaining": {"$cond": [long_term, None, {"$cond": [match, remaining, {"$add": [remaining, 1]}]}]},
        other_n: {"$cond": [match, {"$subtract": [theirs, 1]}, theirs]},
        mine_n: {"$cond": [match, mine, {"$cond": [mine_fresh, {"$add": [mine, 1]}, 1]}]},
        mine_at: {"$cond": [match, {"$ifNull": [f"${mine_at}", None]}, at]},
        "updated_at": at}}]


async def accept(db, owner: str, channel: str, accepted: list[dict], *, source: str = "client") -> list[dict]:
    """Accepts reported by `source` ("client": the mini-program; "wechat": WeChat's popup event)."""
    if source not in SOURCES:
        raise ValueError(f"subscription source {source!r}")
    for entry in accepted:
        at = now()
        if entry["kind"] == "long-term":  # a long-term subscription stays long-term, with no count
            stages = [{"$set": {"kind": "long-term", "remaining": None, "updated_at": at}}]
        else:  # one-time accepts add up, once per popup (above)
            stages = _accept_one_time(source, at)
        await db.subscriptions.update_one(
            {"_id": _key(owner, channel, entry["template"])},
            [{"$set": {"owner": owner, "channel": channel, "template": entry["template"]}}, *stages], upsert=True)
    return await listing(db, owner)


async def listing(db, owner: str) -> list[dict]:
    return await db.subscriptions.find({"owner": owner}).sort("_id", ASCENDING).to_list(None)


class Reach:
    """What a group of residents agreed to receive (preferences, quotas, devices), read in three
    queries for a whole batch of notifications. Planning a message takes one quota unit here,
    so two messages in one batch never count on the same unit."""

    def __init__(self, prefs: dict, quotas: dict, devices: dict):
        self.prefs, self._quotas, self.devices = prefs, quotas, devices

    def preferences(self, owner: str) -> dict:
        return self.prefs.get(owner, DEFAULT_PREFERENCES)

    def take(self, owner: str, channel: str, template: str) -> bool:
        doc = self._quotas.get(_key(owner, channel, template))
        if doc is None:
            return False
        if doc.get("kind") == "long-term":
            return True
        if (doc.get("remaining") or 0) > 0:
            doc["remaining"] -= 1
            return True
        return False

    def one_time(self, owner: str, channel: str, template: str) -> bool:
        doc = self._quotas.get(_key(owner, channel, template))
        return doc is not None and doc.get("kind") != "long-term"


async def reach(db, owners) -> Reach:
    owners = sorted(set(owners))
    prefs = {p["_id"]: {**DEFAULT_PREFERENCES, **{k: v for k, v in p.items() if k in DEFAULT_PREFERENCES}}
             for p in await db.notification_preferences.find({"_id": {"$in": owners}}).to_list(None)}
    quotas = {q["_id"]: q for q in await db.subscriptions.find({"owner": {"$in": owners}}).to_list(None)}
    devices: dict[str, list[str]] = {}
    for d in await db.devices.find({"owner": {"$in": owners}, "active": True}).sort("updated_at", -1).to_list(None):
        devices.setdefault(d["owner"], []).append(d["_id"])
    return Reach(prefs, quotas, devices)


async def spend(db, used) -> None:
    """Messages went out: each one-time quota loses what was used (`used`: (owner, channel, template)
    -> count), never below zero."""
    for (owner, channel, template), count in used.items():
        await db.subscriptions.update_one(
            {"_id": _key(owner, channel, template), "kind": "one-time"},
            [{"$set": {"remaining": {"$max": [0, {"$subtract": [{"$ifNull": ["$remaining", 0]}, count]}]}}}])


async def exhausted(db, owner: str, channel: str, template: str) -> None:
    """The platform said there is no quota (43101): our count was stale, or the resident turned a
    long-term subscription off. Either way nothing is left until they accept again."""
    await db.subscriptions.update_one({"_id": _key(owner, channel, template)},
                                      {"$set": {"kind": "one-time", "remaining": 0, "updated_at": now()}})


async def turned_off(db, owner: str, channel: str, template: str) -> None:
    """The resident rejected the template in the app's settings (WeChat's subscribe_msg_change_event):
    nothing more until they accept again."""
    await db.subscriptions.update_one({"_id": _key(owner, channel, template)},
                                      {"$set": {"kind": "one-time", "remaining": 0, "updated_at": now()}})


async def register_device(db, owner: str, registration_id: str, platform: str) -> dict:
    """A registration id belongs to the phone's current owner: re-registering moves it."""
    doc = {"owner": owner, "platform": platform, "active": True, "updated_at": now()}
    await db.devices.update_one({"_id": registration_id}, {"$set": doc}, upsert=True)
    return {"_id": registration_id, **doc}


async def devices(db, owner: str, *, active_only: bool = False) -> list[dict]:
    query = {"owner": owner, **({"active": True} if active_only else {})}
    return await db.devices.find(query).sort("updated_at", -1).to_list(None)


async def remove_device(db, owner: str, registration_id: str) -> bool:
    result = await db.devices.delete_one({"_id": registration_id, "owner": owner})
    return bool(result.deleted_count)


async def deactivate_device(db, registration_id: str, reason: str) -> None:
    """JPush 1011: unknown or inactive for 255 days; stop sending to it."""
    await db.devices.update_one({"_id": registration_id},
                                {"$set": {"active": False, "inactive_reason": reason, "updated_at": now()}})


async def preferences(db, owner: str) -> dict:
    doc = await db.notification_preferences.find_one({"_id": owner})
    return {**DEFAULT_PREFERENCES, **{k: v for k, v in (doc or {}).items() if k in DEFAULT_PREFERENCES}}


async def set_preferences(db, owner: str, prefs: dict) -> dict:
    await db.notification_preferences.update_one({"_id": owner}, {"$set": {**prefs, "updated_at": now()}}, upsert=True)
    return await preferences(db, owner)
