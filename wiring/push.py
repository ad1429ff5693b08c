"""A push worker's process: MongoDB, Redis, the PII keys, the channel clients its providers send
through, the providers and the worker (its outbox relay and receipts poller). No token service,
published cache, live hub, rate limiters or sandbox: an API process's."""

import dataclasses
import logging

import tornado.httpserver

from models import db as dbmod
from models.pii import Pii
from push import stream_metrics
from push.providers.alipay import AlipayTemplateProvider
from push.providers.inbox import InboxProvider
from push.providers.jpush import JPushProvider
from push.providers.sms import SmsProvider
from push.providers.wechat import WeChatSubscribeProvider
from push.receipts import Poller
from push.retry import RetryPolicy
from push.worker import Worker
from wiring.common import alipay_keys, configure_http_client, make_executor, make_pii, make_redis, make_sms, mini_programs

log = logging.getLogger(__name__)


@dataclasses.dataclass
class WorkerDeps:
    config: object
    db: dbmod.Database
    redis: object
    pii: Pii
    sms: object
    minis: dict  # "wechat" -> WeChatPlatform, "alipay" -> AlipayGateway, as configured
    executor: object

    async def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.redis.aclose()
        await self.db.close()


def build_worker_deps(settings, *, db=None, redis=None) -> WorkerDeps:
    configure_http_client()
    db = db or dbmod.connect(settings.mongodb_uri, settings.mongodb_db)
    redis = redis or make_redis(settings.redis_url)
    executor = make_executor()
    _, keys = alipay_keys(settings)
    return WorkerDeps(config=settings, db=db, redis=redis, pii=make_pii(settings), executor=executor,
                      sms=make_sms(settings, executor), minis=mini_programs(settings, redis, executor, keys))


def push_providers(deps) -> dict:
    """The push channels this deployment has configured; the inbox always. `deps`: a worker's, or
    an API process's (which runs a worker in demo mode): config, db, redis, pii, sms, minis."""
    cfg = deps.config
    providers = {"inbox": InboxProvider(deps.db, deps.redis),
                 "sms": SmsProvider(deps.sms, deps.pii, cfg.sms_template_status)}
    # the mini-programs send with the templates operators registered (none: never eligible)
    if "wechat" in deps.minis:
        providers["wechat"] = WeChatSubscribeProvider(deps.db, deps.minis["wechat"])
    if "alipay" in deps.minis:
        providers["alipay"] = AlipayTemplateProvider(deps.db, deps.minis["alipay"])
    if cfg.jpush_app_key and cfg.jpush_master_secret:
        providers["app"] = JPushProvider(deps.db, app_key=cfg.jpush_app_key, master_secret=cfg.jpush_master_secret,
                                         api_base=cfg.jpush_api_base, timeout=cfg.upstream_timeout,
                                         apns_production=cfg.jpush_apns_production, report_base=cfg.jpush_report_base)
    return providers


def build_worker(deps, providers: dict | None = None) -> Worker:
    """The worker as the settings say (the one place a worker is assembled); it beats at least
    three times within /readyz's freshness window."""
    settings = deps.config
    providers = push_providers(deps) if providers is None else providers
    beat = min(10.0, settings.push_ready_heartbeat_age / 3) if settings.push_ready_heartbeat_age > 0 else 10.0
    return Worker(deps.db, deps.redis, providers, sweep_age=settings.push_sweep_age, heartbeat_every=beat,
                  retry=RetryPolicy(settings.push_retry_base, settings.push_retry_cap, settings.push_retry_window),
                  poller=Poller(deps.db, providers, recheck=settings.receipts_recheck),
                  receipts_every=settings.receipts_poll_every)


def serve_metrics(settings, deps) -> tornado.httpserver.HTTPServer:
    """The push worker's own port (METRICS_PORT): /metrics, from this process alone, and /healthz."""
    return stream_metrics.serve(deps.redis, settings.host, settings.metrics_port, settings.metrics_token)
