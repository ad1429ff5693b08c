"""In-memory state of the sandbox.

Everything here is mutated only from the sandbox's event loop, and every
mutation is synchronous (no ``await`` between reading and writing), so the
single-threaded asyncio model is all the guarding needed: no locks, no
threads. Clients may live in other threads or processes; they only talk to
the sandbox over HTTP.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import functools
import itertools
import math
import random
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.alipay_templates import app_templates
from sandbox.face_state import alipay_sessions, wechat_sessions

Clock = Callable[[], float]

# Keys whose values are replaced by "***" in the received-request log (any
# upstream; a handler may add its own with ``scrub_keys``). Compared in
# lower case.
SCRUBBED_KEYS = frozenset({"secret", "access_token", "refresh_token", "session_key"})
SCRUBBED_VALUE = "***"

DEFAULT_RECEIVED_LIMIT = 1000

# WeChat access_token lifetimes and stable_token quotas (seconds / counts).
WECHAT_TOKEN_TTL = 7200
WECHAT_TOKEN_GRACE = 300  # a replaced token stays valid this long
WECHAT_STABLE_RENEW_BELOW = 300  # stable_token renews when less is left
WECHAT_FORCE_REFRESH_PER_DAY = 20
WECHAT_FORCE_REFRESH_INTERVAL = 30
# WeChat's daily quotas reset at midnight Beijing time; Alipay reads and
# writes its timestamps in Beijing time too.
BEIJING = dt.timezone(dt.timedelta(hours=8))

# wx.login codes: single use, five minutes; code2Session calls per openid.
WECHAT_LOGIN_CODE_TTL = 300
WECHAT_SESSIONS_PER_MINUTE = 100


# ---------------------------------------------------------------- faults


@dataclass
class Fault:
    """One injected fault. ``remaining`` is None when it lasts until cleared."""

    target: str
    id: int = 0
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = None
    latency_ms: int = 0
    times: int = 1
    drop: bool = False
    probability: float = 1.0  # each matching request is hit with this chance
    remaining: int | None = None
    created_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target,
            "errcode": self.errcode,
            "errmsg": self.errmsg,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "times": self.times,
            "remaining": self.remaining,
            "drop": self.drop,
            "probability": self.probability,
            "created_at": self.created_at,
        }


class FaultStore:
    """Active faults in creation order; the oldest matching fault wins."""

    def __init__(self) -> None:
        self._faults: dict[int, Fault] = {}
        self._ids = itertools.count(1)
        self._random = random.Random()

    def add(self, fault: Fault) -> Fault:
        fault.id = next(self._ids)
        fault.remaining = fault.times if fault.times else None
        self._faults[fault.id] = fault
        return fault

    def list(self, target: str | None = None) -> list[Fault]:
        return [f for f in self._faults.values() if target is None or f.target == target]

    def get(self, fault_id: int) -> Fault | None:
        return self._faults.get(fault_id)

    def remove(self, fault_id: int) -> bool:
        return self._faults.pop(fault_id, None) is not None

    def clear(self) -> int:
        count = len(self._faults)
        self._faults.clear()
        return count

    def take(self, *targets: str) -> Fault | None:
        """Consume one use of the oldest active fault for any of ``targets``."""
        for fault in list(self._faults.values()):
            if fault.target not in targets:
                continue
            if fault.probability < 1 and self._random.random() >= fault.probability:
                continue  # this request escapes this fault; a later one may still match
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[fault.id]
            return fault
        return None


# ---------------------------------------------------------------- received log


def scrub(value: Any, keys: frozenset[str] = SCRUBBED_KEYS) -> Any:
    """A copy of ``value`` with the values of secret-bearing ``keys`` masked."""
    if isinstance(value, dict):
        return {
            k: (SCRUBBED_VALUE if isinstance(k, str) and k.lower() in keys else scrub(v, keys))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v, keys) for v in value]
    return value


class ReceivedLog:
    """The last ``limit`` requests per target, oldest first."""

    def __init__(self, limit: int = DEFAULT_RECEIVED_LIMIT) -> None:
        self.limit = limit
        self._by_target: dict[str, collections.deque[tuple[int, dict[str, Any]]]] = {}
        self._seq = itertools.count(1)

    def add(self, record: dict[str, Any], also: Iterable[str] = ()) -> dict[str, Any]:
        """Keep ``record`` under its target and under the ``also`` targets
        (e.g. an Alipay call under its method and under the gateway)."""
        entry = (next(self._seq), record)
        for target in dict.fromkeys((record["target"], *also)):
            self._by_target.setdefault(target, collections.deque(maxlen=self.limit)).append(entry)
        return record

    def list(self, target: str | None = None) -> list[dict[str, Any]]:
        if target is not None:
            return [record for _, record in self._by_target.get(target, ())]
        merged = dict(itertools.chain.from_iterable(self._by_target.values()))
        return [merged[seq] for seq in sorted(merged)]

    def clear(self, target: str | None = None) -> None:
        if target is None:
            self._by_target.clear()
        else:
            self._by_target.pop(target, None)


# ---------------------------------------------------------------- WeChat


@dataclass
class WeChatToken:
    token: str
    appid: str
    expires_at: float


@dataclass
class WeChatState:
    """Official-account apps, their tokens and menus."""

    apps: dict[str, str]
    linked_miniprograms: set[str]
    clock: Clock
    tokens: dict[str, WeChatToken] = field(default_factory=dict)
    classic_current: dict[str, str] = field(default_factory=dict)
    stable_current: dict[str, str] = field(default_factory=dict)
    force_refreshes: dict[str, list[float]] = field(default_factory=dict)
    menus: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def reset(self) -> None:
        self.tokens.clear()
        self.classic_current.clear()
        self.stable_current.clear()
        self.force_refreshes.clear()
        self.menus.clear()

    def _issue(self, appid: str, current: dict[str, str]) -> WeChatToken:
        now = self.clock()
        previous = self.tokens.get(current.get(appid, ""))
        if previous is not None:
            previous.expires_at = min(previous.expires_at, now + WECHAT_TOKEN_GRACE)
        record = WeChatToken(secrets.token_urlsafe(96), appid, now + WECHAT_TOKEN_TTL)
        self.tokens[record.token] = record
        current[appid] = record.token
        return record

    def issue_classic(self, appid: str) -> WeChatToken:
        """cgi-bin/token: always a new token; the previous one gets 5 minutes."""
        return self._issue(appid, self.classic_current)

    def stable(self, appid: str, force_refresh: bool) -> WeChatToken | int:
        """cgi-bin/stable_token: the token, or a quota errcode (45009/45011). A forced refresh
        kills the previous stable token at once; a renewal leaves it 5 minutes."""
        now = self.clock()
        if not force_refresh:
            current = self.tokens.get(self.stable_current.get(appid, ""))
            if current is not None and current.expires_at - now >= WECHAT_STABLE_RENEW_BELOW:
                return current
            return self._issue(appid, self.stable_current)
        today = dt.datetime.fromtimestamp(now, BEIJING).date()
        history = [
            t
            for t in self.force_refreshes.get(appid, [])
            if dt.datetime.fromtimestamp(t, BEIJING).date() == today
        ]
        self.force_refreshes[appid] = history
        if len(history) >= WECHAT_FORCE_REFRESH_PER_DAY:
            return 45009
        if history and now - history[-1] < WECHAT_FORCE_REFRESH_INTERVAL:
            return 45011
        history.append(now)
        # Unlike a renewal, a forced refresh invalidates the previous token at once (40001 for it).
        self.tokens.pop(self.stable_current.get(appid, ""), None)
        return self._issue(appid, self.stable_current)

    def check_token(self, token: str) -> WeChatToken | int:
        """The token's record, or 40001 (unknown) / 42001 (expired)."""
        record = self.tokens.get(token)
        if record is None:
            return 40001
        if self.clock() >= record.expires_at:
            return 42001
        return record


