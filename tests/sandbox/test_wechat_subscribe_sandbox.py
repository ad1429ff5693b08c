"""Mini-program subscribe messages through wechatpy's ``wxa.send_subscribe_message``."""

import asyncio
import datetime as dt
import json

import pytest
import pytest_asyncio
import requests
from sandbox_testkit import START, call
from wechatpy import WeChatClient
from wechatpy.exceptions import APILimitedException, WeChatClientException

from sandbox.app import SandboxState
from sandbox.wechat_subscribe import KEYWORD_RULES
from sandbox.wechat_subscribe_state import DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES, WECHAT_SUBSCRIBE_FIELD_TYPES

pytestmark = pytest.mark.asyncio

APPID = "wxminiappid01"
SECRET = "mini-secret"
OTHER_APPID = "wxminiappid02"
OTHER_SECRET = "other-mini-secret"
OPENID = "oA1b2C3d4E5f6G7h8I9j0K1l2M3n"
OTHER_OPENID = "oZ9y8X7w6V5u4T3s2R1q0P9o8N7m"
TEMPLATE = "TPL_APPLICATION_STATUS"
DATA = {
    "character_string1": {"value": "BJ-2026-000123"},
    "thing2": {"value": "城乡居民医保参保登记"},
    "phrase3": {"value": "已受理"},
    "time4": {"value": "2026年11月24日 16:30"},
    "thing5": {"value": "请留意后续通知"},
}
OTHER_TEMPLATE = "TPL_OTHER_APP_STATUS"  # a template of the other app, same keys
PAGES = ("pages/index/index", "pages/application/detail")

# One keyword of every type, and a value each accepts.
EVERY_TYPE = {
    "thing1": "thing",
    "number2": "number",
    "letter3": "letter",
    "symbol4": "symbol",
    "character_string5": "character_string",
    "time6": "time",
    "date7": "date",
    "amount8": "amount",
    "phone_number9": "phone_number",
    "car_number10": "car_number",
    "name11": "name",
    "phrase12": "phrase",
}
EVERY_VALUE = {
    "thing1": "社保卡补办",
    "number2": "12.5",
    "letter3": "ABC",
    "symbol4": "%",
    "character_string5": "A-001_x#9",
    "time6": "16:30",
    "date7": "2026年11月24日",
    "amount8": "¥1200.50元",
    "phone_number9": "+86-10-12345678",
    "car_number10": "粤B12345",
    "name11": "张三",
    "phrase12": "待补正",
}


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


class Subscribe:
    def __init__(self, sb):
        self.sb, self.state, self.clock = sb, sb.state, sb.clock

    def client(self, appid=APPID, secret=SECRET, **kwargs):
        client = SandboxWxaClient(self.sb.base, appid, secret, **kwargs)
        self.sb.closers.append(client._http.close)
        return client

    async def subscribe(self, openid=OPENID, template_id=TEMPLATE, kind="one-time", appid=APPID, **extra):
        body = {"appid": appid, "openid": openid, "template_id": template_id, "kind": kind, **extra}
        response, payload = await self.sb.fetch("/wechat/subscriptions", "POST", body)
        assert response.code == 201, payload
        return payload

    async def subscriptions(self, **query):
        path = "/wechat/subscriptions" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        response, payload = await self.sb.fetch(path)
        assert response.code == 200
        return payload["subscriptions"]

    async def send(self, openid=OPENID, template_id=TEMPLATE, data=None, page=None, client=None):
        return await call(
            (client or self.client()).wxa.send_subscribe_message, openid, template_id, DATA if data is None else data, page
        )

    async def send_error(self, exc_type=WeChatClientException, **kwargs):
        with pytest.raises(exc_type) as info:
            await self.send(**kwargs)
        return info.value

    async def messages(self, touser=None):
        response, payload = await self.sb.fetch("/wechat/subscribe-messages" + (f"?touser={touser}" if touser else ""))
        assert response.code == 200
        return payload["messages"]


