"""An API process's deps: `build_deps(settings)` makes the clients `make_app` (api/app.py) serves
with; in demo mode (PUSH_WORKER) the process also runs a push worker, assembled by `wiring.push`."""

import asyncio
import concurrent.futures
import dataclasses
import logging

import tornado.ioloop

from api import published
from api.auth import TokenService
from api.cache import PublishedCache
from api.live import LiveHub
from api.ratelimit import RateLimiter
from channels.alipay import AlipayMiniLogin
from channels.app import AppOtpLogin
from channels.face import AlipayFace, WeChatFace
from channels.sms import AliyunSms
from channels.wechat import WeChatMiniLogin, WeChatPlatform
from exchange.identity import IdentityRegister
from exchange.medical import MedicalInsurance
from exchange.social import SocialSecurity
from exchange.traffic import TrafficPolice
from exchange.transport import Transport
from models import db as dbmod
from models.hot import HotItems
from models.login_guard import LoginGuard
from models.otp import OtpCodes
from models.pii import Pii
from models.sessions import RefreshTokens
from push import worker as push_worker
from wiring.common import (
    alipay_keys,
    configure_http_client,
    make_executor,
    make_pii,
    make_redis,
    make_sms,
    mini_programs,
    wechat_app,
)
from wiring.push import build_worker

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
    minis: dict  # the mini-programs' platform clients: "wechat" -> WeChatPlatform, "alipay" -> AlipayGateway
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
    face_limiter: RateLimiter | None = None  # face checks started, per resident
    vehicle_query_limiter: RateLimiter | None = None  # queries on a plate not bound: engine numbers tried
    login_guard: LoginGuard | None = None
    sandbox: object | None = None
    _push: tuple | None = None
    _breakers: tornado.ioloop.PeriodicCallback | None = None
    _reviews: tornado.ioloop.PeriodicCallback | None = None

    async def start(self) -> None:
        """Start the background work of one process (`setup.prepare` ran once before)."""
        await self.cache.start()
        # A breaker turns half-open with time, not with a call: keep this process's gauge current.
        self._breakers = tornado.ioloop.PeriodicCallback(self.report_breakers, 5000)
        self._breakers.start()
        self.report_breakers()
        # Approved menu and item changes scheduled for later (api/published.publish_due says why a timer).
        self._reviews = tornado.ioloop.PeriodicCallback(self.publish_due, self.config.review_poll_seconds * 1000)
        self._reviews.start()
        if self.config.push_worker:
            stop = asyncio.Event()
            worker = build_worker(self)
            self._push = (stop, asyncio.create_task(push_worker.run(self.db, self.redis, worker, stop)))

    def report_breakers(self) -> None:
        for department in self.exchange.values():
            department.report()

    async def publish_due(self) -> None:
        try:
            await published.publish_due(self)
        except Exception:  # MongoDB away: the next tick tries again
            log.warning("could not publish the scheduled changes", exc_info=True)

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
        if self._reviews is not None:
            self._reviews.stop()
        await self.stop_push()
        if self.live is not None:
            await self.live.stop()
        await self.cache.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.redis.aclose()
        await self.db.close()


def build_deps(settings, *, db=None, redis=None) -> Deps:
    """An API process's clients (`python -m api`'s children, the tests' app)."""
    configure_http_client()
    db = db or dbmod.connect(settings.mongodb_uri, settings.mongodb_db)
    redis = redis or make_redis(settings.redis_url)
    executor = make_executor()
    sandbox, keys = alipay_keys(settings)
    pii = make_pii(settings)
    otp = OtpCodes(redis, pii)
    minis = mini_programs(settings, redis, executor, keys)
    logins = {"app": AppOtpLogin(otp, pii)}
    faces = {}
    if "wechat" in minis:
        logins["wechat"] = WeChatMiniLogin(minis["wechat"])
        faces["wechat"] = WeChatFace(minis["wechat"])
    if "alipay" in minis:
        logins["alipay"] = AlipayMiniLogin(minis["alipay"])
        faces["alipay"] = AlipayFace(minis["alipay"])
    return Deps(
        config=settings, db=db, redis=redis, executor=executor, sandbox=sandbox, pii=pii, otp=otp, logins=logins,
        minis=minis, link_codes=OtpCodes(redis, pii, prefix="link"), faces=faces,
        tokens=TokenService(settings.jwt_secret, settings.jwt_old_secrets, settings.access_token_ttl),
        cache=PublishedCache(redis, lambda: published.load_versions(db), settings.cache_poll_seconds),
        hot=HotItems(redis),
        live=LiveHub(redis),
        wechat=wechat_app(settings, redis, executor, settings.wechat_appid, settings.wechat_secret),
        refresh=RefreshTokens(redis, settings.resident_refresh_ttl),
        sms=make_sms(settings, executor),
        identity=IdentityRegister(settings.identity_api_base, settings.upstream_timeout),
        exchange=departments(settings),
        lookup_limiter=RateLimiter(settings.redis_url, settings.lookup_limits, "lookup", "lookup.rate_limited",
                                   "查询过于频繁（上限 {limit}），请稍后再试"),
        login_guard=LoginGuard(redis, max_failures=settings.login_max_failures, lock_seconds=settings.login_lock_seconds),
        realname_limiter=RateLimiter(settings.redis_url, settings.realname_limits, "realname", "realname.rate_limited",
                                     "实名认证尝试次数过多，请稍后再试"),
        face_limiter=RateLimiter(settings.redis_url, settings.face_limits, "face", "face.rate_limited",
                                 "人脸核身次数过多，请稍后再试"),
        vehicle_query_limiter=RateLimiter(settings.redis_url, settings.vehicle_query_limits, "vehicle-query",
                                          "vehicle.rate_limited", "非本人车辆查询过于频繁（上限 {limit}），请稍后再试"),
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
