"""用户协议 / 隐私政策 / 身份证号 notice: public texts, operators' new versions, residents' consent,
and account closure (注销账号)."""

from marshmallow import Schema, fields, validate

from api.auth import require_roles
from api.base import BaseHandler
from models import legal
from models.legal import AgreementSchema, LegalPublishSchema, LegalTextSchema
from models.otp import OtpLoginSchema
from usecases import account_closure

KIND = r"(?P<kind>terms|privacy|id_number)"
CLOSE_WORD = "注销"


# the login proofs again (handlers/resident_auth.py has the same; handlers do not import each other)
class WeChatProofSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class AlipayProofSchema(Schema):
    auth_code = fields.String(required=True, validate=validate.Length(1, 128))


PROOFS = {"wechat": WeChatProofSchema, "alipay": AlipayProofSchema, "app": OtpLoginSchema}


class LegalVersionSchema(Schema):
    kind = fields.String()
    version = fields.Integer()
    title = fields.String()
    effective_at = fields.AwareDateTime()
    changes = fields.String()
    published_by = fields.String()


class AccountClosureSchema(Schema):
    # typed by the resident, so a stray tap cannot close the account
    confirm = fields.String(required=True, validate=validate.Equal(CLOSE_WORD, error=f"请输入“{CLOSE_WORD}”以确认"))
    # a fresh proof from the channel this login came from, as at login (wechat {code}, alipay
    # {auth_code}, app {phone, otp}): a token alone may be an old one on a lost phone
    proof = fields.Dict(required=True)


class LegalDocumentHandler(BaseHandler):
    async def get(self, kind):
        """The current text of the 用户协议 (terms), 隐私政策 (privacy) or 身份证号 notice (id_number);
        `?version=` an older one.
        ---
        tags: [privacy]
        parameters:
          - {in: query, name: version, schema: {type: integer, minimum: 1}}
        responses:
          200: {description: "OK", content: {application/json: {schema: LegalTextSchema}}}
          404: {description: "legal.not_found"}
        """
        version = self.query_arg("version", as_int=True, lo=1, hi=10_000)
        self.send(LegalTextSchema().dump(await legal.document(self.deps.db, kind, version)))


class LegalVersionsHandler(BaseHandler):
    async def get(self):
        """The current version of each document (a client compares them with what it showed).
        ---
        tags: [privacy]
        responses:
          200: {description: "{kind: version}"}
        """
        self.send({"versions": await legal.current_versions(self.deps.db)})


class LegalPublishHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, kind):
        """Every version of a document, newest first (with its effective date and who published it).
        ---
        tags: [privacy]
        responses:
          200: {description: "OK"}
        """
        self.send({"versions": LegalVersionSchema(many=True).dump(await legal.history(self.deps.db, kind))})

    @require_roles("operator")
    async def post(self, kind):
        """Publish a new version; from its effective date every resident is asked to agree again.
        ---
        tags: [privacy]
        requestBody:
          content: {application/json: {schema: LegalPublishSchema}}
        responses:
          201: {description: "published", content: {application/json: {schema: LegalTextSchema}}}
          409: {description: "legal.publish_conflict"}
        """
        body = self.load(LegalPublishSchema())
        doc = await legal.publish(self.deps.db, kind, body, self.actor())
        self.send(LegalTextSchema().dump(doc), 201)


class ConsentHandler(BaseHandler):
    @require_roles(kind="resident", before_consent=True)
    async def post(self):
        """Agree to the current version of documents: `kinds` [terms, privacy] at login, [id_number]
        before real-name verification; `versions` the ones shown ({kind: version}), so a text
        published meanwhile is not agreed to unread. Recorded with the time and this login's channel.
        ---
        tags: [privacy]
        requestBody:
          content: {application/json: {schema: AgreementSchema}}
        responses:
          200: {description: "recorded; `consent_required` what is still missing for login"}
          409: {description: "consent.version_changed: a newer version is in effect, read it first"}
        """
        body = self.load(AgreementSchema())
        me = await self.resident()
        me = await legal.record(self.deps.db, me, sorted(set(body["kinds"])), body["versions"],
                                self.current_claims()["aud"])
        self.send({"consents": legal.consent_view(me), "consent_required": await legal.pending(self.deps.db, me)})


class ClosureHandler(BaseHandler):
    @require_roles(kind="resident", before_consent=True)
    async def post(self):
        """Close the account (个人信息保护法 Art. 47). Needs `confirm` "注销" and a fresh proof from the
        channel of this login, checked as at login and required to be one of this account's logins;
        on WeChat and Alipay, an account with a verified real name also a passed face check.
        Then every login ends, channels are unlinked, personal data is erased, and 办件 are kept
        (档案) under an anonymous id. A later login through the same channel is a new account.
        ---
        tags: [privacy]
        requestBody:
          content: {application/json: {schema: AccountClosureSchema}}
        responses:
          200: {description: "closed; what was erased or unlinked, by collection"}
          403: {description: "closure.proof_mismatch: the proof is of another person"}
          401: {description: "auth.code_invalid / auth.otp_invalid: the proof was refused"}
          409: {description: "closure.face_required / closure.face_pending: a passed face check first (POST /me/closure/face)"}
          422: {description: "closure.face_failed / closure.face_timeout: the face check did not pass; start a new one"}
          429: {description: "rate limited; Retry-After"}
          503: {description: "the channel is unavailable; Retry-After"}
        """
        body = self.load(AccountClosureSchema())
        me = await self.resident()
        channel = self.current_claims()["aud"]
        proof = self.load(PROOFS[channel](), body["proof"])
        deps = self.deps
        done = await account_closure.close(deps.db, me, channel, proof, adapter=deps.logins.get(channel),
                                           refresh_store=deps.refresh, redis=deps.redis, pii=deps.pii, faces=deps.faces)
        self.send({"closed": True, "erased": done})


class ClosureFaceHandler(BaseHandler):
    @require_roles(kind="resident", before_consent=True)
    async def post(self):
        """Start the face check (WeChat 人脸核身, Alipay 身份验证) that closing an account with a
        verified real name needs on those channels; the mini-program runs it with `client`, then
        sends the closure. The closure answers 409 `closure.face_required` when it is needed.
        ---
        tags: [privacy]
        responses:
          200: {description: "`client`: what the mini-program passes to the platform's face check"}
          409: {description: "closure.face_not_needed: no real name on record, or no face check on this channel"}
          429: {description: "face.rate_limited: too many face checks started (FACE_LIMITS); Retry-After"}
          503: {description: "the platform is unavailable"}
        """
        deps = self.deps
        me = await self.resident()
        if account_closure.face_needed(me, self.current_claims()["aud"], deps.faces):
            await deps.face_limiter.take(str(me["_id"]))  # each check is billed
        self.send(await account_closure.start_face(deps.db, me, self.current_claims()["aud"], pii=deps.pii, faces=deps.faces))


default_handlers = [
    (r"/api/v1/legal", LegalVersionsHandler),
    (rf"/api/v1/legal/{KIND}", LegalDocumentHandler),
    (rf"/api/v1/admin/legal/{KIND}", LegalPublishHandler),
    (r"/api/v1/me/consents", ConsentHandler),
    (r"/api/v1/me/closure", ClosureHandler),
    (r"/api/v1/me/closure/face", ClosureFaceHandler),
]