@pytest_asyncio.fixture
async def sub(make_sandbox):
    templates = {
        APPID: {**DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES, "TPL_EVERY_TYPE": EVERY_TYPE},
        OTHER_APPID: {**DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES, OTHER_TEMPLATE: DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES[TEMPLATE]},
    }
    sb = await make_sandbox(wechat_apps={APPID: SECRET, OTHER_APPID: OTHER_SECRET}, wechat_subscribe_templates=templates,
                            wechat_mini_pages={APPID: PAGES})
    return Subscribe(sb)


def at(seconds_after_start=0):
    return dt.datetime.fromtimestamp(START + seconds_after_start, dt.UTC).isoformat(timespec="milliseconds")


# ---------------------------------------------------------------- happy path and quotas


async def test_send_and_read_back(sub):
    assert await sub.subscribe() == {
        "appid": APPID, "openid": OPENID, "template_id": TEMPLATE, "long_term": False, "one_time": 1,
    }
    reply = await sub.send(page="pages/application/detail?id=123")
    assert set(reply) == {"errcode", "errmsg", "msgid"}
    assert (reply["errcode"], reply["errmsg"]) == (0, "ok") and isinstance(reply["msgid"], int)

    assert await sub.messages(OPENID) == [{
        "msgid": reply["msgid"],
        "appid": APPID,
        "touser": OPENID,
        "template_id": TEMPLATE,
        "page": "pages/application/detail?id=123",
        "data": DATA,
        "miniprogram_state": "formal",
        "lang": "zh_CN",
        "at": at(),
    }]
    assert await sub.messages(OTHER_OPENID) == []

    # The one-time unit is used up.
    assert await sub.subscriptions(appid=APPID, openid=OPENID) == []
    err = await sub.send_error()
    assert (err.errcode, err.errmsg) == (43101, "user refuse to accept the msg")
    assert err.response.status_code == 200
    assert len(await sub.messages()) == 1

    ok, refused = await sub.sb.received("wechat.subscribe.send")
    assert ok["path"] == "/sandbox/wechat/cgi-bin/message/subscribe/send"
    assert ok["query"] == {"access_token": "***"}
    assert ok["json"]["touser"] == OPENID and ok["json"]["data"] == DATA
    assert (ok["status"], ok["errcode"], refused["errcode"]) == (200, 0, 43101)


async def test_one_time_quotas_add_up(sub):
    await sub.subscribe(count=2)
    assert (await sub.subscribe())["one_time"] == 3
    client = sub.client()
    msgids = [(await sub.send(client=client))["msgid"] for _ in range(3)]
    assert msgids == sorted(msgids) and len(set(msgids)) == 3
    assert (await sub.send_error(client=client)).errcode == 43101
    # Accepting again gives another send.
    await sub.subscribe()
    assert (await sub.send(client=client))["msgid"] > msgids[-1]


async def test_long_term_until_revoked(sub):
    assert (await sub.subscribe(kind="long-term"))["long_term"] is True
    client = sub.client()
    for _ in range(5):
        assert (await sub.send(client=client))["errcode"] == 0
    assert (await sub.subscriptions(openid=OPENID))[0]["long_term"] is True

    body = {"appid": APPID, "openid": OPENID, "template_id": TEMPLATE}
    response, payload = await sub.sb.fetch(
        "/wechat/subscriptions", "DELETE", json.dumps(body), allow_nonstandard_methods=True
    )
    assert (response.code, payload) == (200, {"deleted": 1})
    assert (await sub.send_error(client=client)).errcode == 43101
    assert await sub.subscriptions() == []

    # Revoking through the query string works too, and revokes one-time units as well.
    await sub.subscribe(count=3)
    response, payload = await sub.sb.fetch(f"/wechat/subscriptions?appid={APPID}&openid={OPENID}&template_id={TEMPLATE}",
                                           "DELETE")
    assert payload == {"deleted": 1}
    response, payload = await sub.sb.fetch(f"/wechat/subscriptions?appid={APPID}&openid={OPENID}&template_id={TEMPLATE}",
                                           "DELETE")
    assert payload == {"deleted": 0}


