"""Aliyun SendSms through the real dysmsapi SDK, against ``sms_gateway_app``
served on its own port (the SDK's path is always ``/``)."""

import datetime as dt
import hashlib
import json
import re
import types
import urllib.parse

import pytest
import pytest_asyncio
from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from sandbox_testkit import START, FakeClock, call

pytestmark = pytest.mark.asyncio

PHONE = "13800138000"
OTHER_PHONE = "13912345678"
SIGN = "政务服务"
TEMPLATE = "SMS_LOGIN_CODE"
REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


class Sms:
    clock: FakeClock | None = None  # the latest sandbox's clock, which the SDK's x-acs-date reads

    def __init__(self, sb):
        self.sb, self.state, self.clock = sb, sb.state, sb.clock
        self.endpoint = f"127.0.0.1:{sb.sms_port}"
        Sms.clock = sb.clock

    def client(self, access_key_id="demo-ak", access_key_secret="demo-secret"):
        return Client(openapi_models.Config(
            access_key_id=access_key_id, access_key_secret=access_key_secret,
            endpoint=self.endpoint, protocol="HTTP",
        ))

    async def send(self, phone=PHONE, sign=SIGN, template=TEMPLATE, params=None, client=None, raw_params=None):
        request = sms_models.SendSmsRequest(
            phone_numbers=phone, sign_name=sign, template_code=template,
            template_param=raw_params if raw_params is not None else json.dumps(
                {"code": "123456"} if params is None else params, ensure_ascii=False),
        )
        response = await call((client or self.client()).send_sms, request)
        assert response.status_code == 200
        return response.body

    async def send_error(self, exc_type=ClientException, **kwargs):
        with pytest.raises(exc_type) as info:
            await self.send(**kwargs)
        return info.value

    async def messages(self, phone=None):
        response, payload = await self.sb.fetch("/sms/messages" + (f"?phone={phone}" if phone else ""))
        assert response.code == 200
        return payload["messages"]


@pytest.fixture(autouse=True)
def sdk_clock(monkeypatch):
    """The SDK stamps x-acs-date with the machine's time; the gateway wants its own (frozen) clock."""
    def stamp():
        now = Sms.clock() if Sms.clock else START
        return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    monkeypatch.setattr(OpenApiUtils, "get_timestamp", staticmethod(stamp))


@pytest_asyncio.fixture
async def sms(make_sandbox):
    return Sms(await make_sandbox(with_sms=True))


def at(seconds_after_start=0):
    return dt.datetime.fromtimestamp(START + seconds_after_start, dt.UTC).isoformat(timespec="milliseconds")


# ---------------------------------------------------------------- happy path


async def test_send_and_read_back(sms):
    body = await sms.send()
    assert (body.code, body.message) == ("OK", "OK")
    assert re.fullmatch(r"[0-9]{18}\^0", body.biz_id)
    assert REQUEST_ID.fullmatch(body.request_id)

    assert await sms.messages(PHONE) == [{
        "phone": PHONE,
        "sign_name": SIGN,
        "template_code": TEMPLATE,
        "params": {"code": "123456"},
        "text": "您的验证码为123456，5分钟内有效。",
        "biz_id": body.biz_id,
        "at": at(),
        "report": {"SendStatus": 3, "ErrCode": "DELIVERED", "SendDate": "2026-03-02 10:00:00",
                   "ReceiveDate": "2026-03-02 10:00:02"},
    }]
    assert await sms.messages(OTHER_PHONE) == []


