"""Face verification in the sandbox: WeChat 人脸核身 2.0 through wechatpy, Alipay 身份验证 through
alipay-sdk-python, and the control endpoints that play the resident."""

import datetime as dt
import importlib
import json
import re
import types

import pytest
import pytest_asyncio
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.request.AlipayUserCertifyOpenCertifyRequest import AlipayUserCertifyOpenCertifyRequest
from alipay.aop.api.request.AlipayUserCertifyOpenInitializeRequest import AlipayUserCertifyOpenInitializeRequest
from alipay.aop.api.request.AlipayUserCertifyOpenQueryRequest import AlipayUserCertifyOpenQueryRequest
from alipay.aop.api.util.SignatureUtils import verify_with_rsa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sandbox_testkit import call
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from sandbox.identity import person_for
from sandbox.wechat_face import cert_hash

APPID, SECRET = "wxminiappid01", "mini-secret"
OTHER_APPID, OTHER_SECRET = "wxminiappid02", "other-secret"
OPENID = "oA1b2C3d4E5f6G7h8I9j0K1l2M3n"
ID_NUMBER, NAME = person_for("face-sandbox")
CERT = {"cert_type": "IDENTITY_CARD", "cert_name": NAME, "cert_no": ID_NUMBER}
NOT_FINISHED, EXPIRED = 9401001, 9401002


def test_cert_hash_vector():
    assert cert_hash("IDENTITY_CARD", "张三", "310101199801011234") == \
        "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b"


# ---------------------------------------------------------------- WeChat


