"""Per-channel menus: drafts, validation, atomic versioned publish, rollback, rendering.

Publishing reserves the next version with a unique index on (channel, version), so two
operators publishing from the same base cannot both win; the head pointer then moves with a
conditional update. A wechat menu's official-account part is applied to WeChat between the
two steps; if WeChat refuses it, the reserved version is deleted and nothing changes.
"""

import datetime as dt
import logging

from marshmallow import Schema, ValidationError, fields, pre_load, validate
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from models import audit
from models.catalog import items_by_code
from models.clock import now
from models.db import MAX_INT
from models.errors import AppError, Conflict, Invalid, NotFound, flatten_errors
from models.wxmenu import check_official_account

log = logging.getLogger(__name__)

BADGES = ("热门", "新", "推荐")
ENTRY_TYPES = ("item", "link", "miniprogram")
SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}\Z", error="只能使用小写字母、数字、下划线和连字符")
PENDING_STALE_AFTER = dt.timedelta(minutes=2)


class VisibilitySchema(Schema):
    regions = fields.List(fields.String(validate=validate.Regexp(r"^\d{6}\Z", error="行政区划代码应为6位数字")),
                          load_default=list)
    realname_required = fields.Boolean(load_default=False)


class EntrySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(ENTRY_TYPES))
    item_code = fields.String(validate=validate.Length(1, 20))
    title = fields.String(validate=validate.Length(1, 20))
    url = fields.Url(schemes={"https"})
    appid = fields.String(validate=validate.Regexp(r"^(wx[0-9a-zA-Z]{6,32}|\d{16})\Z", error="小程序 appid 格式不正确"))
    path = fields.String(validate=validate.Length(1, 256))
    icon = fields.String(load_default="default", validate=SLUG)
    badge = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(BADGES))
    visibility = fields.Nested(VisibilitySchema, load_default=lambda: {"regions": [], "realname_required": False})

    @pre_load
    def _depth(self, data, **kwargs):
        if isinstance(data, dict):
            for key in ("entries", "children", "sections"):
                if key in data:
                    raise ValidationError({key: ["菜单最多两层：栏目下只能放入口，入口不能再有下级"]})
        return data


class SectionSchema(Schema):
    key = fields.String(required=True, validate=SLUG)
    title = fields.String(required=True, validate=validate.Length(1, 12))
    icon = fields.String(load_default="default", validate=SLUG)
    entries = fields.List(fields.Nested(EntrySchema), required=True, validate=validate.Length(1, 20))


class MenuSchema(Schema):
    sections = fields.List(fields.Nested(SectionSchema), required=True, validate=validate.Length(1, 10))
    official_account = fields.Dict(load_default=None, allow_none=True)


REQUIRED_BY_TYPE = {"item": ("item_code",), "link": ("title", "url"), "miniprogram": ("title", "appid", "path")}


def parse_menu(body) -> dict:
    """Structural check only (a draft may be saved before it is complete)."""
    try:
        return MenuSchema().load(body)
    except ValidationError as err:
        raise Invalid(flatten_errors(err.messages), "菜单格式有误") from None


async def check_menu(db, channel: str, menu: dict) -> dict:
    """Every rule a published menu must meet; returns {path: [messages]}."""
    errors: dict = {}
    keys = [s["key"] for s in menu["sections"]]
    codes = [e.get("item_code") for s in menu["sections"] for e in s["entries"] if e["type"] == "item"]
    items = await items_by_code(db, [c for c in codes if c])
    for i, section in enumerate(menu["sections"]):
        if keys.count(section["key"]) > 1:
            errors[f"sections[{i}].key"] = ["栏目标识重复"]
        for j, entry in enumerate(section["entries"]):
            path = f"sections[{i}].entries[{j}]"
            for key in REQUIRED_BY_TYPE[entry["type"]]:
                if not entry.get(key):
                    errors[f"{path}.{key}"] = ["此项为必填项"]
            if entry["type"] == "miniprogram" and channel == "app":
                errors[f"{path}.type"] = ["App 渠道不能跳转小程序"]
            code = entry.get("item_code")
            if entry["type"] == "item" and code:
                item = items.get(code)
                if item is None:
                    errors[f"{path}.item_code"] = [f"事项 {code} 不存在"]
                elif item["status"] != "published":
                    errors[f"{path}.item_code"] = [f"事项 {code} 未发布"]
                elif channel not in item["channels"]:
                    errors[f"{path}.item_code"] = [f"事项 {code} 未在该渠道提供"]
    oa = menu.get("official_account")
    if oa is not None:
        if channel != "wechat":
            errors["official_account"] = ["只有微信渠道可以配置公众号菜单"]
        else:
            errors.update(check_official_account(oa))
    return errors


