"""Submissions per second and the API's own CPU per submission, against a bare Tornado JSON POST
and against reads of the same applications, in the same run.

    .venv/bin/python bench/submit/run.py [--submissions 500] [--rounds 3] [--residents 50]
                                         [--concurrency 32] [--engine durable]

Redis, SecantusDB (`--engine`), the sandbox and the API (`python -m api`) run as processes of
their own. For each of `residents` people (WeChat login, real name verified, one 身份证 photo
uploaded) a separate process sends 社保卡挂失补换 (SB0008) submissions with a fresh
Idempotency-Key, then reads each created application back (GET detail), then posts the same
bodies to bench/submit/bare.py, which parses the JSON and answers 201 with the API's bytes.
`rounds` times, alternated, and the median round counts. The API's CPU time (/proc) divided by
the requests answered is the figure the database's speed does not change (goal: ≤ 2 ms).
"""

import argparse
import io
import json
import os
import sys
import uuid
from functools import partial

from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import (  # noqa: E402
    ENGINES,
    PYTHON,
    ROOT,
    Stack,
    engine_label,
    floor,
    free_port,
    http,
    load,
    measured,
    median_run,
    profiled,
    record,
    resident,
    us,
    wait_for,
)

FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}
GOAL_CPU_US = 2000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=500, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    parser.add_argument("--profile", help="py-spy the API during the first round's submissions into this file")
    args = parser.parse_args()
    with Stack("submit") as stack:
        stack.redis()
        _, mongo = stack.mongo(args.engine)
        stack.sandbox()
        api, base = stack.api()
        people = []
        for i in range(args.residents):
            token = resident(stack, base, f"o-submit-{i}", realname=True)
            photo = io.BytesIO()  # a real JPEG: uploads are decoded
            Image.frombytes("RGB", (40, 30), os.urandom(40 * 30 * 3)).save(photo, "JPEG")
            photo = photo.getvalue()
            status, upload = http("POST", base + "/api/v1/uploads", photo, token)
            assert status == 201, upload
            people.append((token, upload["id"]))

        def submission(token, upload_id):
            body = json.dumps({"item_code": "SB0008", "form": FORM,
                               "materials": [{"code": "id_card", "upload_id": upload_id}]})
            return {"method": "POST", "url": base + "/api/v1/applications", "body": body, "ok": [201],
                    "headers": {"Content-Type": "application/json", "Authorization": "Bearer " + token,
                                "Idempotency-Key": uuid.uuid4().hex}}

        # one submission answered by the API: the bytes the bare server answers with
        answer = os.path.join(stack.dir, "answer.json")
        first = submission(*people[0])
        load([first], 1, save=answer, workdir=stack.dir)
        with open(answer) as f:
            created = json.load(f)[0]
        with open(answer, "wb") as f:
            f.write(json.dumps(created, ensure_ascii=False).encode())
        port = free_port()
        bare = stack.spawn("bare", [PYTHON, os.path.join(ROOT, "bench", "submit", "bare.py"), str(port), answer])
        bare_url = f"http://127.0.0.1:{port}/api/v1/applications"
        wait_for(lambda: http("POST", bare_url, {})[0] == 201, 30, "the bare server", bare)

        pids = {"api": api.pid, "db": mongo.pid, "bare": bare.pid}
        calls = floor(stack)  # what one database call and one Redis call cost here, this run
        rounds = []
        for r in range(args.rounds):
            jobs = [submission(*people[i % len(people)]) for i in range(args.submissions)]
            saved = os.path.join(stack.dir, "created.json")
            send = partial(load, jobs, args.concurrency, save=saved, workdir=stack.dir)
            sub, sub_d = profiled(api.pid, args.profile if r == 0 else None, partial(measured, pids, send, stack))
            with open(saved) as f:
                created = [(a["number"], j["headers"]["Authorization"]) for a, j in zip(json.load(f), jobs, strict=True)
                           if a]
            reads = [{"url": f"{base}/api/v1/applications/{n}", "headers": {"Authorization": auth}} for n, auth in created]
            got, read_d = measured(pids, partial(load, reads, args.concurrency, workdir=stack.dir), stack)
            bare_jobs = [{**j, "url": bare_url} for j in jobs]
            plain, bare_d = measured(pids, partial(load, bare_jobs, args.concurrency, workdir=stack.dir))
            n = sub["answered"]
            rounds.append({
                "submitted": n, "errors": {**sub["errors"], **got["errors"], **plain["errors"]},
                "submissions_per_s": round(n / sub["seconds"], 1), "submit_p99_ms": sub["p99_ms"],
                "reads_per_s": round(got["answered"] / got["seconds"], 1),
                "bare_per_s": round(plain["answered"] / plain["seconds"], 1),
                "api_cpu_us_per_submission": us(sub_d["api"], n), "db_cpu_us_per_submission": us(sub_d["db"], n),
                "db_ops_per_submission": round(sub_d["db_ops"] / n, 1),
                "redis_cmds_per_submission": round(sub_d["redis_cmds"] / n, 1),
                "api_cpu_us_per_read": us(read_d["api"], got["answered"]),
                "db_ops_per_read": round(read_d["db_ops"] / max(got["answered"], 1), 1),
                "bare_cpu_us_per_post": us(bare_d["bare"], plain["answered"])})
    run = median_run(rounds, "api_cpu_us_per_submission")
    result = {"engine": engine_label(args.engine), "residents": args.residents, "concurrency": args.concurrency,
              "submissions_per_round": args.submissions, "rounds": len(rounds), **run, "floor": calls,
              "ratio_to_bare": round(run["submissions_per_s"] / run["bare_per_s"], 3),
              "ratio_to_reads": round(run["submissions_per_s"] / run["reads_per_s"], 3),
              "cpu_vs_bare": round(run["api_cpu_us_per_submission"] / run["bare_cpu_us_per_post"], 1),
              "goal_api_cpu_2ms": run["api_cpu_us_per_submission"] <= GOAL_CPU_US,
              "all_rounds": [{k: r[k] for k in ("submissions_per_s", "api_cpu_us_per_submission", "bare_per_s")}
                             for r in rounds]}
    record("submit", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
