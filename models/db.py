"""The database handle: PyMongo's async client, and content-addressed blobs in GridFS.

There is one storage path: MongoDB over the wire (a replica set in production, SecantusDB on the
development machines and in the tests). Models see `Database` and its collections, which are
PyMongo's own `AsyncCollection`s.

A client belongs to the event loop it was first used on: make one per loop (per process, per
test) and close it on that loop.
"""

import logging

from gridfs import AsyncGridFSBucket
from pymongo import AsyncMongoClient, ReadPreference, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure
from pymongo.read_concern import ReadConcern

log = logging.getLogger(__name__)
BUCKET = "blobs"
# BSON's largest integer: a larger one fails the query or write (OverflowError), so input is bounded by it
MAX_INT = 2**63 - 1


class Database:
    """What models use: `db.collection_name` or `db["collection_name"]`, plus ping, transactions, close."""

    def __init__(self, client: AsyncMongoClient, name: str, *, owns_client: bool = True):
        self.client = client
        self.name = name
        self._handle = client[name]
        self._owns_client = owns_client
        self.blobs = GridFsBlobs(self._handle)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._handle[name]

    def __getitem__(self, name: str):
        return self._handle[name]

    async def ping(self) -> None:
        await self.command("ping")

    async def command(self, *args, **kwargs):
        return await self._handle.command(*args, **kwargs)

    async def transaction(self, callback):
        """Run `await callback(session)` in a multi-document transaction (snapshot reads, the
        client's durable write concern) and return its result. A transient error (a write
        conflict with another transaction) runs it again, as the driver's `with_transaction` does:
        the callback must pass `session=` to every read and write and have no other effects."""
        async with self.client.start_session() as session:
            return await session.with_transaction(callback, read_concern=ReadConcern("snapshot"),
                                                  read_preference=ReadPreference.PRIMARY)

    async def drop_all(self) -> None:
        """Used by tests: drop this database."""
        await self.client.drop_database(self.name)

    async def close(self) -> None:
        if self._owns_client:
            await self.client.close()


def client(uri: str, **options) -> AsyncMongoClient:
    """Times are read back timezone-aware (UTC); a vanished server is reported within 3 s.

    Writes are acknowledged once a majority of the replica set has them in its on-disk journal
    (`w: majority, j: true`): what we answer 201 to survives a crash of any process. (mongod's
    default `w: 1` without `j` may lose the last ~100 ms of writes to a crash.)"""
    options.setdefault("serverSelectionTimeoutMS", 3000)
    options.setdefault("w", "majority")
    options.setdefault("journal", True)
    return AsyncMongoClient(uri, tz_aware=True, **options)


def connect(uri: str, db_name: str) -> Database:
    if not uri:
        raise ValueError("MONGODB_URI is required: `make run` starts a local server, tests start their own")
    return Database(client(uri), db_name)


async def ttl_index(collection, field: str, seconds: int) -> None:
    """A TTL index: MongoDB deletes a document `seconds` after the time in `field`. An index on
    the field with other options (an older retention, or none) is replaced, documents untouched,
    so a changed retention needs no manual step at upgrade."""
    try:
        await collection.create_index([(field, 1)], expireAfterSeconds=seconds)
    except OperationFailure as exc:
        if exc.code not in (85, 86):  # IndexOptionsConflict, IndexKeySpecsConflict
            raise
        await collection.drop_index([(field, 1)])
        await collection.create_index([(field, 1)], expireAfterSeconds=seconds)


async def increment(collection, key: str, field: str = "value", session=None) -> int:
    """Add one to the counter document `key` (made on first use) and return the new value.
    Concurrent first uses race to insert it: mongod may answer one with DuplicateKeyError (its
    documented upsert behaviour: retry), SecantusDB 0.7.0b3 with no document at all
    (tests/test_secantus_differences.py); either is tried again. A retry may skip a value, never
    repeat one."""
    for _ in range(10):
        try:
            doc = await collection.find_one_and_update({"_id": key}, {"$inc": {field: 1}}, upsert=True,
                                                       return_document=ReturnDocument.AFTER, session=session)
        except DuplicateKeyError:
            continue
        if doc is not None:
            return doc[field]
    raise RuntimeError(f"counter {key} could not be incremented")


class GridFsBlobs:
    """Content-addressed blobs in GridFS: the file name is the SHA-256, so a blob is stored once."""

    def __init__(self, handle):
        self._files = handle[f"{BUCKET}.files"]
        self._bucket = AsyncGridFSBucket(handle, bucket_name=BUCKET)

    async def ensure_indexes(self) -> None:
        """The indexes GridFS drivers create on a bucket's first upload, created up front so the
        very first `exists` is an index lookup too."""
        await self._files.create_index([("filename", 1), ("uploadDate", 1)])
        await self._files.database[f"{BUCKET}.chunks"].create_index([("files_id", 1), ("n", 1)], unique=True)

    async def exists(self, sha256: str) -> bool:
        # Asked of the files collection: GridOut cursors' to_list() raises StopAsyncIteration on
        # no match in PyMongo 4.20 (tests/test_uploads.py has the regression test).
        return await self._files.find_one({"filename": sha256}, {"_id": 1}) is not None

    async def put(self, sha256: str, data: bytes, content_type: str) -> None:
        if not await self.exists(sha256):
            await self._bucket.upload_from_stream(sha256, data, metadata={"content_type": content_type})

    async def get(self, sha256: str) -> bytes:
        stream = await self._bucket.open_download_stream_by_name(sha256)
        return await stream.read()
