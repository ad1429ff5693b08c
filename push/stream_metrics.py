"""The push stream's figures for /metrics (read from Redis at scrape time, so never stale and
never summed across processes), and the push worker's own small port (METRICS_PORT): /metrics of
this process alone and /healthz. The port is plain Tornado: a worker loads nothing of the API."""

import asyncio
import hmac
import logging

import tornado.httpserver
import tornado.web
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from redis.exceptions import RedisError, ResponseError

from push.relay import GROUP, STREAM

log = logging.getLogger(__name__)


async def stream_families(redis) -> list:
    """Lag (entries not yet read by the group) and pending (read, not acknowledged) of the push
    stream; 0 before the stream or group exists. Redis down: only `govservice_redis_up 0`."""
    up = GaugeMetricFamily("govservice_redis_up", "1 when Redis answered this scrape")
    try:
        groups = await asyncio.wait_for(redis.xinfo_groups(STREAM), 1.0)
    except ResponseError as exc:
        if "no such key" not in str(exc).lower():
            raise
        groups = []
    except (RedisError, OSError, TimeoutError):
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    group = next((g for g in groups if _text(g.get("name")) == GROUP), {})
    pending = GaugeMetricFamily("govservice_push_stream_pending", "Push events read by a worker, not yet acknowledged")
    pending.add_metric([], group.get("pending") or 0)
    families = [up, pending]
    if group.get("lag", 0) is not None:  # Redis cannot tell after some deletions: leave it out rather than guess
        lag = GaugeMetricFamily("govservice_push_stream_lag", "Push events in the stream not yet read by the workers")
        lag.add_metric([], group.get("lag") or 0)
        families.append(lag)
    return families


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


class _Snapshot:
    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families


async def exposition(redis) -> bytes:
    """The stream's figures in Prometheus text format."""
    return generate_latest(_Snapshot(await stream_families(redis)))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, redis, token: str):
        self.redis, self.token = redis, token

    async def get(self):
        given = self.request.headers.get("Authorization", "").encode()
        if self.token and not hmac.compare_digest(given, f"Bearer {self.token}".encode()):
            self.set_status(401)
            self.set_header("WWW-Authenticate", "Bearer")
            self.finish({"error": {"code": "metrics.unauthorized", "message": "监控凭证无效"}})
            return
        body = generate_latest(REGISTRY) + await exposition(self.redis)
        self.set_header("Content-Type", CONTENT_TYPE_PLAIN_0_0_4)
        self.finish(body)


class _Alive(tornado.web.RequestHandler):
    def get(self):
        self.finish({"status": "ok"})


def serve(redis, host: str, port: int, token: str = "") -> tornado.httpserver.HTTPServer:
    """The worker's port; anything but its two paths is a 404."""
    app = tornado.web.Application([(r"/metrics", _Metrics, {"redis": redis, "token": token}), (r"/healthz", _Alive)],
                                  log_function=lambda handler: None, xsrf_cookies=False, serve_traceback=False)
    server = tornado.httpserver.HTTPServer(app)
    server.listen(port, host)
    log.info("metrics on http://%s:%d/metrics", host, port)
    return server
