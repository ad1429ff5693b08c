"""Resident login on every channel, through the real SDKs over HTTP to the sandbox."""

import asyncio
import datetime as dt
import json
import logging

import jwt
import pytest
from bson import json_util

from api.auth import key_id
from config import DEMO_JWT_SECRET

MINI_APPID = "wxdemominiapp"
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


async def wechat_code(server, openid, unionid=None):
    r = await server.fetch("/sandbox/wechat/login-code", "POST",
                           json_body={"openid": openid, "unionid": unionid, "appid": MINI_APPID})
    assert r.status == 201, r.body
    return r.json["code"]


async def wechat_login(server, openid="o-alice", unionid=None):
    return await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": await wechat_code(server, openid, unionid)})


async def alipay_login(server, **who):
    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body=who or {"user_id": "2088000000000001"})
    assert r.status == 201, r.body
    return await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})


async def sent_code(server, phone=PHONE):
    messages = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"]
    return messages[-1]["params"]["code"]


async def fault(server, target, **spec):
    r = await server.fetch("/sandbox/faults", "POST", json_body={"target": target, **spec})
    assert r.status == 201, r.body


async def test_wechat_login_keys_on_unionid_then_openid(server):
    first = await wechat_login(server, "o-1", "u-1")
    assert first.status == 200, first.body
    body = first.json
    assert "session_key" not in first.body.decode()
    claims = jwt.decode(body["access_token"], DEMO_JWT_SECRET, algorithms=["HS256"], audience="wechat")
    assert claims["aud"] == "wechat" and claims["typ"] == "resident" and claims["exp"] - claims["iat"] <= 900
    same_person = await wechat_login(server, "o-2", "u-1")  # another mini-program, same unionid
    assert same_person.json["resident"]["id"] == body["resident"]["id"]
    other = await wechat_login(server, "o-3")
    assert other.json["resident"]["id"] != body["resident"]["id"]
    me = await server.fetch("/api/v1/me", token=body["access_token"])
    assert me.status == 200 and me.json["realname"] == {"status": "unverified"}
    assert [c["channel"] for c in me.json["channels"]] == ["wechat"]
    # WeChat's session_key is not kept anywhere: nothing needs it
    assert not [k async for k in server.deps.redis.scan_iter("session-secret:*")]


async def test_wechat_errors_are_mapped(server):
    code = await wechat_code(server, "o-reuse")
    assert (await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": code})).status == 200
    again = await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": code})
    assert again.status == 401 and again.json["error"]["code"] == "auth.code_invalid"
    await server.fetch("/sandbox/wechat/risky-users", "POST", json_body={"openid": "o-risky"})
    risky = await wechat_login(server, "o-risky")
    assert risky.status == 403 and risky.json["error"]["code"] == "auth.high_risk"
    await fault(server, "wechat.jscode2session", errcode=45011, errmsg="api minute-quota reach limit")
    limited = await wechat_login(server, "o-x")
    assert limited.status == 429 and limited.headers["Retry-After"] == "60"
    await fault(server, "wechat.jscode2session", errcode=-1, errmsg="system busy")
    busy = await wechat_login(server, "o-x")
    assert busy.status == 503 and busy.json["error"]["code"] == "wechat.unavailable" and "Retry-After" in busy.headers
    await fault(server, "wechat.jscode2session", status=502)
    down = await wechat_login(server, "o-x")
    assert down.status == 503
    bad = await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": ""})
    assert bad.status == 422 and "code" in bad.json["error"]["details"]


async def test_alipay_login_with_user_id_or_open_id(server):
    a = await alipay_login(server, user_id="2088000000000009")
    assert a.status == 200, a.body
    assert jwt.decode(a.json["access_token"], options={"verify_signature": False})["aud"] == "alipay"
    again = await alipay_login(server, user_id="2088000000000009")
    assert again.json["resident"]["id"] == a.json["resident"]["id"]
    newer = await alipay_login(server, open_id="074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5")
    assert newer.status == 200 and newer.json["resident"]["id"] != a.json["resident"]["id"]


async def test_alipay_errors(server):
    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": "2088000000000002"})
    code = r.json["auth_code"]
    assert (await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": code})).status == 200
    reused = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": code})
    assert reused.status == 401 and reused.json["error"]["code"] == "auth.code_invalid"
    await fault(server, "alipay.system.oauth.token", errcode=20000)
    r = await alipay_login(server)
    assert r.status == 503 and r.json["error"]["code"] == "alipay.unavailable"
    await fault(server, "alipay.system.oauth.token", status=504)
    assert (await alipay_login(server)).status == 503


async def test_app_otp_login_and_limits(server):
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": PHONE})
    assert r.status == 202, r.body
    code = await sent_code(server)
    assert len(code) == 6
    again = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": PHONE})
    assert again.status == 429 and 0 < int(again.headers["Retry-After"]) <= 60
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": PHONE, "otp": wrong})
    assert r.status == 401 and r.json["error"]["code"] == "auth.otp_invalid"
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": PHONE, "otp": code})
    assert r.status == 200, r.body
    assert r.json["resident"]["phone"] == "138****5678"
    assert jwt.decode(r.json["access_token"], options={"verify_signature": False})["aud"] == "app"
    spent = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": PHONE, "otp": code})
    assert spent.status == 401  # single use
    bad = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "12345"})
    assert bad.status == 422 and bad.json["error"]["details"] == {"phone": ["手机号码格式不正确"]}


