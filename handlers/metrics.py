"""Prometheus scrape endpoint (API processes and the push worker's own port)."""

import hmac

from api import metrics
from api.base import BaseHandler
from models.errors import AppError


class MetricsHandler(BaseHandler):
    async def get(self):
        """Metrics in Prometheus text format: requests per route, resident logins, department
        breakers, push outcomes and the push stream's lag. With METRICS_TOKEN set, needs
        `Authorization: Bearer <METRICS_TOKEN>`.
        ---
        tags: [operations]
        responses:
          200: {description: "Prometheus text format 0.0.4", content: {text/plain: {schema: {type: string}}}}
          401: {description: "metrics.unauthorized"}
        """
        token = self.config.metrics_token
        if token and not hmac.compare_digest(self.request.headers.get("Authorization", "").encode(),
                                             f"Bearer {token}".encode()):
            raise AppError(401, "metrics.unauthorized", "监控凭证无效", headers={"WWW-Authenticate": "Bearer"})
        body = await metrics.render(self.deps, self.config.metrics_dir)
        self.set_header("Content-Type", metrics.CONTENT_TYPE)
        self.finish(body)


default_handlers = [(r"/metrics", MetricsHandler)]
