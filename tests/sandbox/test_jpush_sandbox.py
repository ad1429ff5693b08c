"""JPush ``push`` through the real ``jpush`` SDK, aimed at the sandbox by a zone
in ``jpush.common.ZONES``."""

import base64
import time

import jpush
import pytest
import pytest_asyncio
from jpush.common import ZONES, APIRequestException, JPushFailure, Unauthorized
from sandbox_testkit import START, call

from sandbox.jpush import jpush_zone
from sandbox.jpush_state import JPUSH_REPORT_FIELDS

pytestmark = pytest.mark.asyncio

APP_KEY = "0123456789abcdef01234567"
SECRET = "master-secret-0001"
OTHER_KEY = "fedcba9876543210fedcba98"
OTHER_SECRET = "master-secret-0002"
ANDROID = "1a0018970a8c3e5d6e7"
IPHONE = "191e35f7e0b9e1a2c3d"
NOBODY = "1507bfd3f7c466c355c"


class JPushSandbox:
    def __init__(self, sb):
        self.sb, self.state, self.clock = sb, sb.state, sb.clock
        self.zone = f"SANDBOX{sb.port}"
        ZONES[self.zone] = jpush_zone(sb.base)
        sb.closers.append(lambda: ZONES.pop(self.zone, None))

    def client(self, key=APP_KEY, secret=SECRET):
        client = jpush.JPush(key, secret, timeout=10, zone=self.zone)
        self.sb.closers.append(client.session.close)
        return client

    async def register(self, registration_id=ANDROID, platform="android", app_key=APP_KEY):
        body = {"app_key": app_key, "registration_id": registration_id, "platform": platform}
        response, payload = await self.sb.fetch("/jpush/devices", "POST", body)
        assert response.code == 201, payload
        return payload

    async def send(self, *rids, alert="您的办件已受理", client=None, platform=jpush.all_, options=None, message=None):
        push = (client or self.client()).create_push()
        push.audience = jpush.audience(jpush.registration_id(*(rids or (ANDROID,))))
        if alert is not None:
            push.notification = jpush.notification(alert=alert)
        if message is not None:
            push.message = message
        push.platform = platform
        push.options = {"sendno": 1, "time_to_live": 86400} if options is None else options
        return await call(push.send)

    async def send_error(self, exc_type=JPushFailure, **kwargs):
        rids = kwargs.pop("rids", ())
        with pytest.raises(exc_type) as info:
            await self.send(*rids, **kwargs)
        return info.value

    def auth(self, key=APP_KEY, secret=SECRET):
        return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}

    async def raw(self, body, key=APP_KEY, secret=SECRET):
        return await self.sb.fetch("/jpush/v3/push", "POST", body, headers=self.auth(key, secret))

    async def pushes(self, registration_id=None):
        query = f"?registration_id={registration_id}" if registration_id else ""
        response, payload = await self.sb.fetch("/jpush/pushes" + query)
        assert response.code == 200
        return payload["pushes"]


@pytest_asyncio.fixture
async def jp(make_sandbox):
    return JPushSandbox(await make_sandbox(jpush_apps={APP_KEY: SECRET, OTHER_KEY: OTHER_SECRET}))


def failure(err):
    return err.response.status_code, err.error_code, err.details


# ---------------------------------------------------------------- happy path


async def test_push_and_read_back(jp):
    assert await jp.register() == {"app_key": APP_KEY, "registration_id": ANDROID, "platform": "android", "active": True}
    response = await jp.send()
    assert response.status_code == 200
    assert set(response.payload) == {"sendno", "msg_id"}
    assert response.payload["sendno"] == "1" and response.payload["msg_id"].isdigit()

    assert await jp.pushes(ANDROID) == [{
        "msg_id": response.payload["msg_id"],
        "app_key": APP_KEY,
        "cid": None,
        "sendno": "1",
        "platform": "all",
        "registration_ids": [ANDROID],
        "notification": {"alert": "您的办件已受理"},
        "message": None,
        "options": {"sendno": 1, "time_to_live": 86400},
        "at": jp.sb.state.now_iso(),
        "report": {**dict.fromkeys(JPUSH_REPORT_FIELDS, 0), "jpush_received": 1},
    }]
    assert await jp.pushes(IPHONE) == []
    assert jp.sb.clock.now == START

    again = await jp.send(options={"sendno": 7, "apns_production": False})
    assert again.payload["sendno"] == "7"
    assert int(again.payload["msg_id"]) > int(response.payload["msg_id"])

    first, second = await jp.sb.received("jpush.push")
    assert first["path"] == "/sandbox/jpush/v3/push" and first["json"]["audience"] == {"registration_id": [ANDROID]}
    assert (first["status"], first["errcode"]) == (200, None)


