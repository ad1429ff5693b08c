"""The generated OpenAPI document."""

from api.base import BaseHandler, to_json
from api.openapi import build_spec


class OpenAPIHandler(BaseHandler):
    _body: bytes | None = None

    async def get(self):
        """This document.
        ---
        tags: [operations]
        responses:
          200: {description: "OpenAPI 3 JSON"}
        """
        if OpenAPIHandler._body is None:
            OpenAPIHandler._body = to_json(build_spec(self.application.settings["api_routes"]))
        self.finish(OpenAPIHandler._body)


default_handlers = [(r"/api/v1/openapi.json", OpenAPIHandler)]
