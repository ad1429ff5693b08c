"""Read and write paths of published data that go through the in-process cache.

Handlers call these; they join the models (MongoDB) with the cache and its announcements.
"""

import gzip
import hashlib

from api.base import to_json
from models import catalog, menus
from models.errors import AppError


class Rendered:
    """A response body prepared once per published version, with its strong ETag."""

    __slots__ = ("body", "etag", "data", "_gzipped")

    def __init__(self, data):
        self.data = data
        self.body = to_json(data)
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'
        self._gzipped = None

    @property
    def gzipped(self) -> bytes:
        """The body gzipped once per version: the busiest route then costs no compression per request."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


async def load_versions(db) -> dict:
    versions = {f"menu:{channel}": v for channel, v in (await menus.head_versions(db)).items()}
    versions["catalog"] = await catalog.catalog_version(db)
    return versions


async def published_items(deps) -> list[dict]:
    async def build():
        return await catalog.list_items(deps.db)

    return await deps.cache.get("items", ("catalog",), build)


def menu_key(channel: str, region: str | None) -> tuple:
    return ("menu", channel, region), (f"menu:{channel}", "catalog")


def cached_menu(deps, channel: str, region: str | None) -> Rendered | None:
    return deps.cache.peek(*menu_key(channel, region))


async def menu(deps, channel: str, region: str | None, schema) -> Rendered:
    catalog.check_channel(channel)

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
