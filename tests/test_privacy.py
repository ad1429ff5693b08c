"""Privacy (issue 19): versioned 用户协议 / 隐私政策 with consent at login, the 身份证号's own consent,
and account closure (个人信息保护法 Art. 47). The server runs with the consent gate on."""

import datetime as dt
import uuid

import pytest
from bson import ObjectId
from test_push_live import connect, next_json

from models import favorites
from sandbox.identity import person_for
from support import FORM, play_face, start_server, stop_server, upload_photo

MINI_APPID = "wxdemominiapp"


@pytest.fixture
async def gated(database, redis_server):
    redis_server.flush()
    srv = await start_server(database, redis_server.url, CONSENT_GATE="true")
    yield srv
    await stop_server(srv)


async def wechat_code(server, openid):
    r = await server.fetch("/sandbox/wechat/login-code", "POST", json_body={"openid": openid, "appid": MINI_APPID})
    assert r.status == 201, r.body
    return r.json["code"]


async def wechat_login(server, openid):
    r = await server.fetch("/api/v1/auth/wechat", "POST", json_body={"code": await wechat_code(server, openid)})
    assert r.status == 200, r.body
    return r.json


async def agree(server, token, kinds=("terms", "privacy")):
    versions = (await server.fetch("/api/v1/legal")).json["versions"]
    r = await server.fetch("/api/v1/me/consents", "POST", token=token,
                           json_body={"kinds": list(kinds), "versions": {k: versions[k] for k in kinds}})
    assert r.status == 200, r.body
    return r.json


async def verified_resident(server, openid):
    """Logged in, agreed to everything, real name verified: a resident who may apply."""
    login = await wechat_login(server, openid)
    token = login["access_token"]
    await agree(server, token, ("terms", "privacy", "id_number"))
    id_number, name = person_for(openid)
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body
    return login


async def test_the_current_texts_are_public_and_say_what_the_law_asks(gated):
    r = await gated.fetch("/api/v1/legal")
    assert r.status == 200 and r.json["versions"] == {"terms": 1, "privacy": 1, "id_number": 1}
    privacy = (await gated.fetch("/api/v1/legal/privacy")).json
    assert privacy["version"] == 1 and privacy["title"] == "隐私政策" and privacy["effective_at"]
    text = "".join(s["heading"] + s["text"] for s in privacy["sections"])
    for needed in ("个人信息处理者", "收集", "保存多久", "个人信息保护法", "注销", "12345"):
        assert needed in text, needed
    assert (await gated.fetch("/api/v1/legal/terms")).json["title"] == "用户服务协议"
    assert (await gated.fetch("/api/v1/legal/id_number")).json["sections"]
    assert (await gated.fetch("/api/v1/legal/privacy?version=7")).status == 404
    assert (await gated.fetch("/api/v1/legal/cookies")).status == 404


async def test_a_first_login_must_agree_before_anything_else(gated):
    login = await wechat_login(gated, "o-first")
    token = login["access_token"]
    assert [(c["kind"], c["version"]) for c in login["consent_required"]] == [("terms", 1), ("privacy", 1)]
    r = await gated.fetch("/api/v1/me/inbox", token=token)
    assert r.status == 403 and r.json["error"]["code"] == "consent.required"
    # who am I answers, and says the same
    me = await gated.fetch("/api/v1/me", token=token)
    assert me.status == 200 and len(me.json["consent_required"]) == 2 and me.json["consents"] == {}
    answer = await agree(gated, token)
    assert answer["consent_required"] == []
    assert answer["consents"]["terms"]["version"] == 1 and answer["consents"]["privacy"]["channel"] == "wechat"
    assert (await gated.fetch("/api/v1/me/inbox", token=token)).status == 200
    # the record: when and through which channel, per document
    log = await gated.deps.db.consent_log.find({"resident": ObjectId(login["resident"]["id"])}).to_list(None)
    assert sorted(e["kind"] for e in log) == ["privacy", "terms"] and all(e["channel"] == "wechat" for e in log)
    # the next login asks nothing
    again = await wechat_login(gated, "o-first")
    assert again["consent_required"] == [] and again["resident"]["consents"]["terms"]["version"] == 1


