"""The API's Tornado application: `make_app(settings, deps)`; the deps come from `wiring.api`."""

import os

import tornado.web

from api import accesslog, metrics, static
from api.base import NotFoundHandler
from api.routes import ROUTES
from handlers import h5_page


class Application(tornado.web.Application):
    """Counts every finished request for /metrics, then writes the access log line."""

    def __init__(self, routes, **settings):
        super().__init__(routes, **settings)
        self.request_metrics = metrics.RequestMetrics(settings.get("api_routes", routes))

    def log_request(self, handler) -> None:
        self.request_metrics.observe(handler)
        super().log_request(handler)


def make_app(settings, deps) -> tornado.web.Application:
    routes = list(ROUTES)
    for prefix, folder, policy in (("/h5", settings.h5_dir, static.H5_POLICY),
                                   ("/console", settings.console_dir, static.CONSOLE_POLICY),
                                   ("/field", settings.field_dir, static.H5_POLICY)):
        if os.path.isfile(os.path.join(folder, "index.html")):  # `make client` builds the h5 one
            if prefix == "/h5":
                routes += h5_page.routes(folder)  # its page, with the home page's first screen
            routes += static.routes(prefix, folder, policy, immutable=settings.asset_caching)
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
        # gzip for JSON, pages and scripts of 1 KiB or more when the client accepts it (static.py says why
        # not pre-compressed files); the menu's body is gzipped once per version (handlers/menus.py).
        compress_response=settings.http_compress,
        serve_traceback=False,
    )
