"""Resident login per channel, OTP for the app, token refresh and logout."""

from marshmallow import Schema, fields, validate

from api import metrics
from api.base import BaseHandler
from models.errors import AppError
from models.otp import OtpLoginSchema, OtpRequestSchema
from usecases import resident_sessions


class WeChatLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class AlipayLoginSchema(Schema):
    auth_code = fields.String(required=True, validate=validate.Length(1, 128))


class ResidentRefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(20, 200))


class ChannelLoginHandler(BaseHandler):
    schemas = {"wechat": WeChatLoginSchema, "alipay": AlipayLoginSchema, "app": OtpLoginSchema}

    async def post(self, channel):
        """Log in with the channel's proof: wechat {code} from wx.login, alipay {auth_code} from
        my.getAuthCode, app {phone, otp}. Returns an access token (aud = channel) and a refresh token.
        ---
        tags: [residents]
        responses:
          200: {description: "tokens and the resident (PII masked)"}
          401: {description: "auth.code_invalid / auth.otp_invalid"}
          403: {description: "auth.high_risk (WeChat)"}
          429: {description: "rate limited; Retry-After"}
          503: {description: "the platform is unavailable; Retry-After"}
        """
        body = self.load(self.schemas[channel]())
        deps, outcome = self.deps, "unavailable"
        try:
            tokens = await resident_sessions.login(deps.db, channel, body, adapter=deps.logins.get(channel), pii=deps.pii,
                                                   tokens=deps.tokens, refresh_store=deps.refresh)
            outcome = "success"
        except AppError as exc:
            outcome = "refused" if exc.status < 500 else "unavailable"
            raise
        finally:
            metrics.login(channel, outcome)
        self.send(tokens)


class OtpHandler(BaseHandler):
    async def post(self):
        """Send a 6-digit login code by SMS (1 per 60 s and 10 a day per phone; limits per IP).
        ---
        tags: [residents]
        requestBody:
          content: {application/json: {schema: OtpRequestSchema}}
        responses:
          202: {description: "sent"}
          429: {description: "too soon, too many, or the phone is locked; Retry-After"}
          503: {description: "SMS gateway unavailable"}
        """
        body = self.load(OtpRequestSchema())
        await resident_sessions.send_code(body["phone"], self.request.remote_ip or "", otp=self.deps.otp,
                                          sms=self.deps.sms, template=self.config.sms_template_login)
        self.send({"sent": True, "expires_in": 300}, 202)


class ResidentRefreshHandler(BaseHandler):
    async def post(self):
        """Spend a refresh token for a new pair; replaying a spent one revokes the whole login.
        ---
        tags: [residents]
        requestBody:
          content: {application/json: {schema: ResidentRefreshSchema}}
        responses:
          200: {description: "new tokens"}
          401: {description: "auth.refresh_invalid"}
        """
        body = self.load(ResidentRefreshSchema())
        self.send(await resident_sessions.refresh(self.deps.db, body["refresh_token"], tokens=self.deps.tokens,
                                                  refresh_store=self.deps.refresh))


class ResidentLogoutHandler(BaseHandler):
    async def post(self):
        """Revoke the login this refresh token belongs to.
        ---
        tags: [residents]
        requestBody:
          content: {application/json: {schema: ResidentRefreshSchema}}
        responses:
          204: {description: "logged out"}
        """
        body = self.load(ResidentRefreshSchema())
        await self.deps.refresh.revoke(body["refresh_token"])
        self.no_content()


default_handlers = [
    (r"/api/v1/auth/(?P<channel>wechat|alipay|app)", ChannelLoginHandler),
    (r"/api/v1/auth/app/otp", OtpHandler),
    (r"/api/v1/auth/refresh", ResidentRefreshHandler),
    (r"/api/v1/auth/logout", ResidentLogoutHandler),
]
