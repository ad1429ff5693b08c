"""Submissions per second, with reads of the same applications as the baseline of the same run.

    .venv/bin/python bench/submit/run.py [--submissions 1000] [--residents 50] [--concurrency 32]

The server runs in this process on demo settings (the in-process engine, or MONGODB_URI when
set) with a real redis-server on a free port; a separate process sends, for each of
`residents` people, submissions of 社保卡挂失补换 (SB0008) with a fresh Idempotency-Key and an
uploaded 身份证 photo, then reads each created application back (GET detail) as the baseline.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import cleanup, free_port, record, start_demo_server  # noqa: E402

LOAD = r"""
import asyncio, json, sys, time, uuid
from tornado.httpclient import AsyncHTTPClient
AsyncHTTPClient.configure(None, max_clients=int(sys.argv[3]))
async def run(jobs, concurrency, send):
    queue, ok, errors, out = list(jobs), [0], {}, []
    async def worker():
        while queue:
            r = await send(queue.pop())
            if r.code in (200, 201):
                ok[0] += 1
                out.append(json.loads(r.body))
            else:
                errors[r.code] = errors.get(r.code, 0) + 1
    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok[0], errors, time.monotonic() - start, out
async def main():
    base, jobs, concurrency = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
    client = AsyncHTTPClient()
    def post(job):
        return client.fetch(base + "/api/v1/applications", method="POST", raise_error=False,
                            body=json.dumps(job["body"]), headers={"Content-Type": "application/json",
                            "Authorization": "Bearer " + job["token"], "Idempotency-Key": uuid.uuid4().hex})
    ok, errors, seconds, created = await run(jobs, concurrency, post)
    tokens = {j["body"]["materials"][0]["upload_id"]: j["token"] for j in jobs}
    reads = [{"number": a["number"], "token": tokens[a["materials"][0]["upload_id"]]} for a in created]
    def get(job):
        return client.fetch(base + "/api/v1/applications/" + job["number"], raise_error=False,
                            headers={"Authorization": "Bearer " + job["token"]})
    rok, rerrors, rseconds, _ = await run(reads, concurrency, get)
    print(json.dumps({"submitted": ok, "errors": errors, "seconds": seconds, "read": rok, "read_errors": rerrors,
                      "read_seconds": rseconds}))
asyncio.run(main())
"""
FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}



async def main(args) -> dict:
    from tornado.httpclient import AsyncHTTPClient

    from api.main import start_sandbox_sms
    from sandbox.identity import person_for

    procs, tmp = [], tempfile.mkdtemp()
    try:
        sms_port = free_port()
        settings, deps, server, base = await start_demo_server(tmp, procs, SMS_ENDPOINT=f"127.0.0.1:{sms_port}")
        sms = start_sandbox_sms(settings, deps)
        client, jobs = AsyncHTTPClient(), []
        for i in range(args.residents):
            r = await client.fetch(base + "/sandbox/wechat/login-code", method="POST",
                                   body=json.dumps({"openid": f"o-submit-{i}", "appid": settings.wechat_mini_appid}))
            r = await client.fetch(base + "/api/v1/auth/wechat", method="POST",
                                   body=json.dumps({"code": json.loads(r.body)["code"]}))
            token = json.loads(r.body)["access_token"]
            id_number, name = person_for(f"o-submit-{i}")  # applying needs a verified real name
            await client.fetch(base + "/api/v1/me/realname", method="POST", headers={"Authorization": "Bearer " + token},
                               body=json.dumps({"name": name, "id_number": id_number}))
            photo = b"\xff\xd8\xff\xe0" + os.urandom(4000) + b"\xff\xd9"
            r = await client.fetch(base + "/api/v1/uploads", method="POST", body=photo,
                                   headers={"Authorization": "Bearer " + token})
            upload = json.loads(r.body)["id"]
            for _ in range(args.submissions // args.residents):
                jobs.append({"token": token, "body": {"item_code": "SB0008", "form": FORM,
                                                      "materials": [{"code": "id_card", "upload_id": upload}]}})
        jobs_file = os.path.join(tmp, "jobs.json")
        with open(jobs_file, "w") as f:
            json.dump(jobs, f)
        load = await asyncio.create_subprocess_exec(sys.executable, "-c", LOAD, base, jobs_file, str(args.concurrency),
                                                    stdout=asyncio.subprocess.PIPE)
        out, _ = await load.communicate()
        result = json.loads(out)
        server.stop()
        sms.stop()
        await deps.close()
        submit_rate = result["submitted"] / result["seconds"]
        read_rate = result["read"] / result["read_seconds"]
        return {"engine": deps.db.engine, "submitted": result["submitted"], "errors": result["errors"],
                "submissions_per_s": round(submit_rate, 1), "baseline_reads_per_s": round(read_rate, 1),
                "ratio": round(submit_rate / read_rate, 3), "residents": args.residents,
                "concurrency": args.concurrency}
    finally:
        cleanup(procs, tmp)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    result = asyncio.run(main(parser.parse_args()))
    record("submit", result)
