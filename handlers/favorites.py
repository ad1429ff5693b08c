"""收藏: a resident's favourite items, kept on the server so they follow the login to any device."""

from marshmallow import Schema, fields

from api import published
from api.auth import require_roles
from api.base import BaseHandler
from models import favorites
from models.catalog import ItemSummarySchema
from models.errors import NotFound


class FavoriteListSchema(Schema):
    items = fields.List(fields.Nested(ItemSummarySchema))


class FavoriteSchema(Schema):
    code = fields.String()
    favorite = fields.Boolean()


class FavoritesHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """The resident's favourite items, newest first; an item no longer published drops out.
        ---
        tags: [me]
        responses:
          200: {description: "OK", content: {application/json: {schema: FavoriteListSchema}}}
        """
        codes = await favorites.codes(self.deps.db, await self.resident_id())
        items = {i["code"]: i for i in await published.published_items(self.deps)}
        self.send(FavoriteListSchema().dump({"items": [items[c] for c in codes if c in items]}))


class FavoriteHandler(BaseHandler):
    @require_roles(kind="resident")
    async def put(self, code):
        """Add a published item to the favourites (again: no change).
        ---
        tags: [me]
        responses:
          200: {description: "OK", content: {application/json: {schema: FavoriteSchema}}}
          409: {description: "the limit of favourites is reached"}
        """
        if code not in {i["code"] for i in await published.published_items(self.deps)}:
            raise NotFound("item.not_found", "事项不存在")
        await favorites.add(self.deps.db, await self.resident_id(), code)
        self.send(FavoriteSchema().dump({"code": code, "favorite": True}))

    @require_roles(kind="resident")
    async def delete(self, code):
        """Remove an item from the favourites (absent: no change).
        ---
        tags: [me]
        responses:
          204: {description: "removed"}
        """
        await favorites.remove(self.deps.db, await self.resident_id(), code)
        self.no_content()


default_handlers = [
    (r"/api/v1/me/favorites", FavoritesHandler),
    (r"/api/v1/me/favorites/(?P<code>[A-Z]{2}[0-9]{4})", FavoriteHandler),
]
