"""Offline batch sync: case operations per second and the API's own CPU per operation through
`POST /api/v1/enforcement/sync`, against the same operations sent one `PUT` each (the baseline).

    .venv/bin/python bench/sync/run.py [--cases 200] [--rounds 3] [--batch 48] [--concurrency 8] [--engine durable]

Redis, SecantusDB (`--engine`), the sandbox and the API (`python -m api`) run as processes of their
own. A separate process plays inspectors' apps coming back online: every case is created then
edited twice (3 operations), sent in batches of `batch` (a case's three in one batch, in order),
then the whole set is replayed (every operation a no-op answered from the stored case). The
baseline sends another set of cases the same way with one PUT per operation. `rounds` times,
alternated, and the median round counts.
"""

import argparse
import json
import os
import sys
import uuid
from functools import partial

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import ENGINES, Stack, engine_label, floor, http, load, measured, median_run, record, us  # noqa: E402


def operations(cases: int) -> list[dict]:
    ops = []
    for _ in range(cases):
        case = str(uuid.uuid4())
        ops += [{"op": "put_case", "case_id": case, "body": {
            "version": v, "type": "违规停车", "legal_basis": "《道路交通安全法》第五十六条",
            "parties": [{"kind": "vehicle", "plate": "浙A7K2M9"}],
            "location": {"type": "Point", "coordinates": [120.1551, 30.2741]}, "record": {"facts": f"现场记录第{v + 1}稿"}}}
            for v in range(3)]
    return ops


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200, help="per round (3 operations each)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    args = parser.parse_args()
    with Stack("sync") as stack:
        stack.redis()
        _, mongo = stack.mongo(args.engine)
        stack.sandbox()
        api, base = stack.api()
        status, r = http("POST", base + "/api/v1/auth/staff", {"username": "inspector", "password": "Inspector@2026"})
        assert status == 200, r
        head = {"Content-Type": "application/json", "Authorization": "Bearer " + r["access_token"]}
        pids = {"api": api.pid, "db": mongo.pid}
        calls = floor(stack)
        saved = os.path.join(stack.dir, "answers.json")
        rounds = []
        for _ in range(args.rounds):
            ops = operations(args.cases)
            chunks = [{"method": "POST", "url": base + "/api/v1/enforcement/sync", "headers": head,
                       "body": json.dumps({"operations": ops[i:i + args.batch]})} for i in range(0, len(ops), args.batch)]
            first, first_d = measured(pids, partial(load, chunks, args.concurrency, save=saved, workdir=stack.dir), stack)
            with open(saved) as f:
                failed = sum(1 for a in json.load(f) if a for x in a["results"] if x["status"] not in (200, 201))
            replay, replay_d = measured(pids, partial(load, chunks, args.concurrency, workdir=stack.dir), stack)
            # one PUT per operation; all first versions, then all second, then all third: a case's
            # next version goes out hundreds of requests after the one before it has been answered
            singles = sorted(operations(args.cases), key=lambda op: op["body"]["version"])
            puts = [{"method": "PUT", "url": f"{base}/api/v1/enforcement/cases/{op['case_id']}", "headers": head,
                     "body": json.dumps(op["body"])} for op in singles]
            single, single_d = measured(pids, partial(load, puts, args.concurrency, workdir=stack.dir), stack)
            n = len(ops)
            rounds.append({"failed": failed + sum(first["errors"].values()) + sum(replay["errors"].values())
                           + sum(single["errors"].values()),
                           "sync_ops_per_s": round(n / first["seconds"], 1), "replay_ops_per_s": round(n / replay["seconds"], 1),
                           "put_ops_per_s": round(single["answered"] / single["seconds"], 1),
                           "api_cpu_us_per_sync_op": us(first_d["api"], n), "api_cpu_us_per_replay_op": us(replay_d["api"], n),
                           "api_cpu_us_per_put": us(single_d["api"], single["answered"]),
                           "db_ops_per_sync_op": round(first_d["db_ops"] / n, 2),
                           "db_ops_per_put": round(single_d["db_ops"] / max(single["answered"], 1), 2),
                           "db_cpu_us_per_sync_op": us(first_d["db"], n)})
    run = median_run(rounds, "api_cpu_us_per_sync_op")
    result = {"engine": engine_label(args.engine), "operations_per_round": 3 * args.cases, "rounds": len(rounds),
              "batch": args.batch, "concurrency": args.concurrency, **run,
              "ratio_sync_to_put": round(run["sync_ops_per_s"] / run["put_ops_per_s"], 2), "floor": calls,
              "all_rounds": [{k: r[k] for k in ("sync_ops_per_s", "put_ops_per_s", "api_cpu_us_per_sync_op")}
                             for r in rounds]}
    record("sync", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
