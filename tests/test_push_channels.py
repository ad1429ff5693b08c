"""Push providers against the sandbox over HTTP, through the real SDKs: every channel, every
error class, retries, fallback order, preferences, quotas, devices, and the operators' figures."""

import asyncio
import datetime as dt
import uuid

import pytest
from bson import ObjectId

from models import deliveries, subscriptions
from push.retry import RetryPolicy
from push.worker import Worker
from support import applicant_token, start_server, stop_server
from wiring.push import push_providers

TEMPLATE = "TPL_APPLICATION_STATUS"
MINI_APPID = "wxdemominiapp"


@pytest.fixture
async def push_server(database, redis_server):
    """A server without its own worker: tests drive a worker directly."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def make_worker(server, **policy):
    retry = RetryPolicy(**{"base": 0.02, "cap": 0.05, "window": 5.0, **policy})
    return Worker(server.deps.db, server.deps.redis, push_providers(server.deps), name="test", lease=2.0, retry=retry)


def event(owner, kind="application.accepted", channel="wechat", item="社会保障卡补换", number=None):
    return {"event_id": uuid.uuid4().hex, "type": kind, "channel": channel, "owner": owner,
            "number": number or f"SB{uuid.uuid4().int % 10**14:014d}", "item_name": item,
            "at": dt.datetime.now(dt.UTC).isoformat()}


async def me(server, token):
    return (await server.fetch("/api/v1/me", token=token)).json["id"]


async def wechat_resident(server, openid, *, quota=1, kind="one-time", record=True):
    """Log in on WeChat; the phone accepts `quota` subscriptions (sandbox) and the client tells us."""
    token = await applicant_token(server, openid)
    if quota:
        r = await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
            "appid": MINI_APPID, "openid": openid, "template_id": TEMPLATE, "kind": kind,
            **({"count": quota} if kind == "one-time" else {})})
        assert r.status in (200, 201), r.body
        if record:
            for _ in range(quota):
                r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
                    "channel": "wechat", "accepted": [{"template": TEMPLATE, "kind": kind}]})
                assert r.status == 200, r.body
    return token, await me(server, token)


async def app_resident(server, phone, registration_id=None):
    await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})
    assert r.status == 200, r.body
    token = r.json["access_token"]
    server.deps.sandbox.sms.sent_at.clear()  # start each resident with the gateway's per-phone limits fresh
    if registration_id:
        r = await server.fetch("/sandbox/jpush/devices", "POST", json_body={
            "app_key": server.settings.jpush_app_key, "registration_id": registration_id, "platform": "android"})
        assert r.status in (200, 201), r.body
        r = await server.fetch("/api/v1/me/devices", "POST", token=token,
                               json_body={"registration_id": registration_id, "platform": "android"})
        assert r.status == 200, r.body
    return token, await me(server, token)


async def settle(server, worker, seconds=5.0):
    """Run due retries until nothing is `sending` any more."""
    for _ in range(int(seconds / 0.02)):
        await worker.run_due()
        if not await server.deps.db.deliveries.count_documents({"status": "sending"}):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("deliveries still sending")


async def trail(server, event_id):
    docs = await server.deps.db.deliveries.find({"event_id": event_id}).to_list(None)
    return {d["provider"]: d for d in docs}


async def wechat_sent(server, openid):
    return (await server.fetch(f"/sandbox/wechat/subscribe-messages?touser={openid}")).json["messages"]


async def fault(server, target, **spec):
    r = await server.fetch("/sandbox/faults", "POST", json_body={"target": target, **spec})
    assert r.status == 201, r.body


async def test_wechat_subscribe_message_spends_the_quota(push_server):
    server = push_server
    worker = make_worker(server)
    token, owner = await wechat_resident(server, "o-sub-1", quota=1)
    first = event(owner, "application.submitted", item="城乡居民基本养老保险参保登记（含补缴及转移接续）")
    await worker.handle([first])
    sent = await wechat_sent(server, "o-sub-1")
    assert len(sent) == 1
    data = {k: v["value"] for k, v in sent[0]["data"].items()}  # the registered template's own keys
    assert data["character_string1"] == first["number"] and data["phrase3"] == "已提交"
    assert len(data["thing2"]) == 20 and data["thing2"].endswith("…")  # shortened to WeChat's limit
    assert sent[0]["page"].endswith(f"number={first['number']}&event={first['event_id']}")
    found = await trail(server, first["event_id"])
    assert found["wechat"]["status"] == "accepted" and found["inbox"]["status"] == "delivered"
    subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
    assert subs == [{"channel": "wechat", "template": TEMPLATE, "kind": "one-time", "remaining": 0,
                     "updated_at": subs[0]["updated_at"]}]
    # quota spent: the next event goes to the inbox only (not important: no SMS either)
    second = event(owner)
    await worker.handle([second])
    assert set(await trail(server, second["event_id"])) == {"inbox"}
    assert len(await wechat_sent(server, "o-sub-1")) == 1


async def test_long_term_subscription_is_never_spent(push_server):
    server = push_server
    worker = make_worker(server)
    _, owner = await wechat_resident(server, "o-long", kind="long-term")
    for _ in range(3):
        await worker.handle([event(owner)])
    assert len(await wechat_sent(server, "o-long")) == 3


async def test_stale_quota_43101_is_final_and_corrects_our_count(push_server):
    server = push_server
    worker = make_worker(server)
    token, owner = await wechat_resident(server, "o-stale", quota=1)
    # the quota was used up elsewhere: WeChat has none left
    await server.fetch(f"/sandbox/wechat/subscriptions?appid={MINI_APPID}&openid=o-stale&template_id={TEMPLATE}",
                       "DELETE")
    e = event(owner)
    await worker.handle([e])
    found = await trail(server, e["event_id"])
    assert found["wechat"]["status"] == "permanent-failure" and found["wechat"]["attempts"] == 1
    assert found["wechat"]["reason"].startswith("no-quota")
    subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
    assert subs[0]["remaining"] == 0


async def test_temporary_errors_retry_with_backoff_then_deliver(push_server):
    server = push_server
    worker = make_worker(server)
    _, owner = await wechat_resident(server, "o-retry", quota=1)
    await fault(server, "wechat.subscribe.send", status=502, times=1)
    await fault(server, "wechat.subscribe.send", errcode=-1, errmsg="system error", times=1)
    await fault(server, "wechat.subscribe.send", drop=True, times=1)
    e = event(owner)
    await worker.handle([e])
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "sending"
    await settle(server, worker)
    wechat = (await trail(server, e["event_id"]))["wechat"]
    # libcurl itself resends once when a kept-alive connection dies before any answer, so the
    # dropped connection may or may not cost an attempt of ours
    assert wechat["status"] == "accepted" and wechat["attempts"] in (3, 4)
    statuses = [h["status"] for h in wechat["history"]]
    assert statuses[:4] == ["created", "sending", "temporary-failure", "temporary-failure"]
    assert statuses[-1] == "accepted" and set(statuses[2:-1]) == {"temporary-failure"}
    assert len(await wechat_sent(server, "o-retry")) == 1


async def test_expired_token_is_refreshed_once_without_a_retry(push_server):
    server = push_server
    worker = make_worker(server)
    _, owner = await wechat_resident(server, "o-token", quota=1)
    await fault(server, "wechat.subscribe.send", errcode=40001, errmsg="invalid credential", times=1)
    e = event(owner)
    await worker.handle([e])
    wechat = (await trail(server, e["event_id"]))["wechat"]
    assert wechat["status"] == "accepted" and wechat["attempts"] == 1
    assert len(await wechat_sent(server, "o-token")) == 1


async def test_retries_give_up_after_the_window_then_sms_for_important_events(push_server):
    server = push_server
    worker = make_worker(server, window=0.3)
    await server.fetch("/sandbox/reset", "POST")
    token, owner = await app_resident(server, "13900000001", "1a0018970a0b1c2d3e4")
    await fault(server, "jpush.push", status=503, times=0)
    e = event(owner, "application.supplement_required", channel="app")
    await worker.handle([e])
    await settle(server, worker)
    found = await trail(server, e["event_id"])
    assert found["app"]["status"] == "technical-failure" and found["app"]["attempts"] >= 2
    assert found["sms"]["status"] == "accepted"
    sms = (await server.fetch("/sandbox/sms/messages?phone=13900000001")).json["messages"]
    assert sms[-1]["template_code"] == "SMS_APPLICATION_STATUS" and sms[-1]["params"]["status"] == "待补正"


async def test_unregistered_device_1011_falls_back_to_sms_and_is_disabled(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    token, owner = await app_resident(server, "13900000002", "1a0018970a0b1c2d3e5")
    await server.fetch("/sandbox/jpush/devices/1a0018970a0b1c2d3e5", "DELETE")
    e = event(owner, "application.denied", channel="app")
    await worker.handle([e])
    found = await trail(server, e["event_id"])
    assert found["app"]["status"] == "permanent-failure" and "1011" in found["app"]["reason"]
    assert found["sms"]["status"] == "accepted"
    devices = (await server.fetch("/api/v1/me/devices", token=token)).json["devices"]
    assert devices[0]["active"] is False
    # not tried again: the next event skips the app channel
    later = event(owner, "application.accepted", channel="app")
    await worker.handle([later])
    assert set(await trail(server, later["event_id"])) == {"inbox"}


async def test_jpush_delivers_once_even_when_the_reply_is_lost(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    _, owner = await app_resident(server, "13900000003", "1a0018970a0b1c2d3e6")
    # JPush received the push but the answer never came back: the retry carries the same cid
    await fault(server, "jpush.push", latency_ms=2500, times=1)
    e = event(owner, channel="app")
    await worker.handle([e])
    await settle(server, worker, seconds=8)
    found = await trail(server, e["event_id"])
    assert found["app"]["status"] == "accepted" and found["app"]["attempts"] == 2
    pushes = (await server.fetch("/sandbox/jpush/pushes?registration_id=1a0018970a0b1c2d3e6")).json["pushes"]
    assert len(pushes) == 1 and pushes[0]["notification"]["android"]["title"] == "办件已受理"


async def test_alipay_template_message(push_server):
    server = push_server
    worker = make_worker(server)
    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": "2088000000000077"})
    r = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})
    token = r.json["access_token"]
    r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
        "channel": "alipay", "accepted": [{"template": "TPL_ALIPAY_STATUS"}]})
    assert r.status == 200
    e = event(await me(server, token), channel="alipay")
    await worker.handle([e])
    assert (await trail(server, e["event_id"]))["alipay"]["status"] == "accepted"
    sent = (await server.fetch("/sandbox/alipay/template-messages")).json["messages"]
    mine = [m for m in sent if m["to_user_id"] == "2088000000000077"]
    assert len(mine) == 1 and mine[0]["data"]["keyword3"]["value"] == "已受理"


async def test_preferences_choose_the_first_channel_and_sms(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    token, owner = await app_resident(server, "13900000004", "1a0018970a0b1c2d3e7")
    prefs = (await server.fetch("/api/v1/me/notification-preferences", token=token)).json
    assert prefs == {"channel": None, "sms": "important"}
    bad = await server.fetch("/api/v1/me/notification-preferences", "PUT", token=token, json_body={"sms": "sometimes"})
    assert bad.status == 422 and "sms" in bad.json["error"]["details"]
    r = await server.fetch("/api/v1/me/notification-preferences", "PUT", token=token, json_body={"sms": "off"})
    assert r.json == {"channel": None, "sms": "off"}
    # an application made on WeChat: this resident has no WeChat, so the app is tried
    await server.fetch("/sandbox/jpush/devices/1a0018970a0b1c2d3e7", "DELETE")
    e = event(owner, "application.denied", channel="wechat")
    await worker.handle([e])
    found = await trail(server, e["event_id"])
    assert set(found) == {"inbox", "app"} and found["app"]["status"] == "permanent-failure"  # SMS is off


async def test_subscription_and_device_input_is_checked(push_server):
    server = push_server
    token = await applicant_token(server, "o-input")
    for body in ({"channel": "sms", "accepted": [{"template": "T"}]}, {"channel": "wechat", "accepted": []},
                 {"channel": "wechat", "accepted": [{"template": "T", "kind": "forever"}]}, {"channel": "wechat"}):
        r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body=body)
        assert r.status == 422, body
    for body in ({"registration_id": "short", "platform": "android"},
                 {"registration_id": "1a0018970a0b1c2d3e8", "platform": "symbian"}):
        r = await server.fetch("/api/v1/me/devices", "POST", token=token, json_body=body)
        assert r.status == 422, body
    assert (await server.fetch("/api/v1/me/devices/1a0018970a0b1c2d3e9", "DELETE", token=token)).status == 404
    assert (await server.fetch("/api/v1/me/subscriptions", "POST", json_body={})).status == 401


async def test_the_channel_tells_its_client_which_templates_to_ask_for(push_server):
    server = push_server
    token = await applicant_token(server, "o-templates")  # a WeChat login
    r = await server.fetch("/api/v1/me/subscriptions", token=token)
    assert r.status == 200 and r.json["templates"] == [{"id": TEMPLATE, "kind": "one-time", "title": "办件进度通知"}]
    otp = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "13800001111"})
    assert otp.status in (200, 202), otp.body
    code = (await server.fetch("/sandbox/sms/messages?phone=13800001111")).json["messages"][-1]["params"]["code"]
    app = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": "13800001111", "otp": code})
    r = await server.fetch("/api/v1/me/subscriptions", token=app.json["access_token"])
    assert r.status == 200 and r.json["templates"] == []  # the app has JPush, not subscribe messages


async def test_late_duplicate_outcome_and_stuck_deliveries(push_server):
    server = push_server
    worker = make_worker(server)
    _, owner = await wechat_resident(server, "o-late", quota=1)
    e = event(owner)
    await worker.handle([e])
    key = deliveries.key(e["event_id"], "wechat")
    delivered = (await deliveries.get_many(server.deps.db, [key]))[key]
    await deliveries.record_many(server.deps.db, [(delivered, {"status": "permanent-failure", "reason": "late"}, None)])
    after = (await deliveries.get_many(server.deps.db, [key]))[key]
    assert after["status"] == "accepted" and after["history"] == delivered["history"]
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
    await server.deps.db.deliveries.insert_one({"_id": "stuck:wechat", "event_id": "stuck", "provider": "wechat",
                                                "status": "sending", "created_at": old, "history": []})
    assert await deliveries.expire_stuck(server.deps.db) == 1
    stuck = (await deliveries.get_many(server.deps.db, ["stuck:wechat"]))["stuck:wechat"]
    assert stuck["status"] == "temporary-failure" and stuck["reason"] == "stuck-sending"


async def test_stats_per_channel_and_template(push_server):
    server = push_server
    worker = make_worker(server)
    _, owner = await wechat_resident(server, "o-stats", quota=2)
    await worker.handle([event(owner, "application.submitted")])
    await worker.handle([event(owner, "application.accepted")])
    await worker.handle([event(owner, "application.in_review")])  # no quota left: inbox only
    operator = await server.login()
    r = await server.fetch("/api/v1/admin/deliveries/stats", token=operator)
    assert r.status == 200, r.body
    body = r.json
    wechat = body["channels"]["wechat"]
    # accepted by WeChat, no receipt yet: accepted in full, 到达率 0 until the receipts come
    assert wechat["sent"] == wechat["accepted"] == 2 and wechat["acceptance_rate"] == 1.0
    assert wechat["arrival_rate"] == 0.0 and wechat["delivered"] == 0
    assert wechat["latency_ms"]["p50"] is not None and wechat["latency_ms"]["p95"] >= wechat["latency_ms"]["p50"]
    assert body["channels"]["inbox"]["delivered"] == 3 and body["channels"]["inbox"]["arrival_rate"] == 1.0
    assert body["total"]["accepted"] == 2 and body["total"]["finished"] == 2  # the inbox left out
    only = await server.fetch("/api/v1/admin/deliveries/stats?channel=wechat&template=application.accepted",
                              token=operator)
    assert [(t["channel"], t["template"], t["accepted"]) for t in only.json["templates"]] == [
        ("wechat", "application.accepted", 1)]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    empty = await server.fetch(f"/api/v1/admin/deliveries/stats?from={future}", token=operator)
    assert empty.status == 422  # from after the default `to` (now)
    for query in ("channel=fax", "from=yesterday", "from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z"):
        assert (await server.fetch(f"/api/v1/admin/deliveries/stats?{query}", token=operator)).status == 422, query
    resident = await applicant_token(server, "o-stats")
    assert (await server.fetch("/api/v1/admin/deliveries/stats", token=resident)).status == 403


async def test_fallback_order_preferred_channel_then_others_then_sms(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    token, owner = await app_resident(server, "13900000005", "1a0018970a0b1c2d3f1")
    # the same person also uses the WeChat mini-program (as after a real-name merge)
    await server.deps.db.residents.update_one({"_id": ObjectId(owner)}, {"$push": {"channels": {
        "channel": "wechat", "subject": "o-both", "address": "o-both", "linked_at": dt.datetime.now(dt.UTC)}}})
    await server.fetch("/sandbox/wechat/subscriptions", "POST", json_body={
        "appid": MINI_APPID, "openid": "o-both", "template_id": TEMPLATE, "kind": "long-term"})
    await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
        "channel": "wechat", "accepted": [{"template": TEMPLATE, "kind": "long-term"}]})
    resident = await server.deps.db.residents.find_one({"_id": ObjectId(owner)})
    reach = await subscriptions.reach(server.deps.db, [owner])
    await worker.refresh()  # the message templates, as a batch reads them first
    important = event(owner, "application.approved", channel="wechat")
    assert worker.plan(resident, important, reach) == ["wechat", "app", "sms"]
    assert worker.plan(resident, event(owner, channel="app"), reach) == ["app", "wechat"]
    await server.fetch("/api/v1/me/notification-preferences", "PUT", token=token, json_body={"channel": "app"})
    reach = await subscriptions.reach(server.deps.db, [owner])
    assert worker.plan(resident, important, reach) == ["app", "wechat", "sms"]
    # WeChat refuses for good (the subscription was revoked on the phone): the app gets it, not SMS
    await server.fetch("/api/v1/me/notification-preferences", "PUT", token=token, json_body={})
    await server.fetch(f"/sandbox/wechat/subscriptions?appid={MINI_APPID}&openid=o-both&template_id={TEMPLATE}",
                       "DELETE")
    await worker.handle([important])
    found = await trail(server, important["event_id"])
    assert found["wechat"]["status"] == "permanent-failure" and found["app"]["status"] == "accepted"
    assert "sms" not in found
    subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
    assert (subs[0]["kind"], subs[0]["remaining"]) == ("one-time", 0)  # not tried again until accepted again
