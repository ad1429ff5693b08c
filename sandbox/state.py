"""All the sandbox's state: one ``SandboxState`` composed of each upstream's own state, which
lives in a module beside the one serving it (``wechat_state``, ``alipay_state``, ``sms_state``,
``jpush_state``, ``identity_state``, ``exchange_state``, ``face_state``...; faults and the received
log in ``shared_state``).

Everything here is mutated only from the sandbox's event loop, and every
mutation is synchronous (no ``await`` between reading and writing), so the
single-threaded asyncio model is all the guarding needed: no locks, no
threads. Clients may live in other threads or processes; they only talk to
the sandbox over HTTP.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping

from sandbox.alipay_state import AlipayState
from sandbox.alipay_templates import app_templates
from sandbox.exchange_state import ExchangeState
from sandbox.face_state import alipay_sessions, wechat_sessions
from sandbox.identity_state import IdentityState
from sandbox.jpush_state import JPushState
from sandbox.shared_state import BEIJING, DEFAULT_RECEIVED_LIMIT, Clock, FaultStore, ReceivedLog
from sandbox.sms_state import DEFAULT_SMS_ACCESS_KEYS, DEFAULT_SMS_SIGN_NAMES, DEFAULT_SMS_TEMPLATES, SmsState
from sandbox.wechat_login_state import WeChatLoginState
from sandbox.wechat_push_state import WeChatPushState
from sandbox.wechat_state import WeChatState
from sandbox.wechat_subscribe_state import DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES, WeChatSubscribeState


class SandboxState:
    """All sandbox state. Pass the same instance to routes and tests.

    :param wechat_apps: official-account appid -> appsecret.
    :param wechat_linked_miniprograms: mini-program appids a menu may link to
        (default: the keys of ``wechat_apps``).
    :param clock: seconds since the epoch; drives token expiry, quotas and
        the timestamps of the received log. Replace it to travel in time.
    :param received_limit: requests kept per target in the received log
        (and SMS messages kept for read-back).
    :param wechat_risky_openids: openids code2Session refuses (40226).
    :param alipay_apps: Alipay app_id -> the app's RSA public key (PEM,
        SubjectPublicKeyInfo or PKCS#1, or the bare base64 body).
    :param alipay_private_key_pem: the sandbox's own Alipay key (PEM); by
        default a fresh RSA 2048 key, generated on first use.
    :param alipay_timezone: the zone Alipay's ``timestamp`` parameter and
        ``auth_start`` are read and written in: Beijing like the real
        gateway, or None for the sandbox process's local zone.
    :param sms_access_keys: Aliyun AccessKey id -> secret.
    :param sms_templates: template code -> text with ``${var}`` placeholders.
    :param sms_sign_names: approved SMS signatures.
    :param wechat_subscribe_templates: mini-program subscribe-message
        templates per appid, appid -> template_id -> {data key -> keyword
        type (``thing``, ``phrase``, ``time``...)}; a key is its type and a
        number (default: ``DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES`` for every
        app of ``wechat_apps``).
    :param wechat_mini_pages: appid -> the page paths of the mini-program's
        released version (its app.json); a subscribe message opening any
        other page is refused (41030). Apps not given are not checked.
    :param wechat_subscribe_daily_limit: successful sends per appid and
        template per Beijing day before 45009 (None: unlimited).
    :param alipay_templates: Alipay mini-program templates per app, app_id
        -> template id -> {keywordN -> the longest value} (default:
        ``alipay_templates.DEFAULT_ALIPAY_TEMPLATES`` for every app of
        ``alipay_apps``).
    :param jpush_apps: JPush app_key -> master secret.
    :param exchange_apps: data-sharing exchange app id -> HMAC secret
        (default: none, so every exchange call is refused ``AUTH_FAILED``).
    """

    def __init__(
        self,
        wechat_apps: Mapping[str, str] | None = None,
        wechat_linked_miniprograms: Iterable[str] | None = None,
        clock: Clock = time.time,
        received_limit: int = DEFAULT_RECEIVED_LIMIT,
        *,
        wechat_risky_openids: Iterable[str] = (),
        alipay_apps: Mapping[str, str] | None = None,
        alipay_private_key_pem: str | None = None,
        alipay_timezone: dt.tzinfo | None = BEIJING,
        sms_access_keys: Mapping[str, str] | None = None,
        sms_templates: Mapping[str, str] | None = None,
        sms_sign_names: Iterable[str] | None = None,
        wechat_subscribe_templates: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
        wechat_subscribe_daily_limit: int | None = None,
        wechat_mini_pages: Mapping[str, Iterable[str]] | None = None,
        jpush_apps: Mapping[str, str] | None = None,
        exchange_apps: Mapping[str, str] | None = None,
        alipay_templates: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None,
    ) -> None:
        self.clock = clock
        self.targets: set[str] = set()
        self.faults = FaultStore()
        self.received = ReceivedLog(received_limit)
        apps = dict(wechat_apps or {})
        self.wechat = WeChatState(
            apps=apps,
            linked_miniprograms=set(
                apps if wechat_linked_miniprograms is None else wechat_linked_miniprograms
            ),
            clock=self._now,
        )
        self.wechat_login = WeChatLoginState(clock=self._now, risky_openids=set(wechat_risky_openids))
        self.wechat_push = WeChatPushState()
        if wechat_subscribe_templates is None:
            wechat_subscribe_templates = {appid: DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES for appid in apps}
        self.wechat_subscribe = WeChatSubscribeState(
            templates={appid: {template_id: dict(fields) for template_id, fields in templates.items()}
                       for appid, templates in wechat_subscribe_templates.items()},
            daily_limit=wechat_subscribe_daily_limit,
            clock=self._now,
            pages={appid: frozenset(pages) for appid, pages in (wechat_mini_pages or {}).items()},
        )
        self.alipay = AlipayState(
            alipay_apps or {}, self._now, private_key_pem=alipay_private_key_pem, timezone=alipay_timezone
        )
        self.alipay_templates = app_templates(self.alipay.apps, alipay_templates)
        self.sms = SmsState(
            access_keys=dict(DEFAULT_SMS_ACCESS_KEYS if sms_access_keys is None else sms_access_keys),
            templates=dict(DEFAULT_SMS_TEMPLATES if sms_templates is None else sms_templates),
            sign_names=set(DEFAULT_SMS_SIGN_NAMES if sms_sign_names is None else sms_sign_names),
            clock=self._now,
            limit=received_limit,
        )
        self.identity = IdentityState()
        self.jpush = JPushState(apps=dict(jpush_apps or {}))
        self.exchange = ExchangeState(apps=dict(exchange_apps or {}), clock=self._now)
        self.wechat_face = wechat_sessions(self._now)
        self.alipay_certify = alipay_sessions(self._now)

    @property
    def wechat_risky_openids(self) -> set[str]:
        """Openids code2Session answers 40226 for (a live, mutable set)."""
        return self.wechat_login.risky_openids

    @property
    def alipay_public_key_pem(self) -> str:
        """The sandbox's Alipay public key (SubjectPublicKeyInfo PEM): give it
        to the Alipay client as ``alipay_public_key``."""
        return self.alipay.public_key_pem

    @property
    def alipay_private_key_pem(self) -> str:
        """The sandbox's Alipay private key (PKCS#1 PEM)."""
        return self.alipay.private_key_pem

    def _now(self) -> float:
        # Late-bound so that tests may swap ``state.clock`` after construction.
        return self.clock()

    def register_targets(self, targets: Iterable[str]) -> None:
        self.targets.update(targets)

    def now_iso(self) -> str:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).isoformat(
            timespec="milliseconds"
        )

    def reset(self) -> None:
        """Forget faults, the received log and every upstream's data (codes,
        tokens, menus, messages, subscriptions, devices, pushes, exchange
        nonces, vehicles and call counts, face sessions...);
        configuration (apps, keys, templates) stays."""
        self.faults.clear()
        self.received.clear()
        self.wechat.reset()
        self.wechat_login.reset()
        self.wechat_subscribe.reset()
        self.wechat_push.reset()
        self.alipay.reset()
        self.sms.reset()
        self.identity.reset()
        self.jpush.reset()
        self.exchange.reset()
        self.wechat_face.reset()
        self.alipay_certify.reset()
