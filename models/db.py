"""The database handle: PyMongo's async client, or an in-process engine.

With MONGODB_URI set we use `pymongo.AsyncMongoClient`. Without it (demo mode and the default
test run) we serve the same async interface from mongomock, in memory. Every difference
between the two lives in this module; models only see `Database` and its collections.

Why our own thin wrapper instead of mongomock-motor: that package pulls in Motor (deprecated)
and returns an aggregate cursor where PyMongo async returns a coroutine; wrapping mongomock
directly keeps the two engines call-for-call identical.

mongomock scans every document on every query (it keeps no index structures), so a call costs
milliseconds once a collection holds thousands of documents. Its calls therefore run on one
dedicated thread, like a database server: the event loop never waits on them, and one thread
keeps mongomock (not thread-safe) to one caller at a time. And `find_one({field: value})` on
an indexed field, the lookup behind every login, is answered from a map of that field that is
rebuilt after a write, as an index would be, so reads stay O(1) as the collection grows.
"""

import asyncio
import concurrent.futures
import copy
import functools
import itertools
import logging
import os
import tempfile

import mongomock
import mongomock.collection
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from mongomock.filtering import filter_applies
from pymongo import AsyncMongoClient

log = logging.getLogger(__name__)
SCALARS = (str, int, ObjectId)


class Database:
    """What models use: `db.collection_name` or `db["collection_name"]`, plus ping/close."""

    def __init__(self, handle, client, engine: str):
        self._handle = handle
        self._client = client
        self.engine = engine  # "mongodb" or "in-process"
        self.blobs = None  # GridFsBlobs or DirectoryBlobs, set by connect()
        self._lookups: dict[str, _Lookup] = {}
        self._collections: dict[str, object] = {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str):
        coll = self._collections.get(name)
        if coll is None:  # mongomock makes a new collection object on every access: keep one
            coll = self._handle[name]
            if self.engine == "in-process":
                coll = _InProcessCollection(coll, self._lookups.setdefault(name, _Lookup()))
            self._collections[name] = coll
        return coll

    async def ping(self) -> None:
        if self.engine == "in-process":
            return
        await self._handle.command("ping")

    async def drop_all(self) -> None:
        """Used by tests: remove every collection of this database."""
        if self.engine == "in-process":
            for name in await _run(self._handle.list_collection_names):
                await _run(self._handle.drop_collection, name)
            self._lookups.clear()
            self._collections.clear()
        else:
            for name in await self._handle.list_collection_names():
                await self._handle.drop_collection(name)

    async def close(self) -> None:
        if self.engine == "mongodb":
            await self._client.close()


def connect(uri: str | None, db_name: str, blob_dir: str | None = None) -> Database:
    if uri:
        client = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=3000)
        database = Database(client[db_name], client, "mongodb")
        database.blobs = GridFsBlobs(client[db_name])
        return database
    log.info("MONGODB_URI not set: using the in-process engine (data lives in this process only)")
    client = mongomock.MongoClient(tz_aware=True)
    database = Database(client[db_name], client, "in-process")
    database.blobs = DirectoryBlobs(blob_dir or tempfile.mkdtemp(prefix="govservice-blobs-"))
    return database


class GridFsBlobs:
    """Content-addressed blobs in GridFS: the file name is the SHA-256, so a blob is stored once."""

    def __init__(self, handle):
        self._bucket = AsyncGridFSBucket(handle, bucket_name="blobs")

    async def exists(self, sha256: str) -> bool:
        return bool(await self._bucket.find({"filename": sha256}).limit(1).to_list(1))

    async def put(self, sha256: str, data: bytes, content_type: str) -> None:
        if not await self.exists(sha256):
            await self._bucket.upload_from_stream(sha256, data, metadata={"content_type": content_type})

    async def get(self, sha256: str) -> bytes:
        stream = await self._bucket.open_download_stream_by_name(sha256)
        return await stream.read()


class DirectoryBlobs:
    """The in-process engine's blobs: files named by SHA-256 under one directory (atomic writes)."""

    def __init__(self, root: str):
        self.root = root
        os.makedirs(root, exist_ok=True)

    def _path(self, sha256: str) -> str:
        return os.path.join(self.root, sha256[:2], sha256)

    async def exists(self, sha256: str) -> bool:
        return os.path.exists(self._path(sha256))

    async def put(self, sha256: str, data: bytes, content_type: str) -> None:
        def write():
            path = self._path(sha256)
            if os.path.exists(path):
                return
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)

        await asyncio.get_running_loop().run_in_executor(None, write)

    async def get(self, sha256: str) -> bytes:
        def read():
            with open(self._path(sha256), "rb") as f:
                return f.read()

        return await asyncio.get_running_loop().run_in_executor(None, read)


