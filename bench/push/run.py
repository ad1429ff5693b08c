"""Messages per second and CPU per message of one push worker (`python -m push.worker`), against the
same WeChat sends posted straight to the sandbox, in the same run.

    .venv/bin/python bench/push/run.py [--messages 1000] [--rounds 3] [--residents 100] [--engine durable]
        [--no-receipts]

Redis, SecantusDB (`--engine`), the sandbox (`python -m sandbox`, answering every WeChat
subscribe-message send after 10 ms), the API (only to set up the residents, then stopped) and
the worker run as processes of their own, as `make run` starts them. `residents` log in on
WeChat and accept long-term status messages. Each round puts `messages` status events in the
stream and times the worker from the first event to the last acknowledged one; each event costs
a notification record, an inbox message, a WeChat subscribe message and two delivery records.

Receipts on (the default): the API keeps running as the mini-program's message-push URL, and the
sandbox posts every accepted message's `subscribe_msg_sent_event` to it at once, signed and
encrypted (safe mode), so the worker's acceptances meet receipts racing them (models/receipts.py)
and the API's CPU per receipt is measured too. The run ends when every message is `delivered`.

Baseline of the same round: as many subscribe-message POSTs sent straight to the sandbox by
bench/load.py at the worker's concurrency (one batch of 200), nothing else: the network path, and
(its own CPU per send) what one such call costs a Python process on Tornado's libcurl client.
The worker's own CPU (/proc, less what it burns idle polling) per message is the figure the
database's speed does not change (goal: ≤ 250 µs).
"""

