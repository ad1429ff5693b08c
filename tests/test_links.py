"""Issue 14, finding 1: knowing a resident's name and 身份证号 no longer joins a stranger's login to
their account. A new login joins only with proof from the person: an SMS code to their phone,
approval from one of their logins, or face verification (tests/test_face_links.py)."""

import datetime as dt

from bson import ObjectId

from support import play_face
from tests.test_resident_login import alipay_login, registered_name, sent_code, wechat_login

ID_NUMBER = "11010519491231002X"


async def app_login(server, phone):
    async for key in server.deps.redis.scan_iter("otp:cool:*"):  # skip our 60 s wait between codes
        await server.deps.redis.delete(key)
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    assert r.status == 202, r.body
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": await sent_code(server, phone)})
    assert r.status == 200, r.body
    return r.json


async def verify(server, token, id_number=ID_NUMBER):
    return await server.fetch("/api/v1/me/realname", "POST", token=token,
                              json_body={"name": await registered_name(server, id_number), "id_number": id_number})


async def victim_with_phone(server, phone="13812340001"):
    """A resident who logged in on the app (so their phone is on record) and verified their name."""
    victim = await app_login(server, phone)
    assert (await verify(server, victim["access_token"])).status == 200
    await server.fetch("/sandbox/reset", "POST")  # the gateway's one message a minute per phone
    return victim


async def me(server, token):
    return await server.fetch("/api/v1/me", token=token)


async def test_name_and_id_number_alone_join_nothing(server):
    victim = await victim_with_phone(server)
    upload = await server.fetch("/api/v1/uploads", "POST", token=victim["access_token"],
                                body=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    assert upload.status == 201, upload.body
    attacker = (await alipay_login(server, user_id="2088000000000666")).json
    r = await verify(server, attacker["access_token"])
    assert r.status == 202 and r.json["merged"] is False, r.body
    link = r.json["link"]
    assert link["state"] == "pending" and link["proofs"][:2] == ["sms", "approval"]
    assert link["phone"] == "138****0001" and "access_token" not in r.json
    # the attacker's login still sees only its own, empty, unverified account
    mine = (await me(server, attacker["access_token"])).json
    assert mine["id"] == attacker["resident"]["id"] != victim["resident"]["id"]
    assert mine["realname"] == {"status": "unverified"} and [c["channel"] for c in mine["channels"]] == ["alipay"]
    assert mine["links"]["outgoing"][0]["id"] == link["id"]
    assert (await server.fetch("/api/v1/applications", token=attacker["access_token"])).json["applications"] == []
    r = await server.fetch(f"/api/v1/uploads/{upload.json['id']}/content", token=attacker["access_token"])
    assert r.status == 404
    # it cannot approve its own request: only the account asked about can
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/approve", "POST", token=attacker["access_token"])
    assert r.status == 404
    # guessing the code sent to the victim's phone: five wrong tries and the phone is locked
    await server.fetch(f"/api/v1/me/links/{link['id']}/code", "POST", token=attacker["access_token"])
    statuses = []
    for guess in range(6):
        r = await server.fetch(f"/api/v1/me/links/{link['id']}/confirm", "POST", token=attacker["access_token"],
                               json_body={"method": "sms", "code": f"{guess:06d}"})
        statuses.append(r.status)
    assert 200 not in statuses and statuses[-1] == 429, statuses
    # and the victim saw the request, and refuses it
    incoming = (await me(server, victim["access_token"])).json["links"]["incoming"]
    assert [i["id"] for i in incoming] == [link["id"]] and incoming[0]["channel"] == "alipay"
    told = (await server.fetch("/api/v1/me/inbox", token=victim["access_token"])).json["messages"]
    assert told[0]["title"] == "账号关联申请" and "支付宝" in told[0]["body"]
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/refuse", "POST", token=victim["access_token"])
    assert r.status == 200 and r.json["state"] == "refused"
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/confirm", "POST", token=attacker["access_token"],
                           json_body={"method": "face"})
    assert r.status == 404
    victim_now = (await me(server, victim["access_token"])).json
    assert [c["channel"] for c in victim_now["channels"]] == ["app"] and victim_now["links"]["incoming"] == []
    admin = await server.login("admin", "Admin@2026")
    actions = [e["action"] for e in (await server.fetch("/api/v1/admin/audit", token=admin)).json["entries"]]
    assert "resident.link_requested" in actions and "resident.link_refused" in actions


