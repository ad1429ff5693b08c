"""The Alipay gateway through the real alipay-sdk-python.

The SDK's ``execute()`` ignores the URL's port, so requests are built and
signed by ``page_execute(request, http_method="GET")`` and fetched with
Tornado's client; answers are checked with the SDK's own ``verify_with_rsa``
over the exact ``*_response`` text, and (where noted) parsed by the SDK's
own response parser, the code path ``execute()`` uses.

The SDK stamps ``timestamp`` with ``datetime.now()``; the tests point that at
the sandbox's frozen clock, read in Beijing time (a backend running in
China), so that time can travel.
"""

import datetime as dt
import importlib
import json
import re
import types
import urllib.parse

import pytest
import pytest_asyncio
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayOpenAppMiniTemplatemessageSendModel import AlipayOpenAppMiniTemplatemessageSendModel
from alipay.aop.api.request.AlipayOpenAppMiniTemplatemessageSendRequest import (
    AlipayOpenAppMiniTemplatemessageSendRequest,
)
from alipay.aop.api.request.AlipaySystemOauthTokenRequest import AlipaySystemOauthTokenRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.response.AlipaySystemOauthTokenResponse import AlipaySystemOauthTokenResponse
from alipay.aop.api.util.SignatureUtils import verify_with_rsa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sandbox_testkit import START

from sandbox.alipay import PLACEHOLDER_SIGN
from sandbox.state import SandboxState

pytestmark = pytest.mark.asyncio

APP_ID = "2021000000000001"
OTHER_APP_ID = "2021000000000002"
USER_ID = "2088102150477652"
OPEN_ID = "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"
BEIJING = dt.timezone(dt.timedelta(hours=8))
OAUTH_KEY = "alipay_system_oauth_token_response"
SEND_KEY = "alipay_open_app_mini_templatemessage_send_response"
# How Alipay lays out an answer: the response object, then the signature.
SIGNED = re.compile(r'\{"([a-z_]+_response)":(\{.*\}),"sign":"([A-Za-z0-9+/]+=*)"\}', re.S)
sdk_module = importlib.import_module("alipay.aop.api.DefaultAlipayClient")


def pem_body(pem: str) -> str:
    """The base64 between the PEM markers, on one line (how Alipay's SDKs take keys)."""
    return "".join(pem.strip().splitlines()[1:-1])


def new_app_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pkcs1 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public_spki = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return pem_body(private_pkcs1), public_spki


@pytest.fixture(scope="module")
def app_keys():
    """(SDK private key body, public key PEM) for two apps, plus a stranger's."""
    return {"app": new_app_key(), "other": new_app_key(), "stranger": new_app_key()}


def sdk_clock(monkeypatch, clock, tz=BEIJING):
    """Make the SDK's ``datetime.datetime.now()`` read ``clock`` in ``tz``."""
    now = lambda: dt.datetime.fromtimestamp(clock(), tz).replace(tzinfo=None)  # noqa: E731
    monkeypatch.setattr(sdk_module, "datetime", types.SimpleNamespace(datetime=types.SimpleNamespace(now=now)))


