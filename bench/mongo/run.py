"""The raw database, in the same run, in each of SecantusDB's three ways of keeping data.

    .venv/bin/python bench/mongo/run.py [--seconds 1.0] [--rounds 3]

Three servers run at once, each its own process: durable with the default checkpoint every 60 s,
durable with CHECKPOINT_SECONDS=0 (`make run`), and fast :memory: (`make test`). The client is
PyMongo's async client, as in the app, in this process. Each figure runs for `seconds` on each
server in turn, `rounds` times over, and the median counts: the machine is shared, so the three
engines see the same noise. Figures: single-document inserts (sequential, and 16 at once) with
w:1 and with the app's w:majority + j:true; insert_many of 500 documents (app's concern);
find_one on a unique index (sequential, and 16 at once). CPU is SecantusDB's own, per operation.
"""

import argparse
import asyncio
import datetime as dt
import itertools
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import ENGINES, Stack, cpu_seconds, engine_label, record  # noqa: E402

SERIAL = itertools.count()
BATCH = 500
BATCH_UPDATE = 200


def document() -> dict:
    n = next(SERIAL)  # an application-sized document (~300 bytes) with a unique key
    return {"key": f"k{n:09d}", "owner": f"{n % 500:024x}", "item_code": "SB0008", "state": "submitted",
            "form": {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"},
            "materials": [{"code": "id_card", "upload_id": f"{n:032x}"}], "at": dt.datetime.now(dt.UTC)}


async def timed(seconds: float, lanes: int, op) -> int:
    """Run `op()` in `lanes` loops until `seconds` pass; returns the number of items it reports."""
    deadline, done = time.monotonic() + seconds, [0]

    async def lane():
        while time.monotonic() < deadline:
            n = await op()  # not `done[0] += await op()`: that reads done[0] before awaiting
            done[0] += n

    await asyncio.gather(*(lane() for _ in range(lanes)))
    return done[0]


def figures(coll, strict, docs):
    """name -> (lanes, op); op returns how many documents it handled."""
    import random

    async def insert_w1():
        await coll.insert_one(document())
        return 1

    async def insert_strict():
        await strict.insert_one(document())
        return 1

    async def insert_many():
        await strict.insert_many([document() for _ in range(BATCH)], ordered=False)
        return BATCH

    async def update_many():  # the push worker's way of recording a batch's outcomes
        ids = [d["_id"] for d in random.sample(docs, BATCH_UPDATE)]
        await strict.update_many({"_id": {"$in": ids}}, {"$inc": {"attempts": 1}, "$set": {"state": "accepted"}})
        return BATCH_UPDATE

    async def find_one():
        assert await coll.find_one({"key": random.choice(docs)["key"]}) is not None
        return 1

    return {"insert w:1, sequential": (1, insert_w1), "insert w:1, 16 at once": (16, insert_w1),
            "insert w:majority+j, sequential": (1, insert_strict),
            "insert w:majority+j, 16 at once": (16, insert_strict),
            f"insert_many ({BATCH}) w:majority+j, docs": (1, insert_many),
            f"update_many by _id $in ({BATCH_UPDATE}) w:majority+j, docs": (1, update_many),
            "find_one by unique index, sequential": (1, find_one), "find_one by unique index, 16 at once": (16, find_one)}


async def bench(servers: dict, seconds: float, rounds: int) -> dict:
    from pymongo import ASCENDING, AsyncMongoClient, WriteConcern

    setups = {}
    for engine, (uri, proc) in servers.items():
        client = AsyncMongoClient(uri, tz_aware=True, maxPoolSize=32)
        coll = client.bench.docs.with_options(write_concern=WriteConcern(w=1))
        await coll.create_index([("key", ASCENDING)], unique=True)
        docs = [document() for _ in range(2000)]  # something to find
        await coll.insert_many(docs)
        strict = coll.with_options(write_concern=WriteConcern(w="majority", j=True))
        await timed(0.5, 16, figures(coll, strict, docs)["find_one by unique index, 16 at once"][1])  # open the pool
        setups[engine] = (client, proc.pid, figures(coll, strict, docs))
    runs = {}
    for _ in range(rounds):
        for name in figures(None, None, None):
            for engine, (_, pid, ops) in setups.items():
                lanes, op = ops[name]
                before, start = cpu_seconds(pid), time.monotonic()
                count = await timed(seconds, lanes, op)
                elapsed, cpu = time.monotonic() - start, cpu_seconds(pid) - before
                runs.setdefault(name, {}).setdefault(engine, []).append((count / elapsed, cpu / count * 1e6))
    for client, _, _ in setups.values():
        await client.close()
    result = {}
    for name, by_engine in runs.items():
        result[name] = {engine: {"per_s": round(statistics.median(r for r, _ in samples)),
                                 "db_cpu_us": round(statistics.median(c for _, c in samples), 1),
                                 "runs": [round(r) for r, _ in samples]}
                        for engine, samples in by_engine.items()}
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="durable-60,durable,fast")
    args = parser.parse_args()
    with Stack("mongo") as stack:
        servers = {engine: stack.mongo(engine, name=f"mongo-{engine}") for engine in args.engines.split(",")}
        result = asyncio.run(bench(servers, args.seconds, args.rounds))
    for name, by_engine in result.items():
        print(f"{name:42}" + "".join(f"{e:>12} {v['per_s']:>7}/s {v['db_cpu_us']:>7} µs" for e, v in by_engine.items()))
    record("mongo", {"engines": {e: engine_label(e) for e in ENGINES}, "seconds": args.seconds,
                     "rounds": args.rounds, "figures": result})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
