"""The field inspectors' look-ups on the exchange (交警 机动车 / 驾驶人, 运管 经营许可), over real HTTP."""

import datetime as dt
import json
import re

import pytest
import pytest_asyncio
from sandbox_testkit import EXCHANGE_APP as APP
from sandbox_testkit import EXCHANGE_SECRET as SECRET
from sandbox_testkit import Exchange

from sandbox import exchange, exchange_lookup
from sandbox.identity import derived_name, with_check_char

pytestmark = pytest.mark.asyncio

# Pinned subjects (derived data; the sandbox clock is 2026-03-02 10:00 Beijing time).
PLATE = "浙A12345"  # owner 330110197712100648 (徐勇), registered 2011-11-26
NEV_SMALL = "浙AD12345"  # inspection overdue since 2024-08-31
STOLEN, SEIZED, SCRAP, LAPSED = "浙A00004", "浙A00005", "浙A00024", "浙A00106"
WORKER = "330106198001010005"  # a revoked C1 licence
OVERDUE_LICENCE = "330106198801010089"  # not renewed since 2025-04-27
CANCELLED_LICENCE = "330106198302221332"  # not renewed since 2019-06-07: 注销
RESIDENT = "440304199001011233"  # no licence
MINOR = "33010620100101123X"
BUSINESS = "330100123456"
UNKNOWN_BUSINESS = "330106000001"

VEHICLE_FIELDS = {"plate", "vehicle_type", "brand", "color", "owner_name_masked", "owner_id_masked", "registered_on",
                  "status", "inspection_valid_until", "insurance_valid_until", "unhandled_violations"}
DRIVER_FIELDS = {"licence_no_masked", "name_masked", "class", "status", "points", "valid_until"}
BUSINESS_FIELDS = {"licence_no", "business_name", "business_scope", "status", "valid_until", "vehicles",
                   "legal_person_masked", "address"}
LOOKUPS = {  # target -> (path, a body answered 0)
    "exchange.jj.vehicle": ("/jj/vehicle", {"plate": PLATE}),
    "exchange.jj.driver": ("/jj/driver", {"licence_no": WORKER}),
    "exchange.ysj.business": ("/ysj/business", {"licence_no": BUSINESS}),
}


@pytest_asyncio.fixture
async def ex(make_sandbox):
    return Exchange(await make_sandbox(exchange_apps={APP: SECRET}))


def masked_id(id_number):
    return id_number[:4] + "*" * 10 + id_number[-4:]


# ---------------------------------------------------------------- 交警: 机动车信息


async def test_vehicle(ex):
    data = await ex.data("/jj/vehicle", {"plate": PLATE})
    assert data == {"plate": PLATE, "vehicle_type": "小型普通客车", "brand": "丰田牌GTM6480", "color": "白",
                    "owner_name_masked": "徐*", "owner_id_masked": "3301**********0648", "registered_on": "2011-11-26",
                    "status": "正常", "inspection_valid_until": "2026-11-30", "insurance_valid_until": "2026-11-25",
                    "unhandled_violations": 0}
    assert await ex.data("/jj/vehicle", {"plate": PLATE}) == data  # deterministic

    # Consistent with the register, the population register, /jj/inspection and /jj/violations.
    for plate in (PLATE, NEV_SMALL, "浙A12345D", "浙AF88888", "沪C00001", "浙B6G7H8", "京N5P6Q7", STOLEN, SCRAP):
        info = await ex.data("/jj/vehicle", {"plate": plate})
        assert set(info) == VEHICLE_FIELDS and info["plate"] == plate
        entry = await ex.vehicle(plate)
        owner, tail = entry["owner_id_number"], entry["engine_tail"]
        assert (info["vehicle_type"], info["registered_on"]) == (entry["vehicle_type"], entry["registered_on"])
        assert info["owner_id_masked"] == masked_id(owner)
        name = derived_name(owner)
        assert info["owner_name_masked"] == name[0] + "*" * (len(name) - 1)
        assert await ex.data("/jj/vehicle-check", {"plate": plate, "engine_tail": tail, "id_number": owner}) == {"match": True}
        inspection = await ex.data("/jj/inspection", {"plate": plate, "engine_tail": tail})
        assert info["inspection_valid_until"] == inspection["valid_until"]
        if info["status"] in ("正常", "逾期未检验"):
            assert (info["status"] == "逾期未检验") == (inspection["status"] == "逾期未检验")
        violations = await ex.data("/jj/violations", {"plate": plate, "engine_tail": tail})
        assert info["unhandled_violations"] == violations["unhandled"]
        assert re.fullmatch(r"[\u4e00-\u9fff]{1,3}牌[A-Z0-9]{5,}", info["brand"]) and info["color"] in set("白黑银蓝红")
        insurance = dt.date.fromisoformat(info["insurance_valid_until"])
        registered = dt.date.fromisoformat(info["registered_on"])
        assert (insurance.month, insurance.day) == (registered - dt.timedelta(days=1)).timetuple()[1:3]
    assert (await ex.data("/jj/vehicle", {"plate": "浙AF88888"}))["brand"].endswith("PHEV")  # F: not pure electric
    assert (await ex.data("/jj/vehicle", {"plate": NEV_SMALL}))["brand"] == "特斯拉牌TSL7000BEV"