class Alipay:
    def __init__(self, sb, app_keys, alipay_public_key):
        self.sb, self.state, self.clock = sb, sb.state, sb.clock
        self.keys = app_keys
        self.alipay_public_key = alipay_public_key  # body, as fetched from /alipay/public-key

    def client(self, app_id=APP_ID, key="app", sign_type="RSA2"):
        config = AlipayClientConfig()
        config.server_url = f"{self.sb.base}/alipay/gateway.do"
        config.app_id = app_id
        config.app_private_key = self.keys[key][0]
        config.alipay_public_key = self.alipay_public_key
        config.sign_type = sign_type
        return DefaultAlipayClient(config)

    async def auth_code(self, **body):
        response, payload = await self.sb.fetch("/alipay/auth-code", "POST", body)
        assert response.code == 201, payload
        assert payload["expires_in"] == 300 and re.fullmatch(r"[0-9a-f]{32}", payload["auth_code"])
        return payload["auth_code"]

    def signed_url(self, request, client=None):
        return (client or self.client()).page_execute(request, http_method="GET")

    async def fetch_url(self, url, http="GET"):
        if http == "POST":  # everything as a form body
            base, query = url.split("?", 1)
            response, _ = await self.sb.fetch(
                "", "POST", query, url=base,
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            )
        else:
            response, _ = await self.sb.fetch("", url=url)
        assert response.code == 200, response.body
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        return response.body.decode("utf-8")

    async def call(self, request, client=None, http="GET"):
        """``(response key, payload)`` of a verified answer."""
        return self.verify(await self.fetch_url(self.signed_url(request, client), http))

    def verify(self, text):
        match = SIGNED.fullmatch(text)
        assert match, text
        key, content, sign = match.groups()
        assert verify_with_rsa(self.alipay_public_key, content.encode("utf-8"), sign) is True
        return key, json.loads(content)

    async def token(self, code=None, refresh_token=None, client=None):
        return await self.call(token_request(code=code, refresh_token=refresh_token), client)

    def placeholder(self, text):
        """``(response key, payload)`` of an answer the gateway could not sign (its placeholder sign)."""
        match = SIGNED.fullmatch(text)
        assert match, text
        key, content, sign = match.groups()
        assert sign == PLACEHOLDER_SIGN
        with pytest.raises(Exception):  # noqa: B017 - rsa's VerificationError: nobody can verify it
            verify_with_rsa(self.alipay_public_key, content.encode("utf-8"), sign)
        return key, json.loads(content)

    async def refused(self, request, client=None):
        """An app or signature error: ``(key, payload)``, placeholder-signed."""
        return self.placeholder(await self.fetch_url(self.signed_url(request, client)))

    async def gateway_error(self, request, client=None, http="GET"):
        key, payload = await self.call(request, client, http)
        assert key == "error_response", payload
        return payload


@pytest_asyncio.fixture
async def alipay(make_sandbox, app_keys, monkeypatch):
    sb = await make_sandbox(alipay_apps={APP_ID: app_keys["app"][1], OTHER_APP_ID: app_keys["other"][1]})
    sdk_clock(monkeypatch, sb.clock)
    response, payload = await sb.fetch("/alipay/public-key")
    assert response.code == 200 and payload["public_key"] == sb.state.alipay_public_key_pem
    return Alipay(sb, app_keys, pem_body(payload["public_key"]))


def token_request(code=None, refresh_token=None, grant_type=None):
    request = AlipaySystemOauthTokenRequest()
    request.grant_type = grant_type or ("refresh_token" if refresh_token else "authorization_code")
    request.code = code
    request.refresh_token = refresh_token
    return request


def oauth_error(sub_code, sub_msg):
    return {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}


# ---------------------------------------------------------------- alipay.system.oauth.token