async def test_five_wrong_tries_kill_the_code_and_lock_the_phone(server):
    phone = "13900001111"
    await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    code = await sent_code(server, phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    statuses = []
    for _ in range(5):
        r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": wrong})
        statuses.append(r.status)
    assert statuses == [401, 401, 401, 401, 429]
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})
    assert r.status == 429  # locked; the code is gone as well
    await server.deps.redis.delete(*[k async for k in server.deps.redis.scan_iter("otp:cool:*")])
    before = len((await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"])
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    assert r.status == 429 and int(r.headers["Retry-After"]) > 800
    assert len((await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"]) == before


async def test_a_burst_of_guesses_is_counted_before_the_right_one(server):
    """Issue 14, finding 2: 60 wrong guesses and the right one sent at once used to get in,
    because the lock check, the comparison and the count were separate calls."""
    for round_ in range(3):
        phone = f"1390000222{round_}"
        await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
        code = await sent_code(server, phone)
        wrong = [f"{(int(code) + i) % 10**6:06d}" for i in range(1, 61)]
        answers = await asyncio.gather(*(server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": o})
                                         for o in [*wrong, code]))
        statuses = [r.status for r in answers]
        assert statuses.count(401) == 4 and statuses[-1] == 429, statuses  # the right one came too late
        assert 200 not in statuses


async def test_daily_and_per_ip_limits(server):
    redis = server.deps.redis
    phone = "13700002222"
    for i in range(10):
        r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
        assert r.status == 202, (i, r.body)
        await redis.delete(*[k async for k in redis.scan_iter("otp:cool:*")])  # skip our 60 s wait
        await server.fetch("/sandbox/reset", "POST")  # and the gateway's 1 per minute
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    assert r.status == 429 and "上限" in r.json["error"]["message"]
    for i in range(10):  # 20 per hour per IP in all
        r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": f"1360000{i:04d}"})
        assert r.status == 202, (i, r.body)
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "13500009999"})
    assert r.status == 429 and r.json["error"]["message"] == "请求过于频繁，请稍后再试"


async def test_sms_gateway_failure_lets_the_resident_retry(server):
    await fault(server, "sms.send", status=500)
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "13811112222"})
    assert r.status == 503 and r.json["error"]["code"] == "sms.unavailable"
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "13811112222"})
    assert r.status == 202  # the failed attempt did not start the 60 s cooldown