async def test_vehicle_follows_hand_registered_owner_and_name(ex):
    body = {"plate": PLATE, "owner_id_number": WORKER, "engine_tail": "AB1234"}
    assert (await ex.sb.fetch("/exchange/jj/vehicles", "POST", body))[0].code == 201
    response, _ = await ex.sb.fetch("/identity/people", "POST", {"id_number": WORKER, "name": "欧阳娜娜"})
    assert response.code == 201
    info = await ex.data("/jj/vehicle", {"plate": PLATE})
    assert (info["owner_id_masked"], info["owner_name_masked"]) == ("3301**********0005", "欧***")
    assert (info["registered_on"], info["brand"]) == ("2011-11-26", "丰田牌GTM6480")  # the car is the same
    await ex.sb.fetch("/identity/people", "POST", {"id_number": WORKER, "name": None})  # deregistered: the derived name
    name = derived_name(WORKER)
    assert (await ex.data("/jj/vehicle", {"plate": PLATE}))["owner_name_masked"] == name[0] + "*" * (len(name) - 1)


async def test_vehicle_statuses(ex):
    expected = {STOLEN: "被盗抢", SEIZED: "查封", SCRAP: "达到报废标准", NEV_SMALL: "逾期未检验", LAPSED: "正常"}
    for plate, status in expected.items():
        assert (await ex.data("/jj/vehicle", {"plate": plate}))["status"] == status
    scrap = await ex.data("/jj/vehicle", {"plate": SCRAP})
    assert (scrap["vehicle_type"], scrap["registered_on"]) == ("轻型普通货车", "2008-01-20")
    assert (await ex.data("/jj/vehicle", {"plate": LAPSED}))["insurance_valid_until"] == "2025-08-09"

    statuses = []
    for n in range(60):
        info = await ex.data("/jj/vehicle", {"plate": f"浙B{n:05d}"})
        assert info["status"] in {"正常", "被盗抢", "查封", "逾期未检验", "达到报废标准"}
        if info["status"] == "达到报废标准":
            assert info["vehicle_type"] == "轻型普通货车" and info["registered_on"] <= "2011-03-02"
        statuses.append(info["status"])
    assert statuses.count("正常") >= 40  # mostly 正常

    # The insurance year moves with the clock: a day after it ends, the next one is shown.
    ex.clock.now = dt.datetime(2026, 11, 26, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    assert (await ex.data("/jj/vehicle", {"plate": PLATE}))["insurance_valid_until"] == "2027-11-25"


@pytest.mark.parametrize("plate", ["浙AI2345", "浙A1O345", "浙A1234", "浙A123456", "浙AX12345", "浙a12345", "ZA12345",
                                   "港A12345", " 浙A12345", "浙A12345 ", 12345, None, ["浙A12345"]])
async def test_vehicle_bad_plates(ex, plate):
    body = {} if plate is None else {"plate": plate}
    assert "plate" in await ex.error("/jj/vehicle", body, "40001")


# ---------------------------------------------------------------- 交警: 驾驶人信息


async def test_driver(ex):
    data = await ex.data("/jj/driver", {"licence_no": OVERDUE_LICENCE})
    name = derived_name(OVERDUE_LICENCE)
    assert data == {"licence_no_masked": "3301**********0089", "name_masked": name[0] + "*" * (len(name) - 1),
                    "class": "C1", "status": "逾期未换证", "points": 0, "valid_until": "2025-04-27"}
    assert await ex.data("/jj/driver", {"licence_no": OVERDUE_LICENCE}) == data
    assert (await ex.data("/jj/driver", {"licence_no": WORKER}))["status"] == "吊销"
    cancelled = await ex.data("/jj/driver", {"licence_no": CANCELLED_LICENCE})
    assert (cancelled["status"], cancelled["valid_until"]) == ("注销", "2019-06-07")
    assert (await ex.data("/jj/licence", {"id_number": CANCELLED_LICENCE}))["status"] == "注销"
    for person in (MINOR, RESIDENT):
        assert await ex.error("/jj/driver", {"licence_no": person}, "40401") == "未查询到驾驶人信息"

    # The same class, status, points and validity as /jj/licence; the same people without one.
    holders = 0
    for n in range(40):
        person = with_check_char(f"3301061975{n % 12 + 1:02d}{n % 28 + 1:02d}{n:03d}")
        licence = await ex.query("/jj/licence", {"id_number": person})
        driver = await ex.query("/jj/driver", {"licence_no": person})
        assert (licence["code"], driver["code"]) in {("0", "0"), ("40401", "40401")}
        if driver["code"] == "0":
            holders += 1
            assert set(driver["data"]) == DRIVER_FIELDS and driver["data"]["licence_no_masked"] == masked_id(person)
            for key in ("licence_no_masked", "class", "status", "points", "valid_until"):
                assert driver["data"][key] == licence["data"][key]
            assert driver["data"]["status"] in {"正常", "暂扣", "吊销", "逾期未换证", "注销"}
    assert 20 <= holders <= 38

    # More than a year after it ran out, an unrenewed licence is 注销 in both.
    ex.clock.now = dt.datetime(2026, 4, 28, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    assert (await ex.data("/jj/driver", {"licence_no": OVERDUE_LICENCE}))["status"] == "注销"
    assert (await ex.data("/jj/licence", {"id_number": OVERDUE_LICENCE}))["status"] == "注销"


async def test_driver_name_and_lower_case_x(ex):
    await ex.sb.fetch("/identity/people", "POST", {"id_number": WORKER, "name": "李雷"})
    assert (await ex.data("/jj/driver", {"licence_no": WORKER}))["name_masked"] == "李*"
    holder = with_check_char("11010519491231002")
    assert holder.endswith("X")
    lower, upper = [await ex.query("/jj/driver", {"licence_no": number}) for number in (holder.lower(), holder)]
    assert (lower["code"], lower["data"]) == (upper["code"], upper["data"])


@pytest.mark.parametrize("licence_no", ["330106196503151230", "33010619650315123", "3301061965031512390",
                                        "330106196513011233", with_check_char("33010620270101123"),
                                        330106196503151239, None])
async def test_driver_bad_licence_numbers(ex, licence_no):
    body = {"id_number": WORKER} if licence_no is None else {"licence_no": licence_no}
    assert "licence_no" in await ex.error("/jj/driver", body, "40001")


# ---------------------------------------------------------------- 运管: 道路运输经营许可证


async def test_business(ex):
    data = await ex.data("/ysj/business", {"licence_no": BUSINESS})
    assert data == {"licence_no": BUSINESS, "business_name": "杭州新程货物运输有限公司", "business_scope": "道路普通货物运输",
                    "status": "正常", "valid_until": "2029-06-03", "vehicles": 41, "legal_person_masked": "王*",
                    "address": "杭州市拱墅区上塘路247号"}
    assert await ex.data("/ysj/business", {"licence_no": BUSINESS}) == data
    assert await ex.error("/ysj/business", {"licence_no": UNKNOWN_BUSINESS}, "40401") == "未查询到经营业户信息"
    pinned = {"330105000002": ("暂停", 23), "330105000003": ("吊销", 0), "330105000024": ("注销", 0)}
    for number, (status, vehicles) in pinned.items():
        found = await ex.data("/ysj/business", {"licence_no": number})
        assert (found["status"], found["vehicles"]) == (status, vehicles)
        assert found["address"].startswith("杭州市拱墅区")  # 330105
    assert (await ex.data("/ysj/business", {"licence_no": "330105000024"}))["valid_until"] == "2024-06-28"

    unknown, statuses, scopes = 0, [], set()
    for n in range(100):
        number = f"330106{n * 7919:06d}"
        envelope = await ex.query("/ysj/business", {"licence_no": number})
        if envelope["code"] == "40401":
            unknown += 1
            continue
        found = envelope["data"]
        assert set(found) == BUSINESS_FIELDS and found["licence_no"] == number
        assert re.fullmatch(r"杭州[\u4e00-\u9fff]{2,}(运输|客运)有限公司", found["business_name"])
        passenger = found["business_scope"] in ("道路旅客运输", "网络预约出租汽车客运")
        assert found["business_name"].endswith("客运有限公司") == passenger
        assert re.fullmatch(r"杭州市西湖区[\u4e00-\u9fff0-9]+路\d{1,3}号", found["address"])
        assert re.fullmatch(r"[\u4e00-\u9fff]\*{1,2}", found["legal_person_masked"])
        assert isinstance(found["vehicles"], int) and (found["vehicles"] == 0) == (found["status"] in ("注销", "吊销"))
        if found["status"] in ("正常", "暂停"):
            assert found["valid_until"] >= "2026-03-02"
        statuses.append(found["status"])
        scopes.add(found["business_scope"])
    assert 5 <= unknown <= 28  # about 15 %
    assert set(statuses) <= {"正常", "注销", "吊销", "暂停"} and statuses.count("正常") >= 0.7 * len(statuses)
    assert {"道路普通货物运输", "道路旅客运输", "网络预约出租汽车客运"} <= scopes
    # Outside 杭州's district codes the address is still in 杭州.
    for number in ("110100000042", "330100000042"):
        envelope = await ex.query("/ysj/business", {"licence_no": number})
        assert envelope["code"] == "40401" or envelope["data"]["address"].startswith("杭州市")


@pytest.mark.parametrize("licence_no", ["33010012345", "3301001234567", "33010012345A", " 330100123456",
                                        "３３０１００１２３４５６", "330100-23456", 330100123456, None, ""])
async def test_business_bad_licence_numbers(ex, licence_no):
    body = {} if licence_no is None else {"licence_no": licence_no}
    message = await ex.error("/ysj/business", body, "40001")
    assert "licence_no" in message and "12" in message


# ---------------------------------------------------------------- signature, faults, log, counts


@pytest.mark.parametrize("target", list(LOOKUPS))
async def test_signature_refused(ex, target):
    path, body = LOOKUPS[target]
    for kwargs in ({"secret": "wrong-secret"}, {"app": "nobody"}, {"timestamp": "0"}):
        response, envelope = await ex.raw(path, body, **kwargs)
        assert response.code == 401 and envelope["data"] is None, envelope
        assert envelope["code"] in {"AUTH_FAILED", "TIMESTAMP_EXPIRED"}
    assert (await ex.query(path, body, nonce="lookup-nonce-1"))["code"] == "0"
    response, envelope = await ex.raw(path, body, nonce="lookup-nonce-1")
    assert (response.code, envelope["code"]) == (401, "NONCE_REUSED")
    assert (await ex.calls())[target] == 1  # only the accepted one reached the department


@pytest.mark.parametrize("target", list(LOOKUPS))
async def test_faults_on_each_target(ex, target):
    path, body = LOOKUPS[target]
    await ex.sb.add_fault(target=target, status=503)
    response, envelope = await ex.raw(path, body, app="nobody")  # before the signature check
    assert (response.code, envelope["code"], envelope["data"]) == (503, "50300", None)
    await ex.sb.add_fault(target=target, errcode=50001, errmsg="系统维护中")
    envelope = await ex.query(path, body)
    assert (envelope["code"], envelope["message"], envelope["data"]) == ("50001", "系统维护中", None)
    assert (await ex.query(path, body))["code"] == "0"
    assert (await ex.calls())[target] == 1
    records = await ex.sb.received(target)
    assert [r["fault_id"] is not None for r in records] == [True, True, False]


async def test_department_faults(ex):
    await ex.sb.add_fault(target="exchange.ysj", status=503, times=0)
    response, envelope = await ex.raw("/ysj/business", {"licence_no": BUSINESS})
    assert (response.code, envelope["code"]) == (503, "50300")
    assert (await ex.query("/jj/vehicle", {"plate": PLATE}))["code"] == "0"  # 交警 is up
    assert [r["target"] for r in await ex.sb.received("exchange.ysj")] == ["exchange.ysj.business"]
    await ex.sb.fetch("/faults", "DELETE")
    await ex.sb.fetch("/received", "DELETE")

    await ex.sb.add_fault(target="exchange.jj", status=500, times=2)
    for path, body in (("/jj/vehicle", {"plate": PLATE}), ("/jj/driver", {"licence_no": WORKER})):
        response, envelope = await ex.raw(path, body)
        assert (response.code, envelope["code"]) == (500, "50000")
    assert (await ex.query("/ysj/business", {"licence_no": BUSINESS}))["code"] == "0"
    assert [r["target"] for r in await ex.sb.received("exchange.jj")] == ["exchange.jj.vehicle", "exchange.jj.driver"]


async def test_received_log_masks_personal_data(ex):
    await ex.query("/jj/vehicle", {"plate": PLATE})
    await ex.query("/jj/driver", {"licence_no": WORKER})
    await ex.query("/jj/driver", {"licence_no": "1234567890123"})  # invalid, still masked
    await ex.query("/ysj/business", {"licence_no": BUSINESS})
    vehicle, driver, bad, business = await ex.sb.received()
    assert (vehicle["target"], vehicle["json"], vehicle["status"], vehicle["errcode"]) == (
        "exchange.jj.vehicle", {"plate": PLATE}, 200, "0")
    assert driver["json"] == {"licence_no": "3301**********0005"} and driver["path"] == "/sandbox/exchange/jj/driver"
    assert (bad["json"], bad["errcode"]) == ({"licence_no": "1234*****0123"}, "40001")
    assert (business["target"], business["json"]) == ("exchange.ysj.business", {"licence_no": BUSINESS})
    dump = json.dumps(await ex.sb.received(), ensure_ascii=False)
    assert WORKER not in dump and SECRET not in dump


async def test_calls_counter_and_targets(ex):
    assert set(exchange_lookup.ENDPOINT_TARGETS) <= set(exchange.ENDPOINT_TARGETS)
    assert set(exchange_lookup.TARGETS) <= set(exchange.TARGETS) and "exchange.ysj" in exchange.TARGETS
    response, payload = await ex.sb.fetch("/faults")
    assert {*LOOKUPS, "exchange.ysj"} <= set(payload["targets"])

    calls = await ex.calls()
    assert calls == dict.fromkeys(exchange.ENDPOINT_TARGETS, 0) and set(LOOKUPS) <= set(calls)
    await ex.query("/jj/vehicle", {"plate": PLATE})
    await ex.query("/jj/vehicle", {"plate": "bad"})  # 40001 reached the department too
    await ex.query("/jj/driver", {"licence_no": RESIDENT})  # and so did 40401
    await ex.query("/ysj/business", {"licence_no": UNKNOWN_BUSINESS})
    await ex.query("/ysj/business", {"licence_no": BUSINESS})
    assert await ex.calls() == {**dict.fromkeys(exchange.ENDPOINT_TARGETS, 0), "exchange.jj.vehicle": 2,
                                "exchange.jj.driver": 1, "exchange.ysj.business": 2}
    response, payload = await ex.sb.fetch("/exchange/calls", "DELETE")
    assert (response.code, payload) == (200, {"deleted": 5})
    assert set((await ex.calls()).values()) == {0}

    # Unknown 运管 paths answer the exchange's 404 envelope.
    response, envelope = await ex.sb.fetch("/exchange/ysj/unknown", "POST", b"{}")
    assert (response.code, envelope["code"], envelope["data"]) == (404, "40400", None)
