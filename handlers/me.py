"""The logged-in resident: profile, real-name verification, linked channels; admins revert merges."""

from marshmallow import Schema, fields

from api.auth import require_roles
from api.base import BaseHandler
from models import inbox, legal, library, residents
from models.catalog import check_channel
from models.errors import AppError
from models.inbox import InboxMessageSchema
from models.library import ConsentSchema, LibraryEntrySchema
from models.links import LinkConfirmSchema
from models.residents import ContactSchema, RealnameSchema, ResidentViewSchema
from usecases import account_links


class MergeViewSchema(Schema):
    id = fields.Function(lambda m: str(m["_id"]))
    at = fields.AwareDateTime()
    source = fields.Function(lambda m: str(m["source"]))
    target = fields.Function(lambda m: str(m["target"]))
    reverted_at = fields.AwareDateTime(allow_none=True)


class MeHandler(BaseHandler):
    @require_roles(kind="resident", before_consent=True)
    async def get(self):
        """The resident: linked channels, real-name status, masked phone; `links`: requests from other
        logins to join this account (`incoming`: approve or refuse them), this login's own request
        (`outgoing`, with the proofs it may bring), and the merges into this account (each can be undone);
        `consent_required`: the documents to agree to before anything else (as at login).
        ---
        tags: [residents]
        responses:
          200: {description: "OK", content: {application/json: {schema: ResidentViewSchema}}}
        """
        me = await self.resident()
        links = await account_links.overview(self.deps.db, me, faces=self.deps.faces)
        self.send({**ResidentViewSchema().dump(me), "links": links,
                   "consent_required": await legal.pending(self.deps.db, me)})


class ContactHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """My own phone in clear, to fill in a form's contact phone (`GET /me` shows it masked only).
        Never cached (the default Cache-Control: no-store).
        ---
        tags: [residents]
        responses:
          200: {description: "OK; `phone` null when the account has none", content: {application/json: {schema: ContactSchema}}}
        """
        me = await self.resident()
        self.send(ContactSchema().dump(residents.contact(me, self.deps.pii)))


class RealnameHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self):
        """Verify name + 身份证号 with the identity register and record them. When another account
        already holds this 身份证号, nothing is joined: 202 with a link request (`link`), which that
        account's owner must prove (an SMS code to its phone, approval from one of its logins, or face
        verification on this channel) before this login sees anything of it.
        ---
        tags: [residents]
        requestBody:
          content: {application/json: {schema: RealnameSchema}}
        responses:
          200: {description: "verified and recorded"}
          202: {description: "the 身份证号 belongs to an existing account: `link` says how to prove it is yours"}
          403: {description: "consent.id_number_required: the 身份证号 notice is not agreed to (POST /me/consents)"}
          409: {description: "already verified with another 身份证号"}
          422: {description: "invalid 身份证号, or name and number do not match"}
          429: {description: "realname.rate_limited: too many attempts for this login or this 身份证号"}
          503: {description: "identity register unavailable"}
        """
        body = self.load(RealnameSchema())
        me = await self.resident()
        # sensitive personal information: its own consent first (个人信息保护法 Art. 29)
        if self.config.consent_gate and await legal.pending(self.deps.db, me, ("id_number",)):
            raise AppError(403, "consent.id_number_required", "请先阅读并同意身份证号处理告知")
        # every attempt counts, per login and per 身份证号, so names cannot be guessed against a number
        await self.deps.realname_limiter.take(str(me["_id"]))
        await self.deps.realname_limiter.take(self.deps.pii.lookup("id", body["id_number"]))
        doc, holder = await residents.verify_realname(self.deps.db, me, body["name"], body["id_number"],
                                                      pii=self.deps.pii, verify=self.deps.identity.verify)
        if holder is None:
            self.send({"resident": ResidentViewSchema().dump(doc), "merged": False})
            return
        link = await account_links.request(self.deps.db, self.current_claims(), me, holder, body["name"],
                                           body["id_number"], pii=self.deps.pii, faces=self.deps.faces)
        self.send({"merged": False, "link": link}, 202)


class LinkCodeHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, link_id):
        """Send a code to the phone of the account this login asked to join (its owner reads it out).
        ---
        tags: [residents]
        responses:
          202: {description: "sent; `phone` is masked"}
          404: {description: "no such pending request of this login"}
          409: {description: "link.no_phone: the account has no phone; use approval or face"}
          429: {description: "too soon or too many codes; Retry-After"}
          503: {description: "SMS gateway unavailable"}
        """
        deps = self.deps
        self.send(await account_links.send_code(deps.db, self.current_claims(), link_id, self.request.remote_ip or "",
                                                pii=deps.pii, codes=deps.link_codes, sms=deps.sms,
                                                template=self.config.sms_template_link), 202)


class LinkFaceHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, link_id):
        """Start face verification on this login's channel (WeChat 人脸核身, Alipay 身份验证) for the
        name and 身份证号 entered; the mini-program runs it with `client`, then confirms.
        ---
        tags: [residents]
        responses:
          200: {description: "`client`: what the mini-program passes to the platform's face check"}
          404: {description: "no such pending request of this login"}
          409: {description: "link.face_unavailable on this channel"}
          429: {description: "face.rate_limited: too many face checks started (FACE_LIMITS); Retry-After"}
          503: {description: "the platform is unavailable"}
        """
        await self.deps.face_limiter.take(self.current_claims()["sub"])  # each check is billed
        self.send(await account_links.start_face(self.deps.db, self.current_claims(), link_id, pii=self.deps.pii,
                                                 faces=self.deps.faces))


class LinkConfirmHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, link_id):
        """Bring the proof: `{"method": "sms", "code"}` or `{"method": "face"}` after the face check.
        On success this login joins the account: new tokens, `merged: true`.
        ---
        tags: [residents]
        requestBody:
          content: {application/json: {schema: LinkConfirmSchema}}
        responses:
          200: {description: "joined; tokens for the account"}
          401: {description: "auth.otp_invalid: wrong or expired code"}
          404: {description: "no such pending request of this login"}
          409: {description: "face check not started or not finished; request already decided"}
          422: {description: "link.face_failed / link.face_timeout"}
          429: {description: "too many wrong codes; Retry-After"}
        """
        body = self.load(LinkConfirmSchema())
        deps = self.deps
        self.send(await account_links.confirm(deps.db, self.current_claims(), link_id, body, pii=deps.pii,
                                              codes=deps.link_codes, faces=deps.faces, tokens=deps.tokens,
                                              refresh_store=deps.refresh))


class LinkAnswerHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, link_id, answer):
        """The account's owner, on a login already linked, approves (joins) or refuses a request.
        ---
        tags: [residents]
        responses:
          200: {description: "the account after the answer"}
          404: {description: "no such pending request to this account"}
          409: {description: "already decided, or the requesting login changed"}
        """
        self.send(await account_links.answer(self.deps.db, self.current_claims(), link_id, answer == "approve"))


class MergeUndoHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, merge_id):
        """Undo a merge into my account: the logins it joined become a separate account again and
        their tokens stop working for mine.
        ---
        tags: [residents]
        responses:
          200: {description: "my account after the undo"}
          404: {description: "no such merge into my account, or already undone"}
        """
        self.send(await account_links.undo(self.deps.db, self.current_claims(), merge_id))


class ChannelLinkHandler(BaseHandler):
    @require_roles(kind="resident")
    async def delete(self, channel):
        """Unlink a channel (not the last one, nor the one this token logged in on).
        ---
        tags: [residents]
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
        responses:
          200: {description: "the restored resident"}
          404: {description: "no such merge, or already reverted"}
        """
        doc = await residents.revert_merge(self.deps.db, merge_id, self.actor())
        self.send(ResidentViewSchema().dump(doc))


default_handlers = [
    (r"/api/v1/me", MeHandler),
    (r"/api/v1/me/contact", ContactHandler),
    (r"/api/v1/me/realname", RealnameHandler),
    (r"/api/v1/me/links/(?P<link_id>[0-9a-f]{24})/code", LinkCodeHandler),
    (r"/api/v1/me/links/(?P<link_id>[0-9a-f]{24})/face", LinkFaceHandler),
    (r"/api/v1/me/links/(?P<link_id>[0-9a-f]{24})/confirm", LinkConfirmHandler),
    (r"/api/v1/me/links/(?P<link_id>[0-9a-f]{24})/(?P<answer>approve|refuse)", LinkAnswerHandler),
    (r"/api/v1/me/merges/(?P<merge_id>[0-9a-f]{24})/undo", MergeUndoHandler),
    (r"/api/v1/me/channels/(?P<channel>[^/]+)", ChannelLinkHandler),
    (r"/api/v1/me/materials", LibraryHandler),
    (r"/api/v1/me/materials/(?P<code>[a-z0-9_]+)", LibraryEntryHandler),
    (r"/api/v1/me/inbox", InboxHandler),
    (r"/api/v1/me/inbox/(?P<message_id>[^/]+)/read", InboxReadHandler),
    (r"/api/v1/admin/residents/merges", MergesHandler),
    (r"/api/v1/admin/residents/merges/(?P<merge_id>[^/]+)/revert", MergeRevertHandler),
]
