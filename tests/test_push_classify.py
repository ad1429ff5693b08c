"""Error classes per platform (push/failures.py): permanent refusals are final at once and counted
for operators, rate limits wait for their reset, quotas pause a channel, unknown answers are tried
a few times. The platforms' answers come from the sandbox, through the real SDKs."""

import asyncio
import datetime as dt

import pytest
from prometheus_client import REGISTRY
from test_push_channels import event, fault, make_worker, settle, trail, wechat_resident

from push.failures import UNKNOWN_TRIES
from support import start_server, stop_server


@pytest.fixture
async def push_server(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def refusals(channel, cause, code) -> float:
    return REGISTRY.get_sample_value("govservice_push_refusals_total",
                                     {"channel": channel, "cause": cause, "code": str(code)}) or 0.0


async def received(server, target) -> list[dict]:
    return (await server.fetch(f"/sandbox/received?target={target}")).json["requests"]


def seconds_until(when) -> float:
    return (when.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)).total_seconds()


# ---------------------------------------------------------------- WeChat


@pytest.mark.parametrize("errcode, cause", [(40003, "recipient"), (43101, "recipient"), (47003, "content"),
                                            (41030, "content"), (40037, "config")])
async def test_wechat_refusals_are_final_and_counted(push_server, errcode, cause):
    server = push_server
    worker = make_worker(server, window=60.0)
    _, owner = await wechat_resident(server, f"o-refused-{errcode}", kind="long-term")
    await fault(server, "wechat.subscribe.send", errcode=errcode, times=1)
    before = refusals("wechat", cause, errcode)
    e = event(owner)
    await worker.handle([e])
    found = (await trail(server, e["event_id"]))["wechat"]
    assert (found["status"], found["attempts"]) == ("permanent-failure", 1)
    assert found["reason"].endswith(f"({errcode})")
    assert refusals("wechat", cause, errcode) == before + 1


async def test_wechat_daily_quota_pauses_the_channel_until_midnight(push_server):
    server = push_server
    worker = make_worker(server, window=60.0)
    owners = [(await wechat_resident(server, f"o-45009-{i}", kind="long-term"))[1] for i in range(2)]
    await fault(server, "wechat.subscribe.send", errcode=45009, times=1)
    first, second = event(owners[0]), event(owners[1])
    await worker.handle([first])
    await worker.handle([second])
    for e in (first, second):
        found = (await trail(server, e["event_id"]))["wechat"]
        assert (found["status"], found["attempts"]) == ("permanent-failure", 1)
    assert "paused until" in (await trail(server, second["event_id"]))["wechat"]["reason"]
    assert len(await received(server, "wechat.subscribe.send")) == 1  # the second was never sent
    assert 0 < seconds_until(worker.providers["wechat"].paused[0]) <= 86400


async def test_wechat_minute_quota_waits_a_minute(push_server):
    server = push_server
    worker = make_worker(server, window=600.0)
    _, owner = await wechat_resident(server, "o-45011", kind="long-term")
    await fault(server, "wechat.subscribe.send", errcode=45011, times=1)
    e = event(owner)
    await worker.handle([e])
    found = (await trail(server, e["event_id"]))["wechat"]
    assert found["status"] == "sending" and seconds_until(found["retry_at"]) > 55


async def test_wechat_unknown_errcode_is_tried_a_few_times_then_given_up(push_server):
    server = push_server
    worker = make_worker(server, window=60.0)
    _, owner = await wechat_resident(server, "o-unknown", kind="long-term")
    await fault(server, "wechat.subscribe.send", errcode=48999, times=0)
    e = event(owner)
    await worker.handle([e])
    await settle(server, worker)
    found = (await trail(server, e["event_id"]))["wechat"]
    assert (found["status"], found["attempts"]) == ("permanent-failure", UNKNOWN_TRIES)
    assert found["reason"].startswith("unknown: errcode 48999")


async def test_wechat_credentials_refused_is_a_config_error(push_server):
    server = push_server
    worker = make_worker(server, window=60.0)
    _, owner = await wechat_resident(server, "o-secret", kind="long-term")
    await server.deps.redis.flushall()  # no cached access token: the send has to fetch one
    await fault(server, "wechat.stable_token", errcode=40125, times=0)
    before = refusals("wechat", "config", 40125)
    e = event(owner)
    await worker.handle([e])
    found = (await trail(server, e["event_id"]))["wechat"]
    assert (found["status"], found["attempts"]) == ("permanent-failure", 1)
    assert refusals("wechat", "config", 40125) == before + 1


# ---------------------------------------------------------------- SMS (Aliyun)


