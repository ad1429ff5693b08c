"""A WeChat login storm against the API process, while a probe measures how late it answers.

    .venv/bin/python bench/login/run.py [--logins 1000] [--residents 500] [--concurrency 64]
                                        [--latency-ms 20] [--engine durable]

Redis, SecantusDB (`--engine`), the sandbox (`python -m sandbox`, answering jscode2session after
`latency-ms`) and the API (`python -m api`) run as processes of their own. A separate process
sends the logins, one fresh `wx.login` code each, `residents` distinct people (the rest log in
again, as on a busy morning): first as fast as they are answered (saturation), then at a fixed
rate of half what saturation reached, for as many logins again (below capacity).

The API's event loop is in another process now, so the probe is a request: GET /healthz every
5 ms on a connection of its own. A loop blocked by anything (the GIL held by a CPU-bound call, a
synchronous SDK) answers it late. Its p99 while idle is the baseline, its p99 during each storm
the figure (target ≤ 10 ms below capacity). The API's CPU per login leaves out what the probe
itself costs (its rate measured while idle).
"""

import argparse
import os
import sys
import threading
import time
from functools import partial
from http.client import HTTPConnection

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import ENGINES, Stack, engine_label, http, load, measured, profiled, record, us  # noqa: E402

MINI_APPID = "wxdemominiapp"


def p99(values: list) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * 0.99))], 2) if values else 0.0


class Probe(threading.Thread):
    """GET /healthz every 5 ms; collects each answer's latency (ms) into `samples`."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.samples, self.stop = port, [], threading.Event()

    def run(self):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.wait(0.005):
            start = time.monotonic()
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            self.samples.append((time.monotonic() - start) * 1000)
        conn.close()


def probed(port: int, run) -> tuple:
    probe = Probe(port)
    probe.start()
    try:
        return run(), probe.samples
    finally:
        probe.stop.set()
        probe.join()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=1000, help="per storm")
    parser.add_argument("--residents", type=int, default=500, help="distinct people; the rest log in again")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    parser.add_argument("--profile", help="py-spy the API during the below-capacity storm into this file")
    args = parser.parse_args()
    with Stack("login") as stack:
        stack.redis()
        _, mongo = stack.mongo(args.engine)
        sandbox = stack.sandbox()
        api, base = stack.api()
        port = int(base.rsplit(":", 1)[1])

        def logins(n: int, offset: int) -> list:
            jobs = []
            for i in range(n):
                _, r = http("POST", sandbox + "/sandbox/wechat/login-code",
                            {"openid": f"o-login-{(offset + i) % args.residents}", "appid": MINI_APPID})
                jobs.append({"method": "POST", "url": base + "/api/v1/auth/wechat", "body": f'{{"code": "{r["code"]}"}}',
                             "headers": {"Content-Type": "application/json"}})
            return jobs

        storm, calm = logins(args.logins, 0), logins(args.logins, args.logins)
        http("POST", sandbox + "/sandbox/faults", {"target": "wechat.jscode2session", "latency_ms": args.latency_ms,
                                                   "times": 0})
        pids = {"api": api.pid, "db": mongo.pid}
        (_, idle_d), idle = probed(port, partial(measured, pids, partial(time.sleep, 3)))
        probe_rate = idle_d["api"] / 3  # CPU seconds per second the probe costs the API
        phases = {}
        for name, jobs, rate in (("saturation", storm, 0), ("half", calm, None)):
            if rate is None:
                rate = phases["saturation"]["logins_per_s"] / 2
            (run, d), lag = profiled(api.pid, args.profile if name == "half" else None, partial(
                probed, port, partial(measured, pids, partial(load, jobs, args.concurrency, workdir=stack.dir, rate=rate))))
            n = run["answered"]
            phases[name] = {"rate": round(rate) or "max", "logins_per_s": round(n / run["seconds"], 1),
                            "errors": run["errors"], "login_p99_ms": run["p99_ms"],
                            "probe_p99_ms": p99(lag), "probe_max_ms": round(max(lag), 1),
                            "api_cpu_us_per_login": us(d["api"] - probe_rate * run["seconds"], n),
                            "db_cpu_us_per_login": us(d["db"], n)}
    result = {"engine": engine_label(args.engine), "logins_per_storm": args.logins, "residents": args.residents,
              "concurrency": args.concurrency, "sandbox_latency_ms": args.latency_ms,
              "probe_p99_ms_idle": p99(idle), **phases}
    record("login", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