async def ensure_indexes(db) -> None:
    await db.menu_versions.create_index([("channel", ASCENDING), ("version", ASCENDING)], unique=True)


async def head_version(db, channel: str) -> int:
    head = await db.menu_heads.find_one({"_id": channel})
    return head["version"] if head else 0


async def head_versions(db) -> dict:
    return {h["_id"]: h["version"] async for h in db.menu_heads.find({})}


async def get_version(db, channel: str, version: int) -> dict:
    doc = await db.menu_versions.find_one({"channel": channel, "version": version, "state": "published"})
    if doc is None:
        raise NotFound("menu.version_not_found", f"菜单版本 {version} 不存在")
    return doc


async def get_published(db, channel: str) -> dict | None:
    version = await head_version(db, channel)
    if version == 0:
        return None
    return await get_version(db, channel, version)


async def list_versions(db, channel: str, limit: int = 50) -> list[dict]:
    cursor = db.menu_versions.find({"channel": channel, "state": "published"}, {"menu": 0})
    return await cursor.sort("version", DESCENDING).limit(limit).to_list(None)


async def get_draft(db, channel: str) -> dict:
    """The saved draft, or a new one (revision 0) copied from the published menu."""
    draft = await db.menu_drafts.find_one({"_id": channel})
    if draft:
        return {"revision": 0, **draft}
    published = await get_published(db, channel)
    menu = published["menu"] if published else {"sections": [], "official_account": None}
    return {"_id": channel, "menu": menu, "base_version": published["version"] if published else 0,
            "revision": 0, "updated_at": None, "updated_by": None}


def draft_tag(draft: dict) -> str:
    """The draft's ETag: the published version it starts from and its save count. A publish
    deletes the draft, so a tag seen before any publish never matches again."""
    return f"{draft['base_version']}.{draft['revision']}"


async def save_draft(db, channel: str, menu: dict, actor: str, *, if_match: str) -> dict:
    """Save over the draft the editor loaded (`if_match` = its tag), else 409 with the current one."""
    current = await get_draft(db, channel)
    if if_match != draft_tag(current):
        raise _draft_changed(current)
    draft = {"menu": menu, "base_version": current["base_version"], "revision": current["revision"] + 1,
             "updated_at": now(), "updated_by": actor}
    if current["updated_at"] is None:  # never saved: the first save creates it, once
        try:
            await db.menu_drafts.insert_one({"_id": channel, **draft})
        except DuplicateKeyError:
            raise _draft_changed(await get_draft(db, channel)) from None
    elif (await db.menu_drafts.replace_one({"_id": channel, "revision": current["revision"]}, draft)).matched_count == 0:
        raise _draft_changed(await get_draft(db, channel))
    return {"_id": channel, **draft}


def _draft_changed(current: dict) -> Conflict:
    return Conflict("menu.draft_changed", "草稿已被他人修改，或菜单已发布新版本，请载入最新草稿后再修改",
                    details={"current_tag": draft_tag(current), "updated_by": current.get("updated_by"),
                             "base_version": current["base_version"]})


def diff(old: dict | None, new: dict) -> dict:
    """What a publish changes, section by section, for the operator and the audit log."""
    old_sections = {s["key"]: s for s in (old or {}).get("sections", [])}
    new_sections = {s["key"]: s for s in new.get("sections", [])}
    changed = []
    for key in new_sections.keys() & old_sections.keys():
        before = {_entry_id(e): e for e in old_sections[key]["entries"]}
        after = {_entry_id(e): e for e in new_sections[key]["entries"]}
        change = {
            "key": key,
            "entries_added": sorted(after.keys() - before.keys()),
            "entries_removed": sorted(before.keys() - after.keys()),
            "entries_changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
            "reordered": [k for k in after if k in before] != [k for k in before if k in after],
            "title_changed": old_sections[key]["title"] != new_sections[key]["title"],
        }
        if any(change[k] for k in change if k != "key"):
            changed.append(change)
    added = [k for k in new_sections if k not in old_sections]
    removed = [k for k in old_sections if k not in new_sections]
    # titles as they were and became: the audit log shows the diff without either menu at hand
    titles = {k: {"before": old_sections[k]["title"] if k in old_sections else None,
                  "after": new_sections[k]["title"] if k in new_sections else None}
              for k in [*added, *removed, *(c["key"] for c in changed)]}
    return {
        "sections_added": added,
        "sections_removed": removed,
        "sections_changed": sorted(changed, key=lambda c: c["key"]),
        "titles": titles,
        "sections_reordered": [k for k in new_sections if k in old_sections]
        != [k for k in old_sections if k in new_sections],
        "official_account_changed": (old or {}).get("official_account") != new.get("official_account"),
    }


