"""What one database call and one Redis call cost a Python asyncio process on this machine, in its
own CPU time: the floor under every request that makes such calls, measured in the same run.

    .venv/bin/python bench/floor.py MONGODB_URI REDIS_URL [calls] [concurrency]

A process of its own with the app's clients (models/db.py's PyMongo options: w majority, j, tz_aware;
wiring/common.py's Redis pool) makes `calls` indexed find_one by _id, then `calls` Redis GETs, and prints
its CPU time (user + system) per call. A request that makes 8 database calls cannot cost its
process less than 8 times the first figure, whatever the handler does. For scale, the same
process also sends `calls` hand-made OP_MSG pings over a bare asyncio stream: the round trip
without the driver.
"""

import asyncio
import json
import os
import struct
import sys
import time

import bson

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))


def cpu() -> float:
    t = os.times()
    return t.user + t.system


async def main(uri: str, redis_url: str, calls: int, concurrency: int) -> dict:
    from models import db as dbmod
    from wiring.common import make_redis

    db, redis = dbmod.connect(uri, "bench_floor"), make_redis(redis_url)
    doc_id = (await db.floor.insert_one({"k": 1, "text": "x" * 300})).inserted_id
    await redis.set("bench:floor", "x" * 300)

    async def run(op) -> float:
        left = [calls]

        async def lane():
            while left[0] > 0:
                left[0] -= 1
                await op()

        await asyncio.gather(*(lane() for _ in range(concurrency)))  # warm: the pool is open
        left[0] = calls
        before, start = cpu(), time.monotonic()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        return (cpu() - before) / calls * 1e6, calls / (time.monotonic() - start)

    db_us, db_rate = await run(lambda: db.floor.find_one({"_id": doc_id}))
    host, port = uri.split("//")[1].split("/")[0].rsplit(":", 1)  # mongodb://host:port/?...
    reader, writer = await asyncio.open_connection(host, port)
    msg = bson.encode({"ping": 1, "$db": "admin"})

    async def ping():  # OP_MSG (opcode 2013): header, flags, a kind-0 section; no driver involved
        body = struct.pack("<I", 0) + b"\x00" + msg
        writer.write(struct.pack("<iiii", 16 + len(body), 1, 0, 2013) + body)
        size = struct.unpack("<i", await reader.readexactly(4))[0]
        await reader.readexactly(size - 4)

    raw_us, _ = await run(ping) if concurrency == 1 else (None, None)  # one stream: one request at a time
    writer.close()
    redis_us, redis_rate = await run(lambda: redis.get("bench:floor"))
    await db.drop_all()
    await redis.aclose()
    await db.close()
    return {"db_call_cpu_us": round(db_us, 1), "db_calls_per_s": round(db_rate),
            "raw_op_msg_cpu_us": raw_us and round(raw_us, 1),
            "redis_call_cpu_us": round(redis_us, 1), "redis_calls_per_s": round(redis_rate), "concurrency": concurrency}


if __name__ == "__main__":
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], calls, concurrency))))
