"""Service items (事项库): schema, search fields, and data functions."""


from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError
from pypinyin import Style, lazy_pinyin

from models import audit, org
from models.clock import now
from models.db import increment
from models.errors import AppError, Conflict, Invalid, NotFound, flatten_errors
from models.forms import FieldDefSchema, check_form
from models.guide import GuideSchema
from models.org import DEPARTMENTS
from models.queries import QUERIES

CHANNELS = ("wechat", "alipay", "app")
CATEGORIES = ("社保", "医保", "就业", "交通")
KINDS = ("application", "query", "link")
STATUSES = ("draft", "published", "retired")
ONLINE_DEPTHS = {"full_online": "全程网办", "at_most_once": "最多跑一次", "on_site": "须到现场办理"}
CODE_RE = r"^[A-Z]{2}[0-9]{4}\Z"


class MaterialSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}\Z"))
    name = fields.String(required=True, validate=validate.Length(1, 60))
    required = fields.Boolean(load_default=True)
    note = fields.String(validate=validate.Length(max=200), allow_none=True)


class ItemInSchema(Schema):
    """An item as an operator writes it."""

    code = fields.String(required=True, validate=validate.Regexp(CODE_RE, error="事项编码格式应为两位大写字母加四位数字"))
    name = fields.String(required=True, validate=validate.Length(1, 30, error="名称应为 1 到 30 个字"))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES, error="请选择分类"))
    # an active department of models/org.py (checked on save: admins add departments)
    department = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,19}\Z", error="请选择主管部门"))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error="请选择事项类型"))
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS, error="未知渠道")), required=True,
                           validate=validate.Length(min=1, error="至少选择一个渠道"))
    description = fields.String(load_default="", validate=validate.Length(max=500))
    keywords = fields.List(fields.String(validate=validate.Length(1, 20)), load_default=list, validate=validate.Length(max=10))
    form = fields.List(fields.Nested(FieldDefSchema), load_default=list, validate=validate.Length(max=50))
    materials = fields.List(fields.Nested(MaterialSchema), load_default=list, validate=validate.Length(max=30))
    promise_days = fields.Integer(required=True, validate=validate.Range(0, 365))
    fee_fen = fields.Integer(load_default=0, validate=validate.Range(0, 100_000_000))
    online_depth = fields.String(required=True, validate=validate.OneOf(list(ONLINE_DEPTHS), error="请选择网办深度"))
    regions = fields.List(fields.String(validate=validate.Regexp(r"^\d{6}\Z")), load_default=list)
    # only a query the models know: any other would answer residents "not a query item"
    query = fields.String(load_default=None, allow_none=True,
                          validate=validate.OneOf(sorted(QUERIES), error="没有这个查询接口"))
    link_url = fields.Url(load_default=None, allow_none=True, schemes={"https"})
    status = fields.String(load_default="draft", validate=validate.OneOf(STATUSES, error="请选择状态"))
    guide = fields.Nested(GuideSchema, load_default=lambda: GuideSchema().load({}))  # 办事指南

    @validates_schema
    def _by_kind(self, data, **kwargs):
        check_form(data.get("form", []))
        if data["kind"] == "query" and not data.get("query"):
            raise ValidationError("查询类事项须指定查询接口", "query")
        if data["kind"] == "link" and not data.get("link_url"):
            raise ValidationError("链接类事项须指定链接地址", "link_url")
        if data["kind"] != "query" and data.get("query"):
            raise ValidationError("只有查询类事项可以指定查询接口", "query")
        if data["kind"] != "link" and data.get("link_url"):
            raise ValidationError("只有链接类事项可以指定链接地址", "link_url")


class ItemOutSchema(ItemInSchema):
    department_name = fields.Method("_department_name")
    online_depth_label = fields.Method("_depth_label")
    version = fields.Integer()
    updated_at = fields.AwareDateTime()
    updated_by = fields.String()

    def _department_name(self, obj):
        return obj.get("department_name") or DEPARTMENTS.get(obj["department"], "")

    def _depth_label(self, obj):
        return ONLINE_DEPTHS.get(obj["online_depth"], "")


class ItemSummarySchema(Schema):
    """What lists and menus show of an item."""

    code = fields.String()
    name = fields.String()
    category = fields.String()
    department = fields.String()
    kind = fields.String()
    channels = fields.List(fields.String())
    online_depth = fields.String()
    promise_days = fields.Integer()
    regions = fields.List(fields.String())


def load_item(body: dict) -> dict:
    try:
        return ItemInSchema().load(body)
    except ValidationError as err:
        raise Invalid(flatten_errors(err.messages)) from None