async def test_quota_belongs_to_appid_user_and_template(sub):
    await sub.subscribe()
    await sub.subscribe(openid=OTHER_OPENID, template_id="TPL_PAYMENT")  # a user of the app, no status quota
    await sub.subscribe(appid=OTHER_APPID, template_id="TPL_PAYMENT")  # the same openid, known to the other app
    other_app = sub.client(OTHER_APPID, OTHER_SECRET)
    assert (await sub.send_error(client=other_app)).errcode == 43101
    assert (await sub.send_error(openid=OTHER_OPENID)).errcode == 43101
    payment = {
        "thing1": {"value": "不动产登记费"}, "amount2": {"value": "80元"},
        "character_string3": {"value": "PAY20261124001"}, "date4": {"value": "2026-11-30"},
    }
    assert (await sub.send_error(template_id="TPL_PAYMENT", data=payment)).errcode == 43101
    await sub.subscribe(template_id="TPL_PAYMENT")
    assert (await sub.send(template_id="TPL_PAYMENT", data=payment))["errcode"] == 0
    assert (await sub.send())["errcode"] == 0
    assert [s["template_id"] for s in await sub.subscriptions(appid=APPID, openid=OPENID)] == []


async def test_a_thousand_sends_arrive_exactly_once(sub):
    users = [f"oUser{n:04d}" for n in range(60)]
    for openid in users:
        await sub.subscribe(openid=openid, count=20)

    def send_all(openids):
        client = sub.client()
        return [(openid, client.wxa.send_subscribe_message(openid, TEMPLATE, DATA)["msgid"]) for openid in openids]

    # Four threads at once, each owning a client; every user gets 20 messages.
    shards = [[openid for openid in users[i::4] for _ in range(20)] for i in range(4)]
    results = await asyncio.gather(*(call(send_all, shard) for shard in shards))
    sent = [pair for shard in results for pair in shard]
    assert len(sent) == 1200

    messages = await sub.messages()
    assert len(messages) == 1200
    assert sorted((m["touser"], m["msgid"]) for m in messages) == sorted(sent)
    assert len({m["msgid"] for m in messages}) == 1200
    assert [m["msgid"] for m in messages] == sorted(m["msgid"] for m in messages)
    assert await sub.subscriptions() == []  # every unit used, none twice
    assert (await sub.send_error(openid=users[0])).errcode == 43101


async def test_daily_limit_per_template(make_sandbox):
    sub = Subscribe(await make_sandbox(wechat_apps={APPID: SECRET}, wechat_subscribe_daily_limit=2))
    await sub.subscribe(count=5)
    client = sub.client()
    await sub.send(client=client)
    await sub.send(client=client)
    err = await sub.send_error(APILimitedException, client=client)
    assert (err.errcode, err.errmsg) == (45009, "reach max api daily quota limit")
    assert (await sub.subscriptions())[0]["one_time"] == 3  # not used up by the refusal
    # The next Beijing day (START is 10:00 there) the quota is back.
    sub.clock.advance(14 * 3600)
    assert (await sub.send(client=client))["errcode"] == 0


# ---------------------------------------------------------------- keyword rules


@pytest.mark.parametrize(
    "key, value",
    [
        ("thing1", "一" * 21),
        ("thing1", ""),
        ("number2", "1" * 33),
        ("number2", "12a"),
        ("number2", "-5"),
        ("letter3", "A" * 33),
        ("letter3", "AB1"),
        ("symbol4", "%%%%%%"),
        ("symbol4", "a"),
        ("character_string5", "X" * 33),
        ("character_string5", "编号123"),
        ("character_string5", "AB 12"),
        ("time6", "25:00"),
        ("time6", "2026-11-24"),
        ("time6", "2026-13-01 10:00"),
        ("date7", "2026-02-30"),
        ("date7", "2026/11-24"),
        ("date7", "24日11月"),
        ("date7", "13月1日"),
        ("amount8", "一百元"),
        ("amount8", "12345678901元"),
        ("phone_number9", "1" * 18),
        ("phone_number9", "电话12345"),
        ("car_number10", "粤B123456789"),
        ("car_number10", "粤B 12345"),
        ("name11", "张" * 11),
        ("name11", "张3"),
        ("name11", "张San李Si王五赵六钱七"),
        ("name11", "A" * 21),
        ("phrase12", "已受理完成啦了"),
        ("phrase12", "OK"),
        ("phrase12", "第1步"),
    ],
)
async def test_keyword_rule_violations(sub, key, value):
    await sub.subscribe(template_id="TPL_EVERY_TYPE")
    data = {k: {"value": v} for k, v in EVERY_VALUE.items()}
    data[key] = {"value": value}
    err = await sub.send_error(template_id="TPL_EVERY_TYPE", data=data)
    assert err.errcode == 47003
    assert err.errmsg.startswith(f"argument invalid! data.{key}.value invalid {EVERY_TYPE[key]}")
    assert await sub.messages() == []
    assert (await sub.subscriptions())[0]["one_time"] == 1  # nothing used up


