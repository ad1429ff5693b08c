"""Shared fixtures (the helpers they use live in support.py, importable from any test)."""

import uuid

import pytest

from models import db as dbmod
from support import TEST_MONGODB_URI, MongoServer, RedisServer, start_server, stop_server  # noqa: F401


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


@pytest.fixture
async def database(mongo_uri):
    """A fresh database per test, on a client of this test's event loop. Apps built on it share
    the client and never close it; the fixture drops the database and closes the client."""
    client = dbmod.client(mongo_uri)
    db = dbmod.Database(client, f"test_{uuid.uuid4().hex[:12]}", owns_client=False)
    yield db
    await client.drop_database(db.name)
    await client.close()


@pytest.fixture
async def server(database, redis_server):
    redis_server.flush()
    srv = await start_server(database, redis_server.url)
    yield srv
    await stop_server(srv)


@pytest.fixture
async def operator_token(server):
    return await server.login()
