"""Instant queries: uncached (through the exchange to the department sandbox) against cached (from
Redis), queries per second and the API's own CPU per query, in the same run.

    .venv/bin/python bench/query/run.py [--residents 50] [--rounds 3] [--concurrency 32] [--engine durable]

Redis, SecantusDB (`--engine`), the sandbox (`python -m sandbox`: the department systems behind
the exchange) and the API (`python -m api`) run as processes of their own. Each round takes
`residents` new real-name-verified residents; a separate process has each ask 社保卡状态 (SB0005),
参保信息 (SB0001) and 驾驶证状态 (JT0009) once (every answer a cache miss that goes through the
exchange adapter: signature, deadline, breaker), then all of them again (every answer fresh in
Redis). The cached pass is the baseline. Each query, cached or not, also writes its audit entry
and counts a hot-item use. The sandbox's own work is in its own process and not in the API's CPU.
"""

import argparse
import os
import sys
from functools import partial

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import (  # noqa: E402
    ENGINES,
    Stack,
    engine_label,
    floor,
    load,
    measured,
    median_run,
    profiled,
    record,
    resident,
    us,
)

CODES = ("SB0005", "SB0001", "JT0009")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=50, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    parser.add_argument("--profile", help="py-spy the API during the first uncached pass into this file")
    parser.add_argument("--profile-cached", help="py-spy the API during the first cached pass into this file")
    args = parser.parse_args()
    with Stack("query") as stack:
        stack.redis()
        _, mongo = stack.mongo(args.engine)
        stack.sandbox()
        api, base = stack.api()
        pids = {"api": api.pid, "db": mongo.pid, "sandbox": stack.named["sandbox"].pid}
        calls = floor(stack)
        rounds = []
        for r in range(args.rounds):
            tokens = [resident(stack, base, f"o-query-{r}-{i}", realname=True) for i in range(args.residents)]
            # 404 is an answer too: "no record" (e.g. no driving licence), cached like any other
            jobs = [{"method": "POST", "url": f"{base}/api/v1/queries/{code}", "body": "{}", "ok": [200, 404],
                     "headers": {"Content-Type": "application/json", "Authorization": "Bearer " + t}}
                    for t in tokens for code in CODES]
            send = partial(measured, pids, partial(load, jobs, args.concurrency, workdir=stack.dir), stack)
            miss, miss_d = profiled(api.pid, args.profile if r == 0 else None, send)
            hit, hit_d = profiled(api.pid, args.profile_cached if r == 0 else None, send)
            m, h = miss["answered"], hit["answered"]
            rounds.append({"errors": {**miss["errors"], **hit["errors"]},
                           "uncached_per_s": round(m / miss["seconds"], 1), "cached_per_s": round(h / hit["seconds"], 1),
                           "api_cpu_us_uncached": us(miss_d["api"], m), "api_cpu_us_cached": us(hit_d["api"], h),
                           "sandbox_cpu_us_uncached": us(miss_d["sandbox"], m),
                           "db_cpu_us_uncached": us(miss_d["db"], m), "db_cpu_us_cached": us(hit_d["db"], h),
                           "db_ops_uncached": round(miss_d["db_ops"] / m, 1), "db_ops_cached": round(hit_d["db_ops"] / h, 1),
                           "redis_cmds_uncached": round(miss_d["redis_cmds"] / m, 1),
                           "redis_cmds_cached": round(hit_d["redis_cmds"] / h, 1)})
    run = median_run(rounds, "api_cpu_us_cached")
    result = {"engine": engine_label(args.engine), "residents_per_round": args.residents, "rounds": len(rounds),
              "concurrency": args.concurrency, **run, "ratio": round(run["uncached_per_s"] / run["cached_per_s"], 3),
              "floor": calls, "all_rounds": [{k: r[k] for k in ("uncached_per_s", "cached_per_s", "api_cpu_us_cached")}
                                             for r in rounds]}
    record("query", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
