"""The sandbox as the demo deployment plays it: our demo apps registered with every upstream.

Used in two shapes: mounted inside one API process (tests, `python -m api` alone), or as its own
process (`python -m sandbox`, what `make run` starts) that every API process and push worker share.
"""

from __future__ import annotations

import base64
import functools
import json
import pathlib
import textwrap

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.alipay_templates import DEFAULT_ALIPAY_TEMPLATES
from sandbox.state import SandboxState
from sandbox.wechat_subscribe_state import DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES

PAGES_JSON = pathlib.Path(__file__).resolve().parent.parent / "miniprogram" / "src" / "pages.json"


def demo_state(settings, app_public_key: str, *, alipay_private_key_pem: str | None = None) -> SandboxState:
    """Every upstream, knowing our demo apps' credentials (taken from the same settings), the
    mini-programs' message templates (registered with the same ids and keys in our demo data,
    models/demo/message_templates.json, as an operator copies them from the platform) and the
    WeChat mini-program's pages."""
    mini = settings.wechat_mini_appid
    return SandboxState(
        wechat_apps={settings.wechat_appid: settings.wechat_secret, mini: settings.wechat_mini_secret},
        wechat_subscribe_templates={mini: DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES},
        wechat_mini_pages={mini: mini_pages()} if mini_pages() else None,
        alipay_apps={settings.alipay_app_id: app_public_key},
        alipay_templates={settings.alipay_app_id: DEFAULT_ALIPAY_TEMPLATES},
        alipay_private_key_pem=alipay_private_key_pem,
        sms_access_keys={settings.sms_access_key_id: settings.sms_access_key_secret},
        jpush_apps={settings.jpush_app_key: settings.jpush_master_secret} if settings.jpush_app_key else {},
        exchange_apps={settings.exchange_app_id: settings.exchange_app_secret} if settings.exchange_app_id else {},
    )


def new_key_body() -> str:
    """A fresh RSA 2048 key as a one-line base64 body (PKCS#1), the form env files hold."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    return base64.b64encode(der).decode()


def private_pem(key: str) -> str:
    """A PEM private key from a PEM or a bare base64 body."""
    if key.strip().startswith("-----"):
        return key
    return "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(textwrap.wrap(key.strip(), 64)) + \
        "\n-----END RSA PRIVATE KEY-----\n"


def public_pem(key: str) -> str:
    """The public half (SubjectPublicKeyInfo PEM) of a private key given as PEM or base64 body."""
    private = serialization.load_pem_private_key(private_pem(key).encode(), password=None)
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@functools.cache
def process_app_key() -> str:
    """Demo with the sandbox mounted and no ALIPAY_PRIVATE_KEY: a throwaway key for this process."""
    return new_key_body()


@functools.cache
def mini_pages() -> tuple[str, ...]:
    """The mini-program's pages (its pages.json, uni-app's app.json); () when the source is absent."""
    try:
        return tuple(page["path"] for page in json.loads(PAGES_JSON.read_text(encoding="utf-8"))["pages"])
    except FileNotFoundError:
        return ()
