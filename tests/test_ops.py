import io
import json
import pathlib
import re

from openapi_spec_validator import validate
from tornado.web import RequestHandler

from api.accesslog import scrub_uri
from api.auth import require_roles
from api.openapi import build_spec, group_patterns, path_schema
from support import eventually, start_server, stop_server


async def test_health_and_ready(server):
    assert (await server.fetch("/healthz")).json == {"status": "ok"}
    r = await server.fetch("/readyz")
    assert r.status == 200 and r.json["status"] == "ready"
    assert r.json["checks"]["mongo"] == r.json["checks"]["redis"] == "ok"
    assert r.json["checks"]["push"] in ("ok", "no worker seen")  # the in-process worker's first read may be yet to come

    async def push_ok():
        r = await server.fetch("/readyz")
        return r if r.json["checks"]["push"] == "ok" else None
    r = await eventually(push_ok, "the in-process worker's first read", seconds=5)
    assert r.status == 200 and r.json["checks"] == {"mongo": "ok", "redis": "ok", "push": "ok"}
    push = r.json["push"]
    assert push["workers_reading"] == 1 and push["last_read_seconds"] < 60
    assert push["unrelayed"] == push["unconfirmed"] == {"count": 0, "oldest_seconds": None}


async def test_openapi_document_is_valid_and_complete(server):
    r = await server.fetch("/api/v1/openapi.json")
    assert r.status == 200
    spec = r.json
    validate(spec)
    paths = spec["paths"]
    for path in ("/api/v1/channels/{channel}/menu", "/api/v1/items", "/api/v1/items/{code}", "/api/v1/items/hot",
                 "/api/v1/auth/staff", "/api/v1/admin/menus/{channel}/publish", "/healthz"):
        assert path in paths, path
    item_props = spec["components"]["schemas"]["ItemIn"]["properties"]
    assert {"code", "form", "materials", "promise_days"} <= set(item_props)
    menu = paths["/api/v1/channels/{channel}/menu"]["get"]
    assert menu["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/MenuView"}
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs - set(spec["components"]["schemas"]) == set()  # a schema named twice is left unresolved
    assert "\\\\Z" not in r.body.decode()  # patterns are ECMA-262: Python's \Z is written $
    unresolved = [(where, ref) for where, ref in refs_in(spec) if not resolves(spec, ref)]
    assert unresolved == []
    staff_only = paths["/api/v1/admin/items/{code}"]["put"]
    assert staff_only["security"] == [{"bearer": []}] and "security" not in paths["/api/v1/items/{code}"]["get"]
    assert {"in": "path", "name": "code", "required": True, "schema": {"type": "string"}} in staff_only["parameters"]