@pytest.mark.parametrize(
    "key, value",
    [
        ("thing1", "一" * 20),
        ("number2", "1" * 32),
        ("time6", "2026年11月24日 16:30"),
        ("time6", "2026-11-24 16:30:59"),
        ("time6", "09:00~12:00"),
        ("date7", "2026-11-24"),
        ("date7", "2026年1月5日 08:00"),
        ("date7", "2026-11-24~2026-11-30"),
        ("date7", "2026/11/24"),
        ("date7", "2026.11.24"),
        ("date7", "2026-11"),
        ("date7", "11-24"),
        ("date7", "11月24日"),
        ("date7", "2026年11月"),
        ("time6", "2026/11/24 16:30"),
        ("name11", "李Lily"),
        ("amount8", "80"),
        ("name11", "Zhang San"),
        ("name11", "阿卜杜·热合曼"),
        ("car_number10", "京A12345学"),
        ("phrase12", "已办结"),
    ],
)
async def test_keyword_rule_edges_accepted(sub, key, value):
    await sub.subscribe(template_id="TPL_EVERY_TYPE")
    data = {k: {"value": v} for k, v in EVERY_VALUE.items()}
    data[key] = {"value": value}
    assert (await sub.send(template_id="TPL_EVERY_TYPE", data=data))["errcode"] == 0


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({k: v for k, v in DATA.items() if k != "time4"}, "data.time4 is missing"),
        ({**DATA, "thing6": {"value": "多余"}}, "data.thing6 is not in the template"),
        ({**DATA, "phrase3": {"value": 3}}, "data.phrase3.value must be a string"),
        ({**DATA, "phrase3": "已受理"}, "data.phrase3.value must be a string"),
        ({**DATA, "phrase3": {"color": "#000000"}}, "data.phrase3.value must be a string"),
        ([], "data must be an object"),
    ],
    ids=["missing", "extra", "number", "bare-string", "no-value", "not-object"],
)
async def test_data_shape(sub, data, fragment):
    await sub.subscribe()
    err = await sub.send_error(data=data)
    assert err.errcode == 47003 and err.errmsg == f"argument invalid! {fragment}"


async def test_every_configured_type_has_a_rule():
    assert set(KEYWORD_RULES) == WECHAT_SUBSCRIBE_FIELD_TYPES
    with pytest.raises(ValueError):
        SandboxState(wechat_subscribe_templates={APPID: {"TPL": {"thing1": "thingy"}}})
    with pytest.raises(ValueError):  # every key is its type and a number
        SandboxState(wechat_subscribe_templates={APPID: {"TPL": {"keyword1": "thing"}}})
    with pytest.raises(ValueError):
        SandboxState(wechat_subscribe_daily_limit=0)


# ---------------------------------------------------------------- request errors


async def test_unknown_template_and_bad_openid(sub):
    await sub.subscribe()
    err = await sub.send_error(template_id="TPL_NO_SUCH")
    assert (err.errcode, err.errmsg) == (40037, "invalid template_id")
    for openid in ("", "o" * 65, "bad openid", "o/1"):
        err = await sub.send_error(openid=openid)
        assert (err.errcode, err.errmsg) == (40003, "invalid openid"), openid
    assert (await sub.subscriptions())[0]["one_time"] == 1


