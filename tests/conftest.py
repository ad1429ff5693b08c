"""Shared fixtures (the helpers they use live in support.py, importable from any test)."""

import uuid

import pytest

from models import db as dbmod
from support import TEST_MONGODB_URI, RedisServer, start_server, stop_server  # noqa: F401


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()
    server.cleanup()


@pytest.fixture
def database():
    """A fresh database per test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    db = dbmod.connect(TEST_MONGODB_URI, name)
    yield db
    if TEST_MONGODB_URI:
        import pymongo

        pymongo.MongoClient(TEST_MONGODB_URI).drop_database(name)


@pytest.fixture
async def server(database, redis_server):
    redis_server.flush()
    srv = await start_server(database, redis_server.url)
    yield srv
    await stop_server(srv)


@pytest.fixture
async def operator_token(server):
    return await server.login()