async def test_an_sms_code_to_the_phone_on_record_joins_the_login(server):
    phone = "13812340002"
    owner = await victim_with_phone(server, phone)
    wx = (await wechat_login(server, "o-new-phone")).json
    link = (await verify(server, wx["access_token"])).json["link"]
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/code", "POST", token=wx["access_token"])
    assert r.status == 202 and r.json["phone"] == "138****0002", r.body
    sms = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]
    assert sms["template_code"] == "SMS_LINK_CODE" and "如非本人操作" in sms["text"]
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/confirm", "POST", token=wx["access_token"],
                           json_body={"method": "sms", "code": sms["params"]["code"]})
    assert r.status == 200 and r.json["merged"] is True, r.body
    assert r.json["resident"]["id"] == owner["resident"]["id"]
    assert sorted(c["channel"] for c in r.json["resident"]["channels"]) == ["app", "wechat"]
    # the same WeChat user logging in again lands on the owner's account
    assert (await wechat_login(server, "o-new-phone")).json["resident"]["id"] == owner["resident"]["id"]
    merges = (await me(server, owner["access_token"])).json["links"]["merges"]
    assert [(m["via"], m["channels"], m["undone_at"]) for m in merges] == [("sms", ["wechat"], None)]
    again = await server.fetch(f"/api/v1/me/links/{link['id']}/confirm", "POST", token=r.json["access_token"],
                               json_body={"method": "sms", "code": sms["params"]["code"]})
    assert again.status == 404


async def test_approval_then_undo_cuts_the_joined_login_off(server):
    name = await registered_name(server)
    owner = (await wechat_login(server, "o-owner")).json
    assert (await verify(server, owner["access_token"])).status == 200
    ali = (await alipay_login(server, user_id="2088000000000123")).json
    link = (await verify(server, ali["access_token"])).json["link"]
    assert link["proofs"][0] == "approval" and link["phone"] is None  # no phone on record: no SMS
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/code", "POST", token=ali["access_token"])
    assert r.status == 409 and r.json["error"]["code"] == "link.no_phone"
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/approve", "POST", token=owner["access_token"])
    assert r.status == 200 and r.json["state"] == "approved", r.body
    # the Alipay login's tokens (made before) now speak for the owner, as does a fresh login
    assert (await me(server, ali["access_token"])).json["id"] == owner["resident"]["id"]
    refreshed = await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": ali["refresh_token"]})
    assert refreshed.status == 200 and refreshed.json["resident"]["id"] == owner["resident"]["id"]
    merge = (await me(server, owner["access_token"])).json["links"]["merges"][0]
    assert merge["via"] == "approval" and merge["channels"] == ["alipay"]
    # a stranger cannot undo it; the owner can, and the Alipay login's tokens stop working for them
    stranger = (await wechat_login(server, "o-stranger")).json
    assert (await server.fetch(f"/api/v1/me/merges/{merge['id']}/undo", "POST",
                               token=stranger["access_token"])).status == 404
    r = await server.fetch(f"/api/v1/me/merges/{merge['id']}/undo", "POST", token=owner["access_token"])
    assert r.status == 200 and [c["channel"] for c in r.json["channels"]] == ["wechat"], r.body
    cut = await me(server, refreshed.json["access_token"])
    assert cut.status == 401 and cut.json["error"]["code"] == "auth.token_revoked"
    # its refresh token now gives it back its own account, not the owner's
    r = await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": refreshed.json["refresh_token"]})
    assert r.status == 200 and r.json["resident"]["id"] == ali["resident"]["id"]
    back = (await alipay_login(server, user_id="2088000000000123")).json
    assert back["resident"]["id"] == ali["resident"]["id"] and back["resident"]["realname"]["status"] == "unverified"
    assert (await me(server, owner["access_token"])).json["links"]["merges"][0]["undone_at"]
    assert (await server.fetch(f"/api/v1/me/merges/{merge['id']}/undo", "POST",
                               token=owner["access_token"])).status == 404
    assert name  # the register's name was what the Alipay login typed


