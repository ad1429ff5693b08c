"""One frozen Settings object built from the environment, then `.env`, then defaults.

Nothing else in the project reads os.environ.
"""

import dataclasses
import os
from collections.abc import Mapping

from dotenv import dotenv_values

DEMO_JWT_SECRET = "demo-only-jwt-secret-do-not-use-in-production"
DEMO_WECHAT_APPID = "wxdemoappid"
DEMO_WECHAT_SECRET = "demo-wechat-secret"
DEMO_WECHAT_MINI_APPID = "wxdemominiapp"
DEMO_WECHAT_MINI_SECRET = "demo-mini-secret"
DEMO_JPUSH_APP_KEY = "demojpushappkey000000001"
DEMO_WECHAT_PUSH_TOKEN = "demo-push-token"
DEMO_WECHAT_PUSH_AES_KEY = "demoDemoDemoDemoDemoDemoDemoDemoDemoDemoDem"  # 43 characters, as WeChat's console makes
DEMO_PII_HMAC_KEY = "demo-only-pii-hmac-key"
DEMO_PII_ENC_KEY = "00" * 32
DEMO_SMS_SIGN_NAME = "政务服务"
# the sandbox's template codes: a city's own are approved by Aliyun (SMS_ and digits)
DEMO_SMS_TEMPLATES = {"SMS_TEMPLATE_LOGIN": "SMS_LOGIN_CODE", "SMS_TEMPLATE_LINK": "SMS_LINK_CODE",
                      "SMS_TEMPLATE_STATUS": "SMS_APPLICATION_STATUS", "SMS_TEMPLATE_DOCUMENT": "SMS_DOCUMENT_SERVED"}


class Secret(str):
    """A string that never shows itself in reprs or logs."""

    def __repr__(self) -> str:
        return "Secret('***')"


