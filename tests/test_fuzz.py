"""Fuzzing (issue 14, finding 8): schemathesis sends requests generated from the served OpenAPI
document, valid and invalid, once as a resident and once as staff. No answer may be a server
error; a failure prints the request that reproduces it (a curl command)."""

import asyncio
import copy
import json
import os
import threading
import time
import uuid

import pytest
import schemathesis
from apispec_webframeworks.tornado import TornadoPlugin
from hypothesis import strategies as st
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance
from schemathesis.config import HealthCheck
from tornado.web import URLSpec

from api.openapi import build_spec
from api.routes import ROUTES
from models import db as dbmod
from support import applicant_token, resident_token, start_server, stop_server, submit, upload_photo

# Generated cases per operation beyond schemathesis' own coverage cases: about two minutes in all
# on a 2-core machine, the same cases on every run. FUZZ_EXAMPLES=100 for a deeper search by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
TOKENS = {  # admin passes every staff role check
    "resident": lambda server: resident_token(server, "o-fuzz"),
    "admin": lambda server: server.login("admin", "Admin@2026"),
}
# Path parameters naming resources the live server holds, so that generated requests also reach
# past "not found" in the fuzzing phase (filled as each role's server starts).
KNOWN: dict[str, list[str]] = {}
LOCATION = {"type": "Point", "coordinates": [120.1551, 30.2741]}


async def resources(server, role: str) -> dict:
    """What `role` may work on: an application, an upload, (staff) a case and a task."""
    resident = await applicant_token(server, "o-fuzz")
    # item codes: an application, an instant query (a department system), a material
    known = {"number": [await submit(server, resident)], "code": ["SB0008", "SB0001", "id_card"], "channel": ["wechat"]}
    if role == "resident":
        return {**known, "upload_id": [await upload_photo(server, resident)]}
    token, inspector = await server.login("admin", "Admin@2026"), await server.login("inspector", "Inspector@2026")
    case_id = str(uuid.uuid4())  # only an inspector opens a case
    await server.fetch(f"/api/v1/enforcement/cases/{case_id}", "PUT", token=inspector, json_body={
        "version": 0, "type": "违规停车", "location": LOCATION})
    upload = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/uploads", "POST", token=inspector,
                                json_body={"size": 2 << 20, "sha256": "0" * 64})
    task = await server.fetch("/api/v1/enforcement/tasks", "POST", token=token,
                              json_body={"location": LOCATION, "description": "违停", "priority": "urgent"})
    return {**known, "case_id": [case_id], "upload_id": [upload.json["upload_id"]], "task_id": [task.json["task"]["id"]],
            "version": ["1"], "year": ["2026"]}


class LiveServer:
    """The app on an event loop of its own thread: schemathesis calls it synchronously."""

    def __init__(self, mongo_uri: str, redis_url: str):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self.run(self._start(mongo_uri, redis_url))

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    async def _start(self, mongo_uri, redis_url):
        self.db = dbmod.Database(dbmod.client(mongo_uri), f"test_{uuid.uuid4().hex[:12]}", owns_client=False)
        return await start_server(self.db, redis_url)

    async def _stop(self):
        await stop_server(self.server)
        await self.db.client.drop_database(self.db.name)
        await self.db.client.close()

    def headers(self) -> dict:
        """A token younger than 10 minutes (they last 15; FUZZ_EXAMPLES=100 runs longer)."""
        if time.monotonic() - self.issued > 600:
            self.token, self.issued = self.run(TOKENS[self.role](self.server)), time.monotonic()
        return {"Authorization": f"Bearer {self.token}"}

    def stop(self) -> None:
        self.run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def login_kinds() -> dict[tuple[str, str], str | None]:
    """(METHOD, path) -> the kind of login its handler requires (`require_roles`); None: public."""
    kinds = {}
    for pattern, handler in (route[:2] for route in ROUTES):
        path = TornadoPlugin.tornadopath2openapi(URLSpec(pattern, handler), None)
        for method in DOCUMENT["paths"].get(path, {}):
            kinds[method.upper(), path] = getattr(getattr(handler, method), "required_kind", None)
    return kinds


# Built from the route table at collection time (schemathesis 4.32's lazy loader does not run on
# pytest 9.2); the fixtures check that the server serves this very document.
DOCUMENT = build_spec(ROUTES)
KINDS = login_kinds()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT)).exclude(path="/api/v1/ws")  # WebSocket: test_push_live.py
schema.config.update(request_timeout=20, suppress_health_check=[HealthCheck.all])
schema.config.output.sanitization.update(enabled=False)  # test tokens and demo passwords: show them
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
# Each token fuzzes what it may call (public operations with the resident's): a wrong kind of
# login is refused before the input is read.
resident_schema = schema.include(lambda ctx: KINDS[ctx.operation.method.upper(), ctx.operation.path] != "staff")
staff_schema = schema.include(lambda ctx: KINDS[ctx.operation.method.upper(), ctx.operation.path] == "staff")


@pytest.fixture(scope="module")
def live(request, mongo_uri, redis_server):
    """The server for the role a test names (module scope: its operations share it)."""
    role = request.param
    redis_server.flush()
    live = LiveServer(mongo_uri, redis_server.url)
    try:
        assert live.run(live.server.fetch("/api/v1/openapi.json")).json == json.loads(json.dumps(DOCUMENT))
        KNOWN.clear()
        KNOWN.update(live.run(resources(live.server, role)))
    except BaseException:
        live.stop()
        raise
    live.role, live.issued = role, 0.0
    yield live
    live.stop()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each known parameter: the generated value or one the server holds."""
    known = {name: st.sampled_from([value, *KNOWN[name]]) for name, value in (path_parameters or {}).items()
             if name in KNOWN}
    return st.fixed_dictionaries(known).map(lambda real: {**path_parameters, **real}) if known else st.just(path_parameters)


# the role also puts the operation in the test's id (pytest 9.2 leaves it out otherwise)
@resident_schema.parametrize()
@pytest.mark.parametrize("live", ["resident"], indirect=True)
def test_resident_gets_no_server_error(case, live):
    case.call_and_validate(base_url=live.server.base, headers=live.headers(), checks=CHECKS)


@staff_schema.parametrize()
@pytest.mark.parametrize("live", ["admin"], indirect=True)
def test_staff_gets_no_server_error(case, live):
    case.call_and_validate(base_url=live.server.base, headers=live.headers(), checks=CHECKS)
