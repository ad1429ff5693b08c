"""Push workers' heartbeats: one record per worker process, the time of its last successful read
of the stream. Kept in MongoDB, not Redis, so a Redis that comes back empty cannot make a stuck
pipeline look new. A worker gone for a day is forgotten (TTL)."""

import datetime as dt

from models.db import ttl_index

FORGET_AFTER = 24 * 3600


async def ensure_indexes(db) -> None:
    await ttl_index(db.workers, "read_at", FORGET_AFTER)  # also serves the newest-first look-up


async def beat(db, name: str) -> None:
    await db.workers.update_one({"_id": name}, {"$set": {"read_at": dt.datetime.now(dt.UTC)}}, upsert=True)


async def last_read(db, fresh_after: dt.datetime) -> tuple[dt.datetime | None, int]:
    """The newest read of any worker (None: no worker seen), and how many read since `fresh_after`."""
    kept = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=FORGET_AFTER)  # what the TTL monitor has yet to delete
    newest = await db.workers.find_one({"read_at": {"$gte": kept}}, {"read_at": 1}, sort=[("read_at", -1)])
    if newest is None:
        return None, 0
    return newest["read_at"], await db.workers.count_documents({"read_at": {"$gte": fresh_after}})
