"""Resident logins counted per Beijing day and channel, for the operators' dashboard.

One small counter document per (day, channel), bumped with an upsert: no per-login record is
kept, so the dashboard reads a few dozen documents for a month whatever the traffic."""

from pymongo import ASCENDING

from models.clock import business_date


async def ensure_indexes(db) -> None:
    await db.login_counts.create_index([("day", ASCENDING)])


async def record(db, channel: str) -> None:
    day = business_date().isoformat()
    await db.login_counts.update_one({"_id": f"{day}:{channel}"},
                                     {"$inc": {"n": 1}, "$setOnInsert": {"day": day, "channel": channel}},
                                     upsert=True)


async def per_day(db, first: str, last: str) -> dict:
    """{"by_channel": {channel: n}, "by_day": [{"date", channel: n…}]} for Beijing days first..last."""
    docs = await db.login_counts.find({"day": {"$gte": first, "$lte": last}}).to_list(None)
    by_channel: dict[str, int] = {}
    by_day: dict[str, dict] = {}
    for d in docs:
        by_channel[d["channel"]] = by_channel.get(d["channel"], 0) + d["n"]
        by_day.setdefault(d["day"], {"date": d["day"]})[d["channel"]] = d["n"]
    return {"by_channel": by_channel, "by_day": [by_day[k] for k in sorted(by_day)]}