async def test_several_devices_message_and_default_sendno(jp):
    await jp.register()
    await jp.register(IPHONE, "ios")
    response = await jp.send(ANDROID, IPHONE, ANDROID, alert=None, options={},
                             message=jpush.message("APPLICATION_STATUS", extras={"application_id": "A1"}))
    assert response.payload["sendno"] == "0"
    (push,) = await jp.pushes()
    assert push["registration_ids"] == [ANDROID, IPHONE]
    assert push["notification"] is None and push["message"]["msg_content"] == "APPLICATION_STATUS"
    assert await jp.pushes(IPHONE) == [push]

    # A platform-specific notification to the iPhone only.
    push = jp.client().create_push()
    push.audience = jpush.audience(jpush.registration_id(IPHONE))
    push.notification = jpush.notification(ios=jpush.ios(alert="请补正材料", badge="+1", extras={"id": "A1"}))
    push.platform = jpush.platform("ios")
    assert (await call(push.send)).status_code == 200


# ---------------------------------------------------------------- errors


async def test_authentication(jp):
    await jp.register()
    with pytest.raises(Unauthorized):
        await jp.send(client=jp.client(secret="wrong"))
    with pytest.raises(Unauthorized):
        await jp.send(client=jp.client("nosuchappkey000000000000", SECRET))

    response, payload = await jp.sb.fetch("/jpush/v3/push", "POST", {"platform": "all"})
    assert (response.code, payload) == (401, {"error": {"code": 1004, "message": "Authen failed"}})
    for header in ("Basic !!!", "Bearer abc", "Basic " + base64.b64encode(APP_KEY.encode()).decode()):
        response, payload = await jp.sb.fetch("/jpush/v3/push", "POST", b"{}", headers={"Authorization": header})
        assert response.code == 401 and payload["error"]["code"] == 1004, header
    assert await jp.pushes() == []


async def test_unknown_and_inactive_devices(jp):
    message = "cannot find user by this audience or has been inactive for more than 255 days"
    err = await jp.send_error(rids=(NOBODY,))
    assert failure(err) == (400, 1011, message)

    await jp.register()
    await jp.register(IPHONE, "ios", app_key=OTHER_KEY)
    # One unknown id fails the whole push; so does a device of another app.
    assert (await jp.send_error(rids=(ANDROID, NOBODY))).error_code == 1011
    assert (await jp.send_error(rids=(IPHONE,))).error_code == 1011
    assert (await jp.send(IPHONE, client=jp.client(OTHER_KEY, OTHER_SECRET))).status_code == 200
    # A device outside the push's platforms.
    assert (await jp.send_error(platform=jpush.platform("ios"))).error_code == 1011

    response, payload = await jp.sb.fetch(f"/jpush/devices/{ANDROID}", "DELETE")
    assert (response.code, payload) == (200, {"deactivated": 1})
    assert failure(await jp.send_error()) == (400, 1011, message)
    # Registering again makes it active.
    await jp.register()
    assert (await jp.send()).status_code == 200
    assert [p["app_key"] for p in await jp.pushes()] == [OTHER_KEY, APP_KEY]

    response, payload = await jp.sb.fetch(f"/jpush/devices/{NOBODY}", "DELETE")
    assert response.code == 404
    records = await jp.sb.received("jpush.push")
    assert [r["errcode"] for r in records][:2] == [1011, 1011]


@pytest.mark.parametrize("ttl", [-1, 864_001, "86400", 1.5, True])
async def test_bad_time_to_live(jp, ttl):
    await jp.register()
    err = await jp.send_error(options={"sendno": 1, "time_to_live": ttl})
    assert failure(err) == (400, 1003, "options.time_to_live must be between 0 and 864000")
    assert await jp.pushes() == []


async def test_time_to_live_bounds(jp):
    await jp.register()
    for ttl in (0, 864_000):
        assert (await jp.send(options={"time_to_live": ttl})).status_code == 200