async def sms_resident(server, phone):
    from test_push_channels import app_resident

    return (await app_resident(server, phone))[1]


async def sms_outcome(server, worker, owner):
    e = event(owner, "application.supplement_required", channel="app")  # important: SMS is planned
    await worker.handle([e])
    return (await trail(server, e["event_id"]))["sms"]


@pytest.mark.parametrize("setup, cause, code", [
    ("balance", "quota", "isv.AMOUNT_NOT_ENOUGH"),
    ("daily_limit", "quota", "isv.DAY_LIMIT_CONTROL"),
    ("template", "config", "isv.SMS_TEMPLATE_ILLEGAL"),
    ("sign", "config", "isv.SMS_SIGNATURE_ILLEGAL"),
    ("phone_day", "recipient", "isv.BUSINESS_LIMIT_CONTROL"),
    ("clock", "config", "InvalidTimeStamp.Expired"),
])
async def test_sms_refusals_are_final_and_counted(push_server, monkeypatch, setup, cause, code):
    server = push_server
    worker = make_worker(server, window=60.0)
    owner = await sms_resident(server, "13900001001")
    sandbox = server.deps.sandbox
    if setup in ("balance", "daily_limit"):
        await server.fetch("/sandbox/sms/account", "PUT", json_body={setup: 0})
    elif setup == "template":
        monkeypatch.setattr(worker.providers["sms"], "template", "SMS_NOT_APPROVED")
    elif setup == "sign":
        monkeypatch.setattr(server.deps.sms, "sign_name", "未报备签名")
    elif setup == "phone_day":  # this phone already had 50 status messages today
        key = ("notice", server.settings.sms_sign_name, server.settings.sms_template_status, "13900001001")
        sandbox.sms.sent_at[key] = [sandbox.clock()] * 50
    elif setup == "clock":  # our clock is 20 minutes off Aliyun's
        real = sandbox.clock
        monkeypatch.setattr(sandbox, "clock", lambda: real() + 1200)
    before = refusals("sms", cause, code)
    found = await sms_outcome(server, worker, owner)
    assert (found["status"], found["attempts"]) == ("permanent-failure", 1), found.get("reason")
    assert code in found["reason"]
    assert refusals("sms", cause, code) == before + 1


async def test_sms_system_error_is_retried(push_server):
    server = push_server
    worker = make_worker(server, window=60.0)
    owner = await sms_resident(server, "13900001002")
    await fault(server, "sms.send", errcode=1, errmsg="系统错误", times=1)
    await fault(server, "sms.send", status=503, times=1)
    found = await sms_outcome(server, worker, owner)
    assert found["status"] == "sending" and found["retry_at"]
    await settle(server, worker)
    found = (await trail(server, found["event_id"]))["sms"]
    assert (found["status"], found["attempts"]) == ("accepted", 3)


# ---------------------------------------------------------------- JPush


@pytest.mark.parametrize("spec, outcome", [
    ({"status": 401}, ("permanent-failure", "config", "1004")),
    ({"errcode": 1003, "errmsg": "Parameter value is invalid"}, ("permanent-failure", "content", "1003")),
    ({"errcode": 2003, "errmsg": "appkey is restricted"}, ("permanent-failure", "config", "2003")),
    ({"errcode": 1030, "errmsg": "internal service timeout"}, ("sending", None, None)),
    ({"errcode": 1099, "errmsg": "something new"}, ("sending", "unknown", None)),
])
async def test_jpush_codes(push_server, spec, outcome):
    from test_push_channels import app_resident

    server = push_server
    worker = make_worker(server, window=60.0)
    _, owner = await app_resident(server, "13900002001", "1a0018970a0c0000001")
    status, cause, code = outcome
    before = refusals("app", cause, code) if code else 0
    await fault(server, "jpush.push", times=1, **spec)
    e = event(owner, channel="app")
    await worker.handle([e])
    found = (await trail(server, e["event_id"]))["app"]
    assert (found["status"], found["attempts"]) == (status, 1), found.get("reason")
    if code:
        assert refusals("app", cause, code) == before + 1
    if cause == "unknown":
        assert found["reason"] == "unknown: jpush 1099"


# ---------------------------------------------------------------- Alipay


async def alipay_owner(server, user_id):
    from test_push_channels import me

    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": user_id})
    r = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})
    token = r.json["access_token"]
    r = await server.fetch("/api/v1/me/subscriptions", "POST", token=token, json_body={
        "channel": "alipay", "accepted": [{"template": "TPL_ALIPAY_STATUS", "kind": "long-term"}]})
    assert r.status == 200, r.body
    return await me(server, token)


