"""Login storm on the WeChat channel while a probe measures the server's event-loop lag.

    .venv/bin/python bench/login/run.py [--logins 3000] [--residents 500] [--concurrency 64] [--latency-ms 20]

- The sandbox runs in its own process and answers jscode2session after `latency-ms`.
- The server under test runs in this process (so the probe sees its loop): demo settings, the
  real Redis on a free port when redis-server exists (else fakeredis), WeChat pointed at the sandbox.
- The load comes from a separate process with `concurrency` connections, one fresh code per login:
  as fast as the server answers (saturation), or at a fixed `--rate` (below capacity, where any
  lag means something blocked the loop).
- The probe wakes every 5 ms and records how late it woke; its p99 while idle is the baseline,
  its p99 during the storm the figure (target <= 10 ms: the loop never waits on the network).
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import cleanup, free_port, record, start_redis  # noqa: E402

MINI_APPID, MINI_SECRET = "wxdemominiapp", "demo-mini-secret"
LOAD = r"""
import asyncio, json, sys, time
from tornado.httpclient import AsyncHTTPClient
AsyncHTTPClient.configure(None, max_clients=int(sys.argv[3]))
async def main():
    base, codes = sys.argv[1], json.load(open(sys.argv[2]))
    client, queue, ok, errors = AsyncHTTPClient(), list(codes), [0], {}
    rate = float(sys.argv[4])
    start = time.monotonic()
    issued = [0]
    async def worker():
        while queue:
            if rate:  # open loop: the n-th login starts at n / rate seconds, whatever the answers
                issued[0] += 1
                delay = start + issued[0] / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not queue:
                    break
            code = queue.pop()
            r = await client.fetch(base + "/api/v1/auth/wechat", method="POST", raise_error=False,
                                   body=json.dumps({"code": code}), headers={"Content-Type": "application/json"})
            if r.code == 200: ok[0] += 1
            else: errors[r.code] = errors.get(r.code, 0) + 1
    await asyncio.gather(*(worker() for _ in range(int(sys.argv[3]))))
    print(json.dumps({"ok": ok[0], "errors": errors, "seconds": time.monotonic() - start}))
asyncio.run(main())
"""
SANDBOX = r"""
import asyncio, sys
sys.path.insert(0, sys.argv[2])
from sandbox.app import SandboxState, make_sandbox_app
async def main():
    make_sandbox_app(SandboxState(wechat_apps={"wxdemominiapp": "demo-mini-secret"})).listen(int(sys.argv[1]), "127.0.0.1")
    await asyncio.Event().wait()
asyncio.run(main())
"""



def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0


async def probe(samples: list, stop: asyncio.Event, interval=0.005):
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(interval)
        samples.append((loop.time() - start - interval) * 1000)


async def main(args) -> dict:
    import tornado.httpserver
    from tornado.httpclient import AsyncHTTPClient

    from api.app import build_deps, make_app
    from api.config import Settings

    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    procs, tmp = [], tempfile.mkdtemp()
    try:
        redis, redis_url = start_redis(tmp)
        procs += [redis] if redis else []
        sport = free_port()
        procs.append(subprocess.Popen([sys.executable, "-c", SANDBOX, str(sport), root]))
        sbase = f"http://127.0.0.1:{sport}/sandbox"
        client = AsyncHTTPClient()
        for _ in range(100):
            try:
                await client.fetch(sbase + "/faults")
                break
            except Exception:
                await asyncio.sleep(0.1)
        codes = []
        for i in range(args.logins):
            r = await client.fetch(sbase + "/wechat/login-code", method="POST",
                                   body=json.dumps({"openid": f"o-bench-{i % args.residents}", "appid": MINI_APPID}))
            codes.append(json.loads(r.body)["code"])
        await client.fetch(sbase + "/faults", method="POST", body=json.dumps(
            {"target": "wechat.jscode2session", "latency_ms": args.latency_ms, "times": 0}))
        codes_file = os.path.join(tmp, "codes.json")
        with open(codes_file, "w") as f:
            json.dump(codes, f)

        port = free_port()
        env = {"APP_MODE": "demo", "PORT": str(port), "SANDBOX": "false", "ACCESS_LOG": "false",
               "WECHAT_API_BASE": f"{sbase}/wechat/", "WECHAT_MINI_APPID": MINI_APPID,
               "WECHAT_MINI_SECRET": MINI_SECRET}
        if redis_url:
            env["REDIS_URL"] = redis_url
        settings = Settings.from_mapping(env)
        deps = build_deps(settings)
        await deps.start()
        server = tornado.httpserver.HTTPServer(make_app(settings, deps))
        server.listen(port, "127.0.0.1")

        idle, storm, stop = [], [], asyncio.Event()
        task = asyncio.create_task(probe(idle, stop))
        await asyncio.sleep(2)
        stop.set()
        await task
        stop = asyncio.Event()
        task = asyncio.create_task(probe(storm, stop))
        load = await asyncio.create_subprocess_exec(sys.executable, "-c", LOAD, f"http://127.0.0.1:{port}", codes_file,
                                                    str(args.concurrency), str(args.rate), stdout=asyncio.subprocess.PIPE)
        out, _ = await load.communicate()
        stop.set()
        await task
        result = json.loads(out)
        server.stop()
        await deps.close()
        return {"logins": result["ok"], "errors": result["errors"], "seconds": round(result["seconds"], 2),
                "logins_per_s": round(result["ok"] / result["seconds"], 1),
                "loop_lag_p99_ms_idle": round(p99(idle), 2), "loop_lag_p99_ms_storm": round(p99(storm), 2),
                "loop_lag_max_ms_storm": round(max(storm), 2), "concurrency": args.concurrency,
                "sandbox_latency_ms": args.latency_ms, "residents": args.residents, "rate": args.rate or "max"}
    finally:
        cleanup(procs, tmp)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--residents", type=int, default=500, help="distinct people; the rest log in again")
    parser.add_argument("--rate", type=float, default=0, help="logins per second (open loop); 0 = as fast as answered")
    result = asyncio.run(main(parser.parse_args()))
    record("login", result)
