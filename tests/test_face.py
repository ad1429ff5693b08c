"""Face verification adapters (channels/face.py) through wechatpy and alipay-sdk-python against the
sandbox mounted in the test server."""

import json
import time
import uuid

import pytest
from tornado.httpclient import AsyncHTTPClient

from channels.alipay import AlipayGateway
from channels.face import AlipayFace, WeChatFace, cert_hash
from models.errors import AppError
from sandbox.identity import person_for
from support import SHARED_APP, play_face

pytestmark = SHARED_APP  # serials are unique per call; a resident's face session is the latest one

MINI_APPID = "wxdemominiapp"
ID_NUMBER, NAME = person_for("face-adapter")


async def test_cert_hash_vector():  # async only as the module's SHARED_APP mark wants
    assert cert_hash("IDENTITY_CARD", "张三", "310101199801011234") == \
        "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b"


def seq() -> str:
    return uuid.uuid4().hex


async def fault(server, target, **spec):
    r = await server.fetch("/sandbox/faults", "POST", json_body={"target": target, **spec})
    assert r.status == 201, r.body


async def refused(call, status, code):
    with pytest.raises(AppError) as info:
        await call
    assert (info.value.status, info.value.code) == (status, code), info.value
    return info.value


# ---------------------------------------------------------------- WeChat


async def wechat_user(server, openid):
    """A resident who has logged in to the mini-program (WeChat knows an app's openids from logins)."""
    r = await server.fetch("/sandbox/wechat/login-code", "POST", json_body={"openid": openid, "appid": MINI_APPID})
    await server.deps.faces["wechat"].platform.code_to_session(r.json["code"])
    return openid


async def wechat_start(server, openid, face=None):
    face = face or server.deps.faces["wechat"]
    return await face.start(address=await wechat_user(server, openid), name=NAME, id_number=ID_NUMBER, seq=seq())


async def test_deps_have_a_face_check_per_mini_program_channel(server):
    assert {c: f.channel for c, f in server.deps.faces.items()} == {"wechat": "wechat", "alipay": "alipay"}
    assert server.deps.faces["wechat"].platform is server.deps.logins["wechat"].platform


async def test_wechat_pass(server):
    started = await wechat_start(server, "o-face-pass")
    assert json.loads(json.dumps(started)) == started and started["expires_in"] == 3600
    assert started["client"] == {"verify_id": started["handle"]["verify_id"]}
    assert started["handle"]["cert_hash"] == cert_hash("IDENTITY_CARD", NAME, ID_NUMBER)
    assert NAME not in json.dumps(started) and ID_NUMBER not in json.dumps(started)
    face = server.deps.faces["wechat"]
    assert await face.result(started["handle"]) == "pending"
    await play_face(server, "wechat", "o-face-pass", "pass")
    assert await face.result(started["handle"]) == "passed"


@pytest.mark.parametrize("play, expected", [({"outcome": "fail"}, "failed"), ({"outcome": "cancel"}, "failed"),
                                            ({"outcome": "timeout"}, "timeout"), ({"verify_ret": 90017}, "timeout"),
                                            ({"verify_ret": 90008}, "failed"), ({"outcome": "expire"}, "timeout")])
async def test_wechat_outcomes(server, play, expected):
    started = await wechat_start(server, "o-face")
    r = await server.fetch(f"/sandbox/wechat/face/{started['client']['verify_id']}", "POST", json_body=play)
    assert r.status == 200, r.body
    assert await server.deps.faces["wechat"].result(started["handle"]) == expected


async def test_wechat_unfinished_past_expiry_is_a_timeout(server):
    face = server.deps.faces["wechat"]
    started = await wechat_start(server, "o-face-late")
    late = WeChatFace(face.platform, clock=lambda: time.time() + 3600)
    assert await late.result(started["handle"]) == "timeout"
    assert await face.result(started["handle"]) == "pending"


async def test_wechat_refusals(server):
    face = server.deps.faces["wechat"]
    await refused(face.start(address="o-never-logged-in", name=NAME, id_number=ID_NUMBER, seq=seq()),
                  502, "wechat.face_refused")
    await wechat_user(server, "o-face-bad")
    error = await refused(face.start(address="o-face-bad", name=NAME, id_number="310101199801011234", seq=seq()),
                          502, "wechat.face_refused")
    assert error.details["errcode"] == 47003
    used = seq()
    await face.start(address="o-face-bad", name=NAME, id_number=ID_NUMBER, seq=used)
    await refused(face.start(address="o-face-bad", name=NAME, id_number=ID_NUMBER, seq=used), 502, "wechat.face_refused")
    with pytest.raises(ValueError):
        await face.start(address="o-face-bad", name=NAME, id_number=ID_NUMBER, seq="a.b.c.d")
    started = await wechat_start(server, "o-face-bad")
    other_person = {**started["handle"], "cert_hash": cert_hash("IDENTITY_CARD", "张三", ID_NUMBER)}
    await refused(face.result(other_person), 502, "wechat.face_refused")


