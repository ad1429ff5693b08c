"""Mini-program login (wx.login + code2Session) through wechatpy's WeChatWxa."""

import base64
import time

import pytest
import pytest_asyncio
from sandbox_testkit import call
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

pytestmark = pytest.mark.asyncio

APPID = "wxminiappid01"
SECRET = "mini-secret"
OTHER_APPID = "wxminiappid02"
OTHER_SECRET = "other-mini-secret"
OPENID = "oA1b2C3d4E5f6G7h8I9j0K1l2M3n"
UNIONID = "oU9z8Y7x6W5v4U3t2S1r0Q9p8O7n"


class SandboxWxaClient(WeChatClient):
    """wechatpy's client with its cgi-bin and wxa bases pointed at the sandbox."""

    def __init__(self, base_url, appid, secret, **kwargs):
        kwargs.setdefault("timeout", 10)
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = f"{base_url}/wechat/cgi-bin/"
        self.wxa.API_BASE_URL = f"{base_url}/wechat/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class LoginSandbox:
    def __init__(self, sb):
        self.sb = sb
        self.state, self.clock = sb.state, sb.clock

    def client(self, appid=APPID, secret=SECRET):
        client = SandboxWxaClient(self.sb.base, appid, secret)
        self.sb.closers.append(client._http.close)
        return client

    async def login_code(self, openid=OPENID, unionid=None, **extra):
        response, payload = await self.sb.fetch("/wechat/login-code", "POST", {"openid": openid, "unionid": unionid, **extra})
        assert response.code == 201, payload
        assert payload["expires_in"] == 300
        return payload["code"]

    async def exchange(self, code, client=None):
        return await call((client or self.client()).wxa.code_to_session, code)

    async def exchange_error(self, code, client=None):
        with pytest.raises(WeChatClientException) as info:
            await self.exchange(code, client)
        return info.value


@pytest_asyncio.fixture
async def login(make_sandbox):
    sb = await make_sandbox(wechat_apps={APPID: SECRET, OTHER_APPID: OTHER_SECRET})
    return LoginSandbox(sb)


def assert_session_key(value):
    assert isinstance(value, str) and len(value) == 24
    assert len(base64.b64decode(value, validate=True)) == 16


# ---------------------------------------------------------------- happy path


async def test_code_to_session_with_unionid(login):
    code = await login.login_code(unionid=UNIONID)
    assert len(code) == 32 and code.replace("-", "").replace("_", "").isalnum()

    session = await login.exchange(code)
    assert set(session) == {"openid", "session_key", "unionid"}
    assert session["openid"] == OPENID and session["unionid"] == UNIONID
    assert_session_key(session["session_key"])
    stored = login.state.wechat_login.sessions[(APPID, OPENID)]
    assert (stored.session_key, stored.unionid) == (session["session_key"], UNIONID)

    # wechatpy fetched an access token first (the sandbox's token endpoint).
    assert len(await login.sb.received("wechat.token")) == 1


async def test_code_to_session_without_unionid(login):
    session = await login.exchange(await login.login_code())
    assert set(session) == {"openid", "session_key"}
    assert session["openid"] == OPENID
    assert_session_key(session["session_key"])

    # A new login gives a new session key.
    again = await login.exchange(await login.login_code())
    assert again["session_key"] != session["session_key"]
    assert login.state.wechat_login.sessions[(APPID, OPENID)].session_key == again["session_key"]


async def test_code_is_single_use(login):
    code = await login.login_code()
    await login.exchange(code)
    err = await login.exchange_error(code)
    assert (err.errcode, err.errmsg) == (40029, "invalid code")
    assert err.response.status_code == 200


async def test_code_expires_after_300_seconds(login):
    code = await login.login_code()
    login.clock.advance(300)
    assert (await login.exchange(code))["openid"] == OPENID

    code = await login.login_code()
    login.clock.advance(301)
    err = await login.exchange_error(code)
    assert (err.errcode, err.errmsg) == (40029, "invalid code")


async def test_codes_belong_to_one_appid(login):
    # Without an appid the code is for the first configured app.
    code = await login.login_code()
    err = await login.exchange_error(code, login.client(OTHER_APPID, OTHER_SECRET))
    assert err.errcode == 40029
    assert (await login.exchange(code))["openid"] == OPENID  # not used up by the wrong app

    other = await login.login_code(appid=OTHER_APPID)
    assert (await login.exchange_error(other)).errcode == 40029
    assert (await login.exchange(other, login.client(OTHER_APPID, OTHER_SECRET)))["openid"] == OPENID


# ---------------------------------------------------------------- errors


async def test_unknown_appid_and_wrong_secret(login):
    code = await login.login_code()
    # Token first: the SDK needs one before calling code2Session.
    err = await login.exchange_error(code, login.client("wxnosuchapp", SECRET))
    assert (err.errcode, err.errmsg) == (40013, "invalid appid")

    client = login.client()
    await call(client.fetch_access_token)
    client.secret = "wrong-secret"
    err = await login.exchange_error(code, client)
    assert (err.errcode, err.errmsg) == (40125, "invalid appsecret")

    # Neither consumed the code.
    assert (await login.exchange(code))["openid"] == OPENID


@pytest.mark.parametrize(
    "params, errcode",
    [
        ({"appid": APPID, "secret": SECRET, "grant_type": "authorization_code"}, 40029),
        ({"appid": APPID, "secret": SECRET, "js_code": "never-issued", "grant_type": "authorization_code"}, 40029),
        ({"appid": APPID, "secret": SECRET, "js_code": "x", "grant_type": "client_credential"}, 40002),
        ({"secret": SECRET, "js_code": "x", "grant_type": "authorization_code"}, 41002),
        ({"appid": APPID, "js_code": "x", "grant_type": "authorization_code"}, 41004),
    ],
    ids=["missing-code", "unknown-code", "grant-type", "missing-appid", "missing-secret"],
)
async def test_raw_parameter_errors(login, params, errcode):
    client = login.client()
    with pytest.raises(WeChatClientException) as info:
        await call(client.get, "sns/jscode2session", params=params, api_base_url=client.wxa.API_BASE_URL)
    assert info.value.errcode == errcode