async def test_another_apps_template_is_unknown_here(sub):
    await sub.subscribe(appid=OTHER_APPID, template_id=OTHER_TEMPLATE, kind="long-term")
    await sub.subscribe()  # the user of both apps
    err = await sub.send_error(template_id=OTHER_TEMPLATE)  # same keys, but the other app's id
    assert (err.errcode, err.errmsg) == (40037, "invalid template_id")
    other_app = sub.client(OTHER_APPID, OTHER_SECRET)
    assert (await sub.send(template_id=OTHER_TEMPLATE, client=other_app))["errcode"] == 0
    assert (await sub.subscriptions(appid=APPID))[0]["one_time"] == 1
    response, payload = await sub.sb.fetch("/wechat/subscriptions", "POST", {
        "appid": APPID, "openid": OPENID, "template_id": OTHER_TEMPLATE, "kind": "one-time"})
    assert response.code == 400 and "unknown template_id" in payload["error"]


async def test_a_user_of_another_app_is_no_openid_here(sub):
    code = await sub.sb.fetch("/wechat/login-code", "POST", {"openid": OTHER_OPENID, "appid": OTHER_APPID})
    assert code[0].code == 201
    err = await sub.send_error(openid=OTHER_OPENID)  # an openid, but of the other app
    assert (err.errcode, err.errmsg) == (40003, "invalid openid")
    await sub.sb.fetch("/wechat/login-code", "POST", {"openid": OTHER_OPENID, "appid": APPID})
    assert (await sub.send_error(openid=OTHER_OPENID)).errcode == 43101  # a user now, with no quota


async def test_a_page_the_released_app_lacks_is_41030(sub):
    await sub.subscribe(kind="long-term")
    assert (await sub.send(page="pages/application/detail?number=SB1&event=e1"))["errcode"] == 0
    for page in ("pages/application/details?number=SB1", "pages/nowhere", "/pages/index/index"):
        err = await sub.send_error(page=page)
        assert (err.errcode, err.errmsg) == (41030, "invalid page"), page
    # no page (no jump), and the developer version (pages not released yet), are not checked
    assert (await sub.send(page=None))["errcode"] == 0
    client = sub.client()
    token = await call(lambda: client.access_token)
    response, payload = await sub.sb.fetch(f"/wechat/cgi-bin/message/subscribe/send?access_token={token}", "POST", {
        "touser": OPENID, "template_id": TEMPLATE, "data": DATA, "page": "pages/new/new",
        "miniprogram_state": "developer"})
    assert payload["errcode"] == 0
    # an app whose pages the sandbox was not given is not checked
    await sub.subscribe(appid=OTHER_APPID, template_id=OTHER_TEMPLATE)
    other_app = sub.client(OTHER_APPID, OTHER_SECRET)
    assert (await sub.send(template_id=OTHER_TEMPLATE, page="pages/nowhere", client=other_app))["errcode"] == 0
    assert len(await sub.messages()) == 4


async def test_token_errors(sub):
    await sub.subscribe()
    bogus = sub.client(access_token="not-a-token", auto_retry=False)
    err = await sub.send_error(client=bogus)
    assert (err.errcode, err.errmsg) == (40001, "invalid credential, access_token is invalid or not latest")

    client = sub.client(auto_retry=False)
    await call(client.fetch_access_token)
    sub.clock.advance(7200)
    err = await sub.send_error(client=client)
    assert (err.errcode, err.errmsg) == (42001, "access_token expired")

    response, payload = await sub.sb.fetch("/wechat/cgi-bin/message/subscribe/send", "POST", {"touser": OPENID})
    assert (response.code, payload) == (200, {"errcode": 41001, "errmsg": "access_token missing"})

    # wechatpy's default client fetches a new token and retries: the send goes through once.
    retrying = sub.client(access_token="stale-token")
    assert (await sub.send(client=retrying))["errcode"] == 0
    assert len(await sub.messages()) == 1


