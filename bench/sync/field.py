"""执法通 coming back online: N cases with P photos each, queued on the device, synced by the app's
own queue (field/src/lib/queue.js, run in Node against the API), against the same cases and photos
sent as the fewest plain requests (a PUT per case, a POST per photo) in the same run.

    .venv/bin/python bench/sync/field.py [--cases 50] [--photos 2] [--photo-kb 300] [--rounds 3] [--engine durable]

Redis, SecantusDB, the sandbox and the API run as processes of their own (bench/common.py); the
two clients are Node processes, alternated round by round; the median round counts.
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import ENGINES, ROOT, Stack, engine_label, http, measured, median_run, record, us  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "field_queue.mjs")


def node(base: str, args, baseline: bool) -> dict:
    # a fresh login each run: a run can outlast an access token (15 minutes)
    status, r = http("POST", base + "/api/v1/auth/staff", {"username": "inspector", "password": "Inspector@2026"})
    assert status == 200, r
    token = r["access_token"]
    cmd = ["node", SCRIPT, base, token, str(args.cases), str(args.photos), str(args.photo_kb)]
    cmd += ["--baseline"] if baseline else []
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, cwd=ROOT).stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--photos", type=int, default=2)
    parser.add_argument("--photo-kb", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    args = parser.parse_args()
    with Stack("field-sync") as stack:
        stack.redis()
        _, mongo = stack.mongo(args.engine)
        stack.sandbox()
        api, base = stack.api()
        pids = {"api": api.pid, "db": mongo.pid}
        rounds = []
        for _ in range(args.rounds):
            queue, queue_d = measured(pids, lambda: node(base, args, False))
            plain, plain_d = measured(pids, lambda: node(base, args, True))
            rounds.append({"queue_s": round(queue["seconds"], 2), "baseline_s": round(plain["seconds"], 2),
                           "queue_requests": queue["requests"], "baseline_requests": plain["requests"],
                           "api_cpu_ms_per_case_queue": round(us(queue_d["api"], args.cases) / 1000, 1),
                           "api_cpu_ms_per_case_baseline": round(us(plain_d["api"], args.cases) / 1000, 1)})
    run = median_run(rounds, "queue_s")
    result = {"engine": engine_label(args.engine), "cases": args.cases, "photos_per_case": args.photos,
              "photo_kb": args.photo_kb, **run, "ratio_queue_to_baseline": round(run["queue_s"] / run["baseline_s"], 2),
              "all_rounds": rounds}
    record("field-sync", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
