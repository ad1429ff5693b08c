"""Channel menus: the cached client read, and the operators' draft/validate/publish/rollback."""


from api import published
from api.auth import require_roles
from api.base import BaseHandler
from models import menus, regions, reviews
from models.catalog import check_channel
from models.menus import (
    DraftSchema,
    MenuViewSchema,
    PublishSchema,
    RollbackSchema,
    ValidationResultSchema,
    VersionSchema,
)

CHANNEL = r"(?P<channel>[^/]+)"
_view = MenuViewSchema()


class ChannelMenuHandler(BaseHandler):
    def get(self, channel):
        """The channel's published menu (strong ETag; 304 on If-None-Match).
        ---
        tags: [menus]
        parameters:
          - {in: path, name: channel, required: true, schema: {type: string, enum: [wechat, alipay, app]}}
          - {in: query, name: region, schema: {type: string}, description: "6-digit region code; hides entries not offered there"}
        responses:
          200: {description: "OK", content: {application/json: {schema: MenuViewSchema}}}
          304: {description: "not modified"}
          404: {description: "unknown channel or nothing published"}
        """
        # The busiest endpoint: a plain method on a cache hit (no coroutine), async on a miss.
        region = regions.check(self.query_arg("region"))
        rendered = published.cached_menu(self.deps, channel, region)
        if rendered is None:
            return self._build_and_send(channel, region)
        self._send(rendered)

    async def _build_and_send(self, channel, region):
        self._send(await published.menu(self.deps, channel, region, _view))

    def _send(self, rendered):
        self.set_header("Cache-Control", "public, no-cache")
        self.send_prepared(rendered)

    def compute_etag(self):
        return None  # we send our own strong ETag


class DraftHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, channel):
        """The channel's draft (a copy of the published menu when none is saved).
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: DraftSchema}}}
        """
        draft = await menus.get_draft(self.deps.db, check_channel(channel))
        self.set_header("ETag", f'"{menus.draft_tag(draft)}"')
        self.send(DraftSchema().dump(draft))

    @require_roles("operator")
    async def put(self, channel):
        """Save the draft over the one you loaded: `If-Match` with its ETag (`tag`); 409
        `menu.draft_changed` when someone saved or published in between. Structure is checked here,
        references by validate and publish.
        ---
        tags: [admin]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}[.][0-9]{1,9}$"}}
        requestBody:
          content: {application/json: {schema: MenuSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: DraftSchema}}}
          409: {description: "the draft changed since you loaded it (details.current_tag)"}
          422: {description: "the path of each bad node"}
        """
        check_channel(channel)
        if_match = self.if_match("所编辑草稿的标记（tag）")
        menu = menus.parse_menu(self.json_body())
        draft = await menus.save_draft(self.deps.db, channel, menu, self.actor()["username"], if_match=if_match)
        self.set_header("ETag", f'"{menus.draft_tag(draft)}"')
        self.send(DraftSchema().dump(draft))


class ValidateHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, channel):
        """Check a menu (the body, or the saved draft when the body is empty) and show its diff.
        ---
        tags: [admin]
        requestBody:
          required: false
          content: {application/json: {schema: MenuSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ValidationResultSchema}}}
        """
        check_channel(channel)
        menu = menus.parse_menu(self.json_body()) if self.body else None
        self.send(ValidationResultSchema().dump(await menus.validate(self.deps.db, channel, menu)))


class PublishHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, channel):
        """Publish the draft (or the menu in the body) as base_version + 1.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: PublishSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: VersionSchema}}}
          403: {description: "review.required: the city wants a second operator (submit for review)"}
          409: {description: "someone published first; details.current_version"}
          422: {description: "invalid menu, or WeChat refused the official-account menu (details.errcode)"}
          503: {description: "WeChat unreachable; nothing was published"}
        """
        check_channel(channel)
        reviews.refuse_direct(self.config.menu_review)
        body = self.load(PublishSchema())
        menu = await menus.menu_to_publish(self.deps.db, channel, body["menu"])
        doc = await published.publish_menu(self.deps, channel, menu, base_version=body["base_version"],
                                           actor=self.actor(), comment=body["comment"])
        self.send(VersionSchema().dump(doc), 201)


class RollbackHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, channel):
        """Publish a copy of an earlier version as the newest one.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: RollbackSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: VersionSchema}}}
          403: {description: "review.required: the city wants a second operator (submit for review)"}
          404: {description: "no such version"}
          409: {description: "stale base_version"}
        """
        check_channel(channel)
        reviews.refuse_direct(self.config.menu_review)
        body = self.load(RollbackSchema())
        doc = await published.rollback_menu(self.deps, channel, body["to_version"], base_version=body["base_version"],
                                            actor=self.actor(), comment=body["comment"])
        self.send(VersionSchema().dump(doc), 201)


class VersionsHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, channel):
        """Published versions, newest first.
        ---
        tags: [admin]
        responses:
          200: {description: "versions without their menus"}
        """
        versions = await menus.list_versions(self.deps.db, check_channel(channel))
        self.send({"versions": VersionSchema(many=True, exclude=("menu",)).dump(versions)})


class VersionHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, channel, version):
        """One published version with its menu.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: VersionSchema}}}
        """
        doc = await menus.get_version(self.deps.db, check_channel(channel), int(version))
        self.send(VersionSchema().dump(doc))


default_handlers = [
    (rf"/api/v1/channels/{CHANNEL}/menu", ChannelMenuHandler),
    (rf"/api/v1/admin/menus/{CHANNEL}/draft", DraftHandler),
    (rf"/api/v1/admin/menus/{CHANNEL}/validate", ValidateHandler),
    (rf"/api/v1/admin/menus/{CHANNEL}/publish", PublishHandler),
    (rf"/api/v1/admin/menus/{CHANNEL}/rollback", RollbackHandler),
    (rf"/api/v1/admin/menus/{CHANNEL}/versions", VersionsHandler),
    (rf"/api/v1/admin/menus/{CHANNEL}/versions/(?P<version>[0-9]{{1,9}})", VersionHandler),
]