def search_fields(name: str, keywords: list[str]) -> dict:
    """Stored keys for search: Chinese text, full pinyin and pinyin initials of each term."""
    terms = [name, *keywords]
    return {
        "text": " ".join(terms),
        "pinyin": " ".join("".join(lazy_pinyin(t)) for t in terms).lower(),
        "initials": " ".join("".join(lazy_pinyin(t, style=Style.FIRST_LETTER)) for t in terms).lower(),
    }


def matches(item: dict, q: str) -> bool:
    q = q.strip().lower()
    if not q:
        return True
    s = item.get("search") or search_fields(item["name"], item.get("keywords", []))
    return q in s["text"].lower() or q in s["initials"] or q in s["pinyin"].replace(" ", "")


async def ensure_indexes(db) -> None:
    await db.items.create_index([("code", ASCENDING)], unique=True)
    await db.items.create_index([("status", ASCENDING), ("category", ASCENDING)])


async def catalog_version(db) -> int:
    doc = await db.counters.find_one({"_id": "catalog"})
    return doc["value"] if doc else 0


async def bump_version(db) -> int:
    return await increment(db.counters, "catalog")


async def create_item(db, data: dict, actor: dict) -> dict:
    data = {**data, "department_name": await org.department_name(db, data["department"])}
    doc = {**data, "search": search_fields(data["name"], data["keywords"]), "version": 1,
           "updated_at": now(), "updated_by": actor["username"]}
    try:
        await db.items.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("item.exists", f"事项编码 {data['code']} 已存在") from None
    await bump_version(db)
    await audit.record(db, actor=actor["username"], role=actor["role"], action="item.create",
                       target=f"item:{data['code']}", details={"status": data["status"]})
    return doc


async def update_item(db, code: str, data: dict, expected_version: int, actor: dict) -> dict:
    if data["code"] != code:
        raise Invalid({"code": ["事项编码不可修改"]})
    before = await get_item(db, code, published_only=False)
    kept = before["department"] == data["department"]
    data = {**data, "department_name": await org.department_name(db, data["department"], kept=kept)}
    update = {**data, "search": search_fields(data["name"], data["keywords"]), "updated_at": now(),
              "updated_by": actor["username"]}
    doc = await db.items.find_one_and_update(
        {"code": code, "version": expected_version},
        {"$set": update, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        current = await db.items.find_one({"code": code}, {"version": 1})
        if current is None:
            raise NotFound("item.not_found", "事项不存在")
        raise Conflict("item.version_conflict", "事项已被他人修改，请刷新后重试",
                       details={"current_version": current["version"]})
    await bump_version(db)
    changed = sorted(k for k in data if before.get(k) != data[k])
    await audit.record(db, actor=actor["username"], role=actor["role"], action="item.update",
                       target=f"item:{code}", details={"version": doc["version"], "changed": changed})
    return doc


async def item_head(db, code: str) -> dict | None:
    """An item's version and status, or None: what a review or a direct save checks against."""
    return await db.items.find_one({"code": code}, {"version": 1, "status": 1})


async def get_item(db, code: str, *, published_only: bool = True) -> dict:
    query = {"code": code}
    if published_only:
        query["status"] = "published"
    doc = await db.items.find_one(query)
    if doc is None:
        raise NotFound("item.not_found", "事项不存在")
    return doc


async def list_items(db, *, status: str | None = "published") -> list[dict]:
    query = {} if status is None else {"status": status}
    return await db.items.find(query).sort("code", ASCENDING).to_list(None)


async def items_by_code(db, codes) -> dict:
    docs = await db.items.find({"code": {"$in": sorted(set(codes))}}).to_list(None)
    return {d["code"]: d for d in docs}


def filter_items(items: list[dict], *, category=None, channel=None, department=None, kind=None, q=None,
                 region=None) -> list[dict]:
    out = []
    for item in items:
        if category and item["category"] != category:
            continue
        if channel and channel not in item["channels"]:
            continue
        if department and item["department"] != department:
            continue
        if kind and item["kind"] != kind:
            continue
        if region and item["regions"] and region not in item["regions"]:
            continue
        if q and not matches(item, q):
            continue
        out.append(item)
    return out


def rank(items: list[dict], ranking: list[tuple[str, float]], limit: int) -> list[dict]:
    """Items ordered by use; items nobody used yet fill the rest in catalog order."""
    uses = dict(ranking)
    ordered = sorted(items, key=lambda i: (-uses.get(i["code"], 0.0), i["code"]))
    return [{**i, "uses": round(uses.get(i["code"], 0.0), 2)} for i in ordered[:limit]]


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise AppError(404, "channel.not_found", f"不支持的渠道：{channel}")
    return channel