@pytest.mark.parametrize(
    "change, code",
    [
        ({"platform": None}, 1002),
        ({"platform": "ios"}, 1003),
        ({"platform": ["android", "symbian"]}, 1003),
        ({"platform": []}, 1003),
        ({"audience": None}, 1002),
        ({"audience": {"registration_id": []}}, 1003),
        ({"audience": {"registration_id": [ANDROID] * 1001}}, 1003),
        ({"audience": {"registration_id": ANDROID}}, 1003),
        ({"audience": {"registration_id": [1]}}, 1003),
        ({"audience": {"city": ["x"]}}, 1003),
        ({"audience": {"tag": ["beijing"]}}, 1011),
        ({"audience": {"alias": ["u1"]}}, 1011),
        ({"notification": None}, 1002),
        ({"notification": {}}, 1003),
        ({"notification": {"alert": 5}}, 1003),
        ({"notification": {"android": "hi"}}, 1003),
        ({"notification": {"sms": {"alert": "x"}}}, 1003),
        ({"notification": {"alert": "长" * 1400}}, 1005),
        ({"notification": None, "message": {"title": "t"}}, 1002),
        ({"notification": None, "message": {"msg_content": 5}}, 1003),
        ({"notification": None, "message": "text"}, 1003),
        ({"options": []}, 1003),
        ({"options": {"sendno": -1}}, 1003),
        ({"options": {"sendno": "1"}}, 1003),
        ({"options": {"apns_production": "yes"}}, 1003),
        ({"options": {"classification": 2}}, 1003),
        ({"options": {"classification": True}}, 1003),
        ({"options": {"third_party_channel": "xiaomi"}}, 1003),
    ],
)
async def test_payload_validation(jp, change, code):
    await jp.register()
    body = {"platform": "all", "audience": {"registration_id": [ANDROID]}, "notification": {"alert": "hi"}}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response, payload = await jp.raw(body)
    assert response.code == 400 and payload["error"]["code"] == code, payload
    assert await jp.pushes() == []


async def test_not_json_and_broadcast(jp):
    response, payload = await jp.raw("{not json")
    assert (response.code, payload["error"]["code"]) == (400, 1003)
    response, payload = await jp.raw({"platform": "all", "audience": "all", "notification": {"alert": "hi"}})
    assert (response.code, payload["error"]["code"]) == (400, 1011)  # nobody registered yet
    await jp.register()
    await jp.register(IPHONE, "ios")
    response, payload = await jp.raw({"platform": ["ios"], "audience": "all", "notification": {"alert": "hi"}})
    assert response.code == 200
    assert (await jp.pushes())[0]["registration_ids"] == [IPHONE]


async def test_other_jpush_apis_answer_in_jpush_shape(jp):
    device = jp.client().create_device()
    with pytest.raises(JPushFailure) as info:
        await call(device.get_deviceinfo, ANDROID)
    assert info.value.response.status_code == 404 and info.value.error_code == 1003
    response, payload = await jp.sb.fetch("/jpush/v3/push")
    assert (response.code, payload["error"]["code"]) == (405, 1001)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"app_key": "nosuch", "registration_id": ANDROID, "platform": "android"}, "unknown app_key"),
        ({"app_key": APP_KEY, "registration_id": "1a0018970a", "platform": "android"}, "registration_id"),
        ({"app_key": APP_KEY, "registration_id": "1" * 33, "platform": "android"}, "registration_id"),
        ({"app_key": APP_KEY, "registration_id": "1a0018970a8c-3e5d6e7", "platform": "android"}, "registration_id"),
        ({"app_key": APP_KEY, "registration_id": ANDROID, "platform": "symbian"}, "platform"),
        ("{not json", "JSON object"),
    ],
)
async def test_device_validation(jp, body, fragment):
    response, payload = await jp.sb.fetch("/jpush/devices", "POST", body)
    assert response.code == 400 and fragment in payload["error"]
    assert (await jp.sb.fetch("/jpush/devices"))[1] == {"devices": []}


# ---------------------------------------------------------------- faults and reset


async def test_faults(jp):
    await jp.register()
    client = jp.client()

    await jp.sb.add_fault(target="jpush.push", status=503)
    err = await jp.send_error(client=client)
    assert failure(err) == (503, 1000, "Service Unavailable")

    await jp.sb.add_fault(target="jpush.push", drop=True)
    with pytest.raises(APIRequestException):
        await jp.send(client=client)

    await jp.sb.add_fault(target="jpush.push", errcode=1030, errmsg="internal service timeout")
    err = await jp.send_error(client=client)
    assert failure(err) == (400, 1030, "internal service timeout")

    await jp.sb.add_fault(target="jpush.push", status=401)
    with pytest.raises(Unauthorized):
        await jp.send(client=client)

    await jp.sb.add_fault(target="jpush.push", latency_ms=200)
    started = time.monotonic()
    assert (await jp.send(client=client)).status_code == 200
    assert time.monotonic() - started >= 0.2

    assert len(await jp.pushes()) == 1  # only the last one went out
    records = await jp.sb.received("jpush.push")
    assert [(r["status"], r["errcode"]) for r in records] == [(503, 1000), (None, None), (400, 1030), (401, 1004), (200, None)]


