"""OpenAPI 3 document generated from the route table and the marshmallow schemas (apispec)."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.tornado import TornadoPlugin

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}


def build_spec(routes) -> dict:
    spec = APISpec(
        title="政务服务移动端 API", version="1.0.0", openapi_version="3.0.3",
        plugins=[TornadoPlugin(), MarshmallowPlugin()],
        info={"description": "Service catalog, channel menus and staff login. Errors: " + str(ERROR_SCHEMA)},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", ERROR_SCHEMA)
    for route in routes:
        if route[0].startswith(("/api/", "/healthz", "/readyz")):
            spec.path(urlspec=route[:2])
    return spec.to_dict()
