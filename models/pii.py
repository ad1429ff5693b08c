"""Personal data at rest: an HMAC for lookups, AES-GCM ciphertext for display, masks for responses.

No raw 身份证号 or phone number is stored or logged. The two keys come from the settings
(PII_HMAC_KEY, PII_ENC_KEY); ciphertexts carry a version prefix so the key can be rotated.
"""

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class Pii:
    def __init__(self, hmac_key: bytes, enc_key: bytes):
        if len(enc_key) != 32:
            raise ValueError("PII_ENC_KEY must be 32 bytes")
        self._hmac_key = hmac_key
        self._aead = AESGCM(enc_key)

    def lookup(self, kind: str, value: str) -> str:
        """A stable keyed hash: equal inputs match, the input cannot be recovered without the key."""
        return hmac.new(self._hmac_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(12)
        return "v1:" + base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode(), None)).decode()

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token.removeprefix("v1:"))
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()


def mask_id(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_address(address: str) -> str:
    """The first few characters (province, city: at most half), never the length."""
    return address[:min(6, len(address) // 2)] + "****"


def mask_text(text: str) -> str:
    """Any other personal answer: its first character, never the length."""
    return text[:1] + "***" if len(text) > 1 else "***"
