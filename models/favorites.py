"""收藏: the items a resident keeps at hand, in the order they were added (newest first)."""

from pymongo import ASCENDING, DESCENDING

from models.clock import now
from models.errors import AppError

MAX_FAVORITES = 50


async def ensure_indexes(db) -> None:
    await db.favorites.create_index([("owner", ASCENDING), ("code", ASCENDING)], unique=True)
    await db.favorites.create_index([("owner", ASCENDING), ("added_at", DESCENDING)])


async def add(db, owner: str, code: str) -> None:
    """Adding twice keeps the first date; the limit counts only new codes."""
    if await db.favorites.find_one({"owner": owner, "code": code}, {"_id": 1}):
        return
    if await db.favorites.count_documents({"owner": owner}) >= MAX_FAVORITES:
        raise AppError(409, "favorite.too_many", f"最多收藏 {MAX_FAVORITES} 个事项")
    await db.favorites.update_one({"owner": owner, "code": code},
                                  {"$setOnInsert": {"added_at": now()}}, upsert=True)


async def remove(db, owner: str, code: str) -> None:
    await db.favorites.delete_one({"owner": owner, "code": code})


async def codes(db, owner: str) -> list[str]:
    docs = db.favorites.find({"owner": owner}, {"code": 1}).sort("added_at", DESCENDING)
    return [d["code"] async for d in docs]