# ---------------------------------------------------------------- WeChat mini-program login


@dataclass
class WeChatLoginCode:
    """A ``wx.login`` code, exchanged once by ``sns/jscode2session``."""

    code: str
    appid: str
    openid: str
    unionid: str | None
    expires_at: float
    used: bool = False


@dataclass
class WeChatSession:
    appid: str
    openid: str
    unionid: str | None
    session_key: str


@dataclass
class WeChatLoginState:
    """wx.login codes, high-risk users and the code2Session quota."""

    clock: Clock
    risky_openids: set[str] = field(default_factory=set)
    codes: dict[str, WeChatLoginCode] = field(default_factory=dict)
    exchanges: dict[str, collections.deque[float]] = field(default_factory=dict)
    # (appid, openid) -> the latest session (its session_key decrypts wx data).
    sessions: dict[tuple[str, str], WeChatSession] = field(default_factory=dict)
    # (appid, openid): the users of each app (an openid is per app), as wx.login and a
    # subscribe prompt show them; a subscribe message to anyone else is refused (40003).
    users: set[tuple[str, str]] = field(default_factory=set)

    def reset(self) -> None:
        self.risky_openids.clear()  # in place: SandboxState.wechat_risky_openids is this set
        self.codes.clear()
        self.exchanges.clear()
        self.sessions.clear()
        self.users.clear()

    def issue_code(self, appid: str, openid: str, unionid: str | None) -> WeChatLoginCode:
        now = self.clock()
        # Codes are kept in issue order, so the expired ones are at the front.
        for code in list(self.codes):
            if self.codes[code].expires_at >= now:
                break
            del self.codes[code]
        record = WeChatLoginCode(secrets.token_urlsafe(24), appid, openid, unionid, now + WECHAT_LOGIN_CODE_TTL)
        self.codes[record.code] = record
        self.users.add((appid, openid))
        return record

    def exchange(self, appid: str, code: str) -> WeChatSession | int:
        """code2Session: a new session, or 40029 / 40226 / 45011.

        Only a successful exchange uses the code up and counts towards the
        per-openid minute quota.
        """
        now = self.clock()
        record = self.codes.get(code)
        if record is None or record.used or record.appid != appid or now > record.expires_at:
            return 40029
        if record.openid in self.risky_openids:
            return 40226
        window = self.exchanges.setdefault(record.openid, collections.deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= WECHAT_SESSIONS_PER_MINUTE:
            return 45011
        window.append(now)
        if len(self.exchanges) > 1024:
            for openid in [o for o, w in self.exchanges.items() if w[-1] <= now - 60]:
                del self.exchanges[openid]
        record.used = True
        session = WeChatSession(
            appid, record.openid, record.unionid, base64.b64encode(secrets.token_bytes(16)).decode()
        )
        self.sessions[(appid, record.openid)] = session
        return session


# ---------------------------------------------------------------- WeChat subscribe messages

# The keyword types of subscribe-message templates (rules in wechat_subscribe).
WECHAT_SUBSCRIBE_FIELD_TYPES = frozenset(
    {
        "thing",
        "number",
        "letter",
        "symbol",
        "character_string",
        "time",
        "date",
        "amount",
        "phone_number",
        "car_number",
        "name",
        "phrase",
    }
)
# template_id -> {data key -> keyword type}. A template id belongs to one mini-program (the
# templates it picked in its admin console); keys are numbered by WeChat, prefixed by their type.
DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES: dict[str, dict[str, str]] = {
    # 办件进度通知: 办件编号, 办件名称, 办理状态, 更新时间, 温馨提示
    "TPL_APPLICATION_STATUS": {
        "character_string1": "character_string",
        "thing2": "thing",
        "phrase3": "phrase",
        "time4": "time",
        "thing5": "thing",
    },
    # 预约成功通知: 预约人, 预约日期, 办理事项, 排队号, 办理地点
    "TPL_APPOINTMENT": {
        "name1": "name",
        "date2": "date",
        "thing3": "thing",
        "number4": "number",
        "thing5": "thing",
    },
    # 缴费通知: 缴费项目, 金额, 订单号, 截止日期
    "TPL_PAYMENT": {
        "thing1": "thing",
        "amount2": "amount",
        "character_string3": "character_string",
        "date4": "date",
    },
}
WECHAT_SUBSCRIBE_MESSAGE_LIMIT = 100_000  # sent messages kept for read-back


@dataclass
class WeChatSubscribeState:
    """Subscribe-message templates and page lists per mini-program, what users accepted, and
    sent messages.

    Quotas are per (appid, openid, template_id): one-time units add up and
    each send uses one; a long-term subscription lasts until revoked.
    """

    # appid -> template_id -> {data key -> keyword type}
    templates: dict[str, dict[str, dict[str, str]]]
    daily_limit: int | None
    clock: Clock
    # appid -> the pages of its released version (app.json); an app not here is not checked
    pages: dict[str, frozenset[str]] = field(default_factory=dict)
    one_time: dict[tuple[str, str, str], int] = field(default_factory=dict)
    long_term: set[tuple[str, str, str]] = field(default_factory=set)
    # (appid, template_id) -> (Beijing date, sends that day)
    daily: dict[tuple[str, str], tuple[dt.date, int]] = field(default_factory=dict)
    messages: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=WECHAT_SUBSCRIBE_MESSAGE_LIMIT)
    )
    msgids: Iterator[int] = field(default_factory=lambda: itertools.count(3_000_000_000_000_000_001))

    def __post_init__(self) -> None:
        for appid, templates in self.templates.items():
            for template_id, fields in templates.items():
                unknown = sorted(set(fields.values()) - WECHAT_SUBSCRIBE_FIELD_TYPES)
                wrong = sorted(k for k, kind in fields.items() if k.rstrip("0123456789") != kind)
                if not fields or unknown or wrong:
                    raise ValueError(f"{appid} template {template_id!r}: no fields, unknown type(s) {unknown}"
                                     f" or keys not named by their type {wrong}")
        if self.daily_limit is not None and self.daily_limit < 1:
            raise ValueError("wechat_subscribe_daily_limit must be None or >= 1")

    def template(self, appid: str, template_id: Any) -> dict[str, str] | None:
        """The keys of one of this app's templates (None: not this app's)."""
        return self.templates.get(appid, {}).get(template_id) if isinstance(template_id, str) else None

    def reset(self) -> None:
        self.one_time.clear()
        self.long_term.clear()
        self.daily.clear()
        self.messages.clear()

    def subscribe(self, appid: str, openid: str, template_id: str, long_term: bool, count: int = 1) -> None:
        key = (appid, openid, template_id)
        if long_term:
            self.long_term.add(key)
        else:
            self.one_time[key] = self.one_time.get(key, 0) + count

    def revoke(self, appid: str, openid: str, template_id: str) -> bool:
        key = (appid, openid, template_id)
        found = key in self.long_term or key in self.one_time
        self.long_term.discard(key)
        self.one_time.pop(key, None)
        return found

    def subscriptions(self, appid: str | None = None, openid: str | None = None) -> list[dict[str, Any]]:
        keys = sorted(set(self.one_time) | self.long_term)
        return [
            {
                "appid": a,
                "openid": o,
                "template_id": t,
                "long_term": (a, o, t) in self.long_term,
                "one_time": self.one_time.get((a, o, t), 0),
            }
            for a, o, t in keys
            if (appid is None or a == appid) and (openid is None or o == openid)
        ]

    def take(self, appid: str, openid: str, template_id: str) -> int:
        """Use up one send: 0, or 45009 (daily limit) / 43101 (no quota)."""
        today = dt.datetime.fromtimestamp(self.clock(), BEIJING).date()
        day, sent = self.daily.get((appid, template_id), (today, 0))
        if day != today:
            sent = 0
        if self.daily_limit is not None and sent >= self.daily_limit:
            return 45009
        key = (appid, openid, template_id)
        if key not in self.long_term:
            left = self.one_time.get(key, 0)
            if left <= 0:
                return 43101
            if left == 1:
                del self.one_time[key]
            else:
                self.one_time[key] = left - 1
        self.daily[(appid, template_id)] = (today, sent + 1)
        return 0