import argparse
import base64
import datetime as dt
import json
import os
import sys
import time
import uuid
from functools import partial

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from common import (  # noqa: E402
    ENGINES,
    Stack,
    counters,
    cpu_seconds,
    engine_label,
    floor,
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

TEMPLATE, APPID = "TPL_APPLICATION_STATUS", "wxdemominiapp"
DEMO_WECHAT_PUSH_TOKEN = "demo-push-token"  # config.py's demo WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY
DEMO_WECHAT_PUSH_AES_KEY = "demoDemoDemoDemoDemoDemoDemoDemoDemoDemoDem"
STREAM, GROUP = "push:events", "push-workers"  # push/relay.py, push/worker.py
BATCH = 200  # push.worker.Worker's default batch: the sends it has in flight at once
GOAL_CPU_US = 250


def subject(token: str) -> str:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def drain(redis, owners: list, count: int) -> dict:
    """Put `count` events in the stream and wait until the worker has acknowledged all of them."""
    group = next(g for g in redis.xinfo_groups(STREAM) if g["name"] == GROUP)
    target = (group["entries-read"] or 0) + count
    at = dt.datetime.now(dt.UTC).isoformat()
    start = time.monotonic()
    pipe = redis.pipeline(transaction=False)
    for i in range(count):
        pipe.xadd(STREAM, {"event_id": uuid.uuid4().hex, "type": "application.accepted", "channel": "wechat",
                           "number": f"SB{20261124000000 + i}", "owner": owners[i % len(owners)],
                           "item_name": "社会保障卡补换", "at": at})
    pipe.execute()

    def done():
        group = next(g for g in redis.xinfo_groups(STREAM) if g["name"] == GROUP)
        return (group["entries-read"] or 0) >= target and group["pending"] == 0

    wait_for(done, 300, "the worker to acknowledge every event")
    return {"answered": count, "seconds": time.monotonic() - start}


def main() -> int:
    import pymongo
    import redis as redis_py

    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--engine", choices=ENGINES, default="durable")
    parser.add_argument("--receipts", action=argparse.BooleanOptionalAction, default=True,
                        help="WeChat posts a receipt of every message to the API (safe mode)")
    parser.add_argument("--profile", help="py-spy the worker during the first round into this file")
    parser.add_argument("--profile-db", help="py-spy SecantusDB during the first round into this file")
    args = parser.parse_args()
    with Stack("push") as stack:
        redis = redis_py.Redis.from_url(stack.redis(), decode_responses=True)
        uri, mongo = stack.mongo(args.engine)
        sandbox = stack.sandbox()
        api, base = stack.api()
        status, _ = http("POST", sandbox + "/sandbox/faults",
                         {"target": "wechat.subscribe.send", "latency_ms": 10, "times": 0})
        assert status in (200, 201)
        owners = []
        for i in range(args.residents):
            openid = f"o-push-{i}"
            token = resident(stack, base, openid)
            http("POST", sandbox + "/sandbox/wechat/subscriptions",
                 {"appid": APPID, "openid": openid, "template_id": TEMPLATE, "kind": "long-term"})
            status, r = http("POST", base + "/api/v1/me/subscriptions", {"channel": "wechat", "accepted": [
                {"template": TEMPLATE, "kind": "long-term"}]}, token)
            assert status in (200, 201), r
            owners.append(subject(token))
        if args.receipts:  # the API stays up: it is the push URL WeChat's receipts go to
            status, r = http("PUT", sandbox + "/sandbox/wechat/push", {
                "push_url": base + "/api/v1/wechat/events", "token": DEMO_WECHAT_PUSH_TOKEN,
                "aes_key": DEMO_WECHAT_PUSH_AES_KEY, "format": "xml", "auto": True})
            assert status == 200, r
        else:
            api.terminate()  # only the worker uses the database from here on
            api.wait(15)
        worker = stack.worker()
        wait_for(lambda: any(g["name"] == GROUP for g in redis.xinfo_groups(STREAM)), 60, "the worker", worker)
        drain(redis, owners, BATCH)  # warm-up: connections open, WeChat token fetched and kept in Redis
        access_token = redis.get(f"wechat:token:{APPID}")
        send = {"method": "POST", "url": f"{sandbox}/sandbox/wechat/cgi-bin/message/subscribe/send?access_token="
                f"{access_token}", "headers": {"Content-Type": "application/json"}, "body": json.dumps({
                    "touser": "o-push-0", "template_id": TEMPLATE, "data": {
                        "character_string1": {"value": "SB20261124000001"}, "thing2": {"value": "社会保障卡补换"},
                        "phrase3": {"value": "已受理"}, "time4": {"value": "2026年11月24日 16:30"},
                        "thing5": {"value": "点击查看办件详情"}}})}
        before = cpu_seconds(worker.pid)
        time.sleep(2)
        idle = (cpu_seconds(worker.pid) - before) / 2  # the worker's polling of the outbox and retries
        pids = {"worker": worker.pid, "db": mongo.pid, **({"api": api.pid} if args.receipts else {})}
        calls = floor(stack)
        rounds = []
        def receipts(on: bool) -> None:  # none for the baseline's own sends: they are not the worker's
            if args.receipts:
                assert http("PUT", sandbox + "/sandbox/wechat/push", {"outcome": "deliver" if on else "silent"})[0] == 200

        for r in range(args.rounds):
            receipts(False)
            base_run, _ = measured({}, partial(load, [send] * args.messages, BATCH, workdir=stack.dir))
            receipts(True)
            run, d = profiled(worker.pid, args.profile if r == 0 else None, partial(
                profiled, mongo.pid, args.profile_db if r == 0 else None,
                partial(measured, pids, partial(drain, redis, owners, args.messages), stack)))
            n, own = run["answered"], d["worker"] - idle * run["seconds"]
            rounds.append({"messages_per_s": round(n / run["seconds"]), "seconds": round(run["seconds"], 2),
                           "baseline_per_s": round(base_run["answered"] / base_run["seconds"]),
                           "baseline_errors": base_run["errors"], "worker_cpu_us_per_message": us(own, n),
                           "baseline_sender_cpu_us_per_send": base_run["client_cpu_us"],
                           "db_cpu_us_per_message": us(d["db"], n), "db_ops_per_message": round(d["db_ops"] / n, 2),
                           "redis_cmds_per_message": round(d["redis_cmds"] / n, 2),
                           **({"api_cpu_us_per_receipt": us(d["api"], n)} if args.receipts else {})})
        sent = args.messages * args.rounds + BATCH
        with pymongo.MongoClient(uri) as client:
            wechat = client.bench.deliveries

            def reached() -> int:
                return wechat.count_documents({"provider": "wechat", "status": "delivered" if args.receipts
                                               else "accepted"})

            wait_for(lambda: reached() >= sent, 300, "every receipt applied" if args.receipts else "every acceptance")
            delivered = reached()
        final = counters(stack)
    run = median_run(rounds, "worker_cpu_us_per_message")
    result = {"engine": engine_label(args.engine), "receipts": args.receipts, "residents": args.residents,
              "messages_per_round": args.messages,
              "rounds": len(rounds), "batch": BATCH, **run, "ratio": round(run["messages_per_s"] / run["baseline_per_s"], 3),
              "worker_idle_cpu_share": round(idle, 4),
              ("delivered_wechat" if args.receipts else "accepted_wechat"): delivered, "sent": sent, "floor": calls,
              "goal_worker_cpu_250us": run["worker_cpu_us_per_message"] <= GOAL_CPU_US,
              "all_rounds": [{k: r[k] for k in ("messages_per_s", "baseline_per_s", "worker_cpu_us_per_message")}
                             for r in rounds], "db_ops_total": final["db_ops"]}
    assert delivered == sent, f"{delivered} of {sent} WeChat messages {'delivered' if args.receipts else 'accepted'}"
    record("push", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