async def test_unlinking_a_channel_ends_its_sessions(server):
    owner = (await wechat_login(server, "o-unlink")).json
    assert (await verify(server, owner["access_token"])).status == 200
    ali = (await alipay_login(server, user_id="2088000000000124")).json
    link = (await verify(server, ali["access_token"])).json["link"]
    await server.fetch(f"/api/v1/me/links/{link['id']}/approve", "POST", token=owner["access_token"])
    r = await server.fetch("/api/v1/me/channels/alipay", "DELETE", token=owner["access_token"])
    assert r.status == 200, r.body
    assert (await me(server, ali["access_token"])).status == 401
    r = await server.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": ali["refresh_token"]})
    assert r.status == 401


async def test_requests_expire_and_answers_are_final(server):
    owner = (await wechat_login(server, "o-final")).json
    assert (await verify(server, owner["access_token"])).status == 200
    ali = (await alipay_login(server, user_id="2088000000000125")).json
    first = (await verify(server, ali["access_token"])).json["link"]
    assert (await verify(server, ali["access_token"])).json["link"]["id"] == first["id"]  # one pending request
    approve = f"/api/v1/me/links/{first['id']}/approve"
    answers = [await server.fetch(approve, "POST", token=owner["access_token"]) for _ in range(2)]
    assert [a.status for a in answers] == [200, 404]
    other = (await alipay_login(server, user_id="2088000000000126")).json
    late = (await verify(server, other["access_token"])).json["link"]
    await server.deps.db.resident_links.update_one(
        {"_id": ObjectId(late["id"])}, {"$set": {"expires_at": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}})
    r = await server.fetch(f"/api/v1/me/links/{late['id']}/approve", "POST", token=owner["access_token"])
    assert r.status == 404 and r.json["error"]["code"] == "link.not_found"
    assert (await me(server, owner["access_token"])).json["links"]["incoming"] == []


async def face_link(server, openid):
    """A WeChat login asking to join the account that an Alipay login verified first."""
    owner = (await alipay_login(server, user_id="2088000000000900")).json
    if owner["resident"]["realname"]["status"] != "verified":
        assert (await verify(server, owner["access_token"])).status == 200
    wx = (await wechat_login(server, openid)).json
    link = (await verify(server, wx["access_token"])).json["link"]
    assert "face" in link["proofs"]
    return owner, wx, link


async def test_face_verification_on_the_channel_joins_the_login(server):
    owner, wx, link = await face_link(server, "o-face-pass")
    confirm = f"/api/v1/me/links/{link['id']}/confirm"
    r = await server.fetch(confirm, "POST", token=wx["access_token"], json_body={"method": "face"})
    assert r.status == 409 and r.json["error"]["code"] == "link.face_not_started"
    r = await server.fetch(f"/api/v1/me/links/{link['id']}/face", "POST", token=wx["access_token"])
    assert r.status == 200 and r.json["client"]["verify_id"], r.body
    r = await server.fetch(confirm, "POST", token=wx["access_token"], json_body={"method": "face"})
    assert r.status == 409 and r.json["error"]["code"] == "link.face_pending"  # the resident is still at it
    await play_face(server, "wechat", "o-face-pass", "pass")
    r = await server.fetch(confirm, "POST", token=wx["access_token"], json_body={"method": "face"})
    assert r.status == 200 and r.json["merged"] is True, r.body
    assert r.json["resident"]["id"] == owner["resident"]["id"]
    merges = (await me(server, owner["access_token"])).json["links"]["merges"]
    assert [(m["via"], m["channels"]) for m in merges] == [("face", ["wechat"])]


async def test_a_failed_or_timed_out_face_check_joins_nothing(server):
    for outcome, code in (("fail", "link.face_failed"), ("timeout", "link.face_timeout")):
        owner, wx, link = await face_link(server, f"o-face-{outcome}")
        await server.fetch(f"/api/v1/me/links/{link['id']}/face", "POST", token=wx["access_token"])
        await play_face(server, "wechat", f"o-face-{outcome}", outcome)
        r = await server.fetch(f"/api/v1/me/links/{link['id']}/confirm", "POST", token=wx["access_token"],
                               json_body={"method": "face"})
        assert r.status == 422 and r.json["error"]["code"] == code, r.body
        assert (await me(server, wx["access_token"])).json["id"] == wx["resident"]["id"] != owner["resident"]["id"]
    admin = await server.login("admin", "Admin@2026")
    entries = (await server.fetch("/api/v1/admin/audit?action=resident.link_face_failed", token=admin)).json["entries"]
    assert sorted(e["details"]["outcome"] for e in entries) == ["failed", "timeout"]
