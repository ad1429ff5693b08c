"""The WeChat sandbox, driven through the real wechatpy SDK over loopback HTTP.

wechatpy is synchronous (requests), so every SDK call runs in a worker thread
while the sandbox keeps serving on the test's event loop.
"""

import asyncio
import datetime as dt
import functools
import json
import time

import pytest
import pytest_asyncio
import requests
import tornado.httpserver
import tornado.testing
import tornado.web
from tornado.httpclient import AsyncHTTPClient
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from sandbox.app import SandboxState, make_sandbox_app, sandbox_routes

pytestmark = pytest.mark.asyncio

APPID = "wxdemoappid"
SECRET = "demo-secret"
OTHER_APPID = "wxotherappid"
OTHER_SECRET = "other-secret"
MINIPROGRAM = "wxminiprogram01"
PREFIX = "/sandbox"
# 2026-03-02 10:00:00 Beijing time: far from a daily-quota midnight.
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()

MENU = {
    "button": [
        {"type": "click", "name": "今日办事", "key": "V1001_TODAY"},
        {"type": "view", "name": "政务大厅", "url": "https://gov.example.cn/hall"},
        {
            "name": "更多服务",
            "sub_button": [
                {"type": "view", "name": "搜索", "url": "http://www.soso.com/"},
                {
                    "type": "miniprogram",
                    "name": "小程序",
                    "url": "https://gov.example.cn/fallback",
                    "appid": MINIPROGRAM,
                    "pagepath": "pages/index/index",
                },
                {"type": "scancode_push", "name": "扫一扫", "key": "SCAN_1"},
            ],
        },
    ]
}


class FakeClock:
    """A frozen clock the tests move by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SandboxWeChatClient(WeChatClient):
    """wechatpy's client, pointed at the sandbox instead of api.weixin.qq.com."""

    def __init__(self, base_url, appid, secret, **kwargs):
        kwargs.setdefault("timeout", 10)
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = f"{base_url}/wechat/cgi-bin/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    def fetch_stable_token(self, force_refresh=False, secret=None):
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret if secret is None else secret,
            "force_refresh": force_refresh,
        }
        res = self._http.post(self.API_BASE_URL + "stable_token", data=json.dumps(body), timeout=self.timeout)
        return self._handle_result(res)


class Sandbox:
    def __init__(self, state, clock, port):
        self.state, self.clock, self.port = state, clock, port
        self.base = f"http://127.0.0.1:{port}{PREFIX}"
        self.clients = []

    def client(self, appid=APPID, secret=SECRET, **kwargs):
        client = SandboxWeChatClient(self.base, appid, secret, **kwargs)
        self.clients.append(client)
        return client

    async def fetch(self, path, method="GET", body=None, **kwargs):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PUT"):
            body = b""
        response = await AsyncHTTPClient().fetch(
            self.base + path, method=method, body=body, raise_error=False, request_timeout=10, **kwargs
        )
        payload = json.loads(response.body) if response.body else None
        return response, payload

    async def add_fault(self, **spec):
        response, payload = await self.fetch("/faults", "POST", spec)
        assert response.code == 201, payload
        return payload

    async def received(self, target=None):
        response, payload = await self.fetch("/received" + (f"?target={target}" if target else ""))
        assert response.code == 200, payload
        return payload["requests"]