async def alipay_outcome(server, worker, owner):
    e = event(owner, channel="alipay")
    await worker.handle([e])
    return (await trail(server, e["event_id"]))["alipay"]


async def test_alipay_reply_signed_with_another_key_is_never_sent_again(push_server):
    """Alipay took the message, but its answer does not verify (our copy of Alipay's public key
    is stale): retrying would send it again and again."""
    server = push_server
    worker = make_worker(server, window=60.0)
    owner = await alipay_owner(server, "2088000000000101")
    await server.fetch("/sandbox/alipay/signing", "PUT", json_body={"mode": "wrong-key"})
    before = refusals("alipay", "config", "reply-not-verifiable")
    found = await alipay_outcome(server, worker, owner)
    for _ in range(20):  # retries would be due by now
        await worker.run_due()
        await asyncio.sleep(0.05)
    assert len(server.deps.sandbox.alipay.template_messages) == 1
    found = (await trail(server, found["event_id"]))["alipay"]
    assert (found["status"], found["attempts"]) == ("permanent-failure", 1), found.get("reason")
    assert refusals("alipay", "config", "reply-not-verifiable") == before + 1


async def test_alipay_gateway_errors_it_could_not_sign_are_read(push_server, monkeypatch):
    """isv.invalid-app-id, isv.invalid-signature come with the gateway's placeholder sign: the
    error is read unverified (only to stop and tell operators; a success is never taken unverified)."""
    server = push_server
    worker = make_worker(server, window=60.0)
    owner = await alipay_owner(server, "2088000000000102")
    client = server.deps.logins["alipay"].gateway._client
    config = client._DefaultAlipayClient__config
    monkeypatch.setattr(config, "app_id", "2021999999999999")
    before = refusals("alipay", "config", "isv.invalid-app-id")
    found = await alipay_outcome(server, worker, owner)
    assert (found["status"], found["attempts"]) == ("permanent-failure", 1), found.get("reason")
    assert refusals("alipay", "config", "isv.invalid-app-id") == before + 1


@pytest.mark.parametrize("spec, status, reason", [
    ({"errcode": 20000, "errmsg": "系统繁忙"}, "sending", "isp.unknown-error"),
    ({"status": 200}, "sending", "unknown: "),  # not Alipay's shape at all: unreadable
])
async def test_alipay_trouble_is_retried(push_server, spec, status, reason):
    server = push_server
    worker = make_worker(server, window=60.0)
    owner = await alipay_owner(server, "2088000000000103")
    await fault(server, "alipay.open.app.mini.templatemessage.send", times=1, **spec)
    found = await alipay_outcome(server, worker, owner)
    assert (found["status"], found["attempts"]) == (status, 1) and found["reason"].startswith(reason), found["reason"]
    await settle(server, worker)
    found = (await trail(server, found["event_id"]))["alipay"]
    assert (found["status"], found["attempts"]) == ("accepted", 2)
    assert len(server.deps.sandbox.alipay.template_messages) == 1


async def test_alipay_login_answers_503_for_replies_it_cannot_trust(push_server, monkeypatch):
    server = push_server

    async def login():
        r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": "2088000000000104"})
        return await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})

    for mode in ("wrong-key", "unsigned"):
        await server.fetch("/sandbox/alipay/signing", "PUT", json_body={"mode": mode})
        r = await login()
        assert (r.status, r.json["error"]["code"]) == (503, "alipay.unavailable"), mode
    await server.fetch("/sandbox/alipay/signing", "PUT", json_body={"mode": "normal"})
    await fault(server, "alipay.system.oauth.token", status=200)  # not Alipay's shape
    assert (await login()).status == 503
    config = server.deps.logins["alipay"].gateway._client._DefaultAlipayClient__config
    monkeypatch.setattr(config, "app_id", "2021999999999999")  # the placeholder-signed isv.invalid-app-id
    r = await login()
    assert (r.status, r.json["error"]["details"]["reason"]) == (503, "isv.invalid-app-id")
    assert (await login()).status == 503


async def test_alipay_face_check_answers_503_when_our_app_is_refused(push_server, monkeypatch):
    from models.errors import AppError

    face = push_server.deps.faces["alipay"]
    config = face.gateway._client._DefaultAlipayClient__config
    monkeypatch.setattr(config, "app_id", "2021999999999999")
    with pytest.raises(AppError) as err:
        await face.result({"certify_id": "0" * 32, "expires_at": 2**31})
    assert (err.value.status, err.value.code) == (503, "alipay.unavailable")
