"""Application assembly: `build_deps(settings)` makes the clients, `make_app(settings, deps)` the app."""

import asyncio
import concurrent.futures
import dataclasses
import logging
import os

import redis.asyncio as aioredis
import tenacity
import tornado.httpserver
import tornado.ioloop
import tornado.web
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError
from tornado.httpclient import AsyncHTTPClient

from api import accesslog, metrics, published, static
from api.auth import TokenService
from api.base import NotFoundHandler
from api.cache import PublishedCache
from api.live import LiveHub
from api.lookups import lookup_limiter
from api.ratelimit import RateLimiter
from api.routes import ROUTES
from channels.alipay import AlipayGateway, AlipayMiniLogin
from channels.app import AppOtpLogin
from channels.face import AlipayFace, WeChatFace
from channels.sms import AliyunSms
from channels.wechat import WeChatMiniLogin, WeChatPlatform
from exchange.identity import IdentityRegister
from exchange.medical import MedicalInsurance
from exchange.social import SocialSecurity
from exchange.traffic import TrafficPolice
from exchange.transport import Transport
from handlers.health import HealthHandler
from handlers.metrics import MetricsHandler
from models import db as dbmod
from models.hot import HotItems
from models.login_guard import LoginGuard
from models.otp import OtpCodes
from models.pii import Pii
from models.sessions import RefreshTokens
from push import worker as push_worker
from push.providers.alipay import AlipayTemplateProvider
from push.providers.inbox import InboxProvider
from push.providers.jpush import JPushProvider
from push.providers.sms import SmsProvider
from push.providers.wechat import WeChatSubscribeProvider

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Deps:
    config: object
    db: dbmod.Database
    redis: object
    tokens: TokenService
    cache: PublishedCache
    hot: HotItems
    wechat: WeChatPlatform
    executor: concurrent.futures.Executor
    pii: Pii
    refresh: RefreshTokens
    otp: OtpCodes
    link_codes: OtpCodes
    sms: AliyunSms
    identity: IdentityRegister
    logins: dict
    faces: dict = dataclasses.field(default_factory=dict)  # channel -> FaceCheck (人脸核身)
    live: LiveHub | None = None
    exchange: dict = dataclasses.field(default_factory=dict)  # department name -> adapter
    lookup_limiter: RateLimiter | None = None
    realname_limiter: RateLimiter | None = None
    login_guard: LoginGuard | None = None
    sandbox: object | None = None
    _push: tuple | None = None
    _breakers: tornado.ioloop.PeriodicCallback | None = None

    async def start(self) -> None:
        """Start the background work of one process (`setup.prepare` ran once before)."""
        await self.cache.start()
        # A breaker turns half-open with time, not with a call: keep this process's gauge current.
        self._breakers = tornado.ioloop.PeriodicCallback(self.report_breakers, 5000)
        self._breakers.start()
        self.report_breakers()
        if self.config.push_worker:
            stop = asyncio.Event()
            worker = push_worker.configured(self.db, self.redis, push_providers(self), self.config)
            self._push = (stop, asyncio.create_task(push_worker.run(self.db, self.redis, worker, stop)))

    def report_breakers(self) -> None:
        for department in self.exchange.values():
            department.report()

    async def stop_push(self) -> None:
        """Stop this process's push worker, if it runs one."""
        if self._push:
            stop, task = self._push
            self._push = None
            stop.set()
            try:
                await asyncio.wait_for(task, 3)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()

    async def close(self) -> None:
        if self._breakers is not None:
            self._breakers.stop()
        await self.stop_push()
        if self.live is not None:
            await self.live.stop()
        await self.cache.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.redis.aclose()
        await self.db.close()


def push_providers(deps: Deps) -> dict:
    """The push channels this deployment has configured; the inbox always."""
    cfg = deps.config
    providers = {"inbox": InboxProvider(deps.db, deps.redis),
                 "sms": SmsProvider(deps.sms, deps.pii, cfg.sms_template_status)}
    # the mini-programs send with the templates operators registered (none: never eligible)
    if "wechat" in deps.logins:
        providers["wechat"] = WeChatSubscribeProvider(deps.db, deps.logins["wechat"].platform)
    if "alipay" in deps.logins:
        providers["alipay"] = AlipayTemplateProvider(deps.db, deps.logins["alipay"].gateway)
    if cfg.jpush_app_key and cfg.jpush_master_secret:
        providers["app"] = JPushProvider(deps.db, app_key=cfg.jpush_app_key, master_secret=cfg.jpush_master_secret,
                                         api_base=cfg.jpush_api_base, timeout=cfg.upstream_timeout,
                                         apns_production=cfg.jpush_apns_production)
    return providers


