"""The load of the Python benchmarks, in a process of its own: sends every job, `concurrency` at a
time, and prints a JSON summary (answered, errors by status, seconds, p50/p99 latency).

    .venv/bin/python bench/load.py JOBS.json CONCURRENCY [--save BODIES.json] [--rate N]

A job is {"method", "url", "headers", "body" (text), "ok": [statuses that count as answered]}.
With --save, the parsed answers are written there in job order (e.g. created applications).
With --rate, the load is an open loop: the n-th job starts n / rate seconds in, however slowly the
server answers (up to CONCURRENCY at once); without, each lane sends its next job on an answer.
libcurl keeps connections alive, as a phone's or a proxy's would be: the server under test pays
for requests, not for a TCP handshake each, and this process stays cheap on a shared machine.
"""

import argparse
import asyncio
import json
import os
import time

from tornado.httpclient import AsyncHTTPClient


async def main(jobs_file: str, concurrency: int, save: str | None, rate: float) -> dict:
    AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient", max_clients=concurrency)
    client = AsyncHTTPClient()
    with open(jobs_file) as f:
        jobs = json.load(f)
    queue = list(enumerate(jobs))
    queue.reverse()  # pop() from the end: jobs go out in their order
    answers, errors, latencies = [None] * len(jobs), {}, []
    begin = time.monotonic()

    async def lane():
        while queue:
            i, job = queue.pop()
            if rate:
                await asyncio.sleep(max(0.0, begin + i / rate - time.monotonic()))
            start = time.monotonic()
            r = await client.fetch(job["url"], method=job.get("method", "GET"), headers=job.get("headers"),
                                   body=job.get("body"), raise_error=False, request_timeout=60)
            latencies.append(time.monotonic() - start)
            if r.code in job.get("ok", (200, 201)):
                if save:
                    answers[i] = json.loads(r.body) if r.body else None
            else:
                errors[r.code] = errors.get(r.code, 0) + 1

    cpu = os.times()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    seconds = time.monotonic() - begin
    cpu_used = os.times().user + os.times().system - cpu.user - cpu.system
    if save:
        with open(save, "w") as f:
            json.dump(answers, f)
    latencies.sort()
    # this process's own CPU per request: what sending one costs a Python client with Tornado on libcurl
    return {"answered": len(jobs) - sum(errors.values()), "errors": errors, "seconds": seconds,
            "client_cpu_us": round(cpu_used / max(len(jobs), 1) * 1e6, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("jobs")
    parser.add_argument("concurrency", type=int)
    parser.add_argument("--save")
    parser.add_argument("--rate", type=float, default=0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.jobs, args.concurrency, args.save, args.rate))))