def refs_in(node, where=""):
    """Every ($ref's location, $ref) of a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [(where, value)] if key == "$ref" else refs_in(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from refs_in(value, f"{where}/{index}")


def resolves(document, ref: str) -> bool:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return ref.startswith("#/")


class OldStyleHandler(RequestHandler):
    @require_roles("operator")
    async def put(self, code):
        """A docstring written before the code supplied security and path parameters.
        ---
        security: [{bearer: []}]
        parameters:
          - {in: path, name: code, required: true, description: "its own words", schema: {type: string}}
        responses:
          200: {description: "OK"}
        """


class NewStyleHandler(RequestHandler):
    @require_roles("operator")
    async def put(self, code, part):
        """Only what the code cannot tell.
        ---
        responses:
          200: {description: "OK"}
        """

    async def get(self, code, part):
        """Public.
        ---
        responses:
          200: {description: "OK"}
        """


def test_openapi_security_and_path_parameters_come_from_the_code():
    spec = build_spec([(r"/old/(?P<code>[^/]+)", OldStyleHandler), (r"/new/(?P<code>\w+)/(?P<part>\w+)", NewStyleHandler)])
    validate(spec)
    old, new = spec["paths"]["/old/{code}"]["put"], spec["paths"]["/new/{code}/{part}"]
    assert old["security"] == new["put"]["security"] == [{"bearer": []}] and "security" not in new["get"]
    assert old["parameters"] == [{"in": "path", "name": "code", "required": True, "description": "its own words",
                                  "schema": {"type": "string"}}]
    assert [p["name"] for p in new["put"]["parameters"]] == [p["name"] for p in new["get"]["parameters"]] == ["code", "part"]
    assert {"401", "403", "404"} <= set(new["put"]["responses"]) and "401" not in new["get"]["responses"]


def test_path_parameter_schemas_come_from_each_group_regex():
    uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    groups = group_patterns(rf"/c/(?P<case_id>{uuid})/n/(?P<n>\d{{1,4}})/(?P<step>accept|arrive)/(?P<code>[^/]+)"
                            r"/(?P<nested>(a|b)\(x\))")
    assert list(groups) == ["case_id", "n", "step", "code", "nested"] and groups["nested"] == r"(a|b)\(x\)"
    assert [path_schema(r) for r in groups.values()] == [
        {"type": "string", "format": "uuid"}, {"type": "integer"}, {"type": "string", "enum": ["accept", "arrive"]},
        {"type": "string"}, {"type": "string"}]


def test_scrub_uri():
    assert scrub_uri("/a?code=123&x=1&OTP=9&token=t") == "/a?code=%2A%2A%2A&x=1&OTP=%2A%2A%2A&token=%2A%2A%2A"
    assert scrub_uri("/plain") == "/plain"


async def test_access_log_is_json_and_scrubbed(database, redis_server):
    server = await start_server(database, redis_server.url, ACCESS_LOG="true")
    stream = io.StringIO()
    server.app.settings["log_function"].stream = stream
    try:
        await server.fetch("/api/v1/items?auth_code=SECRET1&q=sbk", headers={"Authorization": "Bearer SECRET2",
                                                                             "X-Request-ID": 'req-"1"'})
        await server.fetch("/api/v1/items/ZZ0000")
        assert stream.getvalue() == ""  # batched: written on a timer (FLUSH_SECONDS)
        await eventually(lambda: stream.getvalue().count("\n") >= 2, "the batch written")
        text = stream.getvalue()
        lines = [json.loads(line) for line in text.splitlines()]
        assert lines[0]["status"] == 200 and lines[0]["request_id"] == 'req-"1"' and lines[0]["method"] == "GET"
        assert "auth_code=%2A%2A%2A" in lines[0]["uri"] and "q=sbk" in lines[0]["uri"]
        assert lines[1]["status"] == 404 and lines[1]["ts"].endswith("Z") and lines[1]["ms"] >= 0
        assert "SECRET1" not in text and "SECRET2" not in text
    finally:
        await stop_server(server)


def test_image_holds_every_package_the_server_imports():
    """The Dockerfile copies folders one by one: a new top-level package must not be left out."""
    root = pathlib.Path(__file__).resolve().parent.parent
    copied = set(re.findall(r"^COPY (\w+)/ ", (root / "Dockerfile").read_text(), re.M))
    local = {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    needed = set()
    for folder in copied & local:
        for source in (root / folder).rglob("*.py"):
            # module-level imports only: the sandbox is imported lazily, in demo mode
            needed |= set(re.findall(r"^(?:from|import) (\w+)", source.read_text(), re.M)) & local
    assert needed <= copied, needed - copied
    assert "console" in copied


async def test_client_pages_carry_their_security_policy(database, redis_server, tmp_path):
    h5 = tmp_path / "h5"
    h5.mkdir()
    (h5 / "index.html").write_text("<!doctype html><title>h5</title>")
    (h5 / "app.js").write_text("console.log(1)")
    console = pathlib.Path(__file__).resolve().parent.parent / "console"
    server = await start_server(database, redis_server.url, H5_DIR=str(h5), CONSOLE_DIR=str(console))
    try:
        page = await server.fetch("/h5/")
        policy = page.headers["Content-Security-Policy"]
        assert page.status == 200 and "script-src 'self'" in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy and page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Cache-Control"] == "no-cache"  # a new build reaches phones at once
        script = await server.fetch("/h5/app.js")
        assert script.status == 200 and "Cache-Control" not in script.headers
        admin = await server.fetch("/console/")
        assert admin.status == 200 and "'unsafe-eval'" in admin.headers["Content-Security-Policy"]
        assert (await server.fetch("/console/js/api.js")).headers["Content-Type"].startswith("text/javascript")
        assert "worker-src 'self'" in admin.headers["Content-Security-Policy"]  # pdf.js parses in a worker
        module = await server.fetch("/console/vendor/pdf.min.mjs")  # a module script needs a JavaScript type
        assert module.status == 200 and module.headers["Content-Type"] == "text/javascript; charset=UTF-8"
        decoder = await server.fetch("/console/vendor/pdfjs-wasm/openjpeg.wasm")  # pdf.js's JPEG 2000 decoder
        assert decoder.status == 200 and decoder.headers["Content-Type"] == "application/wasm"
        assert decoder.body[:4] == b"\0asm"
        font = await server.fetch("/console/vendor/pdfjs-standard-fonts/FoxitDingbats.pfb")  # fetched as bytes
        assert font.status == 200 and len(font.body) == 29513
        assert (await server.fetch("/console/../api/app.py")).status in (403, 404)
    finally:
        await stop_server(server)