def _entry_id(entry: dict) -> str:
    return entry.get("item_code") or f"{entry['type']}:{entry.get('title')}"


async def publish(db, channel: str, menu: dict, *, base_version: int, actor: dict, comment: str = "",
                  wechat_sync=None, rollback_of: int | None = None, review: str | None = None) -> dict:
    """Publish `menu` as version base_version + 1, or raise 409/422/502 and change nothing.

    `wechat_sync(official_account_or_None)` is awaited for wechat menus whose official-account
    part changed; it raises AppError when WeChat refuses.
    """
    errors = await check_menu(db, channel, menu)
    if errors:
        raise Invalid(errors, "菜单校验未通过", code="menu.invalid")
    current = await head_version(db, channel)
    if current != base_version:
        raise _stale(current)
    previous = await get_published(db, channel)
    version = base_version + 1
    change = diff(previous["menu"] if previous else None, menu)
    doc = {"channel": channel, "version": version, "menu": menu, "state": "pending", "published_at": now(),
           "published_by": actor["username"], "comment": comment, "rollback_of": rollback_of, "diff": change,
           **({"review": review} if review else {})}  # the approved change (models/reviews.py) it publishes
    await _reserve(db, doc)
    try:
        if channel == "wechat" and wechat_sync and change["official_account_changed"]:
            await wechat_sync(menu.get("official_account"))
        await _move_head(db, channel, base_version, version)
    except BaseException as exc:
        await db.menu_versions.delete_one({"channel": channel, "version": version, "state": "pending"})
        if isinstance(exc, AppError) and exc.code.startswith("wechat."):
            await audit.record(db, actor=actor["username"], role=actor["role"], action="menu.publish_rejected",
                               target=f"menu:{channel}", details={"version": version, "error": exc.message})
        raise
    await db.menu_versions.update_one({"channel": channel, "version": version}, {"$set": {"state": "published"}})
    await db.menu_drafts.delete_one({"_id": channel})
    action = "menu.rollback" if rollback_of else "menu.publish"
    await audit.record(db, actor=actor["username"], role=actor["role"], action=action, target=f"menu:{channel}",
                       details={"version": version, "rollback_of": rollback_of, "comment": comment, "diff": change,
                                **({"review": review} if review else {})})
    return {**doc, "state": "published"}


async def version_of_review(db, channel: str, review: str) -> dict | None:
    """The published version an approved change became, if it did (a publisher that died after)."""
    return await db.menu_versions.find_one({"channel": channel, "review": review, "state": "published"}, {"menu": 0})


async def rollback(db, channel: str, to_version: int, *, base_version: int, actor: dict, comment: str = "",
                   wechat_sync=None) -> dict:
    """Publish a copy of an earlier version as the newest one, so history stays linear."""
    target = await get_version(db, channel, to_version)
    return await publish(db, channel, target["menu"], base_version=base_version, actor=actor,
                         comment=comment or f"回滚到版本 {to_version}", wechat_sync=wechat_sync,
                         rollback_of=to_version)


def _stale(current: int) -> Conflict:
    return Conflict("menu.stale_base", "菜单已被他人发布，请基于最新版本重新编辑",
                    details={"current_version": current})


async def _reserve(db, doc: dict) -> None:
    try:
        await db.menu_versions.insert_one(doc)
        return
    except DuplicateKeyError:
        pass
    # A pending reservation left by a crashed publisher must not block the menu forever.
    stale = await db.menu_versions.delete_one({
        "channel": doc["channel"], "version": doc["version"], "state": "pending",
        "published_at": {"$lt": now() - PENDING_STALE_AFTER},
    })
    if stale.deleted_count:
        log.warning("removed a stale pending menu version", extra={"channel": doc["channel"]})
        try:
            await db.menu_versions.insert_one(doc)
            return
        except DuplicateKeyError:
            pass
    raise _stale(doc["version"])


async def _move_head(db, channel: str, base: int, version: int) -> None:
    try:
        result = await db.menu_heads.update_one(
            {"_id": channel, "version": base},
            {"$set": {"version": version, "published_at": now()}},
            upsert=(base == 0),
        )
    except DuplicateKeyError:
        raise _stale(await head_version(db, channel)) from None
    if result.matched_count == 0 and result.upserted_id is None:
        raise _stale(await head_version(db, channel))