async def test_query_send_details_reports_each_message(sms):
    response, _ = await sms.sb.fetch("/sms/receipts", "PUT", {"outcomes": {OTHER_PHONE: {"outcome": "fail",
                                                                                           "errcode": "MN:0001"}}})
    assert response.code == 200
    delivered, failed = await sms.send(), await sms.send(phone=OTHER_PHONE)

    async def query(phone, biz_id, day="20260302"):
        request = sms_models.QuerySendDetailsRequest(phone_number=phone, biz_id=biz_id, send_date=day, page_size=10,
                                                     current_page=1)
        reply = await call(sms.client().query_send_details, request)
        return reply.body

    body = await query(PHONE, delivered.biz_id)
    assert (body.code, body.total_count) == ("OK", 1)
    [detail] = body.sms_send_detail_dtos.sms_send_detail_dto
    assert (detail.send_status, detail.err_code, detail.receive_date) == (3, "DELIVERED", "2026-03-02 10:00:02")
    assert detail.phone_num == PHONE and detail.template_code == TEMPLATE
    [detail] = (await query(OTHER_PHONE, failed.biz_id)).sms_send_detail_dtos.sms_send_detail_dto
    assert (detail.send_status, detail.err_code) == (2, "MN:0001")
    assert (await query(PHONE, failed.biz_id)).total_count == 0  # another phone's message
    assert (await query(PHONE, delivered.biz_id, "20260301")).total_count == 0  # another day
    assert (await query(PHONE, delivered.biz_id, "2026-03-02")).code == "isv.INVALID_PARAMETERS"
    # recorded apart from the sends: a fault meant for a send never hits a query
    assert len(await sms.sb.received("sms.query")) == 5 and len(await sms.sb.received("sms.send")) == 2


async def test_phone_forms_and_several_numbers(sms):
    assert (await sms.send(phone="+8613800138000")).code == "OK"
    assert (await sms.send(phone=f"{OTHER_PHONE},8615000000001", params={"code": "654321"})).code == "OK"
    assert [m["phone"] for m in await sms.messages()] == [PHONE, OTHER_PHONE, "15000000001"]
    assert (await sms.messages("15000000001"))[0]["text"] == "您的验证码为654321，5分钟内有效。"
    assert len(await sms.messages("+8613800138000")) == 1


async def test_verification_codes_per_phone_minute_hour_and_day(sms):
    """Aliyun's defaults per signature and phone: 1 a minute, 5 an hour, 10 a day (rolling)."""
    for i in range(5):
        assert (await sms.send(params={"code": f"10000{i}"})).code == "OK"
        sms.clock.advance(60)
    body = await sms.send()
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5")
    assert (await sms.send(template="SMS_LINK_CODE")).message == "触发小时级流控Permits:5"  # any code template
    sms.clock.advance(3600 - 5 * 60)  # an hour after the first
    for i in range(5):
        assert (await sms.send(params={"code": f"20000{i}"})).code == "OK", i
        sms.clock.advance(720)
    body = await sms.send()
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")
    assert (await sms.send(sign="政务服务", phone=OTHER_PHONE)).code == "OK"  # per phone
    # notifications count apart: 50 a day per signature and template
    notice = {"item": "社保卡补换", "number": "SB20261124000001", "status": "已受理"}
    assert (await sms.send(template="SMS_APPLICATION_STATUS", params=notice)).code == "OK"
    sms.clock.advance(86400 - 4 * 720 - 5 * 60 - (3600 - 5 * 60) + 1)  # a day after the first code
    assert (await sms.send()).code == "OK"


async def test_notifications_fifty_a_day(sms):
    notice = {"item": "社保卡补换", "number": "SB20261124000001", "status": "已受理"}
    for _ in range(50):
        assert (await sms.send(template="SMS_APPLICATION_STATUS", params=notice)).code == "OK"
    body = await sms.send(template="SMS_APPLICATION_STATUS", params=notice)
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:50")
    assert (await sms.send()).code == "OK"  # a verification code is counted apart