async def test_oauth_token_with_user_id(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    request = AlipaySystemOauthTokenRequest()
    request.grant_type = "authorization_code"
    request.code = code
    client = alipay.client()
    url = client.page_execute(request, http_method="GET")
    text = await alipay.fetch_url(url)

    key, payload = alipay.verify(text)
    assert key == OAUTH_KEY
    assert list(payload) == ["user_id", "access_token", "expires_in", "refresh_token", "re_expires_in", "auth_start"]
    assert payload["user_id"] == USER_ID
    assert payload["expires_in"] == 1296000 and payload["re_expires_in"] == 2592000
    assert payload["auth_start"] == "2026-03-02 10:00:00"  # the sandbox clock, Beijing time
    assert payload["access_token"].startswith("authusrB") and payload["refresh_token"].startswith("authusrB")
    assert payload["access_token"] != payload["refresh_token"]
    assert ", " not in text and '": ' not in text  # compact, like Alipay

    # The SDK's own parser (what execute() runs) accepts and verifies it too.
    content = client._DefaultAlipayClient__parse_response(text.encode("utf-8"))
    response = AlipaySystemOauthTokenResponse()
    response.parse_response_content(content)
    assert response.is_success()
    assert (response.user_id, response.access_token, response.refresh_token) == (
        USER_ID, payload["access_token"], payload["refresh_token"],
    )

    token = alipay.state.alipay.tokens[payload["access_token"]]
    assert (token.app_id, token.user_id, token.open_id) == (APP_ID, USER_ID, None)


async def test_oauth_token_with_open_id_and_both(alipay):
    key, payload = await alipay.token(code=await alipay.auth_code(open_id=OPEN_ID))
    assert key == OAUTH_KEY
    assert payload["open_id"] == OPEN_ID and "user_id" not in payload

    key, payload = await alipay.token(code=await alipay.auth_code(open_id=OPEN_ID, user_id=USER_ID))
    assert (payload["user_id"], payload["open_id"]) == (USER_ID, OPEN_ID)
    assert list(payload)[:2] == ["user_id", "open_id"]


async def test_code_reuse_expiry_and_other_app(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    assert (await alipay.token(code=code))[0] == OAUTH_KEY
    text = await alipay.fetch_url(alipay.signed_url(token_request(code=code)))
    assert "授权码code无效" in text  # non-ASCII as it is, not \u escapes
    key, payload = alipay.verify(text)
    assert (key, payload) == ("error_response", oauth_error("isv.code-invalid", "授权码code无效"))

    code = await alipay.auth_code(user_id=USER_ID)
    alipay.clock.advance(301)
    assert (await alipay.gateway_error(token_request(code=code)))["sub_code"] == "isv.code-invalid"

    code = await alipay.auth_code(user_id=USER_ID, app_id=OTHER_APP_ID)
    assert (await alipay.gateway_error(token_request(code=code)))["sub_code"] == "isv.code-invalid"
    other = alipay.client(OTHER_APP_ID, "other")
    assert (await alipay.token(code=code, client=other))[1]["user_id"] == USER_ID

    for bad in ("no-such-code", None):
        assert (await alipay.gateway_error(token_request(code=bad)))["sub_code"] == "isv.code-invalid"


async def test_refresh_token_rotation(alipay):
    _, first = await alipay.token(code=await alipay.auth_code(user_id=USER_ID))
    alipay.clock.advance(600)
    key, second = await alipay.token(refresh_token=first["refresh_token"])
    assert key == OAUTH_KEY and second["user_id"] == USER_ID
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["auth_start"] == "2026-03-02 10:10:00"

    payload = await alipay.gateway_error(token_request(refresh_token=first["refresh_token"]))
    assert payload == oauth_error("isv.refresh-token-invalid", "刷新令牌refresh_token无效")
    _, third = await alipay.token(refresh_token=second["refresh_token"])
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])

    # The refresh token lives 30 days.
    alipay.clock.advance(2592001)
    payload = await alipay.gateway_error(token_request(refresh_token=third["refresh_token"]))
    assert payload == oauth_error("isv.refresh-token-time-out", "刷新令牌refresh_token过期")

    payload = await alipay.gateway_error(token_request(grant_type="password", code="x"))
    assert payload["sub_code"] == "isv.grant-type-invalid"


# ---------------------------------------------------------------- gateway checks


