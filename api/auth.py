"""Access tokens (JWT, HS256 pinned, `kid` header for key rotation) and role checks."""

import datetime as dt
import functools
import hashlib
import uuid

import jwt

from models import legal
from models.errors import AppError

ALGORITHM = "HS256"
ISSUER = "govservice"
# `aud`: "staff" for staff tokens, the channel for residents' tokens. Any other audience is refused.
AUDIENCES = ("staff", "wechat", "alipay", "app")


def key_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class TokenService:
    def __init__(self, secret: str, old_secrets=(), ttl: int = 900):
        self._signing_kid = key_id(secret)
        self._keys = {key_id(s): s for s in (secret, *old_secrets)}
        self.ttl = ttl

    def issue(self, subject: str, *, kind: str, role: str, aud: str, extra: dict | None = None) -> str:
        now = dt.datetime.now(dt.UTC)
        claims = {"sub": subject, "typ": kind, "role": role, "aud": aud, "iss": ISSUER, "iat": now,
                  "exp": now + dt.timedelta(seconds=self.ttl), "jti": uuid.uuid4().hex, **(extra or {})}
        return jwt.encode(claims, self._keys[self._signing_kid], algorithm=ALGORITHM,
                          headers={"kid": self._signing_kid})

    def decode(self, token: str) -> dict:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            secret = self._keys.get(kid)
            if secret is None:
                raise jwt.InvalidTokenError("unknown kid")
            return jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER, audience=AUDIENCES,
                              options={"require": ["exp", "iat", "sub", "typ", "aud"]})
        except jwt.ExpiredSignatureError:
            raise AppError(401, "auth.token_expired", "登录已过期，请刷新或重新登录") from None
        except jwt.PyJWTError:
            raise AppError(401, "auth.token_invalid", "登录凭证无效") from None


def require_roles(*roles: str, kind: str = "staff", before_password_change: bool = False,
                  before_consent: bool = False):
    """Handler-method decorator: a valid token of `kind` whose role is one of `roles` (admin always passes).
    A staff token issued while the password must still be changed (`pwc`) opens only the methods
    marked `before_password_change` (who am I, change my password). A resident who has not agreed
    to the current 用户协议 and 隐私政策 reaches only the methods marked `before_consent` (who am I,
    consent, account closure): models/legal.py."""

    def decorate(method):
        @functools.wraps(method)
        async def wrapper(self, *args, **kwargs):
            claims = self.current_claims()
            if claims is None:
                raise AppError(401, "auth.required", "请先登录")
            if claims["typ"] != kind or (roles and claims["role"] not in roles and claims["role"] != "admin"):
                raise AppError(403, "auth.forbidden", "没有权限执行此操作")
            if claims.get("pwc") and not before_password_change:
                raise AppError(403, "auth.password_change_required", "请先修改初始密码后再继续操作")
            if kind == "resident" and not before_consent and self.config.consent_gate:
                await legal.check_login(self.deps.db, claims["sub"])
            return await method(self, *args, **kwargs)

        # The mark api/openapi.py reads (the operation's `security`), and the fuzz tests' token choice.
        wrapper.required_roles = roles
        wrapper.required_kind = kind
        return wrapper

    return decorate
