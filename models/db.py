"""The database handle: PyMongo's async client, or an in-process engine.

With MONGODB_URI set we use `pymongo.AsyncMongoClient`. Without it (demo mode and the default
test run) we serve the same async interface from mongomock, in memory. Every difference
between the two lives in this module; models only see `Database` and its collections.

Why our own thin wrapper instead of mongomock-motor: that package pulls in Motor (deprecated)
and returns an aggregate cursor where PyMongo async returns a coroutine; wrapping mongomock
directly keeps the two engines call-for-call identical. mongomock works in memory, so its
calls are cheap and safe to run on the event loop.
"""

import logging

import mongomock
from pymongo import AsyncMongoClient

log = logging.getLogger(__name__)


class Database:
    """What models use: `db.collection_name` or `db["collection_name"]`, plus ping/close."""

    def __init__(self, handle, client, engine: str):
        self._handle = handle
        self._client = client
        self.engine = engine  # "mongodb" or "in-process"

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str):
        coll = self._handle[name]
        return _InProcessCollection(coll) if self.engine == "in-process" else coll

    async def ping(self) -> None:
        if self.engine == "in-process":
            return
        await self._handle.command("ping")

    async def drop_all(self) -> None:
        """Used by tests: remove every collection of this database."""
        if self.engine == "in-process":
            for name in self._handle.list_collection_names():
                self._handle.drop_collection(name)
        else:
            for name in await self._handle.list_collection_names():
                await self._handle.drop_collection(name)

    async def close(self) -> None:
        if self.engine == "mongodb":
            await self._client.close()


def connect(uri: str | None, db_name: str) -> Database:
    if uri:
        client = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=3000)
        return Database(client[db_name], client, "mongodb")
    log.info("MONGODB_URI not set: using the in-process engine (data lives in this process only)")
    client = mongomock.MongoClient(tz_aware=True)
    return Database(client[db_name], client, "in-process")


class _InProcessCursor:
    """The subset of PyMongo's AsyncCursor that models use."""

    def __init__(self, cursor):
        self._cursor = cursor

    def sort(self, *args, **kwargs):
        self._cursor = self._cursor.sort(*args, **kwargs)
        return self

    def skip(self, n: int):
        self._cursor = self._cursor.skip(n)
        return self

    def limit(self, n: int):
        self._cursor = self._cursor.limit(n)
        return self

    async def to_list(self, length: int | None = None):
        items = []
        for doc in self._cursor:
            items.append(doc)
            if length is not None and len(items) >= length:
                break
        return items

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        for doc in self._cursor:
            yield doc


class _InProcessCollection:
    """Async facade over a mongomock collection, mirroring pymongo's AsyncCollection."""

    def __init__(self, coll):
        self._coll = coll
        self.name = coll.name

    def find(self, *args, **kwargs) -> _InProcessCursor:
        return _InProcessCursor(self._coll.find(*args, **kwargs))

    async def aggregate(self, pipeline, **kwargs) -> _InProcessCursor:
        # PyMongo async: aggregate() is a coroutine that returns a cursor.
        return _InProcessCursor(iter(list(self._coll.aggregate(pipeline, **kwargs))))

    def __getattr__(self, name: str):
        attr = getattr(self._coll, name)
        if not callable(attr):
            return attr

        async def call(*args, **kwargs):
            return attr(*args, **kwargs)

        return call
