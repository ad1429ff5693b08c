"""Prometheus metrics: requests per route, resident logins, and the `/metrics` text.

Counters live in prometheus_client's default registry (the breakers' gauge in exchange/base.py,
push outcomes in push/providers/base.py). With several API processes (`--processes N`) each
process writes its samples to files in one folder (prometheus_client's multi-process mode) and a
scrape, whichever child answers it, adds them all up. The push stream's lag and pending entries
are read from Redis at scrape time, so they are never stale and never summed across processes.
"""

import glob
import os

from apispec_webframeworks.tornado import TornadoPlugin
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from tornado.web import StaticFileHandler, URLSpec

from push import stream_metrics

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# `*_created` samples double every counter's series, and multi-process mode has none: the same
# exposition whether one process answers or many.
disable_created_metrics()
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

REQUESTS = Counter("govservice_http_requests", "HTTP requests answered, by route pattern, method and status class",
                   ["route", "method", "status"])
LATENCY = Histogram("govservice_http_request_duration_seconds", "Time to answer a request, by route pattern and method",
                    ["route", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LOGINS = Counter("govservice_resident_logins", "Resident logins by channel and outcome (success, refused: the "
                 "channel or our rules said no, unavailable: the platform or our store failed)", ["channel", "outcome"])


def use_directory(path: str) -> None:
    """Multi-process mode: every process of this server writes its samples under `path`.
    prometheus_client reads PROMETHEUS_MULTIPROC_DIR from the environment and picked its value
    class when imported, so both are set here, before any labelled metric makes its first value."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    values.ValueClass = values.get_value_class()


def login(channel: str, outcome: str) -> None:
    LOGINS.labels(channel, outcome).inc()


class RequestMetrics:
    """Counts each finished request under its route *pattern* (never the path: no ids or phone
    numbers in labels). Label children are cached: `.labels()` costs more than the increment."""

    def __init__(self, routes):
        self.names = {}
        for route in routes:
            pattern, handler = route[0], route[1]
            self.names.setdefault(handler, _template(pattern))
        self._children: dict[tuple, tuple] = {}

    def observe(self, handler) -> None:
        request = handler.request
        method = request.method if request.method in METHODS else "other"  # any verb reaches us: bound it
        key = (type(handler), method, handler.get_status() // 100)
        children = self._children.get(key)
        if children is None:
            route = self.route(type(handler))
            children = (REQUESTS.labels(route, method, f"{key[2]}xx"), LATENCY.labels(route, method))
            self._children[key] = children
        children[0].inc()
        children[1].observe(request.request_time())

    def route(self, handler_class) -> str:
        if handler_class in self.names:
            return self.names[handler_class]
        if handler_class.__module__.startswith("sandbox."):
            return "sandbox"
        if issubclass(handler_class, StaticFileHandler):
            return "static"
        return "unmatched"


def _template(pattern: str) -> str:
    """`/api/v1/items/(?P<code>[^/]+)` -> `/api/v1/items/{code}` (the OpenAPI path)."""
    return TornadoPlugin.tornadopath2openapi(URLSpec(pattern, StaticFileHandler), None)


async def render(deps, directory: str) -> bytes:
    """The scrape: this process's registry, or every process's files; then Redis's figures."""
    if directory:
        _forget_dead(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry = REGISTRY
    return generate_latest(registry) + await stream_metrics.exposition(deps.redis)


def forget(pid: int, directory: str) -> None:
    """A process that stopped: its gauges no longer count (its counters stay, as they must)."""
    multiprocess.mark_process_dead(pid, directory)


def _forget_dead(directory: str) -> None:
    """Also processes that died without saying so (a child killed and replaced by its parent)."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = int(path.rsplit("_", 1)[1][:-3])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            forget(pid, directory)
        except PermissionError:
            pass  # alive, another user's
