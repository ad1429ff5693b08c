"""Menu endpoint: the API against a bare Tornado handler serving the same bytes, in the same run.

    .venv/bin/python bench/menu/run.py [--seconds 10] [--runs 3] [--engine durable]   (make bench-menu)

The API runs as `make run` runs it (`python -m api`, one process, access log on, the sandbox,
Redis and SecantusDB each in their own process); bench/menu/bare.py answers the same bytes and
headers. wrk (Debian package) drives each at 64 connections. Both servers are pinned to CPU 1
and wrk to CPU 0, so on a 2-core machine they do not fight over a core; the two alternate `runs`
times and the median run of each counts. Besides requests per second, each server's own CPU
time (user + system, /proc) is divided by the requests wrk counted: the figure that other work on
the machine disturbs least.
"""

import argparse
import os
import re
import subprocess
import sys
import urllib.request
from functools import partial

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import ENGINES, PYTHON, ROOT, Stack, engine_label, free_port, measured, median_run, profiled, record, us, wait_for  # noqa: E402

PATH = "/api/v1/channels/wechat/menu"
SERVER_CPU, LOAD_CPU = 1, 0


def wrk(base: str, seconds: float, connections: int = 64) -> dict:
    out = subprocess.run(["taskset", "-c", str(LOAD_CPU), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                          "--latency", base + PATH], check=True, stdout=subprocess.PIPE, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p99_ms": round(float(p99.group(1)) * scale, 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    parser.add_argument("--profile", help="py-spy the API during its first run into this file")
    args = parser.parse_args()
    with Stack("menu") as stack:
        stack.redis()
        stack.mongo(args.engine)
        stack.sandbox()
        api, base = stack.api(cpu=SERVER_CPU, ACCESS_LOG="true", LOG_LEVEL="INFO")  # as deployed
        with urllib.request.urlopen(base + PATH) as r:
            body, etag = r.read(), r.headers["ETag"]
        body_file = os.path.join(stack.dir, "menu.json")
        with open(body_file, "wb") as f:
            f.write(body)
        port = free_port()
        bare = stack.spawn("bare", [PYTHON, os.path.join(ROOT, "bench", "menu", "bare.py"), str(port), body_file, etag],
                           cpu=SERVER_CPU)
        bare_base = f"http://127.0.0.1:{port}"
        wait_for(lambda: urllib.request.urlopen(bare_base + PATH).read() == body, 30, "the bare server", bare)
        for b in (base, bare_base):  # warm-up
            wrk(b, 2)
        runs = {"app": [], "bare": []}
        for r in range(args.runs):  # alternated, so both see the same drift of the shared machine
            for name, b, pid in (("app", base, api.pid), ("bare", bare_base, bare.pid)):
                spy = args.profile if r == 0 and name == "app" else None
                result, cpu = profiled(pid, spy, partial(measured, {"server": pid}, partial(wrk, b, args.seconds)))
                runs[name].append({**result, "cpu_us": us(cpu["server"], result["requests"])})
    app, bare_run = median_run(runs["app"], "rps"), median_run(runs["bare"], "rps")
    result = {"engine": engine_label(args.engine), "body_bytes": len(body), "wrk": f"-t1 -c64 -d{args.seconds}s",
              "runs": args.runs, "app_rps": app["rps"], "app_p99_ms": app["p99_ms"], "app_cpu_us": app["cpu_us"],
              "bare_rps": bare_run["rps"], "bare_p99_ms": bare_run["p99_ms"], "bare_cpu_us": bare_run["cpu_us"],
              "ratio": round(app["rps"] / bare_run["rps"], 3),
              "cpu_ratio": round(app["cpu_us"] / bare_run["cpu_us"], 2),
              "goal_ratio_0.90": app["rps"] / bare_run["rps"] >= 0.90, "goal_p99_25ms": app["p99_ms"] <= 25,
              "all_runs": runs}
    record("menu", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
