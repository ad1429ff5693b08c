"""Liveness and readiness probes."""

import asyncio

from api.base import BaseHandler


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
        """Readiness: MongoDB and Redis both answer within a second.
        ---
        tags: [operations]
        responses:
          200: {description: "ready"}
          503: {description: "a dependency is down"}
        """
        checks = {"mongo": self.deps.db.ping(), "redis": self.deps.redis.ping()}
        results = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check, 1.0)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"down: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        self.send({"status": "ready" if ready else "not_ready", "checks": results}, 200 if ready else 503)


default_handlers = [
    (r"/healthz", HealthHandler),
    (r"/readyz", ReadyHandler),
]
