"""The Alipay gateway (``alipay.py``): apps and their keys, the sandbox's own key pair, auth codes, tokens.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.shared_state import BEIJING, Clock

ALIPAY_AUTH_CODE_TTL = 300
ALIPAY_ACCESS_TOKEN_TTL = 1_296_000  # 15 days
ALIPAY_REFRESH_TOKEN_TTL = 2_592_000  # 30 days
ALIPAY_TIMESTAMP_SKEW = 900  # a request's timestamp may be this far off

_PEM_BODY = re.compile(r"^[A-Za-z0-9+/=\s]+$")


def load_rsa_public_key(pem: str) -> rsa.RSAPublicKey:
    """An RSA public key from PEM (SubjectPublicKeyInfo or PKCS#1), or from
    the bare base64 body Alipay's console shows. Raises ValueError."""
    text = pem.strip()
    if "-----BEGIN" not in text:
        if not _PEM_BODY.match(text):
            raise ValueError("not a PEM public key")
        text = "-----BEGIN PUBLIC KEY-----\n" + "".join(text.split()) + "\n-----END PUBLIC KEY-----"
    key = serialization.load_pem_public_key(text.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def public_key_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


@dataclass
class AlipayAuthCode:
    """A ``my.getAuthCode`` code, exchanged once by alipay.system.oauth.token."""

    code: str
    app_id: str
    user_id: str | None
    open_id: str | None
    expires_at: float
    used: bool = False


@dataclass
class AlipayToken:
    access_token: str
    refresh_token: str
    app_id: str
    user_id: str | None
    open_id: str | None
    auth_start: float
    expires_at: float
    re_expires_at: float


class AlipayState:
    """Alipay apps, the sandbox's own key pair, auth codes and tokens.

    The key pair is generated on first use (RSA 2048 takes ~50 ms, and most
    sandboxes never talk Alipay) unless one is passed in.
    """

    def __init__(
        self,
        apps: Mapping[str, str],
        clock: Clock,
        private_key_pem: str | None = None,
        timezone: dt.tzinfo | None = BEIJING,
    ) -> None:
        self.apps = dict(apps)
        self.app_keys = {app_id: load_rsa_public_key(pem) for app_id, pem in self.apps.items()}
        self.clock = clock
        self.timezone = timezone
        if private_key_pem is not None:
            self.private_key = self._load_private_key(private_key_pem)  # fails early when bad
        self.auth_codes: dict[str, AlipayAuthCode] = {}
        self.tokens: dict[str, AlipayToken] = {}  # by access_token
        self.refresh_tokens: dict[str, AlipayToken] = {}  # only the current one per grant
        self.template_messages: list[dict[str, Any]] = []
        # How answers are signed: "normal"; "unsigned" (no `sign`); "wrong-key" (another key than
        # the one clients were given, as after a key change the city has not taken over).
        self.signing = "normal"

    @staticmethod
    def _load_private_key(pem: str) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("not an RSA private key")
        return key

    @functools.cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @functools.cached_property
    def wrong_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def public_key_pem(self) -> str:
        return public_key_pem(self.private_key.public_key())

    @property
    def private_key_pem(self) -> str:
        """PKCS#1 (``BEGIN RSA PRIVATE KEY``), the format Alipay's SDKs use."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode("ascii")

    def default_app(self) -> str | None:
        return next(iter(self.apps), None)

    def reset(self) -> None:
        self.auth_codes.clear()
        self.tokens.clear()
        self.refresh_tokens.clear()
        self.template_messages.clear()
        self.signing = "normal"

    def datetime(self, timestamp: float) -> dt.datetime:
        """``timestamp`` as Alipay's wall clock shows it (naive)."""
        return dt.datetime.fromtimestamp(timestamp, self.timezone).replace(tzinfo=None)

    def parse_timestamp(self, value: str) -> float | None:
        """A request's ``yyyy-MM-dd HH:mm:ss`` as epoch seconds, or None."""
        try:
            naive = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
        if self.timezone is None:
            return naive.timestamp()  # the local zone
        return naive.replace(tzinfo=self.timezone).timestamp()

    def issue_auth_code(self, app_id: str, user_id: str | None, open_id: str | None) -> AlipayAuthCode:
        now = self.clock()
        for code in list(self.auth_codes):
            if self.auth_codes[code].expires_at >= now:
                break
            del self.auth_codes[code]
        record = AlipayAuthCode(secrets.token_hex(16), app_id, user_id, open_id, now + ALIPAY_AUTH_CODE_TTL)
        self.auth_codes[record.code] = record
        return record

    def _grant(self, app_id: str, user_id: str | None, open_id: str | None) -> AlipayToken:
        now = self.clock()
        token = AlipayToken(
            access_token="authusrB" + secrets.token_hex(16),
            refresh_token="authusrB" + secrets.token_hex(16),
            app_id=app_id,
            user_id=user_id,
            open_id=open_id,
            auth_start=now,
            expires_at=now + ALIPAY_ACCESS_TOKEN_TTL,
            re_expires_at=now + ALIPAY_REFRESH_TOKEN_TTL,
        )
        self.tokens[token.access_token] = token
        self.refresh_tokens[token.refresh_token] = token
        return token

    def exchange_code(self, app_id: str, code: str) -> AlipayToken | str:
        """grant_type=authorization_code: a token, or the error sub_code."""
        record = self.auth_codes.get(code)
        if record is None or record.used or record.app_id != app_id or self.clock() > record.expires_at:
            return "isv.code-invalid"
        record.used = True
        return self._grant(app_id, record.user_id, record.open_id)

    def refresh(self, app_id: str, refresh_token: str) -> AlipayToken | str:
        """grant_type=refresh_token: a new token pair; the old refresh token dies."""
        old = self.refresh_tokens.get(refresh_token)
        if old is None or old.app_id != app_id:
            return "isv.refresh-token-invalid"
        if self.clock() > old.re_expires_at:
            return "isv.refresh-token-time-out"
        del self.refresh_tokens[refresh_token]
        return self._grant(app_id, old.user_id, old.open_id)