def make_redis(url: str):
    # A blocking pool: a burst (a push batch, a login storm) waits briefly for a connection
    # instead of failing with "Too many connections" at redis-py's default of 100.
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=256, timeout=2.0, socket_timeout=2.0,
                                                    socket_connect_timeout=1.0, health_check_interval=15)
    return aioredis.Redis(connection_pool=pool)


async def wait_ready(db, redis, seconds: float = 60.0) -> None:
    """At start, MongoDB and Redis may still be starting (`make run`, a compose file, a rolling
    restart): wait for both to answer for up to `seconds`, then fail (and be restarted)."""
    async for attempt in tenacity.AsyncRetrying(
            stop=tenacity.stop_after_delay(seconds), wait=tenacity.wait_fixed(0.5), reraise=True,
            retry=tenacity.retry_if_exception_type((PyMongoError, RedisError, OSError)),
            before_sleep=lambda state: log.info("waiting for MongoDB and Redis: %s", state.outcome.exception())):
        with attempt:
            await db.ping()
            await redis.ping()


def configure_http_client(max_clients: int = 200) -> None:
    """Upstream calls go through Tornado's async client on libcurl: connections to WeChat, Alipay
    and JPush are kept alive between calls (the pure-Python client opens one per request), and up
    to `max_clients` run at once (Tornado's default is 10)."""
    # At DEBUG, libcurl's verbose trace would log request bodies (身份证号, phone numbers).
    logging.getLogger("tornado.curl_httpclient").setLevel(logging.INFO)
    try:
        import pycurl  # noqa: F401

        AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient", max_clients=max_clients)
    except ImportError:
        log.warning("pycurl not installed: upstream calls open a connection each")
        AsyncHTTPClient.configure(None, max_clients=max_clients)


def make_pii(settings) -> Pii:
    return Pii(settings.pii_hmac_key.encode(), bytes.fromhex(settings.pii_enc_key))


def build_deps(settings, *, db=None, redis=None) -> Deps:
    configure_http_client()
    db = db or dbmod.connect(settings.mongodb_uri, settings.mongodb_db)
    redis = redis or make_redis(settings.redis_url)
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="sdk")
    timeout = settings.upstream_timeout
    sandbox, alipay_keys = None, (settings.alipay_private_key, settings.alipay_public_key)
    if settings.mount_sandbox:
        sandbox, alipay_keys = _sandbox_state(settings)
    pii = make_pii(settings)
    otp = OtpCodes(redis, pii)

    def wechat_app(appid, secret):
        return WeChatPlatform(appid=appid, secret=secret, api_base=settings.wechat_api_base, redis=redis,
                              executor=executor, timeout=timeout, force_every=settings.wechat_force_refresh_every)

    logins = {"app": AppOtpLogin(otp, pii)}
    if settings.wechat_mini_appid:
        logins["wechat"] = WeChatMiniLogin(wechat_app(settings.wechat_mini_appid, settings.wechat_mini_secret))
    if settings.alipay_app_id and all(alipay_keys):
        logins["alipay"] = AlipayMiniLogin(AlipayGateway(
            app_id=settings.alipay_app_id, private_key=alipay_keys[0], alipay_public_key=alipay_keys[1],
            gateway=settings.alipay_gateway, executor=executor, timeout=timeout))
    faces = {}
    if "wechat" in logins:
        faces["wechat"] = WeChatFace(logins["wechat"].platform)
    if "alipay" in logins:
        faces["alipay"] = AlipayFace(logins["alipay"].gateway)
    return Deps(
        config=settings, db=db, redis=redis, executor=executor, sandbox=sandbox, pii=pii, otp=otp, logins=logins,
        link_codes=OtpCodes(redis, pii, prefix="link"), faces=faces,
        tokens=TokenService(settings.jwt_secret, settings.jwt_old_secrets, settings.access_token_ttl),
        cache=PublishedCache(redis, lambda: published.load_versions(db), settings.cache_poll_seconds),
        hot=HotItems(redis),
        live=LiveHub(redis),
        wechat=wechat_app(settings.wechat_appid, settings.wechat_secret),
        refresh=RefreshTokens(redis, settings.resident_refresh_ttl),
        sms=AliyunSms(endpoint=settings.sms_endpoint, access_key_id=settings.sms_access_key_id,
                      access_key_secret=settings.sms_access_key_secret, sign_name=settings.sms_sign_name,
                      executor=executor, timeout=timeout),
        identity=IdentityRegister(settings.identity_api_base, timeout),
        exchange=departments(settings),
        lookup_limiter=lookup_limiter(settings.redis_url, settings.lookup_limits),
        login_guard=LoginGuard(redis, max_failures=settings.login_max_failures, lock_seconds=settings.login_lock_seconds),
        realname_limiter=RateLimiter(settings.redis_url, settings.realname_limits, "realname", "realname.rate_limited",
                                     "实名认证尝试次数过多，请稍后再试"),
    )


