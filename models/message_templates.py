"""Message templates of the mini-program channels, registered by operators as the platform shows
them: a WeChat subscribe-message template (its id, one-time or long-term, its own numbered keys
with their types) or an Alipay template (keyword1…N, each with a length), which of our event
fields fills each key, and which event types are sent with it. A (channel, event type) has at
most one template. `render` builds the exact `data` payload and what breaks the key's rules."""

import datetime as dt

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models import audit
from models.applications import STATES
from models.clock import BEIJING
from models.clock import now_ms as now
from models.db import increment
from models.errors import Conflict, Invalid, NotFound
from models.template_rules import ALIPAY_TYPE, WECHAT_TYPES, fit, problem

CHANNELS = ("wechat", "alipay")
KINDS = ("one-time", "long-term")
EVENT_TYPES = tuple(f"application.{state}" for state in STATES)
# our event fields a key can take (`fixed`: the text the operator wrote)
SOURCES = {"item_name": "事项名称", "number": "办件编号", "status": "办理状态", "title": "通知标题",
           "body": "通知内容", "time": "更新时间", "remark": "温馨提示", "fixed": "固定文字"}
DEFAULT_PAGE = "pages/applications/detail"
COUNTER = "message_templates"  # bumped by every write: a worker reloads its templates when it moves


class TemplateFieldSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]*[0-9]{1,3}\Z",
                                                                 error="关键词应为类型加序号，如 thing1、keyword2"))
    type = fields.String(required=True, validate=validate.OneOf([*WECHAT_TYPES, ALIPAY_TYPE]))
    source = fields.String(required=True, validate=validate.OneOf(list(SOURCES)))
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 40))
    # Alipay: the keyword's length (default 20); WeChat's types fix their own
    max_length = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 200))


class TemplateInSchema(Schema):
    """A template as an operator registers it."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    template_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-=+/]{1,64}\Z",
                                                                         error="模板 ID 应为 1 到 64 个字母、数字或 _-=+/"))
    kind = fields.String(load_default="one-time", validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(1, 30))
    page = fields.String(load_default=DEFAULT_PAGE, validate=validate.Regexp(
        r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*\Z", error="应为小程序页面路径，如 pages/applications/detail"))
    # the template's own keys, in order (`fields` would hide marshmallow's module here)
    keys = fields.List(fields.Nested(TemplateFieldSchema), required=True, validate=validate.Length(1, 10))
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), load_default=list)

    @validates_schema
    def _keys(self, data, **kwargs):
        errors: dict = {}
        seen = set()
        for i, field in enumerate(data.get("keys", [])):
            key, kind, wrong = field["key"], field["type"], {}
            if data.get("channel") == "alipay" and kind != ALIPAY_TYPE:
                wrong["type"] = ["支付宝模板的关键词类型应为 keyword"]
            elif data.get("channel") == "wechat" and key.rstrip("0123456789") != kind:
                wrong["key"] = [f"微信模板的关键词以其类型开头，应为 {kind}N"]
            elif data.get("channel") == "wechat" and field["max_length"] is not None:
                wrong["max_length"] = ["微信关键词的长度由其类型决定"]
            if key in seen:
                wrong["key"] = ["关键词重复"]
            seen.add(key)
            if field["source"] == "fixed":
                trouble = problem(kind, field["text"] or "", field["max_length"])
                if trouble:
                    wrong["text"] = [f"固定文字{trouble}"]
            if wrong:
                errors.setdefault("keys", {})[i] = wrong
        if len(set(data.get("events", []))) != len(data.get("events", [])):
            errors["events"] = ["事件类型重复"]
        if errors:
            raise ValidationError(errors)


class TemplateOutSchema(TemplateInSchema):
    id = fields.Method("_id")
    version = fields.Integer()
    updated_at = fields.AwareDateTime()
    updated_by = fields.String()

    def _id(self, obj):
        return str(obj["_id"])


class SampleEventSchema(Schema):
    """An event to render a template with (preview and test-send); every field has a sample."""

    type = fields.String(load_default="application.accepted", validate=validate.OneOf(EVENT_TYPES))
    item_name = fields.String(load_default="社会保障卡补换", validate=validate.Length(1, 60))
    number = fields.String(load_default="SB20260000000001", validate=validate.Length(1, 40))
    at = fields.AwareDateTime(load_default=None, allow_none=True)


class PreviewSchema(Schema):
    template = fields.Nested(TemplateInSchema, required=True)
    event = fields.Nested(SampleEventSchema, load_default=lambda: SampleEventSchema().load({}))


class TestSendSchema(Schema):
    to = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,64}\Z",
                                                                error="应为用户的 openid（支付宝：user_id 或 open_id）"))
    event = fields.Nested(SampleEventSchema, load_default=lambda: SampleEventSchema().load({}))


class RenderedSchema(Schema):
    template_id = fields.String()
    page = fields.String()
    data = fields.Dict(metadata={"description": "exactly what is sent: {key: {value}}"})
    problems = fields.Dict(metadata={"description": "key -> why its value breaks the key's rules (not sent)"})


class TestSendResultSchema(RenderedSchema):
    status = fields.String(metadata={"description": "delivered, temporary-failure or permanent-failure"})
    reason = fields.String(allow_none=True)
    receipt = fields.String(allow_none=True, metadata={"description": "the platform's message id"})


# ---- rendering ---------------------------------------------------------------------------------
def _time_text(at: dt.datetime, kind: str) -> str:
    local = at.astimezone(BEIJING)
    if kind == "time":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    if kind == "date":
        return f"{local.year}年{local.month}月{local.day}日"
    return local.strftime("%Y-%m-%d %H:%M")


def render(template: dict, values: dict) -> tuple[dict, dict]:
    """The `data` payload for this template from an event's `values` (source -> text, `time` a
    datetime), and {key: problem} for the values that break their key's rules."""
    data, problems = {}, {}
    for field in template["keys"]:
        kind, source = field["type"], field["source"]
        if source == "fixed":
            value = field.get("text") or ""
        elif source == "time":
            value = _time_text(values["time"], kind)
        else:
            value = str(values.get(source) or "")
        value = fit(kind, value, field.get("max_length"))
        data[field["key"]] = {"value": value}
        trouble = problem(kind, value, field.get("max_length"))
        if trouble:
            problems[field["key"]] = f"{SOURCES[source]}「{value}」{trouble}"
    return data, problems