async def test_the_live_socket_waits_for_consent_too(gated):
    token = (await wechat_login(gated, "o-socket"))["access_token"]
    early = await connect(gated, token)
    assert await next_json(early) is None
    assert (early.close_code, early.close_reason) == (4403, "consent.required")  # the client must not retry
    await agree(gated, token)
    agreed = await connect(gated, token)
    assert await next_json(agreed) == {"type": "ready"}
    agreed.close()


async def test_agreeing_to_only_one_document_is_not_enough(gated):
    token = (await wechat_login(gated, "o-half"))["access_token"]
    await agree(gated, token, ("terms",))
    r = await gated.fetch("/api/v1/me/inbox", token=token)
    assert r.status == 403 and r.json["error"]["details"]["consent_required"] == ["privacy:1"]


async def test_a_new_version_asks_again_and_an_unread_one_cannot_be_agreed_to(gated, operator_token):
    token = (await wechat_login(gated, "o-returning"))["access_token"]
    await agree(gated, token)
    body = {"title": "隐私政策", "changes": "增加了人脸核验的说明",
            "sections": [{"heading": "一、个人信息处理者", "text": "本市政务服务数据管理部门。"},
                         {"heading": "二、人脸核验", "text": "账号关联时可选择人脸核验，图像不由我们保存。"}]}
    # residents cannot publish
    assert (await gated.fetch("/api/v1/admin/legal/privacy", "POST", token=token, json_body=body)).status == 403
    r = await gated.fetch("/api/v1/admin/legal/privacy", "POST", token=operator_token, json_body=body)
    assert r.status == 201 and r.json["version"] == 2
    assert (await gated.fetch("/api/v1/legal/privacy")).json["changes"] == "增加了人脸核验的说明"
    r = await gated.fetch("/api/v1/me/inbox", token=token)
    assert r.status == 403 and r.json["error"]["details"]["consent_required"] == ["privacy:2"]
    assert (await wechat_login(gated, "o-returning"))["consent_required"] == [
        {"kind": "privacy", "version": 2, "title": "隐私政策"}]
    # agreeing to the version read before the publish is refused
    r = await gated.fetch("/api/v1/me/consents", "POST", token=token,
                          json_body={"kinds": ["privacy"], "versions": {"privacy": 1}})
    assert r.status == 409 and r.json["error"]["code"] == "consent.version_changed"
    await agree(gated, token, ("privacy",))
    assert (await gated.fetch("/api/v1/me/inbox", token=token)).status == 200
    history = (await gated.fetch("/api/v1/admin/legal/privacy", token=operator_token)).json["versions"]
    assert [v["version"] for v in history] == [2, 1] and history[0]["published_by"] == "operator"
    audit = await gated.deps.db.audit_log.find_one({"action": "legal.publish"})
    assert audit["target"] == "legal:privacy" and audit["details"]["version"] == 2


async def test_a_version_published_for_later_asks_nothing_until_then(gated, operator_token):
    token = (await wechat_login(gated, "o-later"))["access_token"]
    await agree(gated, token)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat()
    r = await gated.fetch("/api/v1/admin/legal/terms", "POST", token=operator_token,
                          json_body={"title": "用户服务协议", "effective_at": later,
                                     "sections": [{"heading": "一", "text": "新条款"}]})
    assert r.status == 201 and r.json["version"] == 2
    assert (await gated.fetch("/api/v1/legal")).json["versions"]["terms"] == 1
    assert (await gated.fetch("/api/v1/me/inbox", token=token)).status == 200
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    r = await gated.fetch("/api/v1/admin/legal/terms", "POST", token=operator_token,
                          json_body={"title": "用户服务协议", "effective_at": past,
                                     "sections": [{"heading": "一", "text": "新条款"}]})
    assert r.status == 422 and "effective_at" in r.json["error"]["details"]