async def test_tampered_parameter_is_an_invalid_signature(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    url = alipay.signed_url(token_request(code=code))
    tampered = url.replace(f"code={code}", f"code={code[:-1]}0" if code[-1] != "0" else f"code={code[:-1]}1")
    assert tampered != url
    key, payload = alipay.placeholder(await alipay.fetch_url(tampered))
    assert key == OAUTH_KEY  # the method's key, signed with the gateway's placeholder
    assert (payload["code"], payload["msg"], payload["sub_code"]) == ("40002", "Invalid Arguments", "isv.invalid-signature")
    # Like Alipay, the answer shows the string the gateway verified.
    assert payload["sub_msg"].startswith("验签出错") and "app_id=2021000000000001&charset=utf-8&code=" in payload["sub_msg"]

    # The untampered request still works: the code was not used.
    assert alipay.verify(await alipay.fetch_url(url))[0] == OAUTH_KEY


async def test_signed_with_the_wrong_key(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    _, payload = await alipay.refused(token_request(code=code), alipay.client(key="stranger"))
    assert payload["sub_code"] == "isv.invalid-signature"
    _, payload = await alipay.refused(token_request(code=code), alipay.client(OTHER_APP_ID, key="app"))
    assert payload["sub_code"] == "isv.invalid-signature"


async def test_app_id_sign_type_and_method_checks(alipay):
    key, payload = await alipay.refused(token_request(code="x"), alipay.client("2021999999999999"))
    assert (key, payload) == (OAUTH_KEY, {"code": "40002", "msg": "Invalid Arguments",
                                          "sub_code": "isv.invalid-app-id", "sub_msg": "无效的AppID参数"})

    _, payload = await alipay.refused(token_request(code="x"), alipay.client(sign_type="RSA"))
    assert payload["sub_code"] == "isv.invalid-signature-type"

    request = AlipayTradeQueryRequest()
    request.biz_content = {"out_trade_no": "20260302001"}
    payload = await alipay.gateway_error(request)
    assert (payload["code"], payload["sub_code"]) == ("40002", "isv.invalid-method")


@pytest.mark.parametrize(
    "drop, sub_code",
    [("app_id", "isv.missing-app-id"), ("sign", "isv.missing-signature"),
     ("sign_type", "isv.missing-signature-type")],
)
async def test_missing_common_parameters(alipay, drop, sub_code):
    url = alipay.signed_url(token_request(code="x"))
    base, query = url.split("?", 1)
    params = [(k, v) for k, v in urllib.parse.parse_qsl(query) if k != drop]
    _, payload = alipay.placeholder(await alipay.fetch_url(base + "?" + urllib.parse.urlencode(params)))
    assert (payload["code"], payload["msg"], payload["sub_code"]) == ("40001", "Missing Required Arguments", sub_code)


async def test_timestamp_within_15_minutes(alipay, monkeypatch):
    for skew in (-901, 901):
        url = alipay.signed_url(template_message())
        alipay.clock.advance(skew)
        key, payload = alipay.verify(await alipay.fetch_url(url))
        assert (key, payload["sub_code"]) == ("error_response", "isv.invalid-timestamp")
        alipay.clock.advance(-skew)
    for skew in (-900, 900):
        url = alipay.signed_url(template_message())
        alipay.clock.advance(skew)
        assert alipay.verify(await alipay.fetch_url(url))[1]["code"] == "10000"
        alipay.clock.advance(-skew)

    # A backend whose local time is UTC stamps 8 hours early: Alipay refuses it.
    sdk_clock(monkeypatch, alipay.clock, dt.UTC)
    payload = await alipay.gateway_error(token_request(code="x"))
    assert payload["sub_code"] == "isv.invalid-timestamp"


async def test_timezone_can_be_configured(make_sandbox, app_keys, monkeypatch):
    sb = await make_sandbox(alipay_apps={APP_ID: app_keys["app"][1]}, alipay_timezone=dt.UTC)
    sdk_clock(monkeypatch, sb.clock, dt.UTC)
    alipay = Alipay(sb, app_keys, pem_body(sb.state.alipay_public_key_pem))
    _, payload = await alipay.token(code=await alipay.auth_code(user_id=USER_ID))
    assert payload["auth_start"] == "2026-03-02 02:00:00"


async def test_post_with_a_form_body(alipay):
    code = await alipay.auth_code(open_id=OPEN_ID)
    url = alipay.signed_url(token_request(code=code))
    key, payload = alipay.verify(await alipay.fetch_url(url, http="POST"))
    assert key == OAUTH_KEY and payload["open_id"] == OPEN_ID

    # Common parameters in the query and the rest in the body, as execute() sends them.
    code = await alipay.auth_code(open_id=OPEN_ID)
    base, query = alipay.signed_url(token_request(code=code)).split("?", 1)
    params = urllib.parse.parse_qsl(query)
    common = [(k, v) for k, v in params if k not in ("code", "grant_type")]
    biz = [(k, v) for k, v in params if k in ("code", "grant_type")]
    response, _ = await alipay.sb.fetch(
        "", "POST", urllib.parse.urlencode(biz), url=base + "?" + urllib.parse.urlencode(common),
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
    )
    assert alipay.verify(response.body.decode())[1]["open_id"] == OPEN_ID


# ---------------------------------------------------------------- alipay.open.app.mini.templatemessage.send


def template_message(**fields):
    model = AlipayOpenAppMiniTemplatemessageSendModel()
    values = {
        "to_user_id": USER_ID,
        "user_template_id": "TPL_APPOINTMENT_REMINDER",
        "page": "pages/appointments/detail?id=A1001",
        "data": json.dumps({"keyword1": {"value": "户籍业务"}, "keyword2": {"value": "2026-03-03 09:30"}},
                           ensure_ascii=False),
    }
    values.update(fields)
    for name, value in values.items():
        if value is not None:
            setattr(model, name, value)
    request = AlipayOpenAppMiniTemplatemessageSendRequest()
    request.biz_model = model
    return request


async def test_template_message_send_and_read_back(alipay):
    key, payload = await alipay.call(template_message())
    assert (key, payload) == (SEND_KEY, {"code": "10000", "msg": "Success"})
    key, payload = await alipay.call(template_message(to_user_id=None, to_open_id=OPEN_ID), http="POST")
    assert payload["code"] == "10000"

    response, listing = await alipay.sb.fetch(f"/alipay/template-messages?to_user_id={USER_ID}")
    assert response.code == 200
    [message] = listing["messages"]
    assert message == {
        "app_id": APP_ID,
        "to_user_id": USER_ID,
        "to_open_id": None,
        "user_template_id": "TPL_APPOINTMENT_REMINDER",
        "page": "pages/appointments/detail?id=A1001",
        "data": {"keyword1": {"value": "户籍业务"}, "keyword2": {"value": "2026-03-03 09:30"}},
        "at": dt.datetime.fromtimestamp(START, dt.UTC).isoformat(timespec="milliseconds"),
    }
    assert len((await alipay.sb.fetch("/alipay/template-messages"))[1]["messages"]) == 2
    assert (await alipay.sb.fetch(f"/alipay/template-messages?to_open_id={OPEN_ID}"))[1]["messages"][0][
        "to_open_id"] == OPEN_ID
    assert (await alipay.sb.fetch("/alipay/template-messages", "DELETE"))[1] == {"deleted": 2}
    assert alipay.state.alipay.template_messages == []


@pytest.mark.parametrize(
    "fields, sub_code",
    [
        ({"to_user_id": None}, "isv.missing-param"),
        ({"user_template_id": None}, "isv.missing-param"),
        ({"page": None}, "isv.missing-param"),
        ({"data": None}, "isv.missing-param"),
        ({"data": "not json"}, "isv.invalid-parameter"),
        ({"to_user_id": "1234"}, "isv.invalid-parameter"),
    ],
)
async def test_template_message_errors(alipay, fields, sub_code):
    key, payload = await alipay.call(template_message(**fields))
    assert key == SEND_KEY
    assert (payload["code"], payload["msg"], payload["sub_code"]) == ("40002", "Invalid Arguments", sub_code)
    assert alipay.state.alipay.template_messages == []


async def test_template_messages_follow_the_apps_own_templates(make_sandbox, app_keys, monkeypatch):
    templates = {APP_ID: {"TPL_MINE": {"keyword1": 4, "keyword2": 20}}, OTHER_APP_ID: {"TPL_THEIRS": {"keyword1": 20}}}
    sb = await make_sandbox(alipay_apps={APP_ID: app_keys["app"][1], OTHER_APP_ID: app_keys["other"][1]},
                            alipay_templates=templates)
    sdk_clock(monkeypatch, sb.clock)
    alipay = Alipay(sb, app_keys, pem_body(sb.state.alipay_public_key_pem))

    def data(**values):
        return json.dumps({k: {"value": v} for k, v in values.items()}, ensure_ascii=False)

    ok = template_message(user_template_id="TPL_MINE", data=data(keyword1="户籍业务", keyword2="2026-03-03 09:30"))
    assert (await alipay.call(ok))[1]["code"] == "10000"
    for template_id in ("TPL_THEIRS", "TPL_APPOINTMENT_REMINDER"):  # another app's; not picked by this app
        key, payload = await alipay.call(template_message(user_template_id=template_id))
        assert (key, payload) == (SEND_KEY, {"code": "40004", "msg": "Business Failed",
                                             "sub_code": "USER_TEMPLATE_ILLEGAL", "sub_msg": "模板非法"})
    refused = {
        "data.keyword2 缺少该关键词": data(keyword1="户籍业务"),
        "data.keyword3 不是模板的关键词": data(keyword1="户籍业务", keyword2="明天", keyword3="多余"),
        "data.keyword1.value 应为 1 到 4 个字符": data(keyword1="户籍业务办理", keyword2="明天"),
        "data.keyword2.value 应为 1 到 20 个字符": json.dumps({"keyword1": {"value": "户籍"}, "keyword2": {"value": 5}}),
    }
    for message, body in refused.items():
        key, payload = await alipay.call(template_message(user_template_id="TPL_MINE", data=body))
        assert (payload["code"], payload["sub_code"], payload["sub_msg"]) == (
            "40002", "isv.invalid-parameter", f"参数无效: {message}"), body
    assert len(sb.state.alipay.template_messages) == 1
    with pytest.raises(ValueError):
        SandboxState(alipay_templates={APP_ID: {"TPL": {"thing1": 20}}})


# ---------------------------------------------------------------- faults and read-back


async def test_errcode_fault_is_a_signed_unknown_error(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    await alipay.sb.add_fault(target="alipay.system.oauth.token", errcode=20000, errmsg="系统繁忙")
    key, payload = await alipay.call(token_request(code=code))
    assert (key, payload) == ("error_response", {"code": "20000", "msg": "Service Currently Unavailable",
                                                 "sub_code": "isp.unknown-error", "sub_msg": "系统繁忙"})
    # The per-method fault leaves other methods alone; the code was not used.
    assert (await alipay.call(template_message()))[1]["code"] == "10000"
    assert (await alipay.token(code=code))[0] == OAUTH_KEY


async def test_gateway_fault_hits_every_method(alipay):
    await alipay.sb.add_fault(target="alipay.gateway", errcode=1, times=2)
    assert (await alipay.gateway_error(template_message()))["sub_msg"] == "injected fault"
    assert (await alipay.gateway_error(token_request(code="x")))["sub_code"] == "isp.unknown-error"
    assert (await alipay.call(template_message()))[1]["code"] == "10000"


async def test_status_fault(alipay):
    await alipay.sb.add_fault(target="alipay.system.oauth.token", status=503)
    response, payload = await alipay.sb.fetch("", url=alipay.signed_url(token_request(code="x")))
    assert (response.code, payload) == (503, {"error": "Service Unavailable", "status": 503})


async def test_received_log(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    _, token = await alipay.token(code=code)
    await alipay.token(refresh_token=token["refresh_token"])
    await alipay.call(template_message())
    await alipay.gateway_error(AlipayTradeQueryRequest())

    oauth = await alipay.sb.received("alipay.system.oauth.token")
    assert [r["errcode"] for r in oauth] == [None, None]
    first = oauth[0]
    assert first["target"] == "alipay.system.oauth.token" and first["method"] == "GET"
    assert first["path"] == "/sandbox/alipay/gateway.do"
    assert first["query"]["code"] == "***" and first["query"]["app_id"] == APP_ID
    assert first["query"]["grant_type"] == "authorization_code"
    assert oauth[1]["query"]["refresh_token"] == "***"

    gateway = await alipay.sb.received("alipay.gateway")
    assert [r["target"] for r in gateway] == [
        "alipay.system.oauth.token", "alipay.system.oauth.token",
        "alipay.open.app.mini.templatemessage.send", "alipay.gateway",
    ]
    assert [r["errcode"] for r in gateway] == [None, None, "10000", "isv.invalid-method"]
    everything = await alipay.sb.received()
    assert len(everything) == 4  # each request once
    assert code not in json.dumps(everything) and token["refresh_token"] not in json.dumps(everything)

    response, payload = await alipay.sb.fetch("/faults")
    assert {"alipay.gateway", "alipay.system.oauth.token",
            "alipay.open.app.mini.templatemessage.send"} <= set(payload["targets"])


# ---------------------------------------------------------------- control plane and keys


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "user_id or open_id"),
        ({"user_id": "2088123"}, "user_id"),
        ({"user_id": 2088102150477652}, "user_id"),
        ({"open_id": "bad id"}, "open_id"),
        ({"user_id": USER_ID, "app_id": "2021999999999999"}, "unknown app_id"),
        ("[", "JSON object"),
    ],
)
async def test_auth_code_validation(alipay, body, fragment):
    response, payload = await alipay.sb.fetch("/alipay/auth-code", "POST", body)
    assert response.code == 400 and fragment in payload["error"]


async def test_keys(app_keys):
    state = SandboxState(alipay_apps={APP_ID: pem_body(app_keys["app"][1])})  # a bare body works too
    assert state.alipay_public_key_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert state.alipay_private_key_pem.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    same = SandboxState(alipay_private_key_pem=state.alipay_private_key_pem)
    assert same.alipay_public_key_pem == state.alipay_public_key_pem
    assert SandboxState().alipay_public_key_pem != state.alipay_public_key_pem
    with pytest.raises(ValueError):
        SandboxState(alipay_apps={APP_ID: "not a key"})


async def test_reset_forgets_codes_and_tokens(alipay):
    code = await alipay.auth_code(user_id=USER_ID)
    _, token = await alipay.token(code=await alipay.auth_code(user_id=USER_ID))
    await alipay.sb.fetch("/reset", "POST")
    assert (await alipay.gateway_error(token_request(code=code)))["sub_code"] == "isv.code-invalid"
    assert (await alipay.gateway_error(token_request(refresh_token=token["refresh_token"])))["sub_code"] == (
        "isv.refresh-token-invalid")
    assert (await alipay.call(template_message()))[1]["code"] == "10000"  # apps and keys stay


async def test_non_utf8_parameter_is_an_invalid_charset(alipay):
    url = alipay.signed_url(token_request(code="x")) + "&terminal_info=%ff%fe"
    key, payload = alipay.verify(await alipay.fetch_url(url))
    assert (key, payload["code"], payload["sub_code"]) == ("error_response", "40002", "isv.invalid-charset")


async def test_signing_modes(alipay):
    response, payload = await alipay.sb.fetch("/alipay/signing")
    assert payload == {"mode": "normal"}
    for bad in ({"mode": "sloppy"}, {}, []):
        assert (await alipay.sb.fetch("/alipay/signing", "PUT", bad))[0].code == 400
    assert (await alipay.sb.fetch("/alipay/signing", "PUT", {"mode": "unsigned"}))[1] == {"mode": "unsigned"}
    text = await alipay.fetch_url(alipay.signed_url(template_message()))
    assert json.loads(text) == {SEND_KEY: {"code": "10000", "msg": "Success"}}  # no sign at all
    await alipay.sb.fetch("/alipay/signing", "PUT", {"mode": "wrong-key"})
    text = await alipay.fetch_url(alipay.signed_url(template_message()))
    key, content, sign = SIGNED.fullmatch(text).groups()
    assert key == SEND_KEY and sign != PLACEHOLDER_SIGN
    with pytest.raises(Exception):  # noqa: B017 - signed, but not by the key clients hold
        verify_with_rsa(alipay.alipay_public_key, content.encode("utf-8"), sign)
    assert len(alipay.state.alipay.template_messages) == 2  # both were sent all the same
    await alipay.sb.fetch("/reset", "POST")
    assert (await alipay.sb.fetch("/alipay/signing"))[1] == {"mode": "normal"}
