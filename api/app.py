"""Application assembly: `build_deps(settings)` makes the clients, `make_app(settings, deps)` the app."""

import concurrent.futures
import dataclasses
import logging

import redis.asyncio as aioredis
import tornado.web

from api import accesslog, published
from api.auth import TokenService
from api.base import NotFoundHandler
from api.cache import PublishedCache
from api.routes import ROUTES
from channels.wechat import WeChatPlatform
from models import db as dbmod
from models import seed, setup
from models.hot import HotItems

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Deps:
    db: dbmod.Database
    redis: object
    tokens: TokenService
    cache: PublishedCache
    hot: HotItems
    wechat: WeChatPlatform
    executor: concurrent.futures.Executor
    sandbox: object | None = None

    async def start(self, *, seed_demo: bool = False) -> None:
        await setup.ensure_indexes(self.db)
        if seed_demo:
            await seed.seed_demo(self.db)
        await self.cache.start()

    async def close(self) -> None:
        await self.cache.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.redis.aclose()
        await self.db.close()


def make_redis(url: str | None):
    if url:
        return aioredis.from_url(url, socket_timeout=2.0, socket_connect_timeout=1.0, health_check_interval=15)
    import fakeredis  # demo only: one process holds the data

    log.info("REDIS_URL not set: using in-process fakeredis")
    return fakeredis.FakeAsyncRedis()


def build_deps(settings, *, db=None, redis=None) -> Deps:
    db = db or dbmod.connect(settings.mongodb_uri, settings.mongodb_db)
    redis = redis or make_redis(settings.redis_url)
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="sdk")
    sandbox = None
    if settings.mount_sandbox:
        from sandbox.app import SandboxState

        sandbox = SandboxState(wechat_apps={settings.wechat_appid: settings.wechat_secret})
    return Deps(
        db=db, redis=redis, executor=executor, sandbox=sandbox,
        tokens=TokenService(settings.jwt_secret, settings.jwt_old_secrets, settings.access_token_ttl),
        cache=PublishedCache(redis, lambda: published.load_versions(db), settings.cache_poll_seconds),
        hot=HotItems(redis),
        wechat=WeChatPlatform(appid=settings.wechat_appid, secret=settings.wechat_secret,
                              api_base=settings.wechat_api_base, redis=redis, executor=executor,
                              timeout=settings.upstream_timeout),
    )


def make_app(settings, deps: Deps) -> tornado.web.Application:
    routes = list(ROUTES)
    if deps.sandbox is not None:
        from sandbox.app import sandbox_routes

        routes += sandbox_routes(deps.sandbox, prefix="/sandbox")
    return tornado.web.Application(
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