async def test_bad_consent_and_publish_bodies_are_422(gated, operator_token):
    token = (await wechat_login(gated, "o-bad"))["access_token"]
    for body in ({}, {"kinds": ["cookies"], "versions": {}}, {"kinds": [], "versions": {}},
                 {"kinds": ["terms"], "versions": {"terms": "one"}}):
        r = await gated.fetch("/api/v1/me/consents", "POST", token=token, json_body=body)
        assert r.status == 422, body
    r = await gated.fetch("/api/v1/admin/legal/terms", "POST", token=operator_token, json_body={"title": "x"})
    assert r.status == 422 and "sections" in r.json["error"]["details"]
    assert (await gated.fetch("/api/v1/me/consents", "POST", json_body={"kinds": ["terms"]})).status == 401


async def test_the_id_number_needs_its_own_consent_before_real_name_verification(gated):
    token = (await wechat_login(gated, "o-idcard"))["access_token"]
    await agree(gated, token)
    id_number, name = person_for("o-idcard")
    r = await gated.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 403 and r.json["error"]["code"] == "consent.id_number_required"
    me = await gated.deps.db.residents.find_one({"identity_keys": "wechat:o-idcard"})
    assert "realname" not in me
    await agree(gated, token, ("id_number",))
    r = await gated.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200 and r.json["resident"]["consents"]["id_number"]["version"] == 1


async def seed_personal_data(server, owner: str):
    """What a resident leaves behind besides 办件, written as the code that owns each collection would."""
    db, now = server.deps.db, dt.datetime.now(dt.UTC)
    await db.vehicles.insert_one({"owner": owner, "plate": "浙A12345", "engine_tail_enc": "x", "bound_at": now})
    await db.inbox.insert_one({"_id": uuid.uuid4().hex, "owner": owner, "title": "已受理", "read": False, "created_at": now})
    await db.material_library.insert_one({"owner": owner, "code": "id_card", "saved_at": now})
    await db.subscriptions.insert_one({"_id": f"{owner}:wechat:t1", "owner": owner, "channel": "wechat", "template": "t1"})
    await db.devices.insert_one({"_id": "reg-1", "owner": owner, "active": True, "updated_at": now})
    await favorites.add(db, owner, "SB0001")
    await db.notification_preferences.insert_one({"_id": owner, "sms": True})
    await db.query_audit.insert_one({"owner": owner, "query": "sb_pay", "at": now, "outcome": "ok"})


async def close_with_code(server, token, openid):
    return await server.fetch("/api/v1/me/closure", "POST", token=token,
                              json_body={"confirm": "注销", "proof": {"code": await wechat_code(server, openid)}})