PUSH_OUTCOMES = ("deliver", "fail", "silent")
FAIL_STATUS = {43101: "fail:user refuse to accept the msg", 43107: "fail:user refuse to accept the msg"}


@dataclass
class WeChatPushState:
    """WeChat's message push to the mini-program's server URL (sandbox/wechat_push.py): where it
    goes, how it is signed, what each user's receipts say, and the receipts not posted yet."""

    push_url: str | None = None
    token: str = ""
    aes_key: str | None = None
    format: str = "xml"
    auto: bool = False
    outcome: str = "deliver"
    errcode: int = 43101
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    flushing: bool = False  # an ``auto`` flusher is running

    def reset(self) -> None:
        self.pending.clear()
        self.outcomes.clear()
        self.outcome, self.errcode, self.auto = "deliver", 43101, False

    def view(self) -> dict[str, Any]:
        return {"push_url": self.push_url, "token": self.token, "aes_key": self.aes_key, "format": self.format,
                "auto": self.auto, "outcome": self.outcome, "errcode": self.errcode, "outcomes": self.outcomes,
                "pending": len(self.pending)}

    def sent(self, appid: str, openid: str, template_id: str, msgid: int, gh_id: str, at: float) -> None:
        """A subscribe message was accepted: queue its receipt as this user's outcome says."""
        rule = self.outcomes.get(openid, {"outcome": self.outcome, "errcode": self.errcode})
        if rule.get("outcome", "deliver") == "silent" or not self.push_url:
            return
        errcode = 0 if rule.get("outcome", "deliver") == "deliver" else int(rule.get("errcode") or self.errcode)
        item = {"TemplateId": template_id, "MsgID": str(msgid), "ErrorCode": str(errcode),
                "ErrorStatus": "success" if errcode == 0 else FAIL_STATUS.get(errcode, "fail:system error")}
        self.pending.append({"appid": appid, "msgid": msgid, "message": {
            "ToUserName": gh_id, "FromUserName": openid, "CreateTime": str(int(at)), "MsgType": "event",
            "Event": "subscribe_msg_sent_event", "SubscribeMsgSentEvent": {"List": item}}})