async def test_refresh_rotation_reuse_and_logout(server):
    login = (await wechat_login(server, "o-refresh")).json
    first = login["refresh_token"]
    r = await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": first})
    assert r.status == 200 and r.json["refresh_token"] != first
    assert jwt.decode(r.json["access_token"], options={"verify_signature": False})["aud"] == "wechat"
    second = r.json["refresh_token"]
    replay = await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": first})
    assert replay.status == 401
    assert (await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": second})).status == 401
    other = (await wechat_login(server, "o-refresh")).json["refresh_token"]
    assert (await server.fetch("/api/v1/auth/logout", "POST", json_body={"refresh_token": other})).status == 204
    assert (await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": other})).status == 401
    stored = [k async for k in server.deps.redis.scan_iter("rt:*")]
    assert all(other not in k.decode() for k in stored)  # only hashes are stored


# HS512 with our 45-byte demo key is one of the forged cases: PyJWT's key-length warning is expected
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_bad_resident_tokens_are_401(server):
    good = (await wechat_login(server, "o-tok")).json["access_token"]
    claims = jwt.decode(good, DEMO_JWT_SECRET, algorithms=["HS256"], audience="wechat")
    kid = {"kid": key_id(DEMO_JWT_SECRET)}
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    cases = [
        jwt.encode({**claims, "aud": "douyin"}, DEMO_JWT_SECRET, headers=kid),
        jwt.encode({**claims, "exp": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}, DEMO_JWT_SECRET, headers=kid),
        jwt.encode(claims, None, algorithm="none", headers=kid),
        jwt.encode(claims, DEMO_JWT_SECRET, algorithm="HS512", headers=kid),
        tampered,
    ]
    for token in cases:
        r = await server.fetch("/api/v1/me", token=token)
        assert r.status == 401, token
    staff = await server.login()
    assert (await server.fetch("/api/v1/me", token=staff)).status == 403
    assert (await server.fetch("/api/v1/admin/items", token=good)).status == 403


async def test_key_rotation_keeps_old_tokens_valid(database, redis_server):
    from support import start_server, stop_server

    old = await start_server(database, redis_server.url)
    token = (await wechat_login(old, "o-rot")).json["access_token"]
    await stop_server(old)
    new = await start_server(database, redis_server.url, seed_demo=False, JWT_SECRET="n" * 40,
                             JWT_OLD_SECRETS=DEMO_JWT_SECRET)
    try:
        assert (await new.fetch("/api/v1/me", token=token)).status == 200
        fresh = (await wechat_login(new, "o-rot")).json["access_token"]
        assert jwt.get_unverified_header(fresh)["kid"] == key_id("n" * 40)
    finally:
        await stop_server(new)


async def registered_name(server, id_number=ID_NUMBER):
    r = await server.fetch(f"/sandbox/identity/people/{id_number}")
    assert r.status == 200, r.body
    return r.json["name"]


async def test_realname_then_cross_channel_merge_and_revert(server):
    name = await registered_name(server)
    wx = (await wechat_login(server, "o-merge")).json
    r = await server.fetch("/api/v1/me/realname", "POST", token=wx["access_token"],
                           json_body={"name": name, "id_number": ID_NUMBER})
    assert r.status == 200, r.body
    assert r.json["merged"] is False
    assert r.json["resident"]["realname"]["id_number"] == "1101**********002X"
    ali = (await alipay_login(server, user_id="2088000000000077")).json
    assert ali["resident"]["id"] != wx["resident"]["id"]
    r = await server.fetch("/api/v1/me/realname", "POST", token=ali["access_token"],
                           json_body={"name": name, "id_number": ID_NUMBER})
    assert r.status == 202 and r.json["merged"] is False  # the WeChat login must approve (tests/test_links.py)
    r = await server.fetch(f"/api/v1/me/links/{r.json['link']['id']}/approve", "POST", token=wx["access_token"])
    assert r.status == 200 and r.json["resident"]["id"] == wx["resident"]["id"]
    assert sorted(c["channel"] for c in r.json["resident"]["channels"]) == ["alipay", "wechat"]
    # the alipay login now lands on the same resident, and so does its old token
    assert (await alipay_login(server, user_id="2088000000000077")).json["resident"]["id"] == wx["resident"]["id"]
    assert (await server.fetch("/api/v1/me", token=ali["access_token"])).json["id"] == wx["resident"]["id"]

    admin = await server.login("admin", "Admin@2026")
    merges = (await server.fetch("/api/v1/admin/residents/merges", token=admin)).json["merges"]
    assert len(merges) == 1 and merges[0]["source"] == ali["resident"]["id"]
    operator = await server.login()
    assert (await server.fetch("/api/v1/admin/residents/merges", token=operator)).status == 403
    r = await server.fetch(f"/api/v1/admin/residents/merges/{merges[0]['id']}/revert", "POST", token=admin)
    assert r.status == 200 and r.json["id"] == ali["resident"]["id"]
    assert (await alipay_login(server, user_id="2088000000000077")).json["resident"]["id"] == ali["resident"]["id"]
    wx_now = (await server.fetch("/api/v1/me", token=wx["access_token"])).json
    assert [c["channel"] for c in wx_now["channels"]] == ["wechat"] and wx_now["realname"]["status"] == "verified"
    again = await server.fetch(f"/api/v1/admin/residents/merges/{merges[0]['id']}/revert", "POST", token=admin)
    assert again.status == 404
    audit = (await server.fetch("/api/v1/admin/audit?action=resident.merge", token=admin)).json["entries"]
    assert len(audit) == 1


async def test_realname_errors(server):
    wx = (await wechat_login(server, "o-rn")).json["access_token"]
    name = await registered_name(server)
    cases = [({"name": name, "id_number": "11010519491231002Y"}, 422, "validation_failed"),
             ({"name": "张", "id_number": ID_NUMBER}, 422, "validation_failed"),
             ({"name": "王某某", "id_number": ID_NUMBER}, 422, "realname.mismatch")]
    for body, status, code in cases:
        r = await server.fetch("/api/v1/me/realname", "POST", token=wx, json_body=body)
        assert (r.status, r.json["error"]["code"]) == (status, code), body
    await fault(server, "identity.verify", status=503)
    r = await server.fetch("/api/v1/me/realname", "POST", token=wx, json_body={"name": name, "id_number": ID_NUMBER})
    assert r.status == 503 and r.json["error"]["code"] == "exchange.unavailable"
    assert (await server.fetch("/api/v1/me/realname", "POST", token=wx,
                               json_body={"name": name, "id_number": ID_NUMBER})).status == 200
    other = "110105194912310038"
    r = await server.fetch("/api/v1/me/realname", "POST", token=wx,
                           json_body={"name": await registered_name(server, other), "id_number": other})
    assert r.status == 409 and r.json["error"]["code"] == "realname.already_verified"


async def test_unlink_channels(server):
    name = await registered_name(server)
    wx = (await wechat_login(server, "o-unlink")).json
    await server.fetch("/api/v1/me/realname", "POST", token=wx["access_token"], json_body={"name": name, "id_number": ID_NUMBER})
    ali = (await alipay_login(server, user_id="2088000000000055")).json
    link = (await server.fetch("/api/v1/me/realname", "POST", token=ali["access_token"],
                               json_body={"name": name, "id_number": ID_NUMBER})).json["link"]
    await server.fetch(f"/api/v1/me/links/{link['id']}/approve", "POST", token=wx["access_token"])
    on_alipay = ali["access_token"]
    r = await server.fetch("/api/v1/me/channels/alipay", "DELETE", token=on_alipay)
    assert r.status == 409 and r.json["error"]["code"] == "channel.current"  # not the one in use
    token = (await wechat_login(server, "o-unlink")).json["access_token"]
    r = await server.fetch("/api/v1/me/channels/alipay", "DELETE", token=token)
    assert r.status == 200 and [c["channel"] for c in r.json["channels"]] == ["wechat"]
    assert (await server.fetch("/api/v1/me/channels/alipay", "DELETE", token=token)).status == 404
    last = await server.fetch("/api/v1/me/channels/wechat", "DELETE", token=token)
    assert last.status == 409 and last.json["error"]["code"] == "channel.last"
    assert (await server.fetch("/api/v1/me/channels/douyin", "DELETE", token=token)).status == 404


async def test_no_raw_pii_in_mongo_or_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": PHONE})
    login = (await server.fetch("/api/v1/auth/app", "POST",
                                json_body={"phone": PHONE, "otp": await sent_code(server)})).json
    name = await registered_name(server)
    r = await server.fetch("/api/v1/me/realname", "POST", token=login["access_token"],
                           json_body={"name": name, "id_number": ID_NUMBER})
    assert r.status == 200
    dump = ""
    for collection in ("residents", "resident_merges", "audit_log"):
        docs = await server.deps.db[collection].find({}).to_list(None)
        dump += json_util.dumps(docs, ensure_ascii=False)
    for raw in (PHONE, ID_NUMBER, name):
        assert raw not in dump, raw
        assert raw not in caplog.text, raw
    me = (await server.fetch("/api/v1/me", token=login["access_token"])).json
    text = json.dumps(me, ensure_ascii=False)
    assert PHONE not in text and ID_NUMBER not in text and name not in text
    assert me["phone"] == "138****5678" and me["realname"]["id_number"] == "1101**********002X"


async def test_real_name_attempts_are_limited_per_login_and_per_id_number(server):
    """Issue 14, finding 3: wrong names used to be answered 422 without limit, so a name could be
    guessed against a 身份证号."""
    from sandbox.identity import person_for
    from support import resident_token

    id_number, name = person_for("o-guessed")
    guesser = await resident_token(server, "o-guesser")
    answers = []
    for i in range(6):
        r = await server.fetch("/api/v1/me/realname", "POST", token=guesser,
                               json_body={"name": "张" + "一二三四五六"[i], "id_number": id_number})
        answers.append(r.status)
    assert answers == [422] * 5 + [429]
    assert r.json["error"]["code"] == "realname.rate_limited" and int(r.headers["Retry-After"]) > 0
    # another login of the same guesser is stopped too: the number itself has had its tries
    other = await resident_token(server, "o-guesser-2")
    r = await server.fetch("/api/v1/me/realname", "POST", token=other, json_body={"name": name, "id_number": id_number})
    assert r.status == 429


async def test_binding_the_mini_program_to_an_open_platform_account_keeps_residents(server):
    """Issue 15, finding 4: once the mini-program is bound to an Open Platform account, logins carry
    a unionid; a returning resident keyed by openid is found by it and gains the unionid."""
    before = (await wechat_login(server, "o-midlife")).json
    assert before["resident"]["id"]
    after = await wechat_login(server, "o-midlife", "u-midlife")  # the app was bound meanwhile
    assert after.status == 200 and after.json["resident"]["id"] == before["resident"]["id"], after.body
    stored = await server.deps.db.residents.find_one({"identity_keys": "wechat:u-midlife"})
    assert str(stored["_id"]) == before["resident"]["id"] and [c["subject"] for c in stored["channels"]] == ["u-midlife"]
    # another mini-program of the same Open Platform account: the same person, by unionid
    other_app = (await wechat_login(server, "o-midlife-2", "u-midlife")).json
    assert other_app["resident"]["id"] == before["resident"]["id"]
    for token in (before["access_token"], after.json["access_token"], other_app["access_token"]):
        assert (await server.fetch("/api/v1/me", token=token)).status == 200


async def test_a_unionid_held_by_another_resident_leaves_both_as_they_are(server):
    first = (await wechat_login(server, "o-held-a", "u-held")).json  # came in through another app, bound
    old = (await wechat_login(server, "o-held-b")).json  # this app, before binding
    again = await wechat_login(server, "o-held-b", "u-held")
    assert again.status == 200 and again.json["resident"]["id"] == old["resident"]["id"] != first["resident"]["id"]
    assert (await server.fetch("/api/v1/me", token=again.json["access_token"])).status == 200