async def pass_closure_face(server, token, openid):
    """A real-named WeChat login's closure: its login code alone is not enough; a face check of the
    name and 身份证号 on record is, once it has passed (one that failed is spent)."""
    r = await close_with_code(server, token, openid)
    assert r.status == 409 and r.json["error"]["code"] == "closure.face_required", r.body
    r = await server.fetch("/api/v1/me/closure/face", "POST", token=token)
    assert r.status == 200 and r.json["client"]["verify_id"], r.body
    r = await close_with_code(server, token, openid)
    assert r.status == 409 and r.json["error"]["code"] == "closure.face_pending"  # the resident is still at it
    await play_face(server, "wechat", openid, "fail")
    r = await close_with_code(server, token, openid)
    assert r.status == 422 and r.json["error"]["code"] == "closure.face_failed"
    assert await server.deps.db.audit_log.count_documents({"action": "resident.closure_face_failed"}) == 1
    r = await close_with_code(server, token, openid)
    assert r.status == 409 and r.json["error"]["code"] == "closure.face_required"  # spent
    r = await server.fetch("/api/v1/me/closure/face", "POST", token=token)
    assert r.status == 200
    await play_face(server, "wechat", openid, "pass")
    # a check passed long ago counts no more
    db, started = server.deps.db, {"closure_face.started_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)}
    mine = {"identity_keys": f"wechat:{openid}"}
    await db.residents.update_one(mine, {"$set": started})
    r = await close_with_code(server, token, openid)
    assert r.status == 409 and r.json["error"]["code"] == "closure.face_required"
    await db.residents.update_one(mine, {"$set": {"closure_face.started_at": dt.datetime.now(dt.UTC)}})


async def test_closing_the_account_erases_it_and_keeps_its_applications_unlinked(gated):
    login = await verified_resident(gated, "o-closing")
    token, owner = login["access_token"], login["resident"]["id"]
    db = gated.deps.db
    # a 办件 with a photo, and a photo no 办件 uses
    upload = await upload_photo(gated, token)
    r = await gated.fetch("/api/v1/applications", "POST", token=token, headers={"Idempotency-Key": uuid.uuid4().hex},
                          json_body={"item_code": "SB0008", "form": FORM,
                                     "materials": [{"code": "id_card", "upload_id": upload}]})
    assert r.status == 201, r.body
    number = r.json["number"]
    spare = await upload_photo(gated, token)
    await seed_personal_data(gated, owner)
    await gated.deps.redis.set(f"q:{owner}:sb_pay:abc", "a department's answer")  # a cached query answer
    await db.tickets.insert_one({"number": "T-" + number, "owner": owner, "state": "open"})
    await db.deliveries.insert_one({"_id": "d1", "owner": owner, "number": number, "status": "delivered"})

    # a wrong or missing confirmation, or a proof of someone else, closes nothing
    code = await wechat_code(gated, "o-closing")
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token, json_body={"confirm": "好", "proof": {"code": code}})
    assert r.status == 422 and "confirm" in r.json["error"]["details"]
    await pass_closure_face(gated, token, "o-closing")
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token,
                          json_body={"confirm": "注销", "proof": {"code": await wechat_code(gated, "o-someone-else")}})
    assert r.status == 403 and r.json["error"]["code"] == "closure.proof_mismatch"
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token, json_body={"confirm": "注销", "proof": {"code": "made-up"}})
    assert r.status == 401
    assert (await db.residents.find_one({"_id": ObjectId(owner)}))["state"] == "active"

    r = await gated.fetch("/api/v1/me/closure", "POST", token=token,
                          json_body={"confirm": "注销", "proof": {"code": await wechat_code(gated, "o-closing")}})
    assert r.status == 200 and r.json["closed"] is True, r.body

    # the resident is a tombstone: no channel, key, phone, name or 身份证号, nor the face check's handle
    tomb = await db.residents.find_one({"_id": ObjectId(owner)})
    assert tomb["state"] == "closed" and tomb["channels"] == [] and tomb["identity_keys"] == [f"closed:{owner}"]
    assert not {"phone", "realname", "consents", "closure_face"} & set(tomb)
    # erased
    for name in ("vehicles", "inbox", "material_library", "subscriptions", "devices", "favorites"):
        assert await db[name].count_documents({"owner": owner}) == 0, name
    assert await db.notification_preferences.count_documents({"_id": owner}) == 0
    assert await db.idempotency.count_documents({"_id": {"$regex": f"^{owner}:"}}) == 0
    assert await db.consent_log.count_documents({"resident": ObjectId(owner)}) == 0
    assert await db.uploads.count_documents({"_id": ObjectId(spare)}) == 0
    # kept, unlinked: the 办件 and its contents, its photo, its ticket, delivery and query records
    app = await db.applications.find_one({"number": number})
    assert app["owner"].startswith("anon:") and app["form"]["business"] == "reissue" and app["materials"]
    assert all(e["actor"] != owner for e in app["timeline"])
    kept = await db.uploads.find_one({"_id": ObjectId(upload)})
    assert kept["owner"] == app["owner"]
    for name in ("tickets", "deliveries", "query_audit"):
        assert await db[name].count_documents({"owner": owner}) == 0, name
        assert await db[name].count_documents({"owner": app["owner"]}) >= 1, name  # the push worker's too
    # the anonymous id leads nowhere: in no audit record, on no resident
    entry = await db.audit_log.find_one({"action": "resident.closed"})
    assert entry["target"] == f"resident:{owner}" and entry["details"]["applications_unlinked"] == 1
    assert entry["details"]["proof"] == "wechat+face"
    assert app["owner"] not in str(entry) and await db.residents.count_documents({"_id": app["owner"]}) == 0

    # every login has ended: the access token and the refresh token
    r = await gated.fetch("/api/v1/me/inbox", token=token)
    assert r.status == 401 and r.json["error"]["code"] == "auth.account_closed"
    assert (await gated.fetch("/api/v1/me", token=token)).status in (401, 404)
    r = await gated.fetch("/api/v1/auth/refresh", "POST", json_body={"refresh_token": login["refresh_token"]})
    assert r.status == 401
    assert not await gated.deps.redis.keys("rtr:" + owner)
    assert not await gated.deps.redis.keys(f"q:{owner}:*")

    # the same WeChat logs in as a new resident who sees nothing of the old one
    fresh = await wechat_login(gated, "o-closing")
    assert fresh["resident"]["id"] != owner and fresh["resident"]["realname"] == {"status": "unverified"}
    assert len(fresh["consent_required"]) == 2
    await agree(gated, fresh["access_token"])
    mine = await gated.fetch("/api/v1/applications", token=fresh["access_token"])
    assert mine.status == 200 and mine.json["applications"] == []


