"""What every process builds the same way: the Redis pool, the PII keys, the HTTP client, the wait
for MongoDB and Redis at start, and the mini-programs' platform clients."""

import concurrent.futures
import logging

import redis.asyncio as aioredis
import tenacity
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError
from tornado.httpclient import AsyncHTTPClient

from channels.alipay import AlipayGateway
from channels.sms import AliyunSms
from channels.wechat import WeChatPlatform
from models.pii import Pii

log = logging.getLogger(__name__)


def make_redis(url: str):
    # A blocking pool: a burst (a push batch, a login storm) waits briefly for a connection
    # instead of failing with "Too many connections" at redis-py's default of 100.
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=256, timeout=2.0, socket_timeout=2.0,
                                                    socket_connect_timeout=1.0, health_check_interval=15)
    return aioredis.Redis(connection_pool=pool)


def make_pii(settings) -> Pii:
    return Pii(settings.pii_hmac_key.encode(), bytes.fromhex(settings.pii_enc_key))


def make_executor() -> concurrent.futures.ThreadPoolExecutor:
    """The threads the SDKs' blocking calls run in (Alipay, Aliyun SMS, WeChat's token)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="sdk")


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


def wechat_app(settings, redis, executor, appid: str, secret: str) -> WeChatPlatform:
    return WeChatPlatform(appid=appid, secret=secret, api_base=settings.wechat_api_base, redis=redis,
                          executor=executor, timeout=settings.upstream_timeout,
                          force_every=settings.wechat_force_refresh_every)


def mini_programs(settings, redis, executor, alipay_keys: tuple) -> dict:
    """The mini-programs' platform clients this deployment has configured: "wechat" (a
    `WeChatPlatform`), "alipay" (an `AlipayGateway`). Logins, 人脸核身 and push all use them."""
    minis = {}
    if settings.wechat_mini_appid:
        minis["wechat"] = wechat_app(settings, redis, executor, settings.wechat_mini_appid, settings.wechat_mini_secret)
    if settings.alipay_app_id and all(alipay_keys):
        minis["alipay"] = AlipayGateway(
            app_id=settings.alipay_app_id, private_key=alipay_keys[0], alipay_public_key=alipay_keys[1],
            gateway=settings.alipay_gateway, executor=executor, timeout=settings.upstream_timeout)
    return minis


def alipay_keys(settings) -> tuple[object | None, tuple]:
    """(the sandbox's state or None, (our Alipay private key, Alipay's public key)). Demo and tests:
    the sandbox plays Alipay, with our demo app registered (ALIPAY_PRIVATE_KEY, or a throwaway
    key of this process)."""
    if not settings.mount_sandbox:
        return None, (settings.alipay_private_key, settings.alipay_public_key)
    from sandbox.demo import demo_state, private_pem, process_app_key, public_pem

    app_key = settings.alipay_private_key or process_app_key()
    own = private_pem(settings.sandbox_alipay_key) if settings.sandbox_alipay_key else None
    state = demo_state(settings, public_pem(app_key), alipay_private_key_pem=own)
    return state, (private_pem(app_key), state.alipay_public_key_pem)


def make_sms(settings, executor) -> AliyunSms:
    return AliyunSms(endpoint=settings.sms_endpoint, access_key_id=settings.sms_access_key_id,
                     access_key_secret=settings.sms_access_key_secret, sign_name=settings.sms_sign_name,
                     executor=executor, timeout=settings.upstream_timeout)
