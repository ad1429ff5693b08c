"""Shared fixtures (the helpers they use live in support.py, importable from any test).

`server`, `database` and `operator_token` are a test's own (a fresh database, seeded, and an app on
it) unless its module shares one app: `pytestmark = SHARED_APP` (support.py) runs the module's
tests on one event loop, and they get one app and one seeded database, built once for the module
(`SHARED_APP_SETTINGS`, a dict in the module, overrides its settings). A module may share only
when its tests touch their own records (their own residents, numbers, files) and read nothing
another test may have changed; each test still starts with no injected sandbox faults and an
empty received-request log."""

import uuid

import pytest
import pytest_asyncio

from models import db as dbmod
from support import TEST_MONGODB_URI, MongoServer, RedisServer, shares_app, start_server, stop_server


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()
    server.cleanup()


@pytest.fixture(scope="session")
def mongo_uri():
    """The MongoDB every test talks to: TEST_MONGODB_URI, else a SecantusDB of the suite's own."""
    if TEST_MONGODB_URI:
        yield TEST_MONGODB_URI
        return
    server = MongoServer().start()
    yield server.url
    server.stop()
    server.cleanup()


async def _fresh_database(mongo_uri):
    """A new database on a client of the running event loop. Apps built on it share the client
    and never close it; the caller's fixture drops the database and closes the client."""
    client = dbmod.client(mongo_uri)
    db = dbmod.Database(client, f"test_{uuid.uuid4().hex[:12]}", owns_client=False)
    yield db
    await client.drop_database(db.name)
    await client.close()


@pytest_asyncio.fixture
async def own_database(mongo_uri):
    async for db in _fresh_database(mongo_uri):
        yield db


@pytest_asyncio.fixture
async def own_server(own_database, redis_server):
    redis_server.flush()
    srv = await start_server(own_database, redis_server.url)
    yield srv
    await stop_server(srv)


@pytest_asyncio.fixture
async def own_operator_token(own_server):
    return await own_server.login()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_server(mongo_uri, redis_server, request):
    async for db in _fresh_database(mongo_uri):
        redis_server.flush()
        srv = await start_server(db, redis_server.url, **getattr(request.module, "SHARED_APP_SETTINGS", {}))
        yield srv
        await stop_server(srv)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_operator_token(shared_server):
    return await shared_server.login()


@pytest.fixture
def server(request):
    if not shares_app(request.node):
        return request.getfixturevalue("own_server")
    srv = request.getfixturevalue("shared_server")
    # what one test leaves in the sandbox's control plane is never the next one's
    srv.deps.sandbox.faults.clear()
    srv.deps.sandbox.received.clear()
    return srv


@pytest.fixture
def database(request):
    """A fresh database per test (the one its `server` uses), or the module's shared one."""
    if not shares_app(request.node):
        return request.getfixturevalue("own_database")
    return request.getfixturevalue("server").deps.db


@pytest.fixture
def operator_token(request):
    if not shares_app(request.node):
        return request.getfixturevalue("own_operator_token")
    request.getfixturevalue("server")
    return request.getfixturevalue("shared_operator_token")
