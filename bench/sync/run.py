"""Offline batch sync: case operations per second through `POST /api/v1/enforcement/sync`, against
the same operations sent one `PUT` each (the baseline), in the same run.

    .venv/bin/python bench/sync/run.py [--cases 600] [--batch 48] [--concurrency 8]

The server runs in this process on demo settings (the in-process engine, or MONGODB_URI when set)
with a real redis-server. A separate process plays inspectors' apps coming back online: every case
is created then edited twice (3 operations), sent in batches of `batch`, then the whole set is
replayed once (every operation a no-op answered from the stored case). The baseline sends another
set of cases the same way with one PUT per operation.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import cleanup, record, start_demo_server  # noqa: E402

LOAD = r"""
import asyncio, json, sys, time, uuid
from tornado.simple_httpclient import SimpleAsyncHTTPClient
base, token, cases, batch, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
client = SimpleAsyncHTTPClient(max_clients=concurrency)
HEAD = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
def body(version, facts):
    return {"version": version, "type": "违规停车", "legal_basis": "《道路交通安全法》第五十六条",
            "parties": [{"kind": "vehicle", "plate": "浙A7K2M9"}],
            "location": {"type": "Point", "coordinates": [120.1551, 30.2741]}, "record": {"facts": facts}}
def operations():
    ops = []
    for _ in range(cases):
        case = str(uuid.uuid4())
        ops += [{"op": "put_case", "case_id": case, "body": body(v, f"现场记录第{v + 1}稿")} for v in range(3)]
    return ops
async def drain(jobs, send):
    queue, failed = list(jobs), [0]
    async def lane():
        while queue:
            failed[0] += await send(queue.pop(0))
    start = time.monotonic()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return time.monotonic() - start, failed[0]
async def sync(chunk):
    r = await client.fetch(base + "/api/v1/enforcement/sync", method="POST", headers=HEAD, body=json.dumps({"operations": chunk}))
    return sum(1 for x in json.loads(r.body)["results"] if x["status"] not in (200, 201))
async def put(op):
    r = await client.fetch(base + "/api/v1/enforcement/cases/" + op["case_id"], method="PUT", headers=HEAD,
                           body=json.dumps(op["body"]), raise_error=False)
    return 0 if r.code in (200, 201) else 1
async def main():
    ops = operations()
    # a case's three operations go in one batch, in order (as an app sends its queue)
    chunks = [ops[i:i + batch] for i in range(0, len(ops), batch)]
    first = await drain(chunks, sync)
    replay = await drain(chunks, sync)
    singles = operations()
    by_case = {}
    for op in singles:
        by_case.setdefault(op["case_id"], []).append(op)
    async def case_puts(case_ops):
        return sum([await put(op) for op in case_ops])
    baseline = await drain(list(by_case.values()), case_puts)
    print(json.dumps({"operations": len(ops), "sync": first, "replay": replay, "put": baseline}))
asyncio.run(main())
"""


async def main(args) -> dict:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    procs, tmp = [], tempfile.mkdtemp()
    try:
        settings, deps, server, base = await start_demo_server(tmp, procs, PUSH_WORKER="false")
        r = await SimpleAsyncHTTPClient().fetch(base + "/api/v1/auth/staff", method="POST",
                                                body=json.dumps({"username": "inspector", "password": "Inspector@2026"}))
        token = json.loads(r.body)["access_token"]
        load = await asyncio.create_subprocess_exec(sys.executable, "-c", LOAD, base, token, str(args.cases),
                                                    str(args.batch), str(args.concurrency), stdout=asyncio.subprocess.PIPE)
        out, _ = await load.communicate()
        result = json.loads(out)
        server.stop()
        await deps.close()
        n = result["operations"]
        (sync_s, sync_failed), (replay_s, replay_failed), (put_s, put_failed) = \
            result["sync"], result["replay"], result["put"]
        return {"engine": deps.db.engine, "operations": n, "sync_ops_per_s": round(n / sync_s, 1),
                "replay_ops_per_s": round(n / replay_s, 1), "baseline_put_ops_per_s": round(n / put_s, 1),
                "ratio": round(put_s / sync_s, 2), "failed": sync_failed + replay_failed + put_failed,
                "batch": args.batch, "concurrency": args.concurrency}
    finally:
        cleanup(procs, tmp)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=8)
    record("sync", asyncio.run(main(parser.parse_args())))