class Client(WeChatClient):
    def __init__(self, base, appid, secret):
        super().__init__(appid, secret, timeout=10)
        self.API_BASE_URL = f"{base}/wechat/cgi-bin/"
        self.wxa.API_BASE_URL = f"{base}/wechat/"

    def fetch_access_token(self):
        return self._fetch_access_token(url=self.API_BASE_URL + "token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


class WeChatFace:
    def __init__(self, sb):
        self.sb, self.state, self.clock = sb, sb.state, sb.clock
        self.clients = {}

    def client(self, appid=APPID):
        if appid not in self.clients:
            self.clients[appid] = Client(self.sb.base, appid, {APPID: SECRET, OTHER_APPID: OTHER_SECRET}[appid])
            self.sb.closers.append(self.clients[appid]._http.close)
        return self.clients[appid]

    async def login(self, openid=OPENID, appid=APPID):
        response, payload = await self.sb.fetch("/wechat/login-code", "POST", {"openid": openid, "appid": appid})
        assert response.code == 201, payload
        await call(self.client(appid).wxa.code_to_session, payload["code"])

    async def api(self, name, body, appid=APPID):
        return await call(self.client(appid).post, f"cityservice/face/identify/{name}", data=body,
                          api_base_url=f"{self.sb.base}/wechat/")

    async def refused(self, name, body, appid=APPID):
        with pytest.raises(WeChatClientException) as info:
            await self.api(name, body, appid)
        return info.value.errcode

    async def open(self, seq="seq-0001", openid=OPENID, cert=CERT, appid=APPID):
        reply = await self.api("getverifyid", {"out_seq_no": seq, "cert_info": cert, "openid": openid}, appid)
        assert reply["errcode"] == 0 and reply["expires_in"] == 3600 and 0 < len(reply["verify_id"]) <= 256
        return reply["verify_id"]

    def query_body(self, verify_id, seq="seq-0001", openid=OPENID, cert=CERT):
        return {"verify_id": verify_id, "out_seq_no": seq, "openid": openid,
                "cert_hash": cert_hash(cert["cert_type"], cert["cert_name"], cert["cert_no"])}

    async def play(self, verify_id, expect=200, **body):
        response, payload = await self.sb.fetch(f"/wechat/face/{verify_id}", "POST", body)
        assert response.code == expect, payload
        return payload


@pytest_asyncio.fixture
async def wx(make_sandbox):
    face = WeChatFace(await make_sandbox(wechat_apps={APPID: SECRET, OTHER_APPID: OTHER_SECRET}))
    await face.login()
    return face


async def test_wechat_session_pass(wx):
    verify_id = await wx.open()
    assert await wx.refused("queryverifyinfo", wx.query_body(verify_id)) == NOT_FINISHED
    response, latest = await wx.sb.fetch(f"/wechat/face?openid={OPENID}")
    assert response.code == 200 and latest["id"] == verify_id and latest["cert_no"] == ID_NUMBER
    assert latest["outcome"] is None and latest["expires_in"] == 3600 and not latest["expired"]
    assert (await wx.play(verify_id, outcome="pass"))["verify_ret"] == 10000
    assert await wx.api("queryverifyinfo", wx.query_body(verify_id)) == {"errcode": 0, "errmsg": "ok",
                                                                         "verify_ret": 10000}
    await wx.play(verify_id, 409, outcome="fail")  # one outcome per verify_id
    response, _ = await wx.sb.fetch("/wechat/face?openid=o-nobody")
    assert response.code == 404


@pytest.mark.parametrize("body, verify_ret", [({"outcome": "fail"}, 90011), ({"outcome": "timeout"}, 90107),
                                              ({"outcome": "cancel"}, 90003), ({"verify_ret": 90009}, 90009)])
async def test_wechat_outcomes(wx, body, verify_ret):
    verify_id = await wx.open()
    await wx.play(verify_id, **body)
    assert (await wx.api("queryverifyinfo", wx.query_body(verify_id)))["verify_ret"] == verify_ret


@pytest.mark.parametrize("change, errcode", [
    ({"out_seq_no": None}, 47001),
    ({"out_seq_no": "abcd"}, 47003),
    ({"out_seq_no": "a" * 33}, 47003),
    ({"out_seq_no": "seq.0001"}, 47003),
    ({"openid": None}, 47001),
    ({"openid": "o-never-logged-in"}, 40003),
    ({"cert_info": None}, 47001),
    ({"cert_info": {**CERT, "cert_type": "PASSPORT"}}, 47003),
    ({"cert_info": {**CERT, "cert_name": ""}}, 47001),
    ({"cert_info": {**CERT, "cert_name": "名" * 65}}, 47003),
    ({"cert_info": {**CERT, "cert_no": "310101199801011234"}}, 47003),  # GB 11643 check fails
    ({"cert_info": {**CERT, "cert_no": 310101199801011234}}, 47001),
])
async def test_getverifyid_refusals(wx, change, errcode):
    body = {"out_seq_no": "seq-0001", "cert_info": CERT, "openid": OPENID, **change}
    assert await wx.refused("getverifyid", {k: v for k, v in body.items() if v is not None}) == errcode
    assert wx.state.wechat_face.sessions == {}


async def test_getverifyid_needs_json_and_a_token(wx):
    assert await wx.refused("getverifyid", b"not json") == 47001
    response, payload = await wx.sb.fetch("/wechat/cityservice/face/identify/getverifyid", "POST", {})
    assert payload["errcode"] == 41001


async def test_out_seq_no_is_unique_per_appid(wx):
    await wx.open()
    with pytest.raises(WeChatClientException) as info:
        await wx.open()
    assert info.value.errcode == 47003 and "already used" in info.value.errmsg
    await wx.login(appid=OTHER_APPID)
    await wx.open(appid=OTHER_APPID)  # another appid's serials are its own


@pytest.mark.parametrize("change", [{"openid": "o-someone-else"}, {"out_seq_no": "seq-0002"},
                                    {"cert_hash": cert_hash("IDENTITY_CARD", "张三", ID_NUMBER)},
                                    {"verify_id": "unknown"}, {"cert_hash": None}])
async def test_query_must_match_getverifyid(wx, change):
    verify_id = await wx.open()
    await wx.play(verify_id, outcome="pass")
    body = {**wx.query_body(verify_id), **change}
    expected = 47001 if None in change.values() else 47003
    assert await wx.refused("queryverifyinfo", {k: v for k, v in body.items() if v is not None}) == expected


async def test_query_with_another_apps_token(wx):
    verify_id = await wx.open()
    await wx.play(verify_id, outcome="pass")
    assert await wx.refused("queryverifyinfo", wx.query_body(verify_id), appid=OTHER_APPID) == 47003


async def test_wechat_sessions_expire(wx):
    unfinished, finished, ended = await wx.open("seq-0001"), await wx.open("seq-0002"), await wx.open("seq-0003")
    await wx.play(finished, outcome="pass")
    wx.clock.advance(3599)
    assert await wx.refused("queryverifyinfo", wx.query_body(unfinished)) == NOT_FINISHED
    assert (await wx.play(ended, outcome="expire"))["expired"] is True
    assert await wx.refused("queryverifyinfo", wx.query_body(ended, "seq-0003")) == EXPIRED
    wx.clock.advance(1)
    assert await wx.refused("queryverifyinfo", wx.query_body(unfinished)) == EXPIRED
    await wx.play(unfinished, 409, outcome="pass")
    reply = await wx.api("queryverifyinfo", wx.query_body(finished, "seq-0002"))
    assert reply["verify_ret"] == 10000  # a finished session keeps its answer


async def test_wechat_control_validation_log_and_reset(wx):
    verify_id = await wx.open()
    for body in ({"outcome": "maybe"}, {"verify_ret": 10000}, {"verify_ret": "90001"}, []):
        response, _ = await wx.sb.fetch(f"/wechat/face/{verify_id}", "POST", body)
        assert response.code == 400
    await wx.play("unknown", 404, outcome="pass")
    [record] = await wx.sb.received("wechat.face.getverifyid")
    assert record["json"]["cert_info"] == {"cert_type": "IDENTITY_CARD", "cert_name": "***", "cert_no": "***"}
    await wx.sb.fetch("/reset", "POST")
    assert wx.state.wechat_face.sessions == {} and wx.state.wechat_face.seqs == set()


# ---------------------------------------------------------------- Alipay

APP_ID, OTHER_APP_ID = "2021000000000001", "2021000000000002"
SIGNED = re.compile(r'\{"([a-z_]+_response)":(\{.*\}),"sign":"([A-Za-z0-9+/]+=*)"\}', re.S)
IDENTITY = {"identity_type": "CERT_INFO", "cert_type": "IDENTITY_CARD", "cert_name": NAME, "cert_no": ID_NUMBER}


def body_of(pem):
    return "".join(pem.strip().splitlines()[1:-1])


def new_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return body_of(private), public


@pytest.fixture(scope="module")
def keys():
    return {"app": new_key(), "other": new_key(), "stranger": new_key()}


class AlipayCertify:
    def __init__(self, sb, keys):
        self.sb, self.state, self.clock, self.keys = sb, sb.state, sb.clock, keys
        self.alipay_key = body_of(sb.state.alipay_public_key_pem)

    def client(self, app_id=APP_ID, key=None):
        key = key or ("other" if app_id == OTHER_APP_ID else "app")
        config = AlipayClientConfig()
        config.server_url = f"{self.sb.base}/alipay/gateway.do"
        config.app_id, config.app_private_key = app_id, self.keys[key][0]
        config.alipay_public_key, config.sign_type = self.alipay_key, "RSA2"
        return DefaultAlipayClient(config)

    async def fetch(self, request, app_id=APP_ID, key=None):
        response, _ = await self.sb.fetch("", url=self.client(app_id, key).page_execute(request, http_method="GET"))
        assert response.code == 200, response.body
        return response

    async def call(self, request, app_id=APP_ID, key=None):
        text = (await self.fetch(request, app_id, key)).body.decode()
        name, content, sign = SIGNED.fullmatch(text).groups()
        assert verify_with_rsa(self.alipay_key, content.encode(), sign) is True
        return name, json.loads(content)

    async def initialize(self, app_id=APP_ID, **change):
        biz = {"outer_order_no": "order-0001", "biz_code": "FACE", "identity_param": IDENTITY,
               "merchant_config": {"return_url": "alipays://platformapi/startapp?appId=" + APP_ID}, **change}
        request = AlipayUserCertifyOpenInitializeRequest()
        request.biz_content = {k: v for k, v in biz.items() if v is not None}
        name, payload = await self.call(request, app_id)
        assert name == "alipay_user_certify_open_initialize_response"
        return payload

    async def open(self, seq="order-0001", app_id=APP_ID):
        payload = await self.initialize(app_id, outer_order_no=seq)
        assert payload["code"] == "10000" and re.fullmatch(r"[0-9a-f]{32}", payload["certify_id"]), payload
        return payload["certify_id"]

    async def query(self, certify_id, app_id=APP_ID):
        request = AlipayUserCertifyOpenQueryRequest()
        request.biz_content = {"certify_id": certify_id}
        name, payload = await self.call(request, app_id)
        assert name == "alipay_user_certify_open_query_response"
        return payload

    def page(self, certify_id):
        request = AlipayUserCertifyOpenCertifyRequest()
        request.biz_content = {"certify_id": certify_id}
        return request

    async def play(self, certify_id, outcome, expect=200):
        response, payload = await self.sb.fetch(f"/alipay/certify/{certify_id}", "POST", {"outcome": outcome})
        assert response.code == expect, payload
        return payload


@pytest_asyncio.fixture
async def ali(make_sandbox, keys, monkeypatch):
    sb = await make_sandbox(alipay_apps={APP_ID: keys["app"][1], OTHER_APP_ID: keys["other"][1]})
    now = lambda: dt.datetime.fromtimestamp(sb.clock(), dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)  # noqa: E731
    monkeypatch.setattr(importlib.import_module("alipay.aop.api.DefaultAlipayClient"), "datetime",
                        types.SimpleNamespace(datetime=types.SimpleNamespace(now=now)))
    return AlipayCertify(sb, keys)


async def test_alipay_certify_pass(ali):
    certify_id = await ali.open()
    page = await ali.fetch(ali.page(certify_id))  # what my.startAPVerify opens
    assert page.headers["Content-Type"].startswith("text/html") and certify_id in page.body.decode()
    assert await ali.query(certify_id) == {"code": "10000", "msg": "Success", "passed": "F"}
    response, latest = await ali.sb.fetch(f"/alipay/certify?cert_no={ID_NUMBER}")
    assert response.code == 200 and latest["id"] == certify_id and latest["expires_in"] == 1800
    await ali.play(certify_id, "pass")
    answer = await ali.query(certify_id)
    assert answer["passed"] == "T" and "fail_reason" not in answer
    assert json.loads(answer["identity_info"]) == IDENTITY and json.loads(answer["material_info"])
    await ali.play(certify_id, "fail", 409)


@pytest.mark.parametrize("outcome", ["fail", "cancel"])
async def test_alipay_failures_say_why(ali, outcome):
    certify_id = await ali.open()
    await ali.play(certify_id, outcome)
    answer = await ali.query(certify_id)
    assert answer["passed"] == "F" and answer["fail_reason"]


@pytest.mark.parametrize("change, sub_code", [
    ({"outer_order_no": None}, "isv.missing-param"),
    ({"outer_order_no": "o" * 33}, "isv.invalid-parameter"),
    ({"biz_code": "VOICE"}, "isv.invalid-parameter"),
    ({"identity_param": None}, "isv.missing-param"),
    ({"identity_param": {**IDENTITY, "identity_type": "USER_ID"}}, "isv.invalid-parameter"),
    ({"identity_param": {**IDENTITY, "cert_type": "PASSPORT"}}, "isv.invalid-parameter"),
    ({"identity_param": {**IDENTITY, "cert_name": ""}}, "isv.missing-param"),
    ({"identity_param": {**IDENTITY, "cert_no": "310101199801011234"}}, "isv.invalid-parameter"),
    ({"merchant_config": {}}, "isv.missing-param"),
])
async def test_initialize_refusals(ali, change, sub_code):
    payload = await ali.initialize(**change)
    assert (payload["code"], payload["sub_code"]) == ("40002", sub_code), payload
    assert ali.state.alipay_certify.sessions == {}


async def test_outer_order_no_is_unique_per_app(ali):
    await ali.open()
    payload = await ali.initialize()
    assert (payload["code"], payload["sub_code"]) == ("40004", "OUTER_ORDER_NO_USED")
    await ali.open(app_id=OTHER_APP_ID)


async def test_unknown_and_other_apps_certify_ids(ali):
    certify_id = await ali.open()
    for app_id, certify in ((APP_ID, "0" * 32), (OTHER_APP_ID, certify_id)):
        payload = await ali.query(certify, app_id)
        assert (payload["code"], payload["sub_code"]) == ("40004", "CERTIFY_ID_NOT_EXIST")


async def test_alipay_certify_ids_expire(ali):
    first, second, done = await ali.open("order-0001"), await ali.open("order-0002"), await ali.open("order-0003")
    await ali.play(done, "pass")
    await ali.play(second, "timeout")
    assert (await ali.query(second))["sub_code"] == "CERTIFY_ID_EXPIRED"
    ali.clock.advance(1800)
    assert (await ali.query(first))["sub_code"] == "CERTIFY_ID_EXPIRED"
    name, payload = SIGNED.fullmatch((await ali.fetch(ali.page(first))).body.decode()).groups()[:2]
    assert name == "alipay_user_certify_open_certify_response" and "CERTIFY_ID_EXPIRED" in payload
    await ali.play(first, "pass", 409)
    assert (await ali.query(done))["passed"] == "T"


async def test_alipay_signature_and_log(ali):
    request = AlipayUserCertifyOpenQueryRequest()
    request.biz_content = {"certify_id": "0" * 32}
    text = (await ali.fetch(request, APP_ID, "stranger")).body.decode()
    name, content, sign = SIGNED.fullmatch(text).groups()  # the gateway's placeholder: nobody can verify it
    assert sign == "ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"
    payload = json.loads(content)
    assert name == "alipay_user_certify_open_query_response" and payload["sub_code"] == "isv.invalid-signature"
    await ali.open()
    [record] = await ali.sb.received("alipay.user.certify.open.initialize")
    identity = json.loads(record["query"]["biz_content"])["identity_param"]
    assert identity["cert_name"] == identity["cert_no"] == "***" and NAME not in json.dumps(record)
    response, _ = await ali.sb.fetch("/alipay/certify/unknown", "POST", {"outcome": "pass"})
    assert response.code == 404
    response, _ = await ali.sb.fetch("/alipay/certify/unknown", "POST", {"outcome": "later"})
    assert response.code == 400