class ConfigError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Settings:
    mode: str = "production"  # "demo" or "production"
    host: str = "127.0.0.1"
    port: int = 8000
    mongodb_uri: Secret | None = None
    mongodb_db: str = "govservice"
    redis_url: Secret | None = None
    jwt_secret: Secret = Secret("")
    jwt_old_secrets: tuple = ()
    access_token_ttl: int = 900
    refresh_token_ttl: int = 12 * 3600
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    menu_review: str = "optional"  # "required": a menu or item change reaches residents only once a second operator approves it
    review_poll_seconds: float = 5.0  # how often each API process looks for approved changes whose publish time has come
    rectify_days: int = 5  # working days a department has to close a 差评's rectification ticket (the city's rule)
    wechat_appid: str = ""
    wechat_secret: Secret = Secret("")
    wechat_api_base: str = "https://api.weixin.qq.com/"
    wechat_force_refresh_every: float = 5400.0  # seconds between forced stable_token refreshes (WeChat: 20 a day)
    mount_sandbox: bool = False
    sandbox_port: int = 8001  # `python -m sandbox`: upstreams and the SMS gateway (demo only)
    sandbox_alipay_key: Secret = Secret("")  # the sandbox's own Alipay key (PEM); demo: generated
    # `python -m sandbox`: where its WeChat posts receipts at once (auto mode, safe mode with our demo
    # token and key); `make run` points it at the API's /api/v1/wechat/events. Empty: no push (tests).
    sandbox_wechat_push_url: str = ""
    upstream_timeout: float = 5.0
    max_body_bytes: int = 1024 * 1024
    cache_poll_seconds: float = 5.0
    log_level: str = "INFO"
    access_log: bool = True
    # residents reach nothing but consent, who-am-I and closure before agreeing to the current 用户协议
    # and 隐私政策, nor verify a 身份证号 before its own consent (models/legal.py); off only in tests
    # that predate it
    consent_gate: bool = True
    trust_proxy: bool = False  # take the client address from X-Real-IP / X-Forwarded-For
    # gzip responses (off only when a proxy in front compresses, or to measure without: bench/firstload.py)
    http_compress: bool = True
    asset_caching: bool = True  # a year's immutable caching of the clients' hashed files
    pii_hmac_key: Secret = Secret("")
    pii_enc_key: Secret = Secret("")  # 64 hex characters (32 bytes)
    wechat_mini_appid: str = ""
    wechat_mini_secret: Secret = Secret("")
    # the mini-program's message-push server URL (消息推送): its token, and the EncodingAESKey of
    # safe mode (43 characters; empty: plain mode only). No token: the URL answers 404.
    wechat_push_token: Secret = Secret("")
    wechat_push_aes_key: Secret = Secret("")
    alipay_app_id: str = ""
    alipay_private_key: Secret = Secret("")  # PKCS#1 PEM body; demo: generated at start
    alipay_public_key: str = ""  # Alipay's public key; demo: the sandbox's
    alipay_gateway: str = "https://openapi.alipay.com/gateway.do"
    sms_endpoint: str = "dysmsapi.aliyuncs.com"
    sms_access_key_id: str = ""
    sms_access_key_secret: Secret = Secret("")
    sms_sign_name: str = DEMO_SMS_SIGN_NAME
    sms_template_login: str = DEMO_SMS_TEMPLATES["SMS_TEMPLATE_LOGIN"]
    sms_template_link: str = DEMO_SMS_TEMPLATES["SMS_TEMPLATE_LINK"]  # the code that lets a new login join an account
    identity_api_base: str = ""
    resident_refresh_ttl: int = 30 * 86400
    push_worker: bool = False  # run an outbox relay and push worker inside the server
    push_retry_base: float = 5.0  # seconds before the first retry of a temporary failure
    push_retry_cap: float = 300.0  # longest wait between retries
    push_retry_window: float = 4 * 3600.0  # retries stop after this (technical-failure)
    push_sweep_age: float = 300.0  # an event relayed this long ago and not handled is relayed again if the stream lost it
    push_ready_heartbeat_age: float = 60.0  # /readyz: unready when no worker read the stream for this long; 0: not checked
    push_ready_backlog_age: float = 300.0  # /readyz: unready when an event waits this long for the relay, or
    # this long past the sweep age for a worker; 0: not checked
    jpush_app_key: str = ""
    jpush_master_secret: Secret = Secret("")
    jpush_api_base: str = "https://api.jpush.cn/v3/"
    jpush_report_base: str = "https://report.jpush.cn/v3/"  # the received report (receipts)
    receipts_poll_every: float = 5.0  # seconds between the push worker's looks for receipts to ask about
    receipts_recheck: float = 60.0  # seconds before the same message is asked about again
    jpush_apns_production: bool = True  # iOS pushes through APNs' production service (demo: its sandbox)
    sms_template_status: str = DEMO_SMS_TEMPLATES["SMS_TEMPLATE_STATUS"]
    # 电子送达 of a decision: variables ${number} and ${code}; the link (PUBLIC_URL/s/${code}) is the
    # template's fixed text, as the SMS platform requires of links
    sms_template_document: str = DEMO_SMS_TEMPLATES["SMS_TEMPLATE_DOCUMENT"]
    exchange_api_base: str = ""  # the data-sharing exchange; unset: no department queries
    exchange_app_id: str = ""
    exchange_app_secret: Secret = Secret("")
    exchange_timeout: float = 3.0  # seconds a query may take, retry included
    exchange_breaker_failures: int = 5  # transient failures in a row that open a department's breaker
    exchange_breaker_seconds: float = 30.0  # how long it stays open
    lookup_limits: str = "30/minute;300/day"  # per inspector (the `limits` package's notation)
    realname_limits: str = "5/hour;10/day"  # real-name attempts, per login and per 身份证号
    face_limits: str = "5/hour;10/day"  # face checks started (linking, closing), per resident: each is billed
    vehicle_query_limits: str = "10/hour;30/day"  # 违法查询 on plates not bound (engine numbers tried), per resident
    h5_dir: str = "miniprogram/dist/build/h5"  # the resident h5 build, served at /h5/ when present
    console_dir: str = "console"  # the operators' console (static files), served at /console/
    public_url: str = ""  # this API as the public reaches it (the QR code on documents); empty: a relative path
    field_dir: str = "field/dist/build/h5"  # the inspectors' h5 build (执法通), served at /field/ when present
    metrics_dir: str = ""  # prometheus_client's multi-process folder; empty: a fresh temp folder when forking
    metrics_token: Secret = Secret("")  # when set, /metrics wants `Authorization: Bearer <token>`
    metrics_port: int = 0  # `python -m push.worker` serves /metrics and /healthz here; 0: off

    @property
    def demo(self) -> bool:
        return self.mode == "demo"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: str | None = ".env") -> "Settings":
        env: dict[str, str] = {}
        if dotenv and os.path.exists(dotenv):
            env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        return cls.from_mapping(env)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> "Settings":
        mode = (env.get("APP_MODE") or "production").strip().lower()
        if mode not in ("demo", "production"):
            raise ConfigError(f"APP_MODE must be 'demo' or 'production', not {mode!r}")
        demo = mode == "demo"
        port = _int(env, "PORT", 8000)
        mounted = _bool(env, "SANDBOX", demo)
        # Demo: the sandbox plays every upstream, mounted in this process (tests, one process) or
        # as its own process (`python -m sandbox`, on PORT+1 by default, SMS gateway included).
        sandbox_port = _int(env, "SANDBOX_PORT", port + 1)
        sandbox = env.get("SANDBOX_URL") or f"http://127.0.0.1:{port if mounted else sandbox_port}"
        values = dict(
            mode=mode,
            host=env.get("HOST", "127.0.0.1"),
            port=port,
            mongodb_uri=_secret(env.get("MONGODB_URI")),
            mongodb_db=env.get("MONGODB_DB", "govservice"),
            redis_url=_secret(env.get("REDIS_URL")),
            jwt_secret=Secret(env.get("JWT_SECRET", DEMO_JWT_SECRET if demo else "")),
            jwt_old_secrets=tuple(Secret(s) for s in env.get("JWT_OLD_SECRETS", "").split(",") if s),
            access_token_ttl=_int(env, "ACCESS_TOKEN_TTL", 900),
            refresh_token_ttl=_int(env, "REFRESH_TOKEN_TTL", 12 * 3600),
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5),
            rectify_days=_int(env, "RECTIFY_DAYS", 5),
            menu_review=(env.get("MENU_REVIEW") or "optional").strip().lower(),
            review_poll_seconds=_float(env, "REVIEW_POLL_SECONDS", 5.0),
            login_lock_seconds=_int(env, "LOGIN_LOCK_SECONDS", 900),
            wechat_appid=env.get("WECHAT_APPID", DEMO_WECHAT_APPID if demo else ""),
            wechat_secret=Secret(env.get("WECHAT_SECRET", DEMO_WECHAT_SECRET if demo else "")),
            wechat_api_base=env.get(
                "WECHAT_API_BASE",
                f"{sandbox}/sandbox/wechat/" if demo else "https://api.weixin.qq.com/",
            ),
            wechat_force_refresh_every=_float(env, "WECHAT_FORCE_REFRESH_EVERY", 5400.0),
            mount_sandbox=mounted,
            sandbox_port=sandbox_port,
            sandbox_alipay_key=Secret(env.get("SANDBOX_ALIPAY_PRIVATE_KEY", "")),
            sandbox_wechat_push_url=env.get("SANDBOX_WECHAT_PUSH_URL", ""),
            upstream_timeout=_float(env, "UPSTREAM_TIMEOUT", 5.0),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1024 * 1024),
            cache_poll_seconds=_float(env, "CACHE_POLL_SECONDS", 5.0),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            access_log=_bool(env, "ACCESS_LOG", True),
            trust_proxy=_bool(env, "TRUST_PROXY", False),
            http_compress=_bool(env, "HTTP_COMPRESS", True),
            asset_caching=_bool(env, "ASSET_CACHING", True),
            consent_gate=_bool(env, "CONSENT_GATE", True),
            pii_hmac_key=Secret(env.get("PII_HMAC_KEY", DEMO_PII_HMAC_KEY if demo else "")),
            pii_enc_key=Secret(env.get("PII_ENC_KEY", DEMO_PII_ENC_KEY if demo else "")),
            wechat_mini_appid=env.get("WECHAT_MINI_APPID", DEMO_WECHAT_MINI_APPID if demo else ""),
            wechat_mini_secret=Secret(env.get("WECHAT_MINI_SECRET", DEMO_WECHAT_MINI_SECRET if demo else "")),
            wechat_push_token=Secret(env.get("WECHAT_PUSH_TOKEN", DEMO_WECHAT_PUSH_TOKEN if demo else "")),
            wechat_push_aes_key=Secret(env.get("WECHAT_PUSH_AES_KEY", DEMO_WECHAT_PUSH_AES_KEY if demo else "")),
            alipay_app_id=env.get("ALIPAY_APP_ID", "2021000000000001" if demo else ""),
            alipay_private_key=Secret(env.get("ALIPAY_PRIVATE_KEY", "")),
            alipay_public_key=env.get("ALIPAY_PUBLIC_KEY", ""),
            alipay_gateway=env.get("ALIPAY_GATEWAY", f"{sandbox}/sandbox/alipay/gateway.do" if demo
                                   else "https://openapi.alipay.com/gateway.do"),
            sms_endpoint=env.get("SMS_ENDPOINT", f"127.0.0.1:{sandbox_port}" if demo else "dysmsapi.aliyuncs.com"),
            sms_access_key_id=env.get("SMS_ACCESS_KEY_ID", "demo-ak" if demo else ""),
            sms_access_key_secret=Secret(env.get("SMS_ACCESS_KEY_SECRET", "demo-secret" if demo else "")),
            sms_sign_name=env.get("SMS_SIGN_NAME", DEMO_SMS_SIGN_NAME),
            sms_template_login=env.get("SMS_TEMPLATE_LOGIN", DEMO_SMS_TEMPLATES["SMS_TEMPLATE_LOGIN"]),
            sms_template_link=env.get("SMS_TEMPLATE_LINK", DEMO_SMS_TEMPLATES["SMS_TEMPLATE_LINK"]),
            identity_api_base=env.get("IDENTITY_API_BASE", f"{sandbox}/sandbox/identity/" if demo else ""),
            resident_refresh_ttl=_int(env, "RESIDENT_REFRESH_TTL", 30 * 86400),
            push_worker=_bool(env, "PUSH_WORKER", demo),
            push_retry_base=_float(env, "PUSH_RETRY_BASE", 5.0),
            push_retry_cap=_float(env, "PUSH_RETRY_CAP", 300.0),
            push_retry_window=_float(env, "PUSH_RETRY_WINDOW", 4 * 3600.0),
            push_sweep_age=_float(env, "PUSH_SWEEP_AGE", 300.0),
            push_ready_heartbeat_age=_float(env, "PUSH_READY_HEARTBEAT_AGE", 60.0),
            push_ready_backlog_age=_float(env, "PUSH_READY_BACKLOG_AGE", 300.0),
            jpush_app_key=env.get("JPUSH_APP_KEY", DEMO_JPUSH_APP_KEY if demo else ""),
            jpush_master_secret=Secret(env.get("JPUSH_MASTER_SECRET", "demo-jpush-secret" if demo else "")),
            jpush_api_base=env.get("JPUSH_API_BASE", f"{sandbox}/sandbox/jpush/v3/" if demo
                                   else "https://api.jpush.cn/v3/"),
            jpush_apns_production=_bool(env, "JPUSH_APNS_PRODUCTION", not demo),
            jpush_report_base=env.get("JPUSH_REPORT_BASE", f"{sandbox}/sandbox/jpush/v3/report/" if demo
                                      else "https://report.jpush.cn/v3/"),
            receipts_poll_every=_float(env, "RECEIPTS_POLL_EVERY", 5.0),
            receipts_recheck=_float(env, "RECEIPTS_RECHECK", 60.0),
            sms_template_status=env.get("SMS_TEMPLATE_STATUS", DEMO_SMS_TEMPLATES["SMS_TEMPLATE_STATUS"]),
            sms_template_document=env.get("SMS_TEMPLATE_DOCUMENT", DEMO_SMS_TEMPLATES["SMS_TEMPLATE_DOCUMENT"]),
            exchange_api_base=env.get("EXCHANGE_API_BASE", f"{sandbox}/sandbox/exchange" if demo else ""),
            exchange_app_id=env.get("EXCHANGE_APP_ID", "demo-exchange-app" if demo else ""),
            exchange_app_secret=Secret(env.get("EXCHANGE_APP_SECRET", "demo-exchange-secret" if demo else "")),
            exchange_timeout=_float(env, "EXCHANGE_TIMEOUT", 3.0),
            exchange_breaker_failures=_int(env, "EXCHANGE_BREAKER_FAILURES", 5),
            exchange_breaker_seconds=_float(env, "EXCHANGE_BREAKER_SECONDS", 30.0),
            lookup_limits=env.get("LOOKUP_LIMITS", "30/minute;300/day"),
            realname_limits=env.get("REALNAME_LIMITS", "5/hour;10/day"),
            face_limits=env.get("FACE_LIMITS", "5/hour;10/day"),
            vehicle_query_limits=env.get("VEHICLE_QUERY_LIMITS", "10/hour;30/day"),
            h5_dir=env.get("H5_DIR", "miniprogram/dist/build/h5"),
            console_dir=env.get("CONSOLE_DIR", "console"),
            public_url=env.get("PUBLIC_URL", f"http://127.0.0.1:{port}" if demo else ""),
            field_dir=env.get("FIELD_DIR", "field/dist/build/h5"),
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
            metrics_token=Secret(env.get("METRICS_TOKEN", "")),
            metrics_port=_int(env, "METRICS_PORT", 0),
        )
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that are unsafe outside the demo."""
        if not 60 <= self.access_token_ttl <= 900:
            raise ConfigError("ACCESS_TOKEN_TTL must be between 60 and 900 seconds")
        if not 1 <= self.rectify_days <= 60:
            raise ConfigError("RECTIFY_DAYS must be between 1 and 60 working days")
        if self.menu_review not in ("optional", "required"):
            raise ConfigError(f"MENU_REVIEW must be 'optional' or 'required', not {self.menu_review!r}")
        if not 0.05 <= self.review_poll_seconds <= 300:
            raise ConfigError("REVIEW_POLL_SECONDS must be between 0.05 and 300")
        if not 0 < self.push_retry_window <= 12 * 3600:  # a JPush cid (the retry's guard) lives a day
            raise ConfigError("PUSH_RETRY_WINDOW must be above 0 and at most 43200 seconds (12 hours)")
        if self.push_sweep_age <= 0 or self.push_ready_heartbeat_age < 0 or self.push_ready_backlog_age < 0:
            raise ConfigError("PUSH_SWEEP_AGE must be above 0; PUSH_READY_HEARTBEAT_AGE and PUSH_READY_BACKLOG_AGE 0 or more")
        if self.wechat_push_aes_key and len(self.wechat_push_aes_key) != 43:
            raise ConfigError("WECHAT_PUSH_AES_KEY must be the 43 characters of the EncodingAESKey (or empty)")
        if self.demo:
            return
        problems = []
        if not self.jwt_secret or self.jwt_secret == DEMO_JWT_SECRET or len(self.jwt_secret) < 32:
            problems.append("JWT_SECRET must be set to a random value of at least 32 characters")
        if self.wechat_secret == DEMO_WECHAT_SECRET:
            problems.append("WECHAT_SECRET must not be the demo secret")
        if self.wechat_push_token == DEMO_WECHAT_PUSH_TOKEN or self.wechat_push_aes_key == DEMO_WECHAT_PUSH_AES_KEY:
            problems.append("WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY must not be the demo ones")
        if not self.pii_hmac_key or self.pii_hmac_key == DEMO_PII_HMAC_KEY or len(self.pii_hmac_key) < 32:
            problems.append("PII_HMAC_KEY must be set to a random value of at least 32 characters")
        if len(self.pii_enc_key) != 64 or self.pii_enc_key == DEMO_PII_ENC_KEY:
            problems.append("PII_ENC_KEY must be 64 hex characters (32 random bytes)")
        if not self.mongodb_uri:
            problems.append("MONGODB_URI is required outside demo mode")
        if not self.redis_url:
            problems.append("REDIS_URL is required outside demo mode")
        if self.mount_sandbox:
            problems.append("SANDBOX must be off outside demo mode")
        templates = {"SMS_TEMPLATE_LOGIN": self.sms_template_login, "SMS_TEMPLATE_LINK": self.sms_template_link,
                     "SMS_TEMPLATE_STATUS": self.sms_template_status, "SMS_TEMPLATE_DOCUMENT": self.sms_template_document}
        for name, value in templates.items():  # Aliyun refuses the demo's (isv.SMS_TEMPLATE_ILLEGAL)
            if not value or value in DEMO_SMS_TEMPLATES.values():
                problems.append(f"{name} must be the city's approved template code, not the demo {value or 'empty'}")
        if not self.sms_sign_name or self.sms_sign_name == DEMO_SMS_SIGN_NAME:
            problems.append(f"SMS_SIGN_NAME must be the city's approved signature, not the demo {DEMO_SMS_SIGN_NAME}")
        if problems:
            raise ConfigError("; ".join(problems))

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


class _Recorder(dict):
    """A mapping that remembers which keys were asked for."""

    def __init__(self, *args):
        super().__init__(*args)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)


def environment_names() -> frozenset[str]:
    """Every environment variable Settings reads: deploy files are checked against this list, so
    a misspelt or retired name there is caught instead of silently ignored."""
    env = _Recorder({"APP_MODE": "demo"})
    Settings.from_mapping(env)
    return frozenset(env.asked)


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be an integer, not {raw!r}") from None


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a number, not {raw!r}") from None


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key} must be a boolean, not {raw!r}")