async def call(fn, *args, **kwargs):
    """Run a blocking SDK call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


async def wechat_error(fn, *args, **kwargs) -> WeChatClientException:
    with pytest.raises(WeChatClientException) as info:
        await call(fn, *args, **kwargs)
    return info.value


async def start_sandbox(**state_kwargs):
    clock = FakeClock(START)
    state_kwargs.setdefault("wechat_apps", {APPID: SECRET, OTHER_APPID: OTHER_SECRET})
    state_kwargs.setdefault("wechat_linked_miniprograms", {MINIPROGRAM})
    state = SandboxState(clock=clock, **state_kwargs)
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(make_sandbox_app(state, prefix=PREFIX))
    server.add_sockets([sock])
    return Sandbox(state, clock, port), server


async def stop_sandbox(sb, server):
    for client in sb.clients:
        client._http.close()
    server.stop()
    await server.close_all_connections()


@pytest_asyncio.fixture
async def sandbox():
    sb, server = await start_sandbox()
    yield sb
    await stop_sandbox(sb, server)


def stored(menu):
    """What WeChat answers for a stored menu: a sub_button list on every button."""
    out = []
    for button in menu["button"]:
        item = dict(button)
        item["sub_button"] = [dict(sub, sub_button=[]) for sub in button.get("sub_button", [])]
        out.append(item)
    return out


# ---------------------------------------------------------------- happy path


async def test_token_and_menu_round_trip(sandbox):
    client = sandbox.client()
    assert await call(client.menu.get) is None  # 46003 "menu no exist" -> None in wechatpy

    assert await call(client.menu.create, MENU) == {"errcode": 0, "errmsg": "ok"}
    assert await call(client.menu.get) == {"menu": {"button": stored(MENU)}}

    info = await call(client.menu.get_menu_info)
    assert info["is_menu_open"] == 1
    buttons = info["selfmenu_info"]["button"]
    assert buttons[0] == {"type": "click", "name": "今日办事", "key": "V1001_TODAY"}
    assert buttons[2]["name"] == "更多服务"
    assert [b["name"] for b in buttons[2]["sub_button"]["list"]] == ["搜索", "小程序", "扫一扫"]

    assert await call(client.menu.delete) == {"errcode": 0, "errmsg": "ok"}
    assert await call(client.menu.get) is None
    raw = await wechat_error(client.get, "menu/get")
    assert (raw.errcode, raw.errmsg) == (46003, "menu no exist")
    assert (await call(client.menu.get_menu_info))["is_menu_open"] == 0

    # One token fetch served every call; the menus are per appid.
    assert len(await sandbox.received("wechat.token")) == 1
    assert await call(sandbox.client(OTHER_APPID, OTHER_SECRET).menu.get) is None


async def test_token_response_and_replacement_grace(sandbox):
    client = sandbox.client()
    first = await call(client.fetch_access_token)
    assert first["expires_in"] == 7200 and len(first["access_token"]) > 100
    second = await call(client.fetch_access_token)
    assert second["access_token"] != first["access_token"]

    old = sandbox.client(access_token=first["access_token"], auto_retry=False)
    new = sandbox.client(access_token=second["access_token"], auto_retry=False)
    sandbox.clock.advance(299)
    assert await call(old.menu.delete) == {"errcode": 0, "errmsg": "ok"}  # still inside the 5 minutes
    sandbox.clock.advance(2)
    assert (await wechat_error(old.menu.delete)).errcode == 42001
    assert await call(new.menu.delete) == {"errcode": 0, "errmsg": "ok"}


@pytest.mark.parametrize(
    "params, errcode, errmsg",
    [
        ({"grant_type": "client_credential", "appid": "wxnosuchapp", "secret": SECRET}, 40013, "invalid appid"),
        ({"grant_type": "client_credential", "appid": APPID, "secret": "wrong"}, 40125, "invalid appsecret"),
        ({"grant_type": "authorization_code", "appid": APPID, "secret": SECRET}, 40002, "invalid grant_type"),
        ({"grant_type": "client_credential", "appid": APPID}, 41004, "appsecret missing"),
        ({"grant_type": "client_credential", "secret": SECRET}, 41002, "appid missing"),
    ],
)
async def test_token_errors(sandbox, params, errcode, errmsg):
    client = sandbox.client()
    err = await wechat_error(client._fetch_access_token, url=client.API_BASE_URL + "token", params=params)
    assert (err.errcode, err.errmsg) == (errcode, errmsg)
    assert err.response.status_code == 200
    assert sandbox.state.wechat.tokens == {}


# ---------------------------------------------------------------- access_token checks


async def test_invalid_missing_and_expired_tokens(sandbox):
    bogus = sandbox.client(access_token="not-a-real-token", auto_retry=False)
    err = await wechat_error(bogus.menu.create, MENU)
    assert (err.errcode, err.errmsg) == (40001, "invalid credential, access_token is invalid or not latest")

    client = sandbox.client(auto_retry=False)
    err = await wechat_error(client.get, "menu/get", params={"access_token": ""})
    assert (err.errcode, err.errmsg) == (41001, "access_token missing")

    await call(client.menu.create, MENU)
    sandbox.clock.advance(7200)
    err = await wechat_error(client.menu.get)
    assert (err.errcode, err.errmsg) == (42001, "access_token expired")
    assert sandbox.state.wechat.menus[APPID] == stored(MENU)  # nothing touched


async def test_sdk_auto_retry_recovers_from_expired_token(sandbox):
    client = sandbox.client()  # auto_retry=True, wechatpy's default
    await call(client.menu.create, MENU)
    sandbox.clock.advance(7201)
    assert await call(client.menu.get) == {"menu": {"button": stored(MENU)}}
    gets = await sandbox.received("wechat.menu.get")
    assert [(r["status"], r["errcode"]) for r in gets] == [(200, 42001), (200, None)]
    assert len(await sandbox.received("wechat.token")) == 2


# ---------------------------------------------------------------- stable_token


async def test_stable_token_reuse_and_renewal(sandbox):
    client = sandbox.client()
    first = await call(client.fetch_stable_token)
    assert first["expires_in"] == 7200
    sandbox.clock.advance(1000)
    again = await call(client.fetch_stable_token)
    assert again == {"access_token": first["access_token"], "expires_in": 6200}

    sandbox.clock.advance(5900)  # 300 s left: still the same token
    assert (await call(client.fetch_stable_token))["access_token"] == first["access_token"]
    sandbox.clock.advance(1)  # 299 s left: a new one
    renewed = await call(client.fetch_stable_token)
    assert renewed["access_token"] != first["access_token"] and renewed["expires_in"] == 7200

    # stable and classic tokens are separate: a classic fetch does not touch the stable one.
    await call(client.fetch_access_token)
    assert (await call(client.fetch_stable_token))["access_token"] == renewed["access_token"]


async def test_stable_token_force_refresh_and_quotas(sandbox):
    client = sandbox.client()
    first = await call(client.fetch_stable_token)
    forced = await call(client.fetch_stable_token, force_refresh=True)
    assert forced["access_token"] != first["access_token"] and forced["expires_in"] == 7200
    assert (await call(client.fetch_stable_token))["access_token"] == forced["access_token"]

    old = sandbox.client(access_token=first["access_token"], auto_retry=False)
    assert (await wechat_error(old.menu.delete)).errcode == 40001  # a forced refresh kills the old one at once
    current = sandbox.client(access_token=forced["access_token"], auto_retry=False)
    assert await call(current.menu.delete) == {"errcode": 0, "errmsg": "ok"}

    sandbox.clock.advance(29)
    err = await wechat_error(client.fetch_stable_token, force_refresh=True)
    assert (err.errcode, err.errmsg) == (45011, "api minute-quota reach limit")

    sandbox.clock.advance(272)  # 301 s after the force refresh
    # 19 more force refreshes, 30 s apart, make 20 for the day.
    tokens = {forced["access_token"]}
    for _ in range(19):
        tokens.add((await call(client.fetch_stable_token, force_refresh=True))["access_token"])
        sandbox.clock.advance(30)
    assert len(tokens) == 20
    err = await wechat_error(client.fetch_stable_token, force_refresh=True)
    assert (err.errcode, err.errmsg) == (45009, "reach max api daily quota limit")
    # The quota is per appid and resets at midnight Beijing time.
    assert await call(sandbox.client(OTHER_APPID, OTHER_SECRET).fetch_stable_token, force_refresh=True)
    sandbox.clock.advance(14 * 3600)
    assert (await call(client.fetch_stable_token, force_refresh=True))["expires_in"] == 7200


@pytest.mark.parametrize(
    "body, errcode",
    [
        ({"grant_type": "client_credential", "appid": "wxnosuchapp", "secret": SECRET}, 40013),
        ({"grant_type": "client_credential", "appid": APPID, "secret": "nope"}, 40125),
        ({"grant_type": "password", "appid": APPID, "secret": SECRET}, 40002),
        ({"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": "yes"}, 47001),
        (["not", "an", "object"], 47001),
        ("{broken", 47001),
        (b"\xff\xfe\x00", 47001),
    ],
)
async def test_stable_token_errors(sandbox, body, errcode):
    response, payload = await sandbox.fetch("/wechat/cgi-bin/stable_token", "POST", body)
    assert response.code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert payload["errcode"] == errcode


# ---------------------------------------------------------------- menu validation


def click(name="按钮", key="K1", **extra):
    return {"type": "click", "name": name, "key": key, **extra}


def view(name="链接", url="https://gov.example.cn/", **extra):
    return {"type": "view", "name": name, "url": url, **extra}


def parent(*subs, name="更多"):
    return {"name": name, "sub_button": list(subs)}


def mini(**overrides):
    button = {"type": "miniprogram", "name": "小程序", "url": "https://gov.example.cn/m", "appid": MINIPROGRAM,
              "pagepath": "pages/index/index"}
    button.update(overrides)
    return {k: v for k, v in button.items() if v is not None}


INVALID_MENUS = [
    pytest.param({"button": []}, 40016, id="no-buttons"),
    pytest.param({"button": [click(), click(), click(), click()]}, 40016, id="four-buttons"),
    pytest.param({"button": [parent()]}, 40023, id="empty-sub-buttons"),
    pytest.param({"button": [parent(*[click()] * 6)]}, 40023, id="six-sub-buttons"),
    pytest.param({"button": [click(type="unknown")]}, 40017, id="bad-type"),
    pytest.param({"button": [{"name": "无类型", "key": "K"}]}, 40017, id="no-type"),
    pytest.param({"button": [parent(click(type="unknown"))]}, 40024, id="bad-sub-type"),
    pytest.param({"button": [parent({"name": "无类型", "key": "K"})]}, 40024, id="no-sub-type"),
    pytest.param({"button": [parent(parent(click(), name="三级"))]}, 40024, id="nested-sub-button"),
    pytest.param({"button": [click(name="一二三四五六")]}, 40018, id="name-18-bytes"),
    pytest.param({"button": [click(name="x" * 17)]}, 40018, id="name-17-bytes"),
    pytest.param({"button": [{"type": "click", "key": "K"}]}, 40018, id="no-name"),
    pytest.param({"button": [parent(click(name="x" * 61))]}, 40025, id="sub-name-61-bytes"),
    pytest.param({"button": [parent(click(name=""))]}, 40025, id="sub-name-empty"),
    pytest.param({"button": [{"type": "click", "name": "按钮"}]}, 40019, id="click-no-key"),
    pytest.param({"button": [click(key="k" * 129)]}, 40019, id="key-129-bytes"),
    pytest.param({"button": [{"type": "location_select", "name": "位置"}]}, 40019, id="location-no-key"),
    pytest.param({"button": [parent(click(key="k" * 129))]}, 40026, id="sub-key-129-bytes"),
    pytest.param({"button": [parent({"type": "pic_weixin", "name": "图"})]}, 40026, id="sub-pic-no-key"),
    pytest.param({"button": [{"type": "view", "name": "链接"}]}, 40020, id="view-no-url"),
    pytest.param({"button": [view(url="ftp://gov.example.cn/")]}, 40020, id="view-ftp-url"),
    pytest.param({"button": [view(url="https://e.cn/" + "a" * 1012)]}, 40020, id="view-url-1025-bytes"),
    pytest.param({"button": [parent(view(url="gov.example.cn"))]}, 40027, id="sub-view-bad-url"),
    pytest.param({"button": [mini(appid="wxnotlinked")]}, 40166, id="miniprogram-not-linked"),
    pytest.param({"button": [parent(mini(appid=None))]}, 40166, id="sub-miniprogram-no-appid"),
    pytest.param({"button": [mini(url=None)]}, 40020, id="miniprogram-no-url"),
    pytest.param({"button": [parent(mini(url=None))]}, 40027, id="sub-miniprogram-no-url"),
    pytest.param({"button": [mini(pagepath=None)]}, 40165, id="miniprogram-no-pagepath"),
    pytest.param({"button": [{"type": "media_id", "name": "素材"}]}, 40007, id="media-no-media-id"),
    pytest.param({"menu": []}, 47001, id="no-button-key"),
    pytest.param({"button": {"name": "x"}}, 47001, id="button-not-list"),
    pytest.param({"button": ["click"]}, 47001, id="button-not-object"),
    pytest.param({"button": [{"name": "菜单", "sub_button": "x"}]}, 47001, id="sub-button-not-list"),
]


@pytest.mark.parametrize("menu, errcode", INVALID_MENUS)
async def test_menu_validation_errors(sandbox, menu, errcode):
    client = sandbox.client()
    await call(client.menu.create, MENU)
    err = await wechat_error(client.menu.create, menu)
    assert err.errcode == errcode
    assert err.errmsg and isinstance(err.errmsg, str)
    assert err.response.status_code == 200
    # A rejected menu leaves the stored one alone.
    assert (await call(client.menu.get))["menu"]["button"] == stored(MENU)
    [record] = (await sandbox.received("wechat.menu.create"))[-1:]
    assert (record["status"], record["errcode"], record["json"]) == (200, errcode, menu)


async def test_menu_validation_errmsgs(sandbox):
    client = sandbox.client()
    cases = {
        40016: {"button": []},
        40017: {"button": [click(type="nope")]},
        40018: {"button": [click(name="x" * 17)]},
        40019: {"button": [click(key="")]},
        40020: {"button": [view(url="")]},
        40023: {"button": [parent()]},
        40024: {"button": [parent(click(type="nope"))]},
        40025: {"button": [parent(click(name="x" * 61))]},
        40026: {"button": [parent(click(key=""))]},
        40027: {"button": [parent(view(url=""))]},
        40166: {"button": [mini(appid="wxnotlinked")]},
    }
    messages = {}
    for errcode, menu in cases.items():
        err = await wechat_error(client.menu.create, menu)
        assert err.errcode == errcode
        messages[errcode] = err.errmsg
    assert messages == {
        40016: "invalid button size",
        40017: "invalid button type",
        40018: "invalid button name size",
        40019: "invalid button key size",
        40020: "invalid button url size",
        40023: "invalid sub button size",
        40024: "invalid sub button type",
        40025: "invalid sub button name size",
        40026: "invalid sub button key size",
        40027: "invalid sub button url size",
        40166: "invalid appid",
    }


async def test_menu_limits_are_inclusive_and_all_types_accepted(sandbox):
    client = sandbox.client()
    menu = {
        "button": [
            click(name="一二三四五x", key="k" * 128),  # 16 bytes name, 128 bytes key
            parent(
                view(name="x" * 60, url="https://e.cn/" + "a" * 1011),  # 60-byte name, 1024-byte url
                {"type": "scancode_waitmsg", "name": "扫码", "key": "S"},
                {"type": "pic_sysphoto", "name": "拍照", "key": "P1"},
                {"type": "pic_photo_or_album", "name": "相册", "key": "P2"},
                mini(),
            ),
            parent(
                {"type": "media_id", "name": "素材", "media_id": "MEDIA_ID_1"},
                {"type": "article_id", "name": "文章", "article_id": "ARTICLE_1"},
                {"type": "article_view_limited", "name": "限定", "article_id": "ARTICLE_2"},
                {"type": "location_select", "name": "位置", "key": "LOC", "sub_button": []},
                {"type": "pic_weixin", "name": "图", "key": "P3"},
            ),
        ]
    }
    assert await call(client.menu.create, menu) == {"errcode": 0, "errmsg": "ok"}
    got = (await call(client.menu.get))["menu"]["button"]
    assert got == stored(menu)
    # What menu/get answers can be posted back as it is.
    assert await call(client.menu.create, {"button": got}) == {"errcode": 0, "errmsg": "ok"}
    assert (await call(client.menu.get))["menu"]["button"] == got


async def test_menu_bad_json(sandbox):
    client = sandbox.client()
    err = await wechat_error(client.post, "menu/create", data=b'{"button": [')
    assert (err.errcode, err.errmsg) == (47001, "data format error")
    err = await wechat_error(client.post, "menu/create", data=b"")
    assert err.errcode == 47001

    token = (await call(client.fetch_access_token))["access_token"]
    response, payload = await sandbox.fetch(f"/wechat/cgi-bin/menu/create?access_token={token}", "POST", "not json")
    assert response.code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert payload == {"errcode": 47001, "errmsg": "data format error"}
    [record] = (await sandbox.received("wechat.menu.create"))[-1:]
    assert record["json"] is None and record["errcode"] == 47001


# ---------------------------------------------------------------- faults


async def test_fault_errcode(sandbox):
    client = sandbox.client()
    fault = await sandbox.add_fault(target="wechat.menu.create", errcode=40016, errmsg="invalid button size")
    assert fault["id"] >= 1 and fault["times"] == 1 and fault["remaining"] == 1
    err = await wechat_error(client.menu.create, MENU)
    assert (err.errcode, err.errmsg) == (40016, "invalid button size")
    assert await call(client.menu.get) is None  # the faulted create stored nothing
    assert await call(client.menu.create, MENU) == {"errcode": 0, "errmsg": "ok"}  # fault used up


async def test_fault_errcode_42001_makes_sdk_refetch_token(sandbox):
    client = sandbox.client()
    await sandbox.add_fault(target="wechat.menu.create", errcode=42001, errmsg="access_token expired")
    assert await call(client.menu.create, MENU) == {"errcode": 0, "errmsg": "ok"}
    creates = await sandbox.received("wechat.menu.create")
    assert [(r["fault_id"] is not None, r["errcode"]) for r in creates] == [(True, 42001), (False, 0)]
    assert len(await sandbox.received("wechat.token")) == 2


async def test_fault_http_status(sandbox):
    client = sandbox.client()
    await call(client.fetch_access_token)
    await sandbox.add_fault(target="wechat.menu.get", status=503)
    err = await wechat_error(client.menu.get)
    assert err.errcode is None
    assert err.response.status_code == 503
    assert err.response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert err.response.json() == {"error": "Service Unavailable", "status": 503}
    assert await call(client.menu.get) is None  # answered normally again


async def test_fault_on_token_endpoint(sandbox):
    client = sandbox.client()
    await sandbox.add_fault(target="wechat.token", errcode=-1, errmsg="system error")
    err = await wechat_error(client.fetch_access_token)
    assert (err.errcode, err.errmsg) == (-1, "system error")
    assert sandbox.state.wechat.tokens == {}
    assert (await call(client.fetch_access_token))["expires_in"] == 7200


async def test_fault_latency(sandbox):
    client = sandbox.client()
    await call(client.fetch_access_token)
    await sandbox.add_fault(target="wechat.menu.get", latency_ms=300)
    started = time.monotonic()
    assert await call(client.menu.get) is None  # delayed, then the normal answer (46003 -> None)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await call(client.menu.get)
    assert time.monotonic() - started < 0.3


async def test_fault_latency_then_errcode(sandbox):
    client = sandbox.client()
    await call(client.fetch_access_token)
    await sandbox.add_fault(target="wechat.menu.delete", latency_ms=200, errcode=45009, errmsg="quota")
    started = time.monotonic()
    err = await wechat_error(client.menu.delete)
    assert time.monotonic() - started >= 0.2
    assert (err.errcode, err.errmsg) == (45009, "quota")


async def test_fault_times_count_down(sandbox):
    client = sandbox.client()
    await call(client.fetch_access_token)
    fault = await sandbox.add_fault(target="wechat.menu.delete", errcode=-1, errmsg="system error", times=2)

    for remaining in (1, None):
        assert (await wechat_error(client.menu.delete)).errcode == -1
        _, listing = await sandbox.fetch("/faults")
        assert [f["remaining"] for f in listing["faults"]] == ([remaining] if remaining else [])
    assert await call(client.menu.delete) == {"errcode": 0, "errmsg": "ok"}
    deletes = await sandbox.received("wechat.menu.delete")
    assert [r["fault_id"] for r in deletes] == [fault["id"], fault["id"], None]


async def test_fault_until_cleared(sandbox):
    client = sandbox.client()
    await call(client.fetch_access_token)
    fault = await sandbox.add_fault(target="wechat.menu.delete", errcode=-1, times=0)
    assert fault["remaining"] is None
    for _ in range(3):
        err = await wechat_error(client.menu.delete)
        assert (err.errcode, err.errmsg) == (-1, "injected fault")
    response, payload = await sandbox.fetch(f"/faults/{fault['id']}")
    assert response.code == 200 and payload["id"] == fault["id"]
    response, payload = await sandbox.fetch(f"/faults/{fault['id']}", "DELETE")
    assert (response.code, payload) == (200, {"deleted": 1})
    assert await call(client.menu.delete) == {"errcode": 0, "errmsg": "ok"}
    response, payload = await sandbox.fetch(f"/faults/{fault['id']}", "DELETE")
    assert response.code == 404 and "error" in payload


async def test_fault_drop(sandbox):
    client = sandbox.client()
    await call(client.fetch_access_token)
    await sandbox.add_fault(target="wechat.menu.get", drop=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        await call(client.menu.get)
    assert await call(client.menu.get) is None  # the next call goes through
    dropped, normal = await sandbox.received("wechat.menu.get")
    assert dropped["fault_id"] is not None and dropped["status"] is None
    assert normal["status"] == 200 and normal["errcode"] == 46003


async def test_faults_list_and_clear(sandbox):
    first = await sandbox.add_fault(target="wechat.token", status=500)
    second = await sandbox.add_fault(target="wechat.menu.get", latency_ms=10, times=3)
    response, payload = await sandbox.fetch("/faults")
    assert response.code == 200
    assert [(f["id"], f["target"]) for f in payload["faults"]] == [
        (first["id"], "wechat.token"),
        (second["id"], "wechat.menu.get"),
    ]
    assert {"wechat.token", "wechat.stable_token", "wechat.menu.create", "wechat.menu.get",
            "wechat.menu.delete"} <= set(payload["targets"])
    response, payload = await sandbox.fetch("/faults", "DELETE")
    assert (response.code, payload) == (200, {"deleted": 2})
    assert (await sandbox.fetch("/faults"))[1]["faults"] == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"target": "wechat.nope", "errcode": 1}, "unknown target"),
        ({"errcode": 1}, "target is required"),
        ({"target": "wechat.token", "latency_ms": 60001}, "latency_ms"),
        ({"target": "wechat.token", "latency_ms": -1}, "latency_ms"),
        ({"target": "wechat.token", "errcode": 1, "times": -1}, "times"),
        ({"target": "wechat.token", "status": 99}, "status"),
        ({"target": "wechat.token", "errcode": "40001"}, "errcode"),
        ({"target": "wechat.token", "drop": "yes"}, "drop"),
        ({"target": "wechat.token", "latency": 10}, "unknown field"),
        ({"target": "wechat.token"}, "at least one"),
        (["wechat.token"], "JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
async def test_fault_validation(sandbox, body, fragment):
    response, payload = await sandbox.fetch("/faults", "POST", body)
    assert response.code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert fragment in payload["error"]
    assert (await sandbox.fetch("/faults"))[1]["faults"] == []


async def test_fault_latency_boundaries_accepted(sandbox):
    fault = await sandbox.add_fault(target="wechat.token", latency_ms=60000, times=None)
    assert fault["latency_ms"] == 60000 and fault["times"] == 0 and fault["remaining"] is None


# ---------------------------------------------------------------- read-back


async def test_received_log_scrubs_secrets(sandbox):
    client = sandbox.client()
    await call(client.menu.create, MENU)
    await call(client.fetch_stable_token)
    bad = sandbox.client("wxnosuchapp", "whatever")
    await wechat_error(bad.fetch_access_token)

    [ok_token, rejected_token] = await sandbox.received("wechat.token")
    assert ok_token["method"] == "GET"
    assert ok_token["path"] == "/sandbox/wechat/cgi-bin/token"
    assert ok_token["query"] == {"grant_type": "client_credential", "appid": APPID, "secret": "***"}
    assert ok_token["json"] is None and (ok_token["status"], ok_token["errcode"]) == (200, None)
    assert rejected_token["query"]["appid"] == "wxnosuchapp"
    assert rejected_token["query"]["secret"] == "***"
    assert rejected_token["errcode"] == 40013

    [create] = await sandbox.received("wechat.menu.create")
    assert create["method"] == "POST"
    assert create["query"] == {"access_token": "***"}
    assert create["json"] == MENU
    assert dt.datetime.fromisoformat(create["at"]).timestamp() == pytest.approx(START)

    [stable] = await sandbox.received("wechat.stable_token")
    assert stable["json"] == {"grant_type": "client_credential", "appid": APPID, "secret": "***",
                              "force_refresh": False}

    everything = await sandbox.received()
    assert [r["target"] for r in everything] == [
        "wechat.token", "wechat.menu.create", "wechat.stable_token", "wechat.token",
    ]
    assert SECRET not in json.dumps(everything)
    for token in sandbox.state.wechat.tokens:
        assert token not in json.dumps(everything)

    response, payload = await sandbox.fetch("/received?target=wechat.nope")
    assert response.code == 400 and "unknown target" in payload["error"]
    response, payload = await sandbox.fetch("/received", "DELETE")
    assert response.code == 200
    assert await sandbox.received() == []


async def test_received_log_is_capped_per_target():
    sb, server = await start_sandbox(received_limit=5)
    try:
        client = sb.client(auto_retry=False)
        for i in range(8):
            err = await wechat_error(client.get, "menu/get", params={"access_token": f"bad-{i}"})
            assert err.errcode == 40001
        await call(client.fetch_access_token)
        gets = await sb.received("wechat.menu.get")
        assert len(gets) == 5
        assert [r["query"]["access_token"] for r in gets] == ["***"] * 5
        assert len(await sb.received("wechat.token")) == 1
    finally:
        await stop_sandbox(sb, server)
    assert SandboxState().received.limit == 1000


async def test_reset(sandbox):
    client = sandbox.client(auto_retry=False)
    await call(client.menu.create, MENU)
    await sandbox.add_fault(target="wechat.menu.get", errcode=-1)
    response, payload = await sandbox.fetch("/reset", "POST")
    assert (response.code, payload) == (200, {"reset": True})
    assert (await sandbox.fetch("/faults"))[1]["faults"] == []
    assert await sandbox.received() == []
    assert (await wechat_error(client.menu.get)).errcode == 40001  # tokens are gone
    fresh = sandbox.client()
    assert await call(fresh.menu.get) is None  # and so is the menu


# ---------------------------------------------------------------- assembly


async def test_routes_mount_in_another_app():
    class Hello(tornado.web.RequestHandler):
        def get(self):
            self.write("hello")

    state = SandboxState(wechat_apps={APPID: SECRET})
    app = tornado.web.Application([*sandbox_routes(state, prefix="/sb/"), (r"/hello", Hello)],
                                  xsrf_cookies=True)
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets([sock])
    client = SandboxWeChatClient(f"http://127.0.0.1:{port}/sb", APPID, SECRET)
    try:
        # Linked mini-programs default to the configured official-account appids.
        assert (await wechat_error(client.menu.create, MENU)).errcode == 40166
        menu = {"button": [click(), parent(mini(appid=APPID))]}
        assert await call(client.menu.create, menu) == {"errcode": 0, "errmsg": "ok"}
        assert state.wechat.menus[APPID] == stored(menu)
        http = AsyncHTTPClient()
        hello = await http.fetch(f"http://127.0.0.1:{port}/hello")
        assert hello.body == b"hello"
        missing = await http.fetch(f"http://127.0.0.1:{port}/sb/wechat/cgi-bin/nope", raise_error=False)
        assert missing.code == 404
        assert missing.headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(missing.body) == {"error": "Not Found", "status": 404}
    finally:
        client._http.close()
        server.stop()
        await server.close_all_connections()


async def test_standalone_app_answers_json_everywhere(sandbox):
    response, payload = await sandbox.fetch("/wechat/cgi-bin/token", "POST", b"")
    assert response.code == 405 and payload["status"] == 405
    response = await AsyncHTTPClient().fetch(f"http://127.0.0.1:{sandbox.port}/elsewhere", raise_error=False)
    assert response.code == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "path, method, body, expected_code, expected",
    [
        ("/wechat/cgi-bin/stable_token", "POST", "[" * 5000 + "]" * 5000, 200, {"errcode": 47001}),
        ("/wechat/cgi-bin/stable_token", "POST", '{"a":' * 900 + "1" + "}" * 900, 200, {"errcode": 47001}),
        ("/wechat/cgi-bin/menu/create?access_token=x", "POST", '{"button":' + "[" * 900 + "]" * 900 + "}", 200,
         {"errcode": 40001}),
        ("/faults", "POST", '{"target":' + "[" * 900 + "]" * 900 + "}", 400, {"error": "body is not valid JSON"}),
        ("/wechat/cgi-bin/token?appid=%ff%fe", "GET", None, 400, {"status": 400}),
    ],
    ids=["deep-list", "deep-object", "deep-menu", "deep-fault", "non-utf8-query"],
)
async def test_odd_input_never_500(sandbox, path, method, body, expected_code, expected):
    response, payload = await sandbox.fetch(path, method, body)
    assert response.code == expected_code
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert expected.items() <= payload.items()


async def test_deep_menu_with_valid_token_is_data_format_error(sandbox):
    client = sandbox.client()
    err = await wechat_error(client.post, "menu/create", data=('{"button":' + "[" * 900 + "]" * 900 + "}").encode())
    assert (err.errcode, err.errmsg) == (47001, "data format error")