# ---------------------------------------------------------------- Alipay

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


# ---------------------------------------------------------------- SMS (Aliyun dysmsapi)

DEFAULT_SMS_ACCESS_KEYS = {"demo-ak": "demo-secret"}
DEFAULT_SMS_TEMPLATES = {
    "SMS_LOGIN_CODE": "您的验证码为${code}，5分钟内有效。",
    "SMS_LINK_CODE": "有人正在将新的登录方式关联到您的政务服务账号，验证码${code}，5分钟内有效。如非本人操作，请勿告知他人。",
    "SMS_APPLICATION_STATUS": "您的${item}办件（编号${number}）${status}，详情请在政务服务小程序查看。",
    # a link must be the template's fixed text (an ICP-registered address); only its path's end varies
    "SMS_DOCUMENT_SERVED": "您的当场行政处罚决定书（编号${number}）已电子送达，请访问 http://127.0.0.1:8000/s/${code} 查看。",
}
DEFAULT_SMS_SIGN_NAMES = frozenset({"政务服务"})
# Aliyun's default limits per phone (短信发送频率限制, rolling windows): a verification code per
# signature: 1 a minute, 5 an hour, 10 a day; a notification per signature and template: 50 a
# day. (window seconds, permits, Aliyun's word for the window)
SMS_CODE_LIMITS = ((60, 1, "分钟"), (3600, 5, "小时"), (86400, 10, "天"))
SMS_NOTICE_LIMITS = ((86400, 50, "天"),)
SMS_PARAM_MAX = 35  # characters in one template variable
SMS_CLOCK_SKEW = 900  # x-acs-date may be this far off; a nonce is remembered this long