async def test_a_variable_over_35_characters(sms):
    body = await sms.send(params={"code": "1" * 36})
    assert (body.code, body.message) == ("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
    assert (await sms.send(params={"code": "1" * 35})).code == "OK"


async def test_account_balance_and_daily_limit(sms):
    response, payload = await sms.sb.fetch("/sms/account")
    assert payload == {"balance": None, "daily_limit": None}
    response, payload = await sms.sb.fetch("/sms/account", "PUT", {"balance": 1, "daily_limit": 2})
    assert (response.code, payload) == (200, {"balance": 1, "daily_limit": 2})
    assert (await sms.send()).code == "OK"
    body = await sms.send(phone=OTHER_PHONE)
    assert (body.code, body.message) == ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
    await sms.sb.fetch("/sms/account", "PUT", {"balance": None})
    assert (await sms.send(phone=OTHER_PHONE)).code == "OK"
    body = await sms.send(phone="15000000001")
    assert (body.code, body.message) == ("isv.DAY_LIMIT_CONTROL", "触发日发送限额")
    sms.clock.advance(14 * 3600)  # past midnight, Beijing time
    assert (await sms.send(phone="15000000001")).code == "OK"
    for bad in ({"balance": -1}, {"balance": "1"}, {"credit": 1}, []):
        response, _ = await sms.sb.fetch("/sms/account", "PUT", bad)
        assert response.code == 400, bad
    await sms.sb.fetch("/reset", "POST")
    assert (await sms.sb.fetch("/sms/account"))[1] == {"balance": None, "daily_limit": None}


async def test_a_date_15_minutes_off_is_refused(sms):
    query = {"PhoneNumbers": PHONE, "SignName": SIGN, "TemplateCode": TEMPLATE, "TemplateParam": '{"code":"1"}'}
    for date, status, code in (("2026-03-02T01:44:59Z", 400, "InvalidTimeStamp.Expired"),
                               ("2026-03-02T02:15:01Z", 400, "InvalidTimeStamp.Expired"),
                               ("yesterday", 400, "InvalidTimeStamp.Format"),
                               ("2026-03-02T02:15:00Z", 200, "OK")):
        response, payload = await post_raw(sms, query, signed_request(sms, query, date=date, nonce=date))
        assert (response.code, payload["Code"]) == (status, code), date


async def test_a_nonce_is_used_once_in_15_minutes(sms):
    query = {"PhoneNumbers": PHONE, "SignName": SIGN, "TemplateCode": TEMPLATE, "TemplateParam": '{"code":"1"}'}
    headers = signed_request(sms, query)
    response, payload = await post_raw(sms, query, headers)
    assert (response.code, payload["Code"]) == (200, "OK")
    response, payload = await post_raw(sms, query, headers)  # the same request again: a replay
    assert (response.code, payload["Code"]) == (400, "SignatureNonceUsed")
    assert len(await sms.messages()) == 1
    response, payload = await post_raw(sms, query, signed_request(sms, query, nonce=""))
    assert (response.code, payload["Code"]) == (400, "MissingSignatureNonce")
    sms.clock.advance(901)
    response, payload = await post_raw(sms, query, signed_request(sms, query, date="2026-03-02T02:15:01Z"))
    assert (response.code, payload["Code"]) == (200, "OK")


async def test_one_message_per_phone_per_minute(sms):
    assert (await sms.send()).code == "OK"
    sms.clock.advance(59)
    body = await sms.send(params={"code": "222222"})
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
    assert REQUEST_ID.fullmatch(body.request_id)
    assert (await sms.send(phone=OTHER_PHONE)).code == "OK"  # per phone
    sms.clock.advance(1)
    assert (await sms.send(params={"code": "333333"})).code == "OK"
    assert [(m["params"]["code"], m["at"]) for m in await sms.messages(PHONE)] == [
        ("123456", at()), ("333333", at(60)),
    ]


# ---------------------------------------------------------------- business errors (HTTP 200)


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        ({"phone": "12345"}, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        ({"phone": "23800138000"}, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        ({"phone": f"{PHONE},1380013800"}, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        ({"sign": "阿里云"}, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"),
        ({"template": "SMS_NOPE"}, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"),
        ({"raw_params": "{code: 1}"}, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"),
        ({"params": {"code": 123456}}, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"),
        ({"params": {"otp": "123456"}}, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"),
        ({"raw_params": ""}, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"),
    ],
)
async def test_business_errors(sms, kwargs, code, message):
    body = await sms.send(**kwargs)
    assert (body.code, body.message) == (code, message)
    assert body.biz_id is None and REQUEST_ID.fullmatch(body.request_id)
    assert await sms.messages() == []
    assert (await sms.send()).code == "OK"  # a failed send does not count towards the limit


async def test_configured_templates_and_sign_names(make_sandbox):
    sms = Sms(await make_sandbox(
        with_sms=True,
        sms_templates={"SMS_NOTICE": "${name}您好，您的${item}已办结。"},
        sms_sign_names={"某市政务"},
        sms_access_keys={"LTAI5tSandbox": "s3cret"},
    ))
    client = sms.client("LTAI5tSandbox", "s3cret")
    body = await sms.send(sign="某市政务", template="SMS_NOTICE", params={"name": "张三", "item": "户籍迁移"}, client=client)
    assert body.code == "OK"
    assert (await sms.messages())[0]["text"] == "张三您好，您的户籍迁移已办结。"
    assert (await sms.send(client=client, phone=OTHER_PHONE)).code == "isv.SMS_SIGNATURE_ILLEGAL"
    err = await sms.send_error(phone=OTHER_PHONE)  # demo-ak is not configured here
    assert (err.status_code, err.code) == (404, "InvalidAccessKeyId.NotFound")


# ---------------------------------------------------------------- credentials


async def test_unknown_access_key(sms):
    err = await sms.send_error(client=sms.client("no-such-ak", "demo-secret"))
    assert (err.status_code, err.code) == (404, "InvalidAccessKeyId.NotFound")
    assert "Specified access key is not found." in err.message
    assert await sms.messages() == []


async def test_wrong_secret(sms):
    err = await sms.send_error(client=sms.client("demo-ak", "not-the-secret"))
    assert (err.status_code, err.code) == (400, "SignatureDoesNotMatch")


def signed_request(sms, query, ak="demo-ak", secret="demo-secret", action="SendSms", version="2017-05-25",
                   date="2026-03-02T02:00:00Z", nonce="3f1f1e0c9d8b4a7e"):
    """Headers for ``POST /?query`` signed with the SDK's own ACS3 code."""
    empty = hashlib.sha256(b"").hexdigest()
    headers = {
        "host": sms.endpoint,
        "x-acs-version": version,
        "x-acs-action": action,
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "accept": "application/json",
        "x-acs-content-sha256": empty,
    }
    request = types.SimpleNamespace(method="POST", pathname="/", query=query, headers=headers)
    headers["Authorization"] = OpenApiUtils.get_authorization(request, "ACS3-HMAC-SHA256", empty, ak, secret)
    return headers


async def post_raw(sms, query, headers):
    return await sms.sb.fetch("", "POST", b"", url=f"http://{sms.endpoint}/?{urllib.parse.urlencode(query)}",
                              headers=headers)


async def test_signature_covers_the_query(sms):
    query = {"PhoneNumbers": PHONE, "SignName": SIGN, "TemplateCode": TEMPLATE,
             "TemplateParam": '{"code":"1 2+3~"}'}
    headers = signed_request(sms, query)
    response, payload = await post_raw(sms, {**query, "PhoneNumbers": OTHER_PHONE}, headers)
    assert (response.code, payload["Code"]) == (400, "SignatureDoesNotMatch")
    response, payload = await post_raw(sms, query, headers)
    assert (response.code, payload["Code"]) == (200, "OK")
    assert (await sms.messages())[0]["params"] == {"code": "1 2+3~"}
    assert response.headers["x-acs-request-id"] == payload["RequestId"]


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"Authorization": None}, 400, "IncompleteSignature"),
        ({"Authorization": "Bearer abc"}, 400, "IncompleteSignature"),
        ({"x-acs-content-sha256": "0" * 64}, 400, "SignatureDoesNotMatch"),
        ({"x-acs-date": "2026-03-02T02:00:01Z"}, 400, "SignatureDoesNotMatch"),
    ],
)
async def test_signature_errors(sms, change, status, code):
    query = {"PhoneNumbers": PHONE, "SignName": SIGN, "TemplateCode": TEMPLATE, "TemplateParam": '{"code":"1"}'}
    headers = signed_request(sms, query)
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    response, payload = await post_raw(sms, query, headers)
    assert (response.code, payload["Code"]) == (status, code)
    assert REQUEST_ID.fullmatch(payload["RequestId"]) and payload["Message"]


@pytest.mark.parametrize(
    "query, action, version, status, code",
    [
        ({"SignName": SIGN, "TemplateCode": TEMPLATE}, "SendSms", "2017-05-25", 400, "MissingPhoneNumbers"),
        ({"PhoneNumbers": PHONE, "TemplateCode": TEMPLATE}, "SendSms", "2017-05-25", 400, "MissingSignName"),
        ({"PhoneNumbers": PHONE, "SignName": SIGN}, "SendSms", "2017-05-25", 400, "MissingTemplateCode"),
        ({"PhoneNumbers": PHONE}, "SendBatchSms", "2017-05-25", 404, "InvalidAction.NotFound"),
        ({"PhoneNumbers": PHONE}, "SendSms", "2018-01-01", 400, "InvalidVersion"),
    ],
)
async def test_request_errors(sms, query, action, version, status, code):
    response, payload = await post_raw(sms, query, signed_request(sms, query, action=action, version=version))
    assert (response.code, payload["Code"]) == (status, code)


async def test_unknown_path_on_the_gateway(sms):
    response, payload = await sms.sb.fetch("", url=f"http://{sms.endpoint}/nope")
    assert (response.code, payload) == (404, {"error": "Not Found", "status": 404})


# ---------------------------------------------------------------- faults and read-back


async def test_errcode_fault(sms):
    await sms.sb.add_fault(target="sms.send", errcode=1, errmsg="请重试接口调用")
    body = await sms.send()
    assert (body.code, body.message) == ("isp.SYSTEM_ERROR", "请重试接口调用")
    assert await sms.messages() == []
    assert (await sms.send()).code == "OK"


async def test_status_fault(sms):
    await sms.sb.add_fault(target="sms.send", status=503)
    err = await sms.send_error(ServerException)
    assert err.status_code == 503
    assert (await sms.send()).code == "OK"


async def test_received_log_masks_phone_and_params(sms):
    await sms.send()
    await sms.send(phone=OTHER_PHONE, sign="阿里云")
    ok, bad_sign = await sms.sb.received("sms.send")
    assert ok["method"] == "POST" and ok["path"] == "/"
    assert ok["query"] == {"PhoneNumbers": "***", "SignName": SIGN, "TemplateCode": TEMPLATE, "TemplateParam": "***"}
    assert (ok["status"], ok["errcode"]) == (200, "OK")
    assert bad_sign["errcode"] == "isv.SMS_SIGNATURE_ILLEGAL"
    everything = json.dumps(await sms.sb.received())
    assert PHONE not in everything and OTHER_PHONE not in everything and "123456" not in everything


async def test_clear_messages(sms):
    await sms.send()
    response, payload = await sms.sb.fetch("/sms/messages", "DELETE")
    assert (response.code, payload) == (200, {"deleted": 1})
    assert await sms.messages() == []
    assert (await sms.send()).code == "OK"  # the minute limit was cleared with them


async def test_non_utf8_query_is_a_400(sms):
    headers = signed_request(sms, {"PhoneNumbers": PHONE})  # well-formed, so the query gets decoded
    response, payload = await sms.sb.fetch("", "POST", b"", url=f"http://{sms.endpoint}/?PhoneNumbers=%ff%fe",
                                           headers=headers)
    assert response.code == 400 and payload["status"] == 400 and REQUEST_ID.fullmatch(payload["RequestId"])
    [record] = await sms.sb.received("sms.send")
    assert record["query"] == {"PhoneNumbers": "***"} and record["status"] == 400
