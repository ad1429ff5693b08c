"""The logged-in resident: profile, real-name verification, linked channels; admins revert merges."""

from marshmallow import Schema, fields

from api import sessions
from api.auth import require_roles
from api.base import BaseHandler
from models import inbox, library, residents
from models.catalog import check_channel
from models.inbox import InboxMessageSchema
from models.library import ConsentSchema, LibraryEntrySchema
from models.residents import RealnameSchema, ResidentViewSchema


class MergeViewSchema(Schema):
    id = fields.Function(lambda m: str(m["_id"]))
    at = fields.AwareDateTime()
    source = fields.Function(lambda m: str(m["source"]))
    target = fields.Function(lambda m: str(m["target"]))
    reverted_at = fields.AwareDateTime(allow_none=True)


class MeHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """The resident: linked channels, real-name status, masked phone.
        ---
        tags: [residents]
        security: [{bearer: []}]
        responses:
          200: {description: "OK", content: {application/json: {schema: ResidentViewSchema}}}
        """
        self.send(ResidentViewSchema().dump(await self.resident()))


class RealnameHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self):
        """Verify name + 身份证号 with the identity register. When another channel of the same person
        verified it first, this channel joins that resident (merged), and new tokens are returned.
        ---
        tags: [residents]
        security: [{bearer: []}]
        requestBody:
          content: {application/json: {schema: RealnameSchema}}
        responses:
          200: {description: "verified; `merged` tells whether accounts were joined"}
          409: {description: "already verified with another 身份证号"}
          422: {description: "invalid 身份证号, or name and number do not match"}
          429: {description: "realname.rate_limited: too many attempts for this login or this 身份证号"}
          503: {description: "identity register unavailable"}
        """
        body = self.load(RealnameSchema())
        me = await self.resident()
        # every attempt counts, per login and per 身份证号, so names cannot be guessed against a number
        await self.deps.realname_limiter.take(str(me["_id"]))
        await self.deps.realname_limiter.take(self.deps.pii.lookup("id", body["id_number"]))
        doc, merged = await residents.verify_realname(self.deps.db, me, body["name"], body["id_number"],
                                                      pii=self.deps.pii, verify=self.deps.identity.verify)
        reply = await sessions.tokens_for(self.deps, doc, self.current_claims()["aud"]) if merged else \
            {"resident": ResidentViewSchema().dump(doc)}
        self.send({**reply, "merged": merged})


class ChannelLinkHandler(BaseHandler):
    @require_roles(kind="resident")
    async def delete(self, channel):
        """Unlink a channel (not the last one, nor the one this token logged in on).
        ---
        tags: [residents]
        security: [{bearer: []}]
        parameters:
          - {in: path, name: channel, required: true, schema: {type: string}}
        responses:
          200: {description: "the resident after unlinking"}
          404: {description: "channel not linked"}
          409: {description: "the last channel, or the one you are logged in on, cannot be unlinked"}
        """
        doc = await residents.unlink_channel(self.deps.db, await self.resident(), check_channel(channel),
                                             current=self.current_claims()["aud"])
        self.send(ResidentViewSchema().dump(doc))


class LibraryHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """My material library (减证便民): materials departments accepted, reusable by upload_id.
        ---
        tags: [residents]
        security: [{bearer: []}]
        responses:
          200: {description: "consent and entries"}
        """
        me = await self.resident()
        entries = await library.entries(self.deps.db, str(me["_id"]))
        self.send({"consent": bool(me.get("library_consent")), "materials": LibraryEntrySchema(many=True).dump(entries)})

    @require_roles(kind="resident")
    async def put(self):
        """Give or withdraw consent to keep accepted materials (withdrawing empties the library).
        ---
        tags: [residents]
        security: [{bearer: []}]
        requestBody:
          content: {application/json: {schema: ConsentSchema}}
        responses:
          200: {description: "consent recorded"}
        """
        body = self.load(ConsentSchema())
        await library.set_consent(self.deps.db, (await self.resident())["_id"], body["consent"])
        self.send({"consent": body["consent"]})


class LibraryEntryHandler(BaseHandler):
    @require_roles(kind="resident")
    async def delete(self, code):
        """Remove one material from my library.
        ---
        tags: [residents]
        security: [{bearer: []}]
        parameters:
          - {in: path, name: code, required: true, schema: {type: string}}
        responses:
          204: {description: "removed"}
          404: {description: "not in the library"}
        """
        await library.revoke(self.deps.db, await self.resident_id(), code)
        self.no_content()


class InboxHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """My messages (办件 status changes), newest first, with the unread count.
        ---
        tags: [residents]
        security: [{bearer: []}]
        responses:
          200: {description: "messages and unread"}
        """
        docs, unread = await inbox.messages(self.deps.db, await self.resident_id())
        self.send({"unread": unread, "messages": InboxMessageSchema(many=True).dump(docs)})


class InboxReadHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, message_id):
        """Mark one message read.
        ---
        tags: [residents]
        security: [{bearer: []}]
        parameters:
          - {in: path, name: message_id, required: true, schema: {type: string}}
        responses:
          204: {description: "read"}
          404: {description: "no such message of yours"}
        """
        await inbox.mark_read(self.deps.db, await self.resident_id(), message_id)
        self.no_content()


class MergesHandler(BaseHandler):
    @require_roles("admin")
    async def get(self):
        """Resident merges, newest first (admins).
        ---
        tags: [admin]
        security: [{bearer: []}]
        responses:
          200: {description: "merges"}
        """
        self.send({"merges": MergeViewSchema(many=True).dump(await residents.list_merges(self.deps.db))})


class MergeRevertHandler(BaseHandler):
    @require_roles("admin")
    async def post(self, merge_id):
        """Undo a merge: the merged resident gets its channels back.
        ---
        tags: [admin]
        security: [{bearer: []}]
        parameters:
          - {in: path, name: merge_id, required: true, schema: {type: string}}
        responses:
          200: {description: "the restored resident"}
          404: {description: "no such merge, or already reverted"}
        """
        doc = await residents.revert_merge(self.deps.db, merge_id, self.actor())
        self.send(ResidentViewSchema().dump(doc))


default_handlers = [
    (r"/api/v1/me", MeHandler),
    (r"/api/v1/me/realname", RealnameHandler),
    (r"/api/v1/me/channels/(?P<channel>[^/]+)", ChannelLinkHandler),
    (r"/api/v1/me/materials", LibraryHandler),
    (r"/api/v1/me/materials/(?P<code>[a-z0-9_]+)", LibraryEntryHandler),
    (r"/api/v1/me/inbox", InboxHandler),
    (r"/api/v1/me/inbox/(?P<message_id>[^/]+)/read", InboxReadHandler),
    (r"/api/v1/admin/residents/merges", MergesHandler),
    (r"/api/v1/admin/residents/merges/(?P<merge_id>[^/]+)/revert", MergeRevertHandler),
]