def render(published: dict, items: dict, region: str | None = None) -> dict:
    """The client view of a published menu: items resolved, hidden entries left out."""
    channel = published["channel"]
    sections = []
    for section in published["menu"]["sections"]:
        entries = []
        for entry in section["entries"]:
            shown = _render_entry(entry, items, channel, region)
            if shown:
                entries.append(shown)
        if entries:
            sections.append({"key": section["key"], "title": section["title"], "icon": section["icon"],
                             "entries": entries})
    return {"channel": channel, "version": published["version"],
            "published_at": published["published_at"].isoformat(), "sections": sections}


def _render_entry(entry: dict, items: dict, channel: str, region: str | None) -> dict | None:
    vis = entry["visibility"]
    if region and vis["regions"] and region not in vis["regions"]:
        return None
    out = {"type": entry["type"], "icon": entry["icon"], "badge": entry["badge"],
           "realname_required": vis["realname_required"], "regions": vis["regions"]}
    if entry["type"] == "item":
        item = items.get(entry["item_code"])
        if not item or item["status"] != "published" or channel not in item["channels"]:
            return None  # retired since publish: hide rather than show a dead entry
        if region and item["regions"] and region not in item["regions"]:
            return None
        out.update(title=entry.get("title") or item["name"], item_code=item["code"], kind=item["kind"],
                   category=item["category"])
        if item["kind"] == "link":
            out["url"] = item["link_url"]
    elif entry["type"] == "link":
        out.update(title=entry["title"], url=entry["url"])
    else:
        out.update(title=entry["title"], appid=entry["appid"], path=entry["path"])
    return out



class EntryViewSchema(Schema):
    type = fields.String()
    title = fields.String()
    icon = fields.String()
    badge = fields.String(allow_none=True)
    realname_required = fields.Boolean()
    regions = fields.List(fields.String())
    item_code = fields.String()
    kind = fields.String()
    category = fields.String()
    url = fields.String()
    appid = fields.String()
    path = fields.String()


class SectionViewSchema(Schema):
    key = fields.String()
    title = fields.String()
    icon = fields.String()
    entries = fields.List(fields.Nested(EntryViewSchema))


class MenuViewSchema(Schema):
    """The published menu as clients see it."""

    channel = fields.String()
    version = fields.Integer()
    published_at = fields.String()
    sections = fields.List(fields.Nested(SectionViewSchema))


class DraftSchema(Schema):
    channel = fields.String(attribute="_id")
    menu = fields.Dict()
    base_version = fields.Integer()
    revision = fields.Integer()
    tag = fields.Function(draft_tag)
    updated_at = fields.AwareDateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


class PublishSchema(Schema):
    base_version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    comment = fields.String(load_default="", validate=validate.Length(max=200))
    menu = fields.Dict(load_default=None)


class RollbackSchema(Schema):
    to_version = fields.Integer(required=True, validate=validate.Range(1, MAX_INT))
    base_version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    comment = fields.String(load_default="", validate=validate.Length(max=200))


class VersionSchema(Schema):
    channel = fields.String()
    version = fields.Integer()
    published_at = fields.AwareDateTime()
    published_by = fields.String()
    comment = fields.String()
    rollback_of = fields.Integer(allow_none=True)
    diff = fields.Dict()
    menu = fields.Dict()


class ValidationResultSchema(Schema):
    valid = fields.Boolean()
    errors = fields.Dict()
    diff = fields.Dict()
    base_version = fields.Integer()


async def menu_to_publish(db, channel: str, body_menu: dict | None) -> dict:
    """The menu in the request body (checked), or the saved draft."""
    if body_menu is not None:
        return parse_menu(body_menu)
    draft = await db.menu_drafts.find_one({"_id": channel})
    if draft is None:
        raise AppError(422, "menu.no_draft", "没有可发布的草稿")
    return draft["menu"]


async def validate(db, channel: str, menu: dict | None) -> dict:
    if menu is None:
        menu = (await get_draft(db, channel))["menu"]
        if not menu.get("sections"):
            return {"valid": False, "errors": {"sections": ["菜单至少需要一个栏目"]}, "diff": {},
                    "base_version": await head_version(db, channel)}
    errors = await check_menu(db, channel, menu)
    previous = await get_published(db, channel)
    return {"valid": not errors, "errors": errors, "diff": diff(previous["menu"] if previous else None, menu),
            "base_version": previous["version"] if previous else 0}