async def test_high_risk_user(login):
    code = await login.login_code()
    response, payload = await login.sb.fetch("/wechat/risky-users", "POST", {"openid": OPENID})
    assert (response.code, payload) == (201, {"openid": OPENID, "risky": True})
    assert login.state.wechat_risky_openids == {OPENID}
    assert (await login.sb.fetch("/wechat/risky-users"))[1] == {"openids": [OPENID]}

    err = await login.exchange_error(code)
    assert (err.errcode, err.errmsg) == (40226, "high risk user")
    # Other users are unaffected.
    assert (await login.exchange(await login.login_code(openid="oSomeoneElse")))["openid"] == "oSomeoneElse"

    # Unmarked, the same (unused) code goes through.
    response, payload = await login.sb.fetch(f"/wechat/risky-users?openid={OPENID}", "DELETE")
    assert (response.code, payload) == (200, {"deleted": 1})
    assert (await login.exchange(code))["openid"] == OPENID


async def test_risky_users_from_the_constructor(make_sandbox):
    login = LoginSandbox(await make_sandbox(wechat_apps={APPID: SECRET}, wechat_risky_openids=[OPENID]))
    assert (await login.exchange_error(await login.login_code())).errcode == 40226
    response, payload = await login.sb.fetch("/wechat/risky-users", "DELETE")
    assert payload == {"deleted": 1} and login.state.wechat_risky_openids == set()


async def test_minute_quota_per_openid(login):
    client = login.client()
    codes = [await login.login_code() for _ in range(101)]
    for code in codes[:100]:
        assert (await login.exchange(code, client))["openid"] == OPENID
    err = await login.exchange_error(codes[100], client)
    assert (err.errcode, err.errmsg) == (45011, "api minute-quota reach limit")

    # Another user is not limited; the limited code still works a minute later.
    assert (await login.exchange(await login.login_code(openid="oOther"), client))["openid"] == "oOther"
    login.clock.advance(59)
    assert (await login.exchange_error(codes[100], client)).errcode == 45011
    login.clock.advance(1)
    assert (await login.exchange(codes[100], client))["openid"] == OPENID


# ---------------------------------------------------------------- faults and read-back


async def test_fault_system_busy(login):
    code = await login.login_code()
    await login.sb.add_fault(target="wechat.jscode2session", errcode=-1, errmsg="system error")
    err = await login.exchange_error(code)
    assert (err.errcode, err.errmsg) == (-1, "system error")
    assert (await login.exchange(code))["openid"] == OPENID  # the faulted call used nothing up


async def test_fault_status_and_latency(login):
    client = login.client()
    await call(client.fetch_access_token)
    code = await login.login_code()
    await login.sb.add_fault(target="wechat.jscode2session", status=503)
    err = await login.exchange_error(code, client)
    assert err.errcode is None and err.response.status_code == 503
    await login.sb.add_fault(target="wechat.jscode2session", latency_ms=200)
    started = time.monotonic()
    assert (await login.exchange(code, client))["openid"] == OPENID
    assert time.monotonic() - started >= 0.2


async def test_received_log_hides_code_and_secret(login):
    code = await login.login_code(unionid=UNIONID)
    await login.exchange(code)
    await login.exchange_error(code)
    ok, reused = await login.sb.received("wechat.jscode2session")
    assert ok["path"] == "/sandbox/wechat/sns/jscode2session"
    assert ok["query"] == {
        "appid": APPID,
        "secret": "***",
        "js_code": "***",
        "grant_type": "authorization_code",
        "access_token": "***",
    }
    assert (ok["status"], ok["errcode"]) == (200, None)
    assert reused["errcode"] == 40029
    everything = str(await login.sb.received())
    assert code not in everything and SECRET not in everything
    # login-code is the control plane: not recorded.
    assert {r["target"] for r in await login.sb.received()} == {"wechat.token", "wechat.jscode2session"}


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "openid"),
        ({"openid": ""}, "openid"),
        ({"openid": "has space"}, "openid"),
        ({"openid": "x" * 65}, "openid"),
        ({"openid": 12}, "openid"),
        ({"openid": OPENID, "unionid": "bad/union"}, "unionid"),
        ({"openid": OPENID, "appid": "wxnosuchapp"}, "unknown appid"),
        ([OPENID], "JSON object"),
        ("{not json", "JSON object"),
    ],
)
async def test_login_code_validation(login, body, fragment):
    response, payload = await login.sb.fetch("/wechat/login-code", "POST", body)
    assert response.code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert fragment in payload["error"]
    assert login.state.wechat_login.codes == {}


async def test_login_code_needs_a_configured_app(make_sandbox):
    sb = await make_sandbox()
    response, payload = await sb.fetch("/wechat/login-code", "POST", {"openid": OPENID})
    assert response.code == 400 and "no WeChat app" in payload["error"]


async def test_reset_forgets_codes_and_risky_users(login):
    code = await login.login_code()
    await login.sb.fetch("/wechat/risky-users", "POST", {"openid": "oRisky"})
    risky = login.state.wechat_risky_openids
    assert (await login.sb.fetch("/reset", "POST"))[0].code == 200
    assert (await login.exchange_error(code)).errcode == 40029
    assert risky == set() and login.state.wechat_risky_openids is risky