async def test_reset(jp):
    await jp.register()
    await jp.send()
    response, payload = await jp.sb.fetch("/jpush/pushes", "DELETE")
    assert payload == {"deleted": 1} and await jp.pushes() == []
    await jp.send()

    assert (await jp.sb.fetch("/reset", "POST"))[0].code == 200
    assert await jp.pushes() == [] and (await jp.sb.fetch("/jpush/devices"))[1] == {"devices": []}
    # The apps stay configured: authentication passes, the device is gone.
    assert (await jp.send_error()).error_code == 1011
    await jp.register()
    assert (await jp.send()).status_code == 200


# ---------------------------------------------------------------- cids and the rate limit


async def test_a_cid_answers_a_retry_once_and_lasts_a_day(jp):
    await jp.register()
    response, payload = await jp.sb.fetch("/jpush/v3/push/cid?count=2&type=push", headers=jp.auth())
    assert response.code == 200 and len(payload["cidlist"]) == 2
    first, second = payload["cidlist"]
    body = {"platform": "all", "audience": {"registration_id": [ANDROID]}, "notification": {"alert": "hi"}}
    response, one = await jp.raw({**body, "cid": first})
    response, again = await jp.raw({**body, "cid": first})
    assert response.code == 200 and again == one and len(await jp.pushes()) == 1  # the retry pushed nothing
    jp.sb.clock.advance(86400)
    response, payload = await jp.raw({**body, "cid": second})
    assert (response.code, payload["error"]["code"]) == (400, 1003)  # a day old: expired
    response, payload = await jp.raw({**body, "cid": "never-issued"})
    assert (response.code, payload["error"]["code"]) == (400, 1003)


async def test_rate_limit_per_app_and_minute(jp):
    await jp.register()
    response, payload = await jp.sb.fetch("/jpush/rate-limit", "PUT", {"limit": 2})
    assert (response.code, payload) == (200, {"limit": 2})
    body = {"platform": "all", "audience": {"registration_id": [ANDROID]}, "notification": {"alert": "hi"}}
    response, _ = await jp.raw(body)
    assert response.code == 200
    assert [response.headers[h] for h in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")] == [
        "2", "1", "60"]
    jp.sb.clock.advance(20)
    assert (await jp.raw(body))[0].headers["X-Rate-Limit-Remaining"] == "0"
    response, payload = await jp.raw(body)
    assert (response.code, payload["error"]["code"]) == (429, 2002)
    assert response.headers["X-Rate-Limit-Reset"] == "40" and response.headers["X-Rate-Limit-Remaining"] == "0"
    err = await jp.send_error()  # the SDK's view of it
    assert err.response.status_code == 429 and err.error_code == 2002
    assert (await jp.raw(body, key=OTHER_KEY, secret=OTHER_SECRET))[0].code != 429  # per app
    jp.sb.clock.advance(40)
    assert (await jp.raw(body))[0].code == 200
    assert len(await jp.pushes()) == 3
    for bad in ({"limit": -1}, {"limit": "2"}, {}):
        assert (await jp.sb.fetch("/jpush/rate-limit", "PUT", bad))[0].code == 400


async def test_received_report(jp):
    await jp.register()
    await jp.register(IPHONE, "ios")
    got = (await jp.send(ANDROID, IPHONE)).payload["msg_id"]
    response, _ = await jp.sb.fetch("/jpush/receipts", "PUT", {"outcome": "silent"})
    assert response.code == 200
    lost = (await jp.send(ANDROID)).payload["msg_id"]
    response, report = await jp.sb.fetch(f"/jpush/v3/report/received/detail?msg_ids={got},{lost},1",
                                         headers=jp.auth())
    assert response.code == 200
    assert [(r["msg_id"], r["jpush_received"], r["ios_apns_sent"], r["ios_apns_received"]) for r in report] == [
        (got, 1, 1, 1), (lost, 0, 0, 0), ("1", None, None, None)]
    response, _ = await jp.sb.fetch(f"/jpush/v3/report/received/detail?msg_ids={got}", headers=jp.auth(OTHER_KEY,
                                                                                                       OTHER_SECRET))
    assert response.code == 200  # another app's msg_id: JPush knows nothing of it
    response, _ = await jp.sb.fetch(f"/jpush/v3/report/received/detail?msg_ids={got}")
    assert response.code == 401
    response, _ = await jp.sb.fetch("/jpush/v3/report/received/detail?msg_ids=" + ",".join(["1"] * 101),
                                    headers=jp.auth())
    assert response.code == 400