async def test_face_checks_are_limited_per_resident_as_each_is_billed(gated):
    token = (await verified_resident(gated, "o-closing-faces"))["access_token"]
    for _ in range(5):
        assert (await gated.fetch("/api/v1/me/closure/face", "POST", token=token)).status == 200
    r = await gated.fetch("/api/v1/me/closure/face", "POST", token=token)
    assert r.status == 429 and r.json["error"]["code"] == "face.rate_limited" and int(r.headers["Retry-After"]) > 0
    other = (await verified_resident(gated, "o-closing-faces-2"))["access_token"]
    assert (await gated.fetch("/api/v1/me/closure/face", "POST", token=other)).status == 200  # per resident


async def test_an_account_without_a_real_name_closes_on_its_login_code_alone(gated):
    login = await wechat_login(gated, "o-closing-unverified")
    token = login["access_token"]
    r = await gated.fetch("/api/v1/me/closure/face", "POST", token=token)
    assert r.status == 409 and r.json["error"]["code"] == "closure.face_not_needed"  # no one on record to compare
    r = await close_with_code(gated, token, "o-closing-unverified")
    assert r.status == 200, r.body
    entry = await gated.deps.db.audit_log.find_one({"action": "resident.closed"})
    assert entry["details"]["proof"] == "wechat"


async def test_closure_by_the_app_login_takes_a_fresh_sms_code(gated):
    phone = "13900007777"
    await gated.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    code = (await gated.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    login = (await gated.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})).json
    token = login["access_token"]
    # the code of the login is spent: it proves nothing now
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token,
                          json_body={"confirm": "注销", "proof": {"phone": phone, "otp": code}})
    assert r.status == 401
    await gated.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "13900008888"})
    other = (await gated.fetch("/sandbox/sms/messages?phone=13900008888")).json["messages"][-1]["params"]["code"]
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token,
                          json_body={"confirm": "注销", "proof": {"phone": "13900008888", "otp": other}})
    assert r.status == 403 and r.json["error"]["code"] == "closure.proof_mismatch"
    # a proof of another channel's shape is refused as a body
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token, json_body={"confirm": "注销", "proof": {"code": "x"}})
    assert r.status == 422
    # rather than wait out the minute between two codes, ours and the SMS gateway's
    await gated.deps.redis.delete(gated.deps.otp._k("cool", phone))
    await gated.fetch("/sandbox/sms/messages", "DELETE")
    await gated.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    fresh = (await gated.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    r = await gated.fetch("/api/v1/me/closure", "POST", token=token,
                          json_body={"confirm": "注销", "proof": {"phone": phone, "otp": fresh}})
    assert r.status == 200, r.body
    tomb = await gated.deps.db.residents.find_one({"_id": ObjectId(login["resident"]["id"])})
    assert tomb["state"] == "closed" and "phone" not in tomb