@dataclass
class SmsState:
    """Aliyun SMS: access keys, templates (a template with ``${code}`` is a verification code,
    any other a notification), approved signatures, what was sent, and the account: ``balance``
    (messages left; None: plenty) and ``daily_limit`` (the console's 日发送量限额; None: none)."""

    access_keys: dict[str, str]
    templates: dict[str, str]
    sign_names: set[str]
    clock: Clock
    limit: int = DEFAULT_RECEIVED_LIMIT
    messages: collections.deque[dict[str, Any]] = field(init=False)
    sent_at: dict[tuple[str, ...], list[float]] = field(default_factory=dict)  # limit key -> send times
    nonces: dict[tuple[str, str], float] = field(default_factory=dict)  # (access key, nonce) -> when used
    balance: int | None = None
    daily_limit: int | None = None
    sent_today: tuple[dt.date, int] | None = None  # (Beijing day, messages) against daily_limit
    # what QuerySendDetails will say of a message sent now: "deliver" (SendStatus 3), "fail" (2,
    # with `receipt_errcode`) or "waiting" (1); per phone in `receipt_outcomes` ({"outcome", "errcode"})
    receipt_outcome: str = "deliver"
    receipt_errcode: str = "MN:0001"
    receipt_outcomes: dict[str, dict[str, str]] = field(default_factory=dict)

    def report(self, phone: str) -> dict[str, Any]:
        """The delivery report of a message sent to `phone` now (QuerySendDetails' fields)."""
        rule = self.receipt_outcomes.get(phone, {})
        outcome = rule.get("outcome", self.receipt_outcome)
        now = dt.datetime.fromtimestamp(self.clock(), BEIJING)
        status = {"deliver": 3, "fail": 2}.get(outcome, 1)
        return {"SendStatus": status, "ErrCode": {3: "DELIVERED", 2: rule.get("errcode", self.receipt_errcode)}.get(
                    status, ""),
                "SendDate": now.strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": (now + dt.timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S") if status != 1 else ""}

    def __post_init__(self) -> None:
        self.messages = collections.deque(maxlen=self.limit)

    def reset(self) -> None:
        self.forget()
        self.nonces.clear()
        self.balance = self.daily_limit = None
        self.receipt_outcome, self.receipt_errcode = "deliver", "MN:0001"
        self.receipt_outcomes.clear()

    def forget(self) -> None:
        """Forget the messages sent, and with them every limit they count towards."""
        self.messages.clear()
        self.sent_at.clear()
        self.sent_today = None

    def is_code(self, template_code: str) -> bool:
        return "${code}" in self.templates.get(template_code, "")

    def _limits(self, sign: str, template: str, phone: str) -> tuple[tuple[str, ...], tuple]:
        if self.is_code(template):
            return ("code", sign, phone), SMS_CODE_LIMITS
        return ("notice", sign, template, phone), SMS_NOTICE_LIMITS

    def limited(self, sign: str, template: str, phone: str) -> str | None:
        """Aliyun's message when this phone is over a limit (触发分钟级流控Permits:1), else None."""
        key, limits = self._limits(sign, template, phone)
        now = self.clock()
        times = [t for t in self.sent_at.get(key, []) if now - t < limits[-1][0]]
        self.sent_at[key] = times
        for window, permits, word in limits:
            if sum(1 for t in times if now - t < window) >= permits:
                return f"触发{word}级流控Permits:{permits}"
        return None

    def over_daily_limit(self, count: int) -> bool:
        today = dt.datetime.fromtimestamp(self.clock(), BEIJING).date()
        sent = self.sent_today[1] if self.sent_today and self.sent_today[0] == today else 0
        return self.daily_limit is not None and sent + count > self.daily_limit

    def record(self, sign: str, template: str, phone: str) -> None:
        now = self.clock()
        self.sent_at.setdefault(self._limits(sign, template, phone)[0], []).append(now)
        today = dt.datetime.fromtimestamp(now, BEIJING).date()
        sent = self.sent_today[1] if self.sent_today and self.sent_today[0] == today else 0
        self.sent_today = (today, sent + 1)
        if self.balance is not None:
            self.balance -= 1

    def use_nonce(self, access_key: str, nonce: str) -> bool:
        """False when this access key used the nonce within the last 15 minutes (a replay)."""
        now = self.clock()
        if len(self.nonces) > 10_000:
            self.nonces = {k: t for k, t in self.nonces.items() if now - t < SMS_CLOCK_SKEW}
        used = self.nonces.get((access_key, nonce))
        if used is not None and now - used < SMS_CLOCK_SKEW:
            return False
        self.nonces[(access_key, nonce)] = now
        return True