_ENGINE = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="in-process-db")
_scan_documents = mongomock.collection.Collection._iter_documents


def _iter_documents(self, filter):
    """mongomock matches every query against every document. A filter naming one `_id` or a
    list of them (`{"_id": {"$in": [...]}}`), as most reads and writes do, needs only those
    documents, which mongomock's store holds in a dict by `_id`."""
    key = filter.get("_id") if isinstance(filter, dict) else None
    if isinstance(key, dict) and list(key) == ["$in"] and all(_scalar(k) for k in key["$in"]):
        keys = key["$in"]
    elif _scalar(key):
        keys = (key,)
    else:
        return _scan_documents(self, filter)
    docs = (self._store[k] for k in dict.fromkeys(keys) if k in self._store)
    return iter([doc for doc in docs if filter_applies(filter, doc)])


def _scalar(value) -> bool:
    return isinstance(value, SCALARS) and not isinstance(value, bool)


mongomock.collection.Collection._iter_documents = _iter_documents


async def _run(fn, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(_ENGINE, functools.partial(fn, *args, **kwargs))


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
        return await _run(lambda: list(itertools.islice(self._cursor, length)))

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        for doc in await self.to_list(None):
            yield doc


READS = {"find_one", "find", "count_documents", "estimated_document_count", "aggregate", "distinct",
         "list_indexes", "index_information"}


class _Lookup:
    """Equality lookups on one collection's indexed fields, valid until the next write."""

    def __init__(self):
        self.fields: set[str] = set()  # `_id` needs no map: see _iter_documents
        self.version = 0  # bumped by every write through this module
        self._built = -1
        self._maps: dict[str, dict] = {}

    def usable(self, filter_, args, kwargs) -> bool:
        if args or kwargs or not isinstance(filter_, dict) or len(filter_) != 1:
            return False
        (field, value), = filter_.items()
        return field in self.fields and isinstance(value, SCALARS) and not isinstance(value, bool)

    def find_one(self, coll, filter_):  # runs on the engine thread
        if self._built != self.version:
            self._maps = {field: {} for field in self.fields}
            for doc in coll.find({}):
                for field, index in self._maps.items():
                    value = doc.get(field)
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, SCALARS):
                            index.setdefault(item, doc)
            self._built = self.version
        (field, value), = filter_.items()
        doc = self._maps[field].get(value)
        return copy.deepcopy(doc) if doc is not None else None


class _InProcessCollection:
    """Async facade over a mongomock collection, mirroring pymongo's AsyncCollection."""

    def __init__(self, coll, lookup: _Lookup):
        self._coll = coll
        self._lookup = lookup
        self.name = coll.name

    def find(self, *args, **kwargs) -> _InProcessCursor:
        return _InProcessCursor(self._coll.find(*args, **kwargs))

    async def find_one(self, filter_=None, *args, **kwargs):
        if self._lookup.usable(filter_, args, kwargs):
            return await _run(self._lookup.find_one, self._coll, filter_)
        return await _run(self._coll.find_one, filter_, *args, **kwargs)

    async def create_index(self, keys, **kwargs):
        name = await _run(self._coll.create_index, keys, **kwargs)
        first = keys if isinstance(keys, str) else keys[0][0]
        if "." not in first and first != "_id":
            self._lookup.fields.add(first)
        self._lookup.version += 1
        return name

    async def aggregate(self, pipeline, **kwargs) -> _InProcessCursor:
        # PyMongo async: aggregate() is a coroutine that returns a cursor.
        return _InProcessCursor(iter(await _run(lambda: list(self._coll.aggregate(pipeline, **kwargs)))))

    def __getattr__(self, name: str):
        attr = getattr(self._coll, name)
        if not callable(attr):
            return attr
        lookup = self._lookup

        async def call(*args, **kwargs):
            if name in READS:
                return await _run(attr, *args, **kwargs)
            lookup.version += 1  # before and after: no read can see a half-applied write as current
            try:
                return await _run(attr, *args, **kwargs)
            finally:
                lookup.version += 1

        return call
