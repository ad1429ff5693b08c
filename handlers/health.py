"""Liveness and readiness probes."""

import asyncio

from api.base import BaseHandler
from usecases import readiness


class HealthHandler(BaseHandler):
    async def get(self):
        """Liveness: the process answers.
        ---
        tags: [operations]
        responses:
          200: {description: "alive"}
        """
        self.send({"status": "ok"})


class ReadyHandler(BaseHandler):
    async def get(self):
        """Readiness: MongoDB and Redis both answer within a second, and the push pipeline is not
        stale (a worker read the stream lately; no event waits too long for the relay or a worker).
        ---
        tags: [operations]
        responses:
          200: {description: "ready"}
          503: {description: "a dependency is down, or the push pipeline is stale"}
        """
        deps = self.deps
        (mongo, _), (redis, _), (push, answer) = await asyncio.gather(
            _within(deps.db.ping()), _within(deps.redis.ping()), _within(readiness.status(deps.db, deps.config)))
        checks, body = {"mongo": mongo, "redis": redis, "push": push}, {}
        if answer is not None:
            checks["push"], body["push"] = answer
        ready = all(v in ("ok", readiness.NO_WORKER) for v in checks.values())
        self.send({"status": "ready" if ready else "not_ready", "checks": checks, **body}, 200 if ready else 503)


async def _within(check, seconds: float = 1.0) -> tuple[str, object]:
    try:
        return "ok", await asyncio.wait_for(check, seconds)
    except Exception as exc:
        return f"down: {type(exc).__name__}", None


default_handlers = [
    (r"/healthz", HealthHandler),
    (r"/readyz", ReadyHandler),
]