# ---------------------------------------------------------------- identity register


@dataclass
class IdentityState:
    # id_number -> name registered by hand; None: deregistered (not_found).
    people: dict[str, str | None] = field(default_factory=dict)

    def reset(self) -> None:
        self.people.clear()


# ---------------------------------------------------------------- JPush

JPUSH_PLATFORMS = frozenset({"android", "ios", "hmos", "quickapp", "winphone"})
JPUSH_DEVICE_PLATFORMS = frozenset({"android", "ios", "hmos"})
# What the JPush client SDK hands out: 11-32 letters and digits.
JPUSH_REGISTRATION_ID = re.compile(r"[0-9A-Za-z]{11,32}")
JPUSH_PUSH_LIMIT = 100_000  # pushes kept for read-back
JPUSH_CID_TTL = 86400  # a cid from push/cid is good for a day
JPUSH_RATE_WINDOW = 60  # the push API's rate limit counts calls per app in windows of a minute
JPUSH_RATE_LIMIT = 600  # calls per window (JPush's free tier)
# the counts of /v3/received/detail (report.jpush.cn), in its order
JPUSH_REPORT_FIELDS = ("jpush_received", "android_pns_sent", "android_pns_received", "ios_apns_sent",
                       "ios_apns_received", "ios_msg_received", "wp_mpns_sent", "quickapp_jpush_received",
                       "quickapp_pns_sent", "hmos_hmpns_sent", "hmos_hmpns_received")


@dataclass
class JPushDevice:
    app_key: str
    registration_id: str
    platform: str
    active: bool = True