def departments(settings) -> dict:
    """The department systems reached through the data-sharing exchange (none when unconfigured)."""
    if not (settings.exchange_api_base and settings.exchange_app_id):
        return {}
    common = dict(api_base=settings.exchange_api_base, app_id=settings.exchange_app_id,
                  secret=settings.exchange_app_secret, timeout=settings.exchange_timeout,
                  failures=settings.exchange_breaker_failures, recovery=settings.exchange_breaker_seconds)
    return {d.name: d for d in (SocialSecurity(**common), TrafficPolice(**common), Transport(**common),
                                 MedicalInsurance(**common))}


def _sandbox_state(settings):
    """Demo and tests: the sandbox mounted in this process plays every upstream, with our demo
    Alipay app registered (ALIPAY_PRIVATE_KEY, or a throwaway key of this process)."""
    from sandbox.demo import demo_state, private_pem, process_app_key, public_pem

    app_key = settings.alipay_private_key or process_app_key()
    own = private_pem(settings.sandbox_alipay_key) if settings.sandbox_alipay_key else None
    state = demo_state(settings, public_pem(app_key), alipay_private_key_pem=own)
    return state, (private_pem(app_key), state.alipay_public_key_pem)


class Application(tornado.web.Application):
    """Counts every finished request for /metrics, then writes the access log line."""

    def __init__(self, routes, **settings):
        super().__init__(routes, **settings)
        self.request_metrics = metrics.RequestMetrics(settings.get("api_routes", routes))

    def log_request(self, handler) -> None:
        self.request_metrics.observe(handler)
        super().log_request(handler)


def serve_metrics(settings, deps: Deps) -> tornado.httpserver.HTTPServer:
    """The push worker's own port (METRICS_PORT): /metrics, from this process alone, and /healthz."""
    app = Application([(r"/metrics", MetricsHandler), (r"/healthz", HealthHandler)], deps=deps,
                      config=settings.replace(metrics_dir=""), inflight=[0], default_handler_class=NotFoundHandler,
                      log_function=lambda handler: None, xsrf_cookies=False, serve_traceback=False)
    server = tornado.httpserver.HTTPServer(app)
    server.listen(settings.metrics_port, settings.host)
    log.info("metrics on http://%s:%d/metrics", settings.host, settings.metrics_port)
    return server


def make_app(settings, deps: Deps) -> tornado.web.Application:
    routes = list(ROUTES)
    for prefix, folder, policy in (("/h5", settings.h5_dir, static.H5_POLICY),
                                   ("/console", settings.console_dir, static.CONSOLE_POLICY),
                                   ("/field", settings.field_dir, static.H5_POLICY)):
        if os.path.isfile(os.path.join(folder, "index.html")):  # `make client` builds the h5 one
            routes += static.routes(prefix, folder, policy)
    if deps.sandbox is not None:
        from sandbox.app import sandbox_routes

        routes += sandbox_routes(deps.sandbox, prefix="/sandbox")
    return Application(
        routes,
        deps=deps,
        config=settings,
        api_routes=ROUTES,
        inflight=[0],  # requests in progress, for a graceful stop
        default_handler_class=NotFoundHandler,
        log_function=accesslog.AccessLog() if settings.access_log else (lambda handler: None),
        xsrf_cookies=False,
        serve_traceback=False,
    )
