"""Instant queries per second: uncached (through the exchange to the department sandbox) against
cached (from Redis), in the same run.

    .venv/bin/python bench/query/run.py [--residents 200] [--concurrency 32]

The server runs in this process on demo settings (the in-process engine, or MONGODB_URI when
set; the department systems are the sandbox mounted in the same server, so an uncached query
also pays for the sandbox's work) with a real redis-server on a free port. Each resident is
real-name verified; a separate process then asks 社保卡状态 (SB0005), 参保信息 (SB0001) and
驾驶证状态 (JT0009) once each (every answer a cache miss), then all of them again (every answer
fresh in the cache). The cached pass is the baseline.
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

CODES = ("SB0005", "SB0001", "JT0009")
LOAD = r"""
import asyncio, json, sys, time
from tornado.simple_httpclient import SimpleAsyncHTTPClient
async def run(jobs, concurrency, client, base):
    queue, ok, errors = list(jobs), [0], {}
    async def worker():
        while queue:
            token, code = queue.pop()
            r = await client.fetch(base + "/api/v1/queries/" + code, method="POST", body="{}", raise_error=False,
                                   headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
            if r.code in (200, 404):  # 404: "no record" is an answer (e.g. no driving licence)
                ok[0] += 1
            else:
                errors[r.code] = errors.get(r.code, 0) + 1
    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok[0], errors, time.monotonic() - start
async def main():
    base, tokens, codes, concurrency = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3].split(","), int(sys.argv[4])
    client = SimpleAsyncHTTPClient(max_clients=concurrency)
    jobs = [(t, c) for t in tokens for c in codes]
    miss = await run(jobs, concurrency, client, base)
    hit = await run(jobs, concurrency, client, base)
    print(json.dumps({"uncached": miss, "cached": hit}))
asyncio.run(main())
"""


async def main(args) -> dict:
    from tornado.simple_httpclient import SimpleAsyncHTTPClient

    from sandbox.identity import with_check_char

    procs, tmp = [], tempfile.mkdtemp()
    try:
        settings, deps, server, base = await start_demo_server(tmp, procs, PUSH_WORKER="false")
        client, tokens = SimpleAsyncHTTPClient(), []

        async def call(path, body, token=None):
            headers = {"Authorization": "Bearer " + token} if token else {}
            r = await client.fetch(base + path, method="POST", body=json.dumps(body), headers=headers)
            return json.loads(r.body)

        async def get(path):
            return json.loads((await client.fetch(base + path)).body)

        for i in range(args.residents):
            id_number = with_check_char(f"3301061960{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}")
            code = (await call("/sandbox/wechat/login-code", {"openid": f"o-query-{i}",
                                                             "appid": settings.wechat_mini_appid}))["code"]
            token = (await call("/api/v1/auth/wechat", {"code": code}))["access_token"]
            name = (await get(f"/sandbox/identity/people/{id_number}"))["name"]
            await call("/api/v1/me/realname", {"name": name, "id_number": id_number}, token)
            tokens.append(token)
        tokens_file = os.path.join(tmp, "tokens.json")
        with open(tokens_file, "w") as f:
            json.dump(tokens, f)
        load = await asyncio.create_subprocess_exec(sys.executable, "-c", LOAD, base, tokens_file, ",".join(CODES),
                                                    str(args.concurrency), stdout=asyncio.subprocess.PIPE)
        out, _ = await load.communicate()
        result = json.loads(out)
        server.stop()
        await deps.close()
        (miss_ok, miss_errors, miss_s), (hit_ok, hit_errors, hit_s) = result["uncached"], result["cached"]
        miss_rate, hit_rate = miss_ok / miss_s, hit_ok / hit_s
        return {"engine": deps.db.engine, "queries": miss_ok + hit_ok, "errors": {**miss_errors, **hit_errors},
                "uncached_per_s": round(miss_rate, 1), "cached_per_s": round(hit_rate, 1),
                "ratio": round(miss_rate / hit_rate, 3), "residents": args.residents, "concurrency": args.concurrency}
    finally:
        cleanup(procs, tmp)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    record("query", asyncio.run(main(parser.parse_args())))
