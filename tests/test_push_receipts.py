"""Receipts (issue 15, finding 3): a message is `accepted` when the platform takes it and
`delivered` only when the platform's receipt says so. WeChat pushes its receipts to our
message-push URL (signed; in safe mode encrypted), JPush and Aliyun SMS are asked by the worker's
poller. The sandbox plays every receipt with its real shape; tests decide when receipts arrive
(flush, `poller.run_once()`), so nothing here waits on a clock."""

import datetime as dt
import time
import urllib.parse

import pytest
from test_push_channels import MINI_APPID, TEMPLATE, app_resident, event, make_worker, trail, wechat_resident

from models import delivery_stats, receipts
from push.receipts import Poller
from sandbox import wechat_push
from support import applicant_token, start_server, stop_server

EVENTS = "/api/v1/wechat/events"


@pytest.fixture
async def push_server(database, redis_server):
    """A server without its own worker (tests drive one), its push URL known to the sandbox."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    await configure(server)
    yield server
    await stop_server(server)


async def configure(server, *, safe=False, fmt="xml", **rules):
    body = {"push_url": server.base + EVENTS, "token": server.settings.wechat_push_token,
            "aes_key": server.settings.wechat_push_aes_key if safe else None, "format": fmt, **rules}
    r = await server.fetch("/sandbox/wechat/push", "PUT", json_body=body)
    assert r.status == 200, r.body


async def flush(server) -> list[int]:
    r = await server.fetch("/sandbox/wechat/push/flush", "POST")
    assert r.status == 200, r.body
    return [s["status"] for s in r.json["sent"]]


async def post_event(server, message: dict, *, nonce=None, timestamp=None, safe=False, fmt="xml", signature=None):
    """Post one event to our push URL, signed as WeChat signs it (or with `signature`)."""
    push = server.deps.sandbox.wechat_push
    push.aes_key = server.settings.wechat_push_aes_key if safe else None
    push.format = fmt
    url, body, headers = wechat_push.request(push, MINI_APPID, message, timestamp=timestamp or int(time.time()),
                                             nonce=nonce)
    path = url[len(server.base):]
    if signature is not None:
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["msg_signature" if safe else "signature"] = signature
        path = f"{parts.path}?{urllib.parse.urlencode(query)}"
    return await server.fetch(path, "POST", body=body, headers=headers)


def sent_event(openid: str, msgid, errcode=0) -> dict:
    return {"ToUserName": "gh_demo", "FromUserName": openid, "CreateTime": str(int(time.time())), "MsgType": "event",
            "Event": "subscribe_msg_sent_event", "SubscribeMsgSentEvent": {"List": {
                "TemplateId": TEMPLATE, "MsgID": str(msgid), "ErrorCode": str(errcode),
                "ErrorStatus": "success" if errcode == 0 else "fail:user refuse to accept the msg"}}}


def choice_event(openid: str, kind: str, status: str) -> dict:
    container = {"popup": "SubscribeMsgPopupEvent", "change": "SubscribeMsgChangeEvent"}[kind]
    return {"ToUserName": "gh_demo", "FromUserName": openid, "CreateTime": str(int(time.time())), "MsgType": "event",
            "Event": f"subscribe_msg_{kind}_event", container: {"List": [
                {"TemplateId": TEMPLATE, "SubscribeStatusString": status, "PopupScene": "0"}]}}


async def wechat_sent_one(server, openid):
    worker = make_worker(server)
    _, owner = await wechat_resident(server, openid, quota=1)
    e = event(owner)
    await worker.handle([e])
    wechat = (await trail(server, e["event_id"]))["wechat"]
    assert wechat["status"] == "accepted" and wechat["message_id"]
    return e, wechat


@pytest.mark.parametrize("safe,fmt", [(False, "xml"), (True, "json"), (True, "xml"), (False, "json")])
async def test_wechat_receipt_delivers(push_server, safe, fmt):
    server = push_server
    await configure(server, safe=safe, fmt=fmt)
    e, accepted = await wechat_sent_one(server, f"o-rcpt-{fmt}-{int(safe)}")
    assert accepted["message_id"] == str(server.deps.sandbox.wechat_subscribe.messages[-1]["msgid"])
    assert await flush(server) == [200]
    wechat = (await trail(server, e["event_id"]))["wechat"]
    assert wechat["status"] == "delivered" and wechat["delivered_at"] is not None
    assert [h["status"] for h in wechat["history"]][-2:] == ["accepted", "delivered"]


async def test_late_failure_receipt_overrides_the_acceptance(push_server):
    server = push_server
    await configure(server, outcomes={"o-rcpt-fail": {"outcome": "fail", "errcode": 43101}})
    e, _ = await wechat_sent_one(server, "o-rcpt-fail")
    assert await flush(server) == [200]
    wechat = (await trail(server, e["event_id"]))["wechat"]
    assert wechat["status"] == "permanent-failure"
    assert wechat["reason"] == "wechat-sent-event 43101 user refused"


async def test_a_silent_platform_leaves_the_message_accepted(push_server):
    server = push_server
    await configure(server, outcome="silent")
    e, _ = await wechat_sent_one(server, "o-rcpt-silent")
    assert await flush(server) == []
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "accepted"


async def test_duplicate_receipt_is_harmless(push_server):
    server = push_server
    e, accepted = await wechat_sent_one(server, "o-rcpt-dup")
    message = sent_event("o-rcpt-dup", accepted["message_id"])
    assert (await post_event(server, message)).status == 200
    first = (await trail(server, e["event_id"]))["wechat"]
    # WeChat retries; a different receipt for the same message changes nothing either
    assert (await post_event(server, message)).status == 200
    assert (await post_event(server, sent_event("o-rcpt-dup", accepted["message_id"], 43101))).status == 200
    again = (await trail(server, e["event_id"]))["wechat"]
    assert first["status"] == again["status"] == "delivered" and again["history"] == first["history"]
    assert await server.deps.db.receipts.count_documents({"message_id": accepted["message_id"]}) == 1


async def test_receipt_before_the_acceptance_is_written_still_applies(push_server, monkeypatch):
    server = push_server
    worker = make_worker(server)
    _, owner = await wechat_resident(server, "o-rcpt-race", quota=1)
    provider = worker.providers["wechat"]
    real = provider._send

    async def racing(to, resident, note, delivery):
        msgid = await real(to, resident, note, delivery)
        assert await flush(server) == [200]  # WeChat's receipt lands before our write of its answer
        return msgid

    monkeypatch.setattr(provider, "_send", racing)
    e = event(owner)
    await worker.handle([e])
    wechat = (await trail(server, e["event_id"]))["wechat"]
    assert wechat["status"] == "delivered", wechat["history"]
    assert await receipts.record(server.deps.db, "wechat", wechat["message_id"], "delivered") is False


async def test_url_verification(push_server):
    server = push_server
    push = server.deps.sandbox.wechat_push
    ts, nonce = str(int(time.time())), "n-verify"
    good = {"signature": wechat_push.signature(push.token, ts, nonce), "timestamp": ts, "nonce": nonce,
            "echostr": "echo-123"}
    r = await server.fetch(f"{EVENTS}?{urllib.parse.urlencode(good)}")
    assert (r.status, r.body) == (200, b"echo-123")
    r = await server.fetch(f"{EVENTS}?{urllib.parse.urlencode({**good, 'signature': 'f' * 40})}")
    assert r.status == 403
    r = await server.fetch(f"{EVENTS}?{urllib.parse.urlencode({**good, 'signature': '签名'})}")
    assert r.status == 403
    r = await server.fetch(f"{EVENTS}?timestamp={ts}")
    assert r.status == 400


async def test_forged_stale_and_replayed_requests_are_refused(push_server):
    server = push_server
    e, accepted = await wechat_sent_one(server, "o-rcpt-forged")
    message = sent_event("o-rcpt-forged", accepted["message_id"])
    assert (await post_event(server, message, signature="0" * 40)).status == 403
    assert (await post_event(server, message, signature="签名不对")).status == 403  # non-ASCII: 403, not 500
    assert (await post_event(server, message, safe=True, signature="签名不对")).status == 403
    assert (await post_event(server, message, timestamp=int(time.time()) - 3600)).status == 403
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "accepted"
    assert (await post_event(server, message, nonce="n-once")).status == 200
    assert (await post_event(server, message, nonce="n-once")).status == 403  # replayed


async def test_malformed_and_unknown_events(push_server):
    server = push_server
    push = server.deps.sandbox.wechat_push
    ts, nonce = str(int(time.time())), "n-bad-body"
    query = urllib.parse.urlencode({"signature": wechat_push.signature(push.token, ts, nonce), "timestamp": ts,
                                    "nonce": nonce})
    r = await server.fetch(f"{EVENTS}?{query}", "POST", body=b"<xml><unclosed></xml>")
    assert r.status == 400
    unknown = {"ToUserName": "gh_demo", "FromUserName": "o-x", "CreateTime": "1", "MsgType": "event",
               "Event": "some_new_event"}
    r = await post_event(server, unknown)
    assert (r.status, r.body) == (200, b"success")
    broken = {**sent_event("o-x", 1), "SubscribeMsgSentEvent": {"List": {"MsgID": "not a number"}}}
    assert (await post_event(server, broken)).status == 400
    assert (await post_event(server, {"x": "no sender"}, fmt="json")).status == 400


async def test_popup_accept_adds_quota_and_change_reject_drops_it(push_server):
    server = push_server
    token = await applicant_token(server, "o-rcpt-popup")

    async def remaining():
        subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
        return [s["remaining"] for s in subs if s["template"] == TEMPLATE]

    assert await remaining() == []
    assert (await post_event(server, choice_event("o-rcpt-popup", "popup", "accept"))).status == 200
    assert await remaining() == [1]
    assert (await post_event(server, choice_event("o-rcpt-popup", "popup", "reject"), fmt="json")).status == 200
    assert await remaining() == [1]
    assert (await post_event(server, choice_event("o-rcpt-popup", "change", "reject"), safe=True)).status == 200
    assert await remaining() == [0]
    # an openid we do not know: answered, nothing changes
    assert (await post_event(server, choice_event("o-nobody", "popup", "accept"))).status == 200


async def test_jpush_received_report(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    await configure(server)
    _, owner = await app_resident(server, "13900000021", "1a0018970a0b1c2d3f1")
    _, quiet = await app_resident(server, "13900000022", "1a0018970a0b1c2d3f2")
    r = await server.fetch("/sandbox/jpush/receipts", "PUT", json_body={"outcomes": {"1a0018970a0b1c2d3f2": "silent"}})
    assert r.status == 200, r.body
    got, lost = event(owner, channel="app"), event(quiet, channel="app")
    await worker.handle([got, lost])
    poller = Poller(server.deps.db, worker.providers, recheck=0)
    assert await poller.run_once() == 1
    assert (await trail(server, got["event_id"]))["app"]["status"] == "delivered"
    assert (await trail(server, lost["event_id"]))["app"]["status"] == "accepted"  # no receipt (yet)
    assert await poller.run_once() == 0


async def test_sms_query_send_details(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    await configure(server)
    r = await server.fetch("/sandbox/sms/receipts", "PUT", json_body={"outcomes": {
        "13900000032": {"outcome": "fail", "errcode": "MN:0001"}, "13900000033": {"outcome": "waiting"}}})
    assert r.status == 200, r.body
    events = {}
    for phone in ("13900000031", "13900000032", "13900000033"):
        _, owner = await app_resident(server, phone)  # no device: SMS is the only channel
        events[phone] = event(owner, "application.supplement_required", channel="app")
    await worker.handle(list(events.values()))
    sms = {p: (await trail(server, e["event_id"]))["sms"] for p, e in events.items()}
    assert {s["status"] for s in sms.values()} == {"accepted"} and all(s["message_id"] for s in sms.values())
    poller = Poller(server.deps.db, worker.providers, recheck=0)
    assert await poller.run_once() == 2
    sms = {p: (await trail(server, e["event_id"]))["sms"] for p, e in events.items()}
    assert sms["13900000031"]["status"] == "delivered" and sms["13900000031"]["delivered_at"] is not None
    assert (sms["13900000032"]["status"], sms["13900000032"]["reason"]) == ("permanent-failure", "sms-report MN:0001")
    assert sms["13900000033"]["status"] == "accepted"  # the carrier has not reported: asked again later


async def test_stats_come_from_receipts_and_the_tile_equals_the_rows(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    await configure(server, outcomes={"o-st-2": {"outcome": "fail"}, "o-st-3": {"outcome": "silent"}})
    for i in (1, 2, 3):
        _, owner = await wechat_resident(server, f"o-st-{i}", quota=1)
        await worker.handle([event(owner)])
    _, owner = await app_resident(server, "13900000041")
    await worker.handle([event(owner, "application.supplement_required", channel="app")])
    assert await flush(server) == [200, 200]
    assert await Poller(server.deps.db, worker.providers, recheck=0).run_once() == 1
    operator = await server.login()
    body = (await server.fetch("/api/v1/admin/deliveries/stats", token=operator)).json
    wechat, sms, total = body["channels"]["wechat"], body["channels"]["sms"], body["total"]
    assert (wechat["delivered"], wechat["accepted"], wechat["finished"]) == (1, 1, 3)
    assert wechat["failed"] == {"permanent-failure": {"wechat-sent-event 43101 user refused": 1}}
    assert wechat["acceptance_rate"] == round(2 / 3, 4) and wechat["arrival_rate"] == round(1 / 3, 4)
    assert (sms["delivered"], sms["arrival_rate"]) == (1, 1.0)
    rows = [f for name, f in body["channels"].items() if name != "inbox"]
    assert total["delivered"] == sum(f["delivered"] for f in rows) == 2
    assert total["finished"] == sum(f["finished"] for f in rows) == 4
    assert total["arrival_rate"] == round(2 / 4, 4) and total["acceptance_rate"] == round(3 / 4, 4)
    assert total["within_10s"] is not None  # its arithmetic: test_within_10s_counts_from_the_state_change


def test_within_10s_counts_from_the_state_change():
    at = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)

    def doc(provider, status, delivered_after=None, **extra):
        return {"event_id": f"e{provider}{status}{delivered_after}", "provider": provider, "type": "application.accepted",
                "status": status, "event_at": at, "finished_at": at + dt.timedelta(seconds=1), "attempts": 1,
                **({"delivered_at": at + dt.timedelta(seconds=delivered_after)} if delivered_after is not None else {}),
                **extra}

    docs = [doc("wechat", "delivered", 3), doc("wechat", "delivered", 30), doc("wechat", "accepted"),
            doc("sms", "permanent-failure", reason="sms-report MN:0001"), doc("alipay", "accepted"),
            {**doc("inbox", "delivered"), "finished_at": at}]
    stats = delivery_stats.summarize(docs)
    wechat, total = stats["channels"]["wechat"], stats["total"]
    assert (wechat["within_10s"], wechat["arrival_rate"], wechat["acceptance_rate"]) == (round(1 / 3, 4),
                                                                                          round(2 / 3, 4), 1.0)
    assert wechat["delivery_ms"] == {"p50": 3000.0, "p95": 30000.0}
    assert stats["channels"]["inbox"]["within_10s"] == 1.0 and stats["channels"]["alipay"]["arrival_rate"] is None
    # the total leaves out the inbox, and Alipay from the receipt figures only
    assert (total["finished"], total["delivered"], total["accepted"]) == (5, 2, 2)
    assert (total["arrival_rate"], total["within_10s"], total["acceptance_rate"]) == (0.5, 0.25, 0.8)


async def test_alipay_reports_no_receipts(push_server):
    server = push_server
    worker = make_worker(server)
    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": "2088000000000091"})
    r = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})
    token = r.json["access_token"]
    await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
        "channel": "alipay", "accepted": [{"template": "TPL_ALIPAY_STATUS"}]})
    owner = (await server.fetch("/api/v1/me", token=token)).json["id"]
    await worker.handle([event(owner, channel="alipay")])
    operator = await server.login()
    body = (await server.fetch("/api/v1/admin/deliveries/stats", token=operator)).json
    alipay = body["channels"]["alipay"]
    assert (alipay["accepted"], alipay["acceptance_rate"]) == (1, 1.0)
    assert alipay["arrival_rate"] is None and alipay["within_10s"] is None and alipay["receipts"] is False
    assert body["total"]["arrival_rate"] is None and body["total"]["acceptance_rate"] == 1.0


async def test_one_popup_reported_by_client_and_event_counts_once(push_server):
    server = push_server
    token = await applicant_token(server, "o-rcpt-both")

    async def remaining():
        subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
        return [s["remaining"] for s in subs if s["template"] == TEMPLATE]

    async def client_reports():
        r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
            "channel": "wechat", "accepted": [{"template": TEMPLATE}]})
        assert r.status == 200, r.body

    async def wechat_reports():
        assert (await post_event(server, choice_event("o-rcpt-both", "popup", "accept"))).status == 200

    await client_reports()
    await wechat_reports()  # the same popup: nothing more
    assert await remaining() == [1]
    await wechat_reports()  # the next popup, the event first this time
    await client_reports()
    assert await remaining() == [2]
    await client_reports()  # two popups whose events are still on their way
    await client_reports()
    assert await remaining() == [4]
    await wechat_reports()
    await wechat_reports()
    assert await remaining() == [4]
    await wechat_reports()  # a popup whose client report was lost
    assert await remaining() == [5]


async def test_late_43101_uses_up_the_quota(push_server):
    server = push_server
    await configure(server, outcomes={"o-rcpt-43101": {"outcome": "fail", "errcode": 43101}})
    worker = make_worker(server)
    token, owner = await wechat_resident(server, "o-rcpt-43101", quota=2)
    e = event(owner)
    await worker.handle([e])
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "accepted"
    subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
    assert [s["remaining"] for s in subs if s["template"] == TEMPLATE] == [1]
    assert await flush(server) == [200]
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "permanent-failure"
    subs = (await server.fetch("/api/v1/me/subscriptions", token=token)).json["subscriptions"]
    assert [s["remaining"] for s in subs if s["template"] == TEMPLATE] == [0]


async def test_late_failure_hands_over_to_the_next_channel(push_server):
    server = push_server
    worker = make_worker(server)
    await server.fetch("/sandbox/reset", "POST")
    await configure(server)
    _, owner = await app_resident(server, "13900000077", "1a0018970a0b1c2d3e7")
    e = event(owner, "application.supplement_required", channel="app")
    await worker.handle([e])
    found = await trail(server, e["event_id"])
    assert found["app"]["status"] == "accepted" and "sms" not in found
    assert await worker.run_due() == 0
    assert await receipts.record(server.deps.db, "app", found["app"]["message_id"], "permanent-failure",
                                 reason="late") is True
    assert await worker.run_due() == 1
    found = await trail(server, e["event_id"])
    assert found["app"]["status"] == "permanent-failure" and found["sms"]["status"] == "accepted"
    assert await worker.run_due() == 0  # taken once
    assert len(await trail(server, e["event_id"])) == 3  # inbox, app, sms: no second SMS