@pytest.mark.parametrize("spec", [{"errcode": -1, "errmsg": "system error"}, {"errcode": 45011}, {"status": 502},
                                  {"drop": True, "times": 0}])
async def test_wechat_upstream_trouble_is_503(server, spec):
    face = server.deps.faces["wechat"]
    started = await wechat_start(server, "o-face-busy")
    await fault(server, "wechat.face.queryverifyinfo", **spec)
    await refused(face.result(started["handle"]), 503, "wechat.unavailable")
    await fault(server, "wechat.face.getverifyid", **spec)
    await refused(face.start(address="o-face-busy", name=NAME, id_number=ID_NUMBER, seq=seq()), 503,
                  "wechat.unavailable")


async def test_wechat_refused_token_is_refreshed_once(server):
    started = await wechat_start(server, "o-face-token")
    await fault(server, "wechat.face.queryverifyinfo", errcode=40001, errmsg="invalid credential")
    assert await server.deps.faces["wechat"].result(started["handle"]) == "pending"


# ---------------------------------------------------------------- Alipay


async def alipay_start(server, face=None, **person):
    face = face or server.deps.faces["alipay"]
    person = {"name": NAME, "id_number": ID_NUMBER, **person}
    return await face.start(address="2088000000000001", seq=seq(), **person)


async def test_alipay_pass(server):
    started = await alipay_start(server)
    assert json.loads(json.dumps(started)) == started and started["expires_in"] == 1800
    certify_id = started["handle"]["certify_id"]
    assert started["client"]["certify_id"] == certify_id and "alipay.user.certify.open.certify" in started["client"]["url"]
    page = await AsyncHTTPClient().fetch(started["client"]["url"])  # what my.startAPVerify opens
    assert page.headers["Content-Type"].startswith("text/html") and certify_id in page.body.decode()
    face = server.deps.faces["alipay"]
    assert await face.result(started["handle"]) == "pending"
    await play_face(server, "alipay", ID_NUMBER, "pass")
    assert await face.result(started["handle"]) == "passed"


@pytest.mark.parametrize("outcome, expected", [("fail", "failed"), ("cancel", "failed"), ("timeout", "timeout"),
                                               ("expire", "timeout")])
async def test_alipay_outcomes(server, outcome, expected):
    started = await alipay_start(server)
    await play_face(server, "alipay", ID_NUMBER, outcome)
    assert await server.deps.faces["alipay"].result(started["handle"]) == expected


async def test_alipay_unfinished_past_expiry_is_a_timeout(server):
    face = server.deps.faces["alipay"]
    started = await alipay_start(server)
    late = AlipayFace(face.gateway, clock=lambda: time.time() + 1800)
    assert await late.result(started["handle"]) == "timeout"
    assert await late.result({"certify_id": "0" * 32, "expires_at": 0}) == "timeout"
    await refused(face.result({"certify_id": "0" * 32, "expires_at": time.time() + 60}), 502, "alipay.face_refused")


async def test_alipay_refusals(server):
    error = await refused(alipay_start(server, id_number="310101199801011234"), 502, "alipay.face_refused")
    assert error.details["sub_code"] == "isv.invalid-parameter"
    face = server.deps.faces["alipay"]
    used = seq()
    await face.start(address="2088000000000001", name=NAME, id_number=ID_NUMBER, seq=used)
    await refused(face.start(address="2088000000000001", name=NAME, id_number=ID_NUMBER, seq=used), 502,
                  "alipay.face_refused")


# A drop lasts until cleared: libcurl resends once when a kept-alive connection dies unanswered.
@pytest.mark.parametrize("spec", [{"errcode": 1, "errmsg": "busy"}, {"status": 200}, {"status": 502},
                                  {"drop": True, "times": 0}])
async def test_alipay_upstream_trouble_is_503(server, spec):
    face = server.deps.faces["alipay"]
    started = await alipay_start(server)
    await fault(server, "alipay.user.certify.open.query", **spec)  # status 200: an unsigned reply
    await refused(face.result(started["handle"]), 503, "alipay.unavailable")
    await fault(server, "alipay.user.certify.open.initialize", **spec)
    await refused(alipay_start(server), 503, "alipay.unavailable")


async def test_alipay_request_not_signable_is_503(server):
    gateway = server.deps.faces["alipay"].gateway
    broken = AlipayGateway(app_id=gateway.app_id, private_key="not a key", alipay_public_key="not a key",
                           gateway=f"{server.base}/sandbox/alipay/gateway.do", executor=server.deps.executor)
    await refused(alipay_start(server, AlipayFace(broken)), 503, "alipay.unavailable")