class TemplateSet:
    """One channel's templates by event type, as a worker last read them (`version`: the counter)."""

    def __init__(self, docs: list[dict], version: int = -1):
        self.version, self.docs = version, docs
        self._by_event = {event: doc for doc in docs for event in doc.get("events", ())}

    def for_event(self, event_type: str) -> dict | None:
        return self._by_event.get(event_type)

    @classmethod
    def only(cls, doc: dict) -> "TemplateSet":
        """This template for every event (a test-send)."""
        return cls([{**doc, "events": list(EVENT_TYPES)}])


# ---- storage -----------------------------------------------------------------------------------
async def ensure_indexes(db) -> None:
    await db.message_templates.create_index([("channel", ASCENDING), ("template_id", ASCENDING)], unique=True)


def _oid(template_id: str) -> ObjectId:
    try:
        return ObjectId(template_id)
    except (InvalidId, TypeError):
        raise NotFound("message_template.not_found", "消息模板不存在") from None


async def current(db, channel: str, cached: TemplateSet | None = None) -> TemplateSet:
    """The channel's templates; `cached` again when none changed since it was read (one small read)."""
    counter = await db.counters.find_one({"_id": COUNTER})
    version = counter["value"] if counter else 0
    if cached is not None and cached.version == version:
        return cached
    return TemplateSet(await db.message_templates.find({"channel": channel}).sort("_id", ASCENDING).to_list(None),
                       version)


async def requested(db, channel: str) -> list[dict]:
    """What the channel's client asks residents to accept: the templates that send something."""
    docs = await db.message_templates.find({"channel": channel}).sort("_id", ASCENDING).to_list(None)
    return [{"id": d["template_id"], "kind": d["kind"], "title": d["title"]} for d in docs if d.get("events")]


async def list_templates(db, channel: str | None = None) -> list[dict]:
    query = {"channel": channel} if channel else {}
    return await db.message_templates.find(query).sort([("channel", ASCENDING), ("_id", ASCENDING)]).to_list(None)


async def get(db, template_id: str) -> dict:
    doc = await db.message_templates.find_one({"_id": _oid(template_id)})
    if doc is None:
        raise NotFound("message_template.not_found", "消息模板不存在")
    return doc


async def _events_free(db, data: dict, own_id=None) -> None:
    """A (channel, event type) is sent with one template: refuse events another one has."""
    others = await db.message_templates.find(
        {"channel": data["channel"], "events": {"$in": data["events"]}, "_id": {"$ne": own_id}}).to_list(None)
    taken = [f"「{e}」已由模板「{o['title']}」发送" for o in others for e in data["events"] if e in o["events"]]
    if taken:
        raise Invalid({"events": taken})


def _target(doc: dict) -> str:
    return f"message_template:{doc['channel']}:{doc['template_id']}"


async def create(db, data: dict, actor: dict) -> dict:
    await _events_free(db, data)
    doc = {**data, "version": 1, "created_at": now(), "updated_at": now(), "updated_by": actor["username"]}
    try:
        result = await db.message_templates.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("message_template.exists", f"模板 {data['template_id']} 已登记") from None
    await increment(db.counters, COUNTER)
    await audit.record(db, actor=actor["username"], role=actor["role"], action="message_template.create",
                       target=_target(doc), details={"events": data["events"]})
    return {**doc, "_id": result.inserted_id}


async def update(db, template_id: str, data: dict, expected_version: int, actor: dict) -> dict:
    before = await get(db, template_id)
    await _events_free(db, data, before["_id"])
    try:
        doc = await db.message_templates.find_one_and_update(
            {"_id": before["_id"], "version": expected_version},
            {"$set": {**data, "updated_at": now(), "updated_by": actor["username"]}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:
        raise Conflict("message_template.exists", f"模板 {data['template_id']} 已登记") from None
    if doc is None:
        current_doc = await get(db, template_id)
        raise Conflict("message_template.version_conflict", "模板已被他人修改，请刷新后重试",
                       details={"current_version": current_doc["version"]})
    await increment(db.counters, COUNTER)
    changed = sorted(k for k in data if before.get(k) != data[k])
    await audit.record(db, actor=actor["username"], role=actor["role"], action="message_template.update",
                       target=_target(doc), details={"version": doc["version"], "changed": changed})
    return doc


async def delete(db, template_id: str, expected_version: int, actor: dict) -> None:
    before = await get(db, template_id)
    result = await db.message_templates.delete_one({"_id": before["_id"], "version": expected_version})
    if not result.deleted_count:
        current_doc = await get(db, template_id)
        raise Conflict("message_template.version_conflict", "模板已被他人修改，请刷新后重试",
                       details={"current_version": current_doc["version"]})
    await increment(db.counters, COUNTER)
    await audit.record(db, actor=actor["username"], role=actor["role"], action="message_template.delete",
                       target=_target(before), details={"version": before["version"]})