async def test_body_page_state_and_lang(sub):
    await sub.subscribe(kind="long-term")
    client = sub.client()
    token = await call(lambda: client.access_token)
    path = f"/wechat/cgi-bin/message/subscribe/send?access_token={token}"
    base = {"touser": OPENID, "template_id": TEMPLATE, "data": DATA}
    cases = [
        ("{not json", {"errcode": 47001, "errmsg": "data format error"}),
        (["x"], {"errcode": 47001, "errmsg": "data format error"}),
        ({**base, "page": 5}, {"errcode": 47003, "errmsg": "argument invalid! page"}),
        ({**base, "miniprogram_state": "beta"}, {"errcode": 47003, "errmsg": "argument invalid! miniprogram_state"}),
        ({**base, "lang": "fr_FR"}, {"errcode": 47003, "errmsg": "argument invalid! lang"}),
    ]
    for body, expected in cases:
        response, payload = await sub.sb.fetch(path, "POST", body)
        assert (response.code, payload) == (200, expected), body
    response, payload = await sub.sb.fetch(path, "POST", {**base, "miniprogram_state": "trial", "lang": "en_US"})
    assert payload["errcode"] == 0
    assert [(m["miniprogram_state"], m["lang"], m["page"]) for m in await sub.messages()] == [("trial", "en_US", None)]


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"appid": "wxnosuch", "openid": OPENID, "template_id": TEMPLATE, "kind": "one-time"}, "unknown appid"),
        ({"appid": APPID, "openid": "bad id", "template_id": TEMPLATE, "kind": "one-time"}, "openid"),
        ({"appid": APPID, "openid": OPENID, "template_id": "TPL_NO", "kind": "one-time"}, "unknown template_id"),
        ({"appid": APPID, "openid": OPENID, "template_id": TEMPLATE, "kind": "forever"}, "kind"),
        ({"appid": APPID, "openid": OPENID, "template_id": TEMPLATE, "kind": "one-time", "count": 0}, "count"),
        ({"appid": APPID, "openid": OPENID, "template_id": TEMPLATE, "kind": "one-time", "count": True}, "count"),
        ({"appid": APPID, "openid": OPENID, "template_id": TEMPLATE, "kind": "one-time", "count": "2"}, "count"),
        ("{not json", "JSON object"),
    ],
)
async def test_subscription_validation(sub, body, fragment):
    response, payload = await sub.sb.fetch("/wechat/subscriptions", "POST", body)
    assert response.code == 400 and fragment in payload["error"]
    assert await sub.subscriptions() == []


# ---------------------------------------------------------------- faults and reset


async def test_faults(sub):
    await sub.subscribe(count=2)
    client = sub.client()
    await call(client.fetch_access_token)

    await sub.sb.add_fault(target="wechat.subscribe.send", status=503)
    err = await sub.send_error(client=client)
    assert err.errcode is None and err.response.status_code == 503

    await sub.sb.add_fault(target="wechat.subscribe.send", drop=True)
    with pytest.raises(requests.ConnectionError):
        await sub.send(client=client)

    await sub.sb.add_fault(target="wechat.subscribe.send", errcode=-1, errmsg="system error")
    err = await sub.send_error(client=client)
    assert (err.errcode, err.errmsg, err.response.status_code) == (-1, "system error", 200)

    # None of the faulted sends used quota or arrived.
    assert await sub.messages() == []
    assert (await sub.subscriptions())[0]["one_time"] == 2
    assert (await sub.send(client=client))["errcode"] == 0
    faulted = [r["fault_id"] is not None for r in await sub.sb.received("wechat.subscribe.send")]
    assert faulted == [True, True, True, False]


async def test_reset(sub):
    await sub.subscribe(count=3)
    await sub.subscribe(openid=OTHER_OPENID, kind="long-term")
    first = (await sub.send())["msgid"]
    response, payload = await sub.sb.fetch("/wechat/subscribe-messages", "DELETE")
    assert payload == {"deleted": 1} and await sub.messages() == []
    await sub.send(openid=OTHER_OPENID)

    assert (await sub.sb.fetch("/reset", "POST"))[0].code == 200
    assert await sub.subscriptions() == [] and await sub.messages() == []
    assert (await sub.send_error(openid=OTHER_OPENID)).errcode == 40003  # the app's users went too
    # Configuration stays; message ids keep growing.
    assert "TPL_EVERY_TYPE" in sub.state.wechat_subscribe.templates[APPID]
    await sub.subscribe()
    assert (await sub.send())["msgid"] > first
