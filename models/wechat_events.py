"""What the WeChat mini-program's message push tells us (handlers/wechat_events.py verifies and
decrypts it): `subscribe_msg_sent_event` is a receipt per message (ErrorCode 0: delivered, else
permanent-failure); `subscribe_msg_popup_event` (accept) adds quota of that template for that
resident (one-time: one more; long-term: subscribed); `subscribe_msg_change_event` (reject, in the
app's settings) turns it off. The resident is found by the openid (`FromUserName`)."""

import datetime as dt
import logging

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from models import receipts, residents, subscriptions
from models.errors import AppError

log = logging.getLogger(__name__)
# ErrorCode -> the reason a failure receipt records
# a late refusal that means the resident has no quota of that template left (the send path's 43101)
NO_QUOTA = (43101,)
SENT_ERRORS = {43101: "user refused", 43107: "user refused", 43108: "blocked", 45009: "daily quota"}


def malformed(message: str) -> AppError:
    return AppError(400, "wechat_push.malformed", message)


_bad = malformed


class SentItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    TemplateId = fields.String(required=True, validate=validate.Length(1, 128))
    MsgID = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,32}\Z"))
    ErrorCode = fields.String(required=True, validate=validate.Regexp(r"^-?[0-9]{1,9}\Z"))
    ErrorStatus = fields.String(load_default="", validate=validate.Length(0, 256))


class ChoiceItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    TemplateId = fields.String(required=True, validate=validate.Length(1, 128))
    SubscribeStatusString = fields.String(required=True, validate=validate.Length(1, 32))


class EventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    FromUserName = fields.String(required=True, validate=validate.Length(1, 128))
    CreateTime = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{1,12}\Z"))
    MsgType = fields.String(load_default="")
    Event = fields.String(load_default="")


def _text(value) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _items(doc: dict, container: str, schema: Schema) -> list[dict]:
    """The event's List entries (XML: one object per <List>; JSON: an object or a list), checked."""
    holder = doc.get(container)
    entries = holder.get("List") if isinstance(holder, dict) else None
    entries = [entries] if isinstance(entries, dict) else entries
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise _bad(f"{container} 缺少 List")
    try:
        return [schema.load({k: _text(v) for k, v in e.items() if _text(v) is not None}) for e in entries]
    except ValidationError:
        raise _bad(f"{container} 格式不正确") from None


async def apply(db, doc: dict) -> None:
    """Apply one decoded push: receipts, and the residents' subscription choices; other events
    are ignored. A body not in the event's shape is a 400."""
    try:
        head = EventSchema().load({k: _text(v) for k, v in doc.items() if _text(v) is not None})
    except ValidationError:
        raise _bad("消息缺少 FromUserName") from None
    kind = head["Event"] if head["MsgType"] == "event" else ""
    if kind == "subscribe_msg_sent_event":
        at = dt.datetime.fromtimestamp(int(head["CreateTime"]), dt.UTC) if head["CreateTime"] else None
        for item in _items(doc, "SubscribeMsgSentEvent", SentItemSchema()):
            code = int(item["ErrorCode"])
            reason = None if code == 0 else \
                f"wechat-sent-event {code} {SENT_ERRORS.get(code) or item['ErrorStatus'] or 'failed'}"
            await receipts.record(db, "wechat", item["MsgID"], "delivered" if code == 0 else "permanent-failure",
                                  reason=reason, at=at)
            if code in NO_QUOTA:  # as the send path does: nothing left until the resident accepts again
                await _exhausted(db, head["FromUserName"], item["TemplateId"])
    elif kind in ("subscribe_msg_popup_event", "subscribe_msg_change_event"):
        container = "SubscribeMsgPopupEvent" if kind == "subscribe_msg_popup_event" else "SubscribeMsgChangeEvent"
        choices = _items(doc, container, ChoiceItemSchema())
        resident = await residents.by_address(db, "wechat", head["FromUserName"])
        if resident is None:
            log.info("wechat push: %s for an openid we do not know", kind)
            return
        for choice in choices:
            await _choice(db, str(resident["_id"]), choice, popup=kind == "subscribe_msg_popup_event")


async def _exhausted(db, openid: str, template: str) -> None:
    resident = await residents.by_address(db, "wechat", openid)
    if resident is not None:
        await subscriptions.exhausted(db, str(resident["_id"]), "wechat", template)


async def _choice(db, owner: str, choice: dict, *, popup: bool) -> None:
    template = await db.message_templates.find_one({"channel": "wechat", "template_id": choice["TemplateId"]},
                                                   {"kind": 1})
    if template is None:  # not one of ours
        return
    kind = template.get("kind", "one-time")
    if choice["SubscribeStatusString"] == "accept" and (popup or kind == "long-term"):
        await subscriptions.accept(db, owner, "wechat", [{"template": choice["TemplateId"], "kind": kind}],
                                  source="wechat")  # one popup's client report and event count once
    elif choice["SubscribeStatusString"] == "reject" and not popup:
        await subscriptions.turned_off(db, owner, "wechat", choice["TemplateId"])
