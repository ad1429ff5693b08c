"""Service items: public reads (cached per catalog version) and operator edits."""

from marshmallow import Schema, fields

from api import published
from api.auth import require_roles
from api.base import BaseHandler
from models import catalog, regions
from models.catalog import (
    CATEGORIES,
    CHANNELS,
    KINDS,
    STATUSES,
    ItemInSchema,
    ItemOutSchema,
    ItemSummarySchema,
)

CODE = r"(?P<code>[^/]+)"


class ItemListSchema(Schema):
    items = fields.List(fields.Nested(ItemSummarySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class HotItemSchema(ItemSummarySchema):
    uses = fields.Float()


class HotListSchema(Schema):
    channel = fields.String()
    items = fields.List(fields.Nested(HotItemSchema))


class ItemsHandler(BaseHandler):
    async def get(self):
        """Published service items, filtered; `q` matches Chinese text, pinyin and pinyin initials.
        ---
        tags: [items]
        parameters:
          - {in: query, name: category, schema: {type: string}}
          - {in: query, name: channel, schema: {type: string, enum: [wechat, alipay, app]}}
          - {in: query, name: department, schema: {type: string}}
          - {in: query, name: kind, schema: {type: string, enum: [application, query, link]}}
          - {in: query, name: region, schema: {type: string, pattern: "^[0-9]{6}$"}, description: "offered there or city-wide"}
          - {in: query, name: q, schema: {type: string}}
          - {in: query, name: limit, schema: {type: integer, default: 50}}
          - {in: query, name: offset, schema: {type: integer, default: 0}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ItemListSchema}}}
          400: {description: "a filter value is not allowed"}
        """
        arg = self.query_arg
        filters = dict(category=arg("category", choices=CATEGORIES), channel=arg("channel", choices=CHANNELS),
                       department=arg("department"), kind=arg("kind", choices=KINDS),
                       region=regions.check(arg("region")), q=(arg("q") or "")[:40])
        limit, offset = arg("limit", 50, as_int=True, lo=1, hi=200), arg("offset", 0, as_int=True, lo=0, hi=10_000)
        found = catalog.filter_items(await published.published_items(self.deps), **filters)
        self.send(ItemListSchema().dump({"items": found[offset:offset + limit], "total": len(found),
                                         "limit": limit, "offset": offset}))


class RegionSchema(Schema):
    code = fields.String()
    name = fields.String()


class RegionListSchema(Schema):
    regions = fields.List(fields.Nested(RegionSchema))


class RegionsHandler(BaseHandler):
    async def get(self):
        """The regions residents may choose (those the published items carry), for `region` on menus and items.
        ---
        tags: [items]
        responses:
          200: {description: "OK", content: {application/json: {schema: RegionListSchema}}}
        """
        self.send(RegionListSchema().dump({"regions": regions.offered(await published.published_items(self.deps))}))


class HotItemsHandler(BaseHandler):
    async def get(self):
        """Items of a channel ranked by recent use (padded with other items when usage is thin).
        ---
        tags: [items]
        parameters:
          - {in: query, name: channel, required: true, schema: {type: string, enum: [wechat, alipay, app]}}
          - {in: query, name: region, schema: {type: string, pattern: "^[0-9]{6}$"}}
          - {in: query, name: limit, schema: {type: integer, default: 10}}
        responses:
          200: {description: "OK", content: {application/json: {schema: HotListSchema}}}
        """
        channel = self.query_arg("channel", choices=CHANNELS, required=True)
        region = regions.check(self.query_arg("region"))
        limit = self.query_arg("limit", 10, as_int=True, lo=1, hi=50)
        items = catalog.filter_items(await published.published_items(self.deps), channel=channel, region=region)
        ranking = await self.deps.hot.ranking(channel)
        self.send(HotListSchema().dump({"channel": channel, "items": catalog.rank(items, ranking, limit)}))


class ItemHandler(BaseHandler):
    async def get(self, code):
        """One published item with its form definition and materials; counts a use for `channel`.
        ---
        tags: [items]
        parameters:
          - {in: query, name: channel, schema: {type: string, enum: [wechat, alipay, app]}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ItemOutSchema}}}
          404: {description: "no such published item"}
        """
        channel = self.query_arg("channel", choices=CHANNELS)
        items = {i["code"]: i for i in await published.published_items(self.deps)}
        item = items.get(code) or await catalog.get_item(self.deps.db, code)
        if channel and channel in item["channels"]:
            await self.deps.hot.record_use(channel, code)
        self.send(ItemOutSchema().dump(item))


class AdminItemsHandler(BaseHandler):
    @require_roles("operator")
    async def get(self):
        """All items in any status (operators).
        ---
        tags: [admin]
        parameters:
          - {in: query, name: status, schema: {type: string, enum: [draft, published, retired]}}
        responses:
          200: {description: "items"}
        """
        items = await catalog.list_items(self.deps.db, status=self.query_arg("status", choices=STATUSES))
        self.send({"items": ItemOutSchema(many=True).dump(items)})

    @require_roles("operator")
    async def post(self):
        """Create an item.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: ItemInSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: ItemOutSchema}}}
          403: {description: "review.required: a published item changes only through review (MENU_REVIEW)"}
          409: {description: "the code exists"}
          422: {description: "field errors"}
        """
        data = self.load(ItemInSchema())
        await published.check_direct_item(self.deps, data, None)
        doc = await published.save_item(self.deps, data, self.actor())
        self.send_versioned(ItemOutSchema(), doc, 201)


class AdminItemHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, code):
        """One item in any status.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: ItemOutSchema}}}
        """
        doc = await catalog.get_item(self.deps.db, code, published_only=False)
        self.send_versioned(ItemOutSchema(), doc)

    @require_roles("operator")
    async def put(self, code):
        """Replace an item; If-Match carries the version you edited (409 when someone changed it first).
        ---
        tags: [admin]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}$"}}
        requestBody:
          content: {application/json: {schema: ItemInSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ItemOutSchema}}}
          403: {description: "review.required: a published item changes only through review (MENU_REVIEW)"}
          409: {description: "stale version"}
        """
        version = self.if_match_version()
        data = self.load(ItemInSchema())
        await published.check_direct_item(self.deps, data, code)
        doc = await published.save_item(self.deps, data, self.actor(), code=code, version=version)
        self.send_versioned(ItemOutSchema(), doc)


default_handlers = [
    (r"/api/v1/items", ItemsHandler),
    (r"/api/v1/items/hot", HotItemsHandler),
    (r"/api/v1/regions", RegionsHandler),
    (rf"/api/v1/items/{CODE}", ItemHandler),
    (r"/api/v1/admin/items", AdminItemsHandler),
    (rf"/api/v1/admin/items/{CODE}", AdminItemHandler),
]