@dataclass
class JPushState:
    """JPush apps (app_key -> master secret), devices and sent pushes."""

    apps: dict[str, str]
    devices: dict[tuple[str, str], JPushDevice] = field(default_factory=dict)  # (app_key, registration_id)
    pushes: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=JPUSH_PUSH_LIMIT)
    )
    msg_ids: Iterator[int] = field(default_factory=lambda: itertools.count(18_100_000_000_000_001))
    cids: dict[str, dict[str, float]] = field(default_factory=dict)  # app_key -> cid -> issued at
    cid_results: dict[str, dict[str, str]] = field(default_factory=dict)  # cid -> first successful reply
    rate_limit: int = JPUSH_RATE_LIMIT  # push calls per app per window
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # app_key -> (window start, calls)
    # what the received report will say of a push made now: "deliver" (every device got it) or
    # "silent" (sent, never received); per registration id in `receipt_outcomes`
    receipt_outcome: str = "deliver"
    receipt_outcomes: dict[str, str] = field(default_factory=dict)

    def report(self, app_key: str, registration_ids: list[str]) -> dict[str, int]:
        """The received report's counts of a push to these devices (JPush's /v3/received/detail)."""
        counts = dict.fromkeys(JPUSH_REPORT_FIELDS, 0)
        for registration_id in registration_ids:
            device = self.devices.get((app_key, registration_id))
            received = self.receipt_outcomes.get(registration_id, self.receipt_outcome) == "deliver"
            platform = device.platform if device else "android"
            sent, got = {"ios": ("ios_apns_sent", "ios_apns_received"), "hmos": ("hmos_hmpns_sent", "hmos_hmpns_received")
                         }.get(platform, (None, "jpush_received"))
            if sent:
                counts[sent] += 1
            counts[got] += int(received)
        return counts

    def reset(self) -> None:
        self.receipt_outcome = "deliver"
        self.receipt_outcomes.clear()
        self.devices.clear()
        self.pushes.clear()
        self.cids.clear()
        self.cid_results.clear()
        self.windows.clear()
        self.rate_limit = JPUSH_RATE_LIMIT

    def cid_valid(self, app_key: str, cid: str, now: float) -> bool:
        issued = self.cids.get(app_key, {}).get(cid)
        return issued is not None and now - issued < JPUSH_CID_TTL

    def count_call(self, app_key: str, now: float) -> tuple[bool, int, int]:
        """One push call: (within the limit, calls left in the window, seconds until it resets)."""
        start, calls = self.windows.get(app_key, (now, 0))
        if now - start >= JPUSH_RATE_WINDOW:
            start, calls = now, 0
        calls += 1
        self.windows[app_key] = (start, calls)
        reset = max(1, math.ceil(start + JPUSH_RATE_WINDOW - now))
        return calls <= self.rate_limit, max(0, self.rate_limit - calls), reset

    def active_device(self, app_key: str, registration_id: str) -> JPushDevice | None:
        device = self.devices.get((app_key, registration_id))
        return device if device is not None and device.active else None


# ---------------------------------------------------------------- data-sharing exchange

EXCHANGE_TIMESTAMP_SKEW = 300  # seconds a request's X-Timestamp may be off the sandbox clock
EXCHANGE_NONCE_TTL = 300  # seconds a nonce stays used, per app


@dataclass
class ExchangeState:
    """Exchange apps (app id -> secret), used nonces, vehicles registered by
    hand and the queries each department target answered."""

    apps: dict[str, str]
    clock: Clock
    nonces: dict[str, dict[str, float]] = field(default_factory=dict)  # app id -> nonce -> first seen
    # plate -> (owner 身份证号, engine tail), overriding the derived register.
    vehicles: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)

    def reset(self) -> None:
        self.nonces.clear()
        self.vehicles.clear()
        self.calls.clear()

    def use_nonce(self, app_id: str, nonce: str) -> bool:
        """Mark ``nonce`` used for ``app_id``; False when it was already used
        in the last ``EXCHANGE_NONCE_TTL`` seconds."""
        now = self.clock()
        seen = self.nonces.setdefault(app_id, {})
        # Kept in first-seen order, so the stale ones are at the front.
        for old in list(seen):
            if seen[old] > now - EXCHANGE_NONCE_TTL:
                break
            del seen[old]
        if nonce in seen:
            return False
        seen[nonce] = now
        return True


# ---------------------------------------------------------------- the whole sandbox


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
