"""Read and write paths of published data that go through the in-process cache.

Handlers call these; they join the models (MongoDB) with the cache and its announcements.
"""

import logging

from api.base import Prepared, to_json
from models import catalog, menus, reviews
from models.errors import AppError, Conflict, Invalid

log = logging.getLogger(__name__)


class Rendered(Prepared):
    """Published data as JSON, prepared once per published version."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data
        super().__init__(to_json(data))


async def load_versions(db) -> dict:
    versions = {f"menu:{channel}": v for channel, v in (await menus.head_versions(db)).items()}
    versions["catalog"] = await catalog.catalog_version(db)
    return versions


async def published_items(deps) -> list[dict]:
    async def build():
        return await catalog.list_items(deps.db)

    return await deps.cache.get("items", ("catalog",), build)


# A region no published item names: its menu is the city-wide entries only, the same for every such
# code, so they share one cache entry (else a million codes could fill the cache with copies).
ELSEWHERE = "000000"


async def carried_regions(deps) -> frozenset:
    """The region codes the published items carry (those a menu can differ by)."""
    async def build():
        return frozenset(code for item in await published_items(deps) for code in item.get("regions") or ())

    return await deps.cache.get("regions", ("catalog",), build)


def menu_key(channel: str, region: str | None) -> tuple:
    return ("menu", channel, region), (f"menu:{channel}", "catalog")


def cached_menu(deps, channel: str, region: str | None) -> Rendered | None:
    if region is not None:
        carried = deps.cache.peek("regions", ("catalog",))
        if carried is None:
            return None
        region = region if region in carried else ELSEWHERE
    return deps.cache.peek(*menu_key(channel, region))


async def menu(deps, channel: str, region: str | None, schema) -> Rendered:
    catalog.check_channel(channel)
    if region is not None and region not in await carried_regions(deps):
        region = ELSEWHERE

    async def build():
        published = await menus.get_published(deps.db, channel)
        if published is None:
            raise AppError(404, "menu.not_published", "该渠道尚未发布菜单")
        codes = [e["item_code"] for s in published["menu"]["sections"] for e in s["entries"] if e.get("item_code")]
        items = await catalog.items_by_code(deps.db, codes)
        return Rendered(schema.dump(menus.render(published, items, region)))

    return await deps.cache.get(*menu_key(channel, region), build)


async def publish_menu(deps, channel: str, menu_doc: dict, **kwargs) -> dict:
    doc = await menus.publish(deps.db, channel, menu_doc, wechat_sync=deps.wechat.apply_menu, **kwargs)
    await deps.cache.announce(f"menu:{channel}", doc["version"])
    return doc


async def rollback_menu(deps, channel: str, to_version: int, **kwargs) -> dict:
    doc = await menus.rollback(deps.db, channel, to_version, wechat_sync=deps.wechat.apply_menu, **kwargs)
    await deps.cache.announce(f"menu:{channel}", doc["version"])
    return doc


async def save_item(deps, data: dict, actor: str, *, code: str | None = None, version: int | None = None) -> dict:
    if code is None:
        doc = await catalog.create_item(deps.db, data, actor)
    else:
        doc = await catalog.update_item(deps.db, code, data, version, actor)
    await deps.cache.announce("catalog", await catalog.catalog_version(deps.db))
    return doc


# ---- four eyes (models/reviews.py) ---------------------------------------------------------------
async def submit_menu_change(deps, channel: str, body: dict, actor: dict) -> dict:
    """A menu change for a second operator: checked now, so a reviewer sees only publishable ones."""
    menu = await menus.menu_to_publish(deps.db, channel, body["menu"])
    errors = await menus.check_menu(deps.db, channel, menu)
    if errors:
        raise Invalid(errors, "菜单校验未通过", code="menu.invalid")
    current = await menus.get_published(deps.db, channel)
    head = current["version"] if current else 0
    if head != body["base_version"]:
        raise Conflict("menu.stale_base", "菜单已被他人发布，请基于最新版本重新编辑", details={"current_version": head})
    change = menus.diff(current["menu"] if current else None, menu)
    return await reviews.submit(deps.db, "menu", channel, menu, base_version=head, comment=body["comment"],
                                actor=actor, diff=change)


async def submit_item_change(deps, body: dict, actor: dict) -> dict:
    item, base = body["item"], body["base_version"]
    existing = await catalog.item_head(deps.db, item["code"])
    if base is None and existing is not None:
        raise Conflict("item.exists", f"事项编码 {item['code']} 已存在")
    if base is not None and existing is None:
        raise AppError(404, "item.not_found", "事项不存在")
    if base is not None and existing["version"] != base:
        raise Conflict("item.version_conflict", "事项已被他人修改，请刷新后重试",
                       details={"current_version": existing["version"]})
    return await reviews.submit(deps.db, "item", item["code"], item, base_version=base, comment=body["comment"],
                                actor=actor)


async def approve_change(deps, review_id: str, version: int, actor: dict, *, comment: str, publish_at) -> dict:
    review = await reviews.approve(deps.db, review_id, version, actor, comment=comment, publish_at=publish_at)
    if review["state"] == "publishing":
        review = await _go_live(deps, review)
    return review


async def publish_due(deps) -> int:
    """Publish the approved changes whose time has come; returns how many this process took.

    Every API process calls this on a timer (wiring/api.py). A timer, not a check on the resident's
    read: the menu read is the busiest route and answers from memory without awaiting, and a
    resident's request should not pay for a publish (WeChat's menu call included). The change is
    live within REVIEW_POLL_SECONDS of its time; `claim_due`'s conditional update lets exactly one
    process publish it, and `publish_menu`/`save_item` announce it so every process drops its cache.
    """
    taken = 0
    while (review := await reviews.claim_due(deps.db)) is not None:
        await _go_live(deps, review)
        taken += 1
    return taken


async def _go_live(deps, review: dict) -> dict:
    actor = reviews.approver(review)
    comment = review["review_comment"] or review["comment"] or f"审核通过（提交人 {review['submitted_by']}）"
    try:
        if review["kind"] == "menu":
            doc = await publish_menu(deps, review["target"], review["body"], base_version=review["base_version"],
                                     actor=actor, comment=comment, review=review["_id"])
        else:
            doc = await save_item(deps, review["body"], actor, code=None if review["base_version"] is None
                                  else review["target"], version=review["base_version"])
    except AppError as err:
        if review["kind"] == "menu" and err.status == 409:  # a claim taken over: did the first try publish it?
            done = await menus.version_of_review(deps.db, review["target"], review["_id"])
            if done is not None:
                return await reviews.finish(deps.db, review, published_version=done["version"])
        log.warning("an approved change did not go live: %s", err, extra={"review": review["_id"]})
        return await reviews.finish(deps.db, review, error=err)
    return await reviews.finish(deps.db, review, published_version=doc["version"])


async def check_direct_item(deps, data: dict, code: str | None) -> None:
    """In required mode an item that residents see (published now, or after this save) changes only
    through review; a draft item may still be edited directly."""
    if deps.config.menu_review != "required":
        return
    before = await catalog.item_head(deps.db, code) if code else None
    if data["status"] == "published" or (before or {}).get("status") == "published":
        reviews.refuse_direct("required")
