"""OpenAPI 3 document generated from the route table and the marshmallow schemas (apispec).

A method's docstring (YAML after `---`) describes what only it knows; the code supplies the rest:
`security` from `@require_roles`, path parameters from the route's named groups, and the error
answers every operation of a kind gives (`add_errors`)."""

import re

from apispec import APISpec, yaml_utils
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.tornado import TornadoPlugin
from tornado.web import RequestHandler as BaseRequestHandler
from tornado.web import URLSpec

METHODS = ("get", "post", "put", "patch", "delete")

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}


def build_spec(routes) -> dict:
    spec = APISpec(
        title="政务服务移动端 API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Service catalog, channel menus and staff login. Errors: " + str(ERROR_SCHEMA)},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", ERROR_SCHEMA)
    for pattern, handler in (route[:2] for route in routes):
        url = URLSpec(pattern, handler)
        groups = group_patterns(pattern)
        # TornadoPlugin's own path_helper asks every handler for a `trace` method, which
        # RequestHandler lacks; we read the docstrings ourselves and reuse its path conversion.
        operations = dict(getattr(handler, "openapi_operations", {}))  # e.g. a WebSocket upgrade
        for method in METHODS if not operations else ():
            fn = getattr(handler, method)
            if fn is not getattr(BaseRequestHandler, method):
                operations[method] = from_code(fn, yaml_utils.load_yaml_from_docstring(fn.__doc__ or ""), groups)
        if operations:
            spec.path(path=TornadoPlugin.tornadopath2openapi(url, None), operations=operations)
    document = spec.to_dict()
    for operations in document["paths"].values():
        for operation in operations.values():
            add_errors(operation)
    return ecma_patterns(document)


def group_patterns(pattern: str) -> dict[str, str]:
    """{name: its own regex} for each named group of a route pattern, in order."""
    found = {}
    for start in re.finditer(r"\(\?P<(\w+)>", pattern):
        depth, i = 1, start.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(pattern[i], 0) if pattern[i - 1] != "\\" else 0
            i += 1
        found[start.group(1)] = pattern[start.end():i - 1]
    return found


UUID_GROUP = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def path_schema(regex: str) -> dict:
    """What a path parameter's own regex says of it: a UUID, a number, one of a few words."""
    if regex == UUID_GROUP:
        return {"type": "string", "format": "uuid"}
    if re.fullmatch(r"(\\d|\[0-9\])(\+|\{[\d,]+\})", regex):
        return {"type": "integer"}
    if re.fullmatch(r"\w+(\|\w+)+", regex):
        return {"type": "string", "enum": regex.split("|")}
    return {"type": "string"}


def from_code(fn, operation: dict, groups: dict[str, str]) -> dict:
    """The operation with what the code already says: `security` when the method carries
    `@require_roles` (api/auth.py marks it), and one parameter per named group of the route, its
    schema from the group's regex (`path_schema`). A docstring that still describes either is
    kept: its own entry wins (to say more: a description)."""
    if getattr(fn, "required_kind", None) and "security" not in operation:
        operation["security"] = [{"bearer": []}]
    described = {param.get("name") for param in operation.get("parameters", []) if param.get("in") == "path"}
    generated = [{"in": "path", "name": name, "required": True, "schema": path_schema(regex)}
                 for name, regex in groups.items() if name not in described]
    if generated:
        operation["parameters"] = generated + operation.get("parameters", [])
    return operation


# Answers that BaseHandler, require_roles and self.load give any operation of a kind, so each
# docstring need not repeat them (a docstring's own description of a code wins).
ERRORS = {
    400: "request.*: malformed JSON, an empty body, a bad query parameter or header",
    401: "auth.required, auth.token_invalid or auth.token_expired",
    403: "auth.forbidden: not for this role or this kind of login",
    404: "no such resource",
    413: "request.too_large",
    422: "validation_failed: details name the fields",
    428: "request.if_match_required",
}


def add_errors(operation: dict) -> None:
    codes = {400}
    if operation.get("security"):
        codes |= {401, 403}
    if "requestBody" in operation:
        codes |= {413, 422}
    params = operation.get("parameters", [])
    if any(param.get("in") == "path" for param in params):
        codes.add(404)
    if any(param.get("in") == "header" and param.get("name") == "If-Match" for param in params):
        codes.add(428)
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        if str(code) not in responses:
            responses[str(code)] = {"description": ERRORS[code], "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def ecma_patterns(node):
    """Patterns in code end with Python's `\\Z` (a `$` also matches before a final newline); a
    document's patterns are ECMA-262, where `$` alone already means the end of the input."""
    if isinstance(node, dict):
        return {key: value[:-2] + "$" if key == "pattern" and isinstance(value, str) and value.endswith("\\Z")
                else ecma_patterns(value) for key, value in node.items()}
    if isinstance(node, list):
        return [ecma_patterns(value) for value in node]
    return node
