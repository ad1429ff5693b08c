"""The data-sharing exchange (人社 and 交警 behind signed requests), over real HTTP."""

import datetime as dt
import json
import re
import time
from urllib.parse import quote

import pytest
import pytest_asyncio
from sandbox_testkit import EXCHANGE_APP as APP
from sandbox_testkit import EXCHANGE_SECRET as SECRET
from sandbox_testkit import PREFIX, START, Exchange, sign
from tornado.httpclient import HTTPClientError

from sandbox.exchange import ENDPOINT_TARGETS, signed_headers
from sandbox.identity import derived_name
from sandbox.state import SandboxState

pytestmark = pytest.mark.asyncio

OTHER_APP, OTHER_SECRET = "other-app", "exchange-secret-0002"

# Pinned people (derived data; see sandbox.exchange_data). The sandbox clock is 2026-03-02.
RETIREE = "330106196503151239"  # employee, born 1965: retired in 2025-03, pension 3599.84
RESIDENT = "440304199001011233"  # 城乡居民 only, no licence
WORKER = "330106198001010005"  # employee since 1998-10, holds a (revoked) C1 licence
OWING = "330106198401010047"  # employee with one 欠缴 month in 2025
MINOR = "33010620100101123X"
OVERDUE_LICENCE = "330106198801010089"  # licence not renewed since 2025-04-27
PLATE = "浙A12345"
NEV_SMALL, NEV_LARGE = "浙AD12345", "浙A12345D"

BAD_IDS = [
    "330106196503151230",  # wrong check character
    "33010619650315123",  # 17 characters
    "3301061965031512390",  # 19 characters
    "330106196513011233",  # month 13 (the check character is right)
    330106196503151239,  # not a string
    None,
]


@pytest_asyncio.fixture
async def ex(make_sandbox):
    return Exchange(await make_sandbox(exchange_apps={APP: SECRET, OTHER_APP: OTHER_SECRET}))


# ---------------------------------------------------------------- signature


async def test_signature_recipe_and_helper(ex):
    raw = json.dumps({"id_number": RETIREE}).encode()
    path = PREFIX + "/exchange/rsj/card"
    headers = signed_headers(APP, SECRET, path, raw, now=ex.clock.now, nonce="nonce-0001")
    assert headers["X-Timestamp"] == str(int(START * 1000))
    assert headers["X-Signature"] == sign(SECRET, APP, headers["X-Timestamp"], "nonce-0001", "POST", path, raw)
    assert re.fullmatch(r"[0-9a-f]{64}", headers["X-Signature"])
    response, envelope = await ex.raw("/rsj/card", raw, headers=headers)
    assert (response.code, envelope["code"]) == (200, "0")
    # Another app signs with its own secret.
    assert (await ex.query("/rsj/card", {"id_number": RETIREE}, app=OTHER_APP, secret=OTHER_SECRET))["code"] == "0"
    # A timestamp within 300 s either way is fine.
    for skew in (-299_000, 299_000):
        envelope = await ex.query("/rsj/card", {"id_number": RETIREE}, timestamp=str(int(START * 1000) + skew))
        assert envelope["code"] == "0"


async def refused(ex, path="/rsj/card", body=None, headers=None, **sign_kwargs):
    response, envelope = await ex.raw(path, {"id_number": RETIREE} if body is None else body, headers, **sign_kwargs)
    assert response.code == 401, envelope
    assert envelope["data"] is None and len(envelope["request_id"]) == 32
    return envelope["code"], envelope["message"]


async def test_refusals(ex):
    raw = json.dumps({"id_number": RETIREE}).encode()
    good = ex.headers("/rsj/card", raw)
    for name in ("X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature"):
        code, message = await refused(ex, body=raw, headers={k: v for k, v in good.items() if k != name})
        assert code == "AUTH_FAILED" and name in message
    assert (await refused(ex, app="nobody"))[0] == "AUTH_FAILED"  # unknown app
    assert (await refused(ex, secret="wrong-secret"))[0] == "AUTH_FAILED"
    assert (await refused(ex, app=OTHER_APP))[0] == "AUTH_FAILED"  # another app's secret
    assert (await refused(ex, nonce="short"))[0] == "AUTH_FAILED"
    assert (await refused(ex, nonce="bad nonce!"))[0] == "AUTH_FAILED"
    assert (await refused(ex, timestamp="17e11"))[0] == "AUTH_FAILED"

    # The signature covers the body, the path (prefix included) and the method.
    tampered = json.dumps({"id_number": RESIDENT}).encode()
    assert (await refused(ex, body=tampered, headers=good))[0] == "AUTH_FAILED"
    assert (await refused(ex, "/rsj/pension", body=raw, headers=good))[0] == "AUTH_FAILED"
    no_prefix = {**good, "X-Signature": sign(SECRET, APP, good["X-Timestamp"], good["X-Nonce"], "POST",
                                             "/exchange/rsj/card", raw)}
    assert (await refused(ex, body=raw, headers=no_prefix))[0] == "AUTH_FAILED"
    upper = {**good, "X-Signature": good["X-Signature"].upper()}
    assert (await refused(ex, body=raw, headers=upper))[0] == "AUTH_FAILED"

    # None of that used the nonce or reached the department.
    response, envelope = await ex.raw("/rsj/card", raw, headers=good)
    assert (response.code, envelope["code"]) == (200, "0")
    assert (await ex.calls())["exchange.rsj.card"] == 1
    [accepted] = [r for r in await ex.sb.received("exchange.rsj.card") if r["status"] == 200]
    assert accepted["errcode"] == "0"
    assert {r["errcode"] for r in await ex.sb.received("exchange.rsj.card") if r["status"] == 401} == {"AUTH_FAILED"}


async def test_expired_timestamp(ex):
    now_ms = int(START * 1000)
    for timestamp in (now_ms - 301_000, now_ms + 301_000, 0):
        code, message = await refused(ex, timestamp=str(timestamp))
        assert (code, message) == ("TIMESTAMP_EXPIRED", "请求时间戳已过期")
    # Judged by the sandbox clock, not the real one.
    ex.clock.advance(3600)
    assert (await refused(ex, timestamp=str(now_ms)))[0] == "TIMESTAMP_EXPIRED"
    assert (await ex.query("/rsj/card", {"id_number": RETIREE}))["code"] == "0"
    assert (await ex.calls())["exchange.rsj.card"] == 1


async def test_reused_nonce(ex):
    assert (await ex.query("/rsj/card", {"id_number": RETIREE}, nonce="nonce-42-abc"))["code"] == "0"
    # The same nonce again, even freshly signed and for another endpoint: refused.
    assert await refused(ex, nonce="nonce-42-abc") == ("NONCE_REUSED", "请求随机串已使用")
    assert (await refused(ex, "/jj/licence", nonce="nonce-42-abc"))[0] == "NONCE_REUSED"
    # Nonces are per app.
    envelope = await ex.query("/rsj/card", {"id_number": RETIREE}, nonce="nonce-42-abc", app=OTHER_APP, secret=OTHER_SECRET)
    assert envelope["code"] == "0"
    ex.clock.advance(299)
    assert (await refused(ex, nonce="nonce-42-abc"))[0] == "NONCE_REUSED"
    ex.clock.advance(2)  # 301 s after first use
    assert (await ex.query("/rsj/card", {"id_number": RETIREE}, nonce="nonce-42-abc"))["code"] == "0"
    assert (await ex.calls())["exchange.rsj.card"] == 3


async def test_no_apps_configured(make_sandbox):
    ex = Exchange(await make_sandbox())
    assert (await refused(ex))[0] == "AUTH_FAILED"


# ---------------------------------------------------------------- 人社


async def test_insured(ex):
    retiree = await ex.data("/rsj/insured", {"id_number": RETIREE})
    assert set(retiree) == {"name", "id_number_masked", "insured", "city"}
    assert retiree["name"] == derived_name(RETIREE) and retiree["id_number_masked"] == "3301**********1239"
    assert retiree["city"] == "杭州市"
    kinds = [entry["type"] for entry in retiree["insured"]]
    assert kinds == ["企业职工基本养老保险", "城镇职工基本医疗保险", "失业保险", "工伤保险", "生育保险"]
    for entry in retiree["insured"]:
        assert set(entry) == {"type", "status", "since", "unit"}
        assert re.fullmatch(r"\d{4}-\d{2}", entry["since"])
        assert entry["unit"].startswith("杭州") and entry["unit"].endswith("有限公司")
    assert {e["type"]: e["status"] for e in retiree["insured"]}["企业职工基本养老保险"] == "终止参保"

    worker = await ex.data("/rsj/insured", {"id_number": WORKER})
    assert {e["status"] for e in worker["insured"]} == {"参保缴费"} and worker["insured"][0]["since"] == "1998-10"

    resident = await ex.data("/rsj/insured", {"id_number": RESIDENT})
    assert resident["insured"] == [{"type": "城乡居民基本养老保险", "status": "参保缴费", "since": "2011-11", "unit": None}]

    assert await ex.error("/rsj/insured", {"id_number": MINOR}, "40401") == "未查询到参保信息"

    # The name is the population register's.
    response, _ = await ex.sb.fetch("/identity/people", "POST", {"id_number": WORKER, "name": "李雷"})
    assert response.code == 201
    assert (await ex.data("/rsj/insured", {"id_number": WORKER}))["name"] == "李雷"


async def test_contributions(ex):
    data = await ex.data("/rsj/contributions", {"id_number": WORKER, "year": 2025})
    assert set(data) == {"year", "records", "total_personal", "total_unit", "months_paid"}
    assert data["year"] == 2025 and data["months_paid"] == 12 and len(data["records"]) == 36
    months = sorted({r["month"] for r in data["records"]})
    assert months == [f"2025-{m:02d}" for m in range(1, 13)]
    rates = {"养老": ("0.08", "0.16"), "医疗": ("0.02", "0.095"), "失业": ("0.005", "0.005")}
    from decimal import ROUND_HALF_UP, Decimal

    for record in data["records"]:
        assert set(record) == {"month", "type", "base", "personal", "unit", "status"}
        assert record["status"] == "已到账"
        for key in ("base", "personal", "unit"):
            assert re.fullmatch(r"\d+\.\d{2}", record[key])
        personal_rate, unit_rate = rates[record["type"]]
        base = Decimal(record["base"])
        assert Decimal(record["personal"]) == (base * Decimal(personal_rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(record["unit"]) == (base * Decimal(unit_rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert Decimal(data["total_personal"]) == sum(Decimal(r["personal"]) for r in data["records"])
    assert Decimal(data["total_unit"]) == sum(Decimal(r["unit"]) for r in data["records"])

    # Determinism: the same question, the same answer; other years and people differ.
    assert await ex.data("/rsj/contributions", {"id_number": WORKER, "year": 2025}) == data
    assert (await ex.data("/rsj/contributions", {"id_number": WORKER, "year": 2024}))["records"] != data["records"]
    assert (await ex.data("/rsj/contributions", {"id_number": OWING, "year": 2025}))["records"] != data["records"]

    # This year: up to last month. Before work started (1998-10), and 城乡居民: nothing.
    this_year = await ex.data("/rsj/contributions", {"id_number": WORKER, "year": 2026})
    assert sorted({r["month"] for r in this_year["records"]}) == ["2026-01", "2026-02"]
    assert len((await ex.data("/rsj/contributions", {"id_number": WORKER, "year": 1998}))["records"]) == 9
    empty = {"records": [], "total_personal": "0.00", "total_unit": "0.00", "months_paid": 0}
    for person, year in ((WORKER, 1997), (WORKER, 1995), (RESIDENT, 2025), (MINOR, 2025)):
        assert await ex.data("/rsj/contributions", {"id_number": person, "year": year}) == {"year": year, **empty}
    # A retiree's stop at retirement (2025-03).
    retiree = await ex.data("/rsj/contributions", {"id_number": RETIREE, "year": 2025})
    assert sorted({r["month"] for r in retiree["records"]}) == ["2025-01", "2025-02"]

    # 欠缴 months are listed but not paid.
    owing = await ex.data("/rsj/contributions", {"id_number": OWING, "year": 2025})
    unpaid = {r["month"] for r in owing["records"] if r["status"] == "欠缴"}
    assert len(unpaid) == 1 and owing["months_paid"] == 11
    assert Decimal(owing["total_personal"]) == sum(Decimal(r["personal"]) for r in owing["records"] if r["status"] == "已到账")


@pytest.mark.parametrize("year", [1994, 2027, "2025", 2025.0, True, None])
async def test_contributions_bad_year(ex, year):
    body = {"id_number": WORKER} if year is None else {"id_number": WORKER, "year": year}
    message = await ex.error("/rsj/contributions", body, "40001")
    assert "year" in message and "1995" in message and "2026" in message


async def test_contributions_of_one_insurance_type(ex):
    every = await ex.data("/rsj/contributions", {"id_number": OWING, "year": 2025})
    for code, kind in (("110", "养老"), ("210", "失业"), ("310", "医疗")):
        one = await ex.data("/rsj/contributions", {"id_number": OWING, "year": 2025, "insurance_type": code})
        assert one["records"] == [r for r in every["records"] if r["type"] == kind] and one["records"]
        assert one["months_paid"] == every["months_paid"] == 11
        paid = [r for r in one["records"] if r["status"] == "已到账"]
        assert one["total_personal"] == f"{sum(float(r['personal']) for r in paid):.2f}"
    for code in ("410", "510", 110, "", "pension"):  # 工伤 and 生育 are not in this record
        message = await ex.error("/rsj/contributions", {"id_number": OWING, "year": 2025, "insurance_type": code},
                                 "40001")
        assert "insurance_type" in message


async def test_contributions_over_a_range_of_years(ex):
    years = [await ex.data("/rsj/contributions", {"id_number": WORKER, "year": y}) for y in (2023, 2024, 2025)]
    data = await ex.data("/rsj/contributions", {"id_number": WORKER, "start_year": 2023, "end_year": 2025})
    assert set(data) == {"start_year", "end_year", "records", "total_personal", "total_unit", "months_paid"}
    assert (data["start_year"], data["end_year"]) == (2023, 2025)
    assert data["records"] == [r for y in years for r in y["records"]]
    assert data["months_paid"] == sum(y["months_paid"] for y in years) == 36
    assert data["total_unit"] == f"{sum(float(y['total_unit']) for y in years):.2f}"
    pension_only = await ex.data("/rsj/contributions", {"id_number": WORKER, "start_year": 2023, "end_year": 2025,
                                                        "insurance_type": "110"})
    assert pension_only["records"] == [r for r in data["records"] if r["type"] == "养老"]
    # Without a start: from the first insured year (1998), ten years at most.
    assert (await ex.data("/rsj/contributions", {"id_number": WORKER, "end_year": 2000}))["start_year"] == 1998
    assert (await ex.data("/rsj/contributions", {"id_number": WORKER, "end_year": 2025}))["start_year"] == 2016
    # Ten years at most, in order, not before the first insured year, not in the future.
    for body, word in (({"start_year": 2015, "end_year": 2025}, "10"), ({"start_year": 2025, "end_year": 2024}, "start_year"),
                       ({"start_year": 1997, "end_year": 2000}, "1998"), ({"start_year": 2020, "end_year": 2027}, "end_year"),
                       ({"start_year": 2020}, "end_year"), ({"year": 2020, "end_year": 2021}, "year"),
                       ({"start_year": "2020", "end_year": 2021}, "start_year")):
        message = await ex.error("/rsj/contributions", {"id_number": WORKER, **body}, "40001")
        assert word in message, (body, message)
    assert (await ex.data("/rsj/contributions", {"id_number": WORKER, "start_year": 1998, "end_year": 2007}))[
        "months_paid"] == 3 + 9 * 12


async def test_pension_of_a_year(ex):
    data = await ex.data("/rsj/pension", {"id_number": RETIREE, "year": 2025})
    assert [p["month"] for p in data["payments"]] == [f"2025-{m:02d}" for m in range(12, 2, -1)]  # from 2025-03
    this_year = await ex.data("/rsj/pension", {"id_number": RETIREE, "year": 2026})
    assert [p["month"] for p in this_year["payments"]] == ["2026-02", "2026-01"]
    assert await ex.error("/rsj/pension", {"id_number": RETIREE, "year": 2024}, "40401") == "2024 年无养老金发放记录"
    for year in (1994, 2027, "2025", True):
        assert "year" in await ex.error("/rsj/pension", {"id_number": RETIREE, "year": year}, "40001")
    assert await ex.error("/rsj/pension", {"id_number": WORKER, "year": 2025}, "40401") == "未查询到养老金发放记录"


async def test_pension(ex):
    data = await ex.data("/rsj/pension", {"id_number": RETIREE})
    assert set(data) == {"retired", "monthly", "bank", "account_masked", "payments"}
    assert data["retired"] is True and data["monthly"] == "3599.84"
    assert data["bank"] == "中国建设银行" and re.fullmatch(r"\d{4}\*{4}\d{4}", data["account_masked"])
    assert [p["month"] for p in data["payments"]] == [f"2026-{m:02d}" for m in (2, 1)] + [
        f"2025-{m:02d}" for m in range(12, 2, -1)
    ]
    assert all(p["amount"] == "3599.84" and p["paid_on"] == p["month"] + "-12" for p in data["payments"])
    assert await ex.data("/rsj/pension", {"id_number": RETIREE}) == data

    # After pay day in March, March is paid too.
    ex.clock.advance(10 * 86400)
    payments = (await ex.data("/rsj/pension", {"id_number": RETIREE}))["payments"]
    assert payments[0] == {"month": "2026-03", "amount": "3599.84", "paid_on": "2026-03-12"} and len(payments) == 12

    for person in (WORKER, RESIDENT, MINOR):
        assert await ex.error("/rsj/pension", {"id_number": person}, "40401") == "未查询到养老金发放记录"
    # A retired 城乡居民 gets a small pension.
    small = await ex.data("/rsj/pension", {"id_number": "11010519491231002X"})
    assert 100 < float(small["monthly"]) < 700


async def test_card(ex):
    data = await ex.data("/rsj/card", {"id_number": RETIREE})
    assert data == {"card_no_masked": "C0*****93", "status": "正常", "bank": "中国建设银行", "issued_on": "2022-04-21",
                    "generation": "第三代"}
    cards = [await ex.data("/rsj/card", {"id_number": person}) for person in (WORKER, RESIDENT, MINOR, OWING)]
    assert len({c["card_no_masked"] for c in cards}) == 4
    for card in cards:
        assert card["status"] in {"正常", "挂失", "制卡中", "注销"}
        assert (card["issued_on"] is None) == (card["status"] == "制卡中")


@pytest.mark.parametrize("path", ["/rsj/insured", "/rsj/contributions", "/rsj/pension", "/rsj/card", "/jj/licence"])
@pytest.mark.parametrize("id_number", BAD_IDS)
async def test_bad_id_numbers(ex, path, id_number):
    body = {"year": 2025} if id_number is None else {"id_number": id_number, "year": 2025}
    message = await ex.error(path, body, "40001")
    assert "id_number" in message


async def test_lower_case_x_and_future_birth(ex):
    assert (await ex.data("/rsj/card", {"id_number": MINOR.lower()})) == await ex.data("/rsj/card", {"id_number": MINOR})
    from sandbox.identity import with_check_char

    unborn = with_check_char("33010620270101123")
    assert "id_number" in await ex.error("/rsj/card", {"id_number": unborn}, "40001")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b'"id"'])
async def test_body_not_an_object(ex, body):
    assert "JSON" in await ex.error("/rsj/card", body, "40001")


# ---------------------------------------------------------------- 交警


async def test_vehicle_register(ex):
    vehicle = await ex.vehicle(PLATE)
    assert vehicle == {"plate": PLATE, "owner_id_number": "330110197712100648", "engine_tail": "259130",
                       "vehicle_type": "小型普通客车", "registered_on": "2011-11-26"}
    small, large = await ex.vehicle(NEV_SMALL), await ex.vehicle(NEV_LARGE)
    assert (small["vehicle_type"], large["vehicle_type"]) == ("小型新能源汽车", "大型新能源汽车")
    owners = set()
    for plate in (PLATE, NEV_SMALL, NEV_LARGE, "京B8H2K9", "沪C00001", "粤B0A1Z9"):
        entry = await ex.vehicle(plate)
        assert entry == await ex.vehicle(plate)
        owner = entry["owner_id_number"]
        # A valid 身份证号 with the plate's province and a plausible birth date.
        assert (await ex.sb.fetch(f"/identity/people/{owner}"))[0].code == 200
        assert owner[:2] == {"浙": "33", "京": "11", "沪": "31", "粤": "44"}[plate[0]]
        assert 1956 <= int(owner[6:10]) <= 2004
        assert re.fullmatch(r"[0-9A-Z]{6}", entry["engine_tail"])
        owners.add(owner)
    assert len(owners) == 6

    response, payload = await ex.sb.fetch(f"/exchange/jj/vehicles/{quote('浙AI2345')}")
    assert response.code == 404 and "error" in payload
    # A client that does not percent-encode the path is understood too.
    assert (await ex.sb.fetch(f"/exchange/jj/vehicles/{PLATE}"))[1] == vehicle

    # Register a specific owner and engine tail.
    body = {"plate": PLATE, "owner_id_number": WORKER, "engine_tail": "AB1234"}
    response, payload = await ex.sb.fetch("/exchange/jj/vehicles", "POST", body)
    assert response.code == 201
    assert payload == {**vehicle, "owner_id_number": WORKER, "engine_tail": "AB1234"}
    assert await ex.vehicle(PLATE) == payload
    check = {"plate": PLATE, "engine_tail": "AB1234", "id_number": WORKER}
    assert await ex.data("/jj/vehicle-check", check) == {"match": True}
    assert await ex.error("/jj/vehicle-check", {**check, "engine_tail": "259130"}, "40301")

    for bad in ({**body, "plate": "浙A1234"}, {**body, "owner_id_number": "330106198001010006"},
                {**body, "engine_tail": "ab1234"}, {**body, "engine_tail": "12345"}):
        response, payload = await ex.sb.fetch("/exchange/jj/vehicles", "POST", bad)
        assert response.code == 400 and "error" in payload

    # DELETE goes back to the derived entry; so does reset.
    response, payload = await ex.sb.fetch(f"/exchange/jj/vehicles/{quote(PLATE)}", "DELETE")
    assert (response.code, payload) == (200, vehicle)
    assert (await ex.sb.fetch(f"/exchange/jj/vehicles/{quote(PLATE)}", "DELETE"))[0].code == 404
    await ex.sb.fetch("/exchange/jj/vehicles", "POST", body)
    ex.state.reset()
    assert await ex.vehicle(PLATE) == vehicle
    # The control plane is neither recorded nor counted.
    assert await ex.sb.received() == [] and set((await ex.calls()).values()) == {0}


async def test_vehicle_check(ex):
    vehicle = await ex.vehicle(PLATE)
    body = {"plate": PLATE, "engine_tail": vehicle["engine_tail"], "id_number": vehicle["owner_id_number"]}
    assert await ex.data("/jj/vehicle-check", body) == {"match": True}
    assert await ex.data("/jj/vehicle-check", {**body, "id_number": WORKER}) == {"match": False}
    message = await ex.error("/jj/vehicle-check", {**body, "engine_tail": "000000"}, "40301")
    assert "发动机" in message
    for plate in (NEV_SMALL, NEV_LARGE):
        entry = await ex.vehicle(plate)
        body = {"plate": plate, "engine_tail": entry["engine_tail"], "id_number": entry["owner_id_number"]}
        assert await ex.data("/jj/vehicle-check", body) == {"match": True}
    assert "id_number" in await ex.error("/jj/vehicle-check", {**body, "id_number": "123"}, "40001")


@pytest.mark.parametrize("path", ["/jj/vehicle-check", "/jj/violations", "/jj/inspection"])
@pytest.mark.parametrize(
    "plate, tail, field",
    [
        ("浙AI2345", "259130", "plate"),  # I is not used
        ("浙A1O345", "259130", "plate"),  # nor O
        ("浙A1234", "259130", "plate"),  # 6 characters
        ("浙A123456", "259130", "plate"),  # 8, not new-energy
        ("浙AX12345", "259130", "plate"),
        ("浙a12345", "259130", "plate"),
        ("ZA12345", "259130", "plate"),
        ("港A12345", "259130", "plate"),
        (" 浙A12345", "259130", "plate"),
        (12345, "259130", "plate"),
        (None, "259130", "plate"),
        (PLATE, "25913", "engine_tail"),
        (PLATE, "2591300", "engine_tail"),
        (PLATE, "abcdef", "engine_tail"),
        (PLATE, 259130, "engine_tail"),
        (PLATE, None, "engine_tail"),
    ],
)
async def test_bad_plates_and_tails(ex, path, plate, tail, field):
    body = {"id_number": WORKER}
    if plate is not None:
        body["plate"] = plate
    if tail is not None:
        body["engine_tail"] = tail
    assert field in await ex.error(path, body, "40001")


async def test_violations(ex):
    vehicle = await ex.vehicle(NEV_SMALL)
    data = await ex.data("/jj/violations", {"plate": NEV_SMALL, "engine_tail": vehicle["engine_tail"]})
    assert set(data) == {"plate", "violations", "unhandled", "points_total"} and data["plate"] == NEV_SMALL
    assert len(data["violations"]) == 3
    assert data["violations"][0] == {"time": "2025-01-16 21:18", "place": "上城区解放路延安路口",
                                     "act": "机动车违反规定停放、临时停车", "code": "1039", "points": 0, "fine": "150",
                                     "status": "已处理"}
    assert await ex.data("/jj/violations", {"plate": NEV_SMALL, "engine_tail": vehicle["engine_tail"]}) == data

    seen = []
    for plate in ("浙A12345", "浙B6G7H8", "浙C00088", "苏E8K3M2", "浙A7D8F9", "浙AF88888", "沪AD99999", "京N5P6Q7"):
        entry = await ex.vehicle(plate)
        result = await ex.data("/jj/violations", {"plate": plate, "engine_tail": entry["engine_tail"]})
        records = result["violations"]
        assert 0 <= len(records) <= 5
        times = [r["time"] for r in records]
        assert times == sorted(times, reverse=True)
        for r in records:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", r["time"]) and r["time"] < "2026-03-02 10:00"
            assert re.fullmatch(r"\d{4,5}", r["code"]) and r["points"] in {0, 1, 3, 6, 9, 12}
            assert r["status"] in {"未处理", "已处理"} and r["fine"].isdigit() and r["act"] and r["place"]
        assert result["unhandled"] == sum(r["status"] == "未处理" for r in records)
        assert result["points_total"] == sum(r["points"] for r in records)
        seen.append(json.dumps(records, ensure_ascii=False))
    assert len(set(seen)) >= 6  # plates differ (a few may have none)

    assert await ex.error("/jj/violations", {"plate": NEV_SMALL, "engine_tail": "000000"}, "40301")


async def test_plate_type_must_be_the_registers(ex):
    for plate, kind in ((PLATE, "02"), (NEV_SMALL, "52"), (NEV_LARGE, "51")):
        tail = (await ex.vehicle(plate))["engine_tail"]
        for path in ("/jj/violations", "/jj/inspection"):
            assert (await ex.data(path, {"plate": plate, "engine_tail": tail, "plate_type": kind}))["plate"] == plate
            for other in {"01", "02", "51", "52"} - {kind}:  # the same refusal as a wrong engine number
                message = await ex.error(path, {"plate": plate, "engine_tail": tail, "plate_type": other}, "40301")
                assert message == await ex.error(path, {"plate": plate, "engine_tail": "000000"}, "40301")
            for bad in ("03", 2, ""):
                assert "plate_type" in await ex.error(path, {"plate": plate, "engine_tail": tail, "plate_type": bad},
                                                      "40001")


async def test_licence(ex):
    data = await ex.data("/jj/licence", {"id_number": OVERDUE_LICENCE})
    assert data == {"licence_no_masked": "3301**********0089", "class": "C1", "status": "逾期未换证", "points": 0,
                    "cycle_end": "2026-04-26", "valid_until": "2025-04-27", "first_issued": "2019-04-27"}
    assert (await ex.data("/jj/licence", {"id_number": WORKER}))["status"] == "吊销"
    for person in (MINOR, RESIDENT):
        assert await ex.error("/jj/licence", {"id_number": person}, "40401") == "未查询到驾驶证信息"

    from sandbox.identity import with_check_char

    holders = 0
    for n in range(40):
        person = with_check_char(f"3301061975{n % 12 + 1:02d}{n % 28 + 1:02d}{n:03d}")
        envelope = await ex.query("/jj/licence", {"id_number": person})
        if envelope["code"] == "40401":
            continue
        holders += 1
        licence = envelope["data"]
        assert licence["class"] in {"C1", "C2", "B2", "A1", "A2", "B1", "D", "C1E"}
        assert licence["status"] in {"正常", "暂扣", "吊销", "逾期未换证", "注销"} and 0 <= licence["points"] <= 12
        assert "2026-03-02" <= licence["cycle_end"] < "2027-03-02"
        assert licence["first_issued"] >= "1993-01-01" and licence["licence_no_masked"] == person[:4] + "*" * 10 + person[-4:]
    assert 20 <= holders <= 38  # about 80 % of adults


async def test_inspection(ex):
    plates = {}
    for plate in (PLATE, NEV_SMALL, NEV_LARGE, "沪C00001", "浙B6G7H8", "浙C00088", "京N5P6Q7"):
        entry = await ex.vehicle(plate)
        data = await ex.data("/jj/inspection", {"plate": plate, "engine_tail": entry["engine_tail"]})
        assert set(data) == {"plate", "valid_until", "status", "next_window_from"} and data["plate"] == plate
        valid_until = dt.date.fromisoformat(data["valid_until"])
        window = dt.date.fromisoformat(data["next_window_from"])
        today = dt.date(2026, 3, 2)
        assert window.day == 1 and (valid_until.year - window.year) * 12 + valid_until.month - window.month == 2
        expected = "逾期未检验" if valid_until < today else "即将到期" if today >= window else "正常"
        assert data["status"] == expected
        plates[plate] = data
    assert plates[PLATE] == {"plate": PLATE, "valid_until": "2026-11-30", "status": "正常",
                             "next_window_from": "2026-09-01"}
    assert plates[NEV_SMALL]["status"] == "逾期未检验"

    # The status moves with the sandbox clock: three months before, the window opens.
    body = {"plate": PLATE, "engine_tail": "259130"}
    ex.clock.now = dt.datetime(2026, 9, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    assert (await ex.data("/jj/inspection", body))["status"] == "即将到期"
    ex.clock.now = dt.datetime(2026, 12, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    # Registered 2011-11: after 15 years, every six months.
    assert (await ex.data("/jj/inspection", body))["valid_until"] == "2027-05-31"

    assert await ex.error("/jj/inspection", {**body, "engine_tail": "259131"}, "40301")


# ---------------------------------------------------------------- faults, log, counts


async def test_status_faults(ex):
    await ex.sb.add_fault(target="exchange.rsj.pension", status=503)
    response, envelope = await ex.raw("/rsj/pension", {"id_number": RETIREE})
    assert response.code == 503
    assert (envelope["code"], envelope["data"]) == ("50300", None) and len(envelope["request_id"]) == 32
    assert (await ex.query("/rsj/pension", {"id_number": RETIREE}))["code"] == "0"

    await ex.sb.add_fault(target="exchange.jj.licence", status=500, times=2)
    for _ in range(2):
        response, envelope = await ex.raw("/jj/licence", {"id_number": WORKER})
        assert (response.code, envelope["code"]) == (500, "50000")
    assert (await ex.query("/jj/licence", {"id_number": WORKER}))["code"] == "0"

    # A fault comes before the signature check; a faulted call is not counted.
    await ex.sb.add_fault(target="exchange.rsj.card", status=503)
    response, envelope = await ex.raw("/rsj/card", {"id_number": RETIREE}, app="nobody")
    assert (response.code, envelope["code"]) == (503, "50300")
    assert await ex.calls() == {**dict.fromkeys(ENDPOINT_TARGETS, 0), "exchange.rsj.pension": 1,
                                "exchange.jj.licence": 1}


async def test_department_fault(ex):
    await ex.sb.add_fault(target="exchange.jj", status=503, times=0)
    entry = await ex.vehicle(PLATE)
    for path, body in (("/jj/licence", {"id_number": WORKER}),
                       ("/jj/violations", {"plate": PLATE, "engine_tail": entry["engine_tail"]})):
        response, envelope = await ex.raw(path, body)
        assert (response.code, envelope["code"]) == (503, "50300")
    assert (await ex.query("/rsj/card", {"id_number": WORKER}))["code"] == "0"
    assert [r["target"] for r in await ex.sb.received("exchange.jj")] == ["exchange.jj.licence", "exchange.jj.violations"]


async def test_errcode_latency_drop_faults(ex):
    await ex.sb.add_fault(target="exchange.rsj.insured", errcode=50001, errmsg="人社系统维护中")
    envelope = await ex.query("/rsj/insured", {"id_number": WORKER})
    assert (envelope["code"], envelope["message"], envelope["data"]) == ("50001", "人社系统维护中", None)

    await ex.sb.add_fault(target="exchange.jj.vehicle_check", latency_ms=200)
    entry = await ex.vehicle(PLATE)
    body = {"plate": PLATE, "engine_tail": entry["engine_tail"], "id_number": entry["owner_id_number"]}
    started = time.monotonic()
    assert await ex.data("/jj/vehicle-check", body) == {"match": True}
    assert time.monotonic() - started >= 0.2

    await ex.sb.add_fault(target="exchange.jj.inspection", drop=True)
    with pytest.raises(HTTPClientError):
        await ex.raw("/jj/inspection", {"plate": PLATE, "engine_tail": entry["engine_tail"]})
    assert (await ex.query("/jj/inspection", {"plate": PLATE, "engine_tail": entry["engine_tail"]}))["code"] == "0"
    dropped, normal = await ex.sb.received("exchange.jj.inspection")
    assert dropped["fault_id"] is not None and dropped["status"] is None
    assert (normal["status"], normal["errcode"]) == (200, "0")
    calls = await ex.calls()
    assert (calls["exchange.rsj.insured"], calls["exchange.jj.vehicle_check"], calls["exchange.jj.inspection"]) == (0, 1, 1)


async def test_probability_fault(ex):
    await ex.sb.add_fault(target="exchange.rsj.card", status=503, times=0, probability=0.5)
    codes = []
    for _ in range(40):
        response, _ = await ex.raw("/rsj/card", {"id_number": WORKER})
        codes.append(response.code)
    assert set(codes) == {200, 503}
    assert (await ex.calls())["exchange.rsj.card"] == codes.count(200)


async def test_received_log_masks_personal_data(ex):
    entry = await ex.vehicle(PLATE)
    await ex.query("/rsj/contributions", {"id_number": WORKER, "year": 2025})
    await ex.query("/jj/vehicle-check", {"plate": PLATE, "engine_tail": entry["engine_tail"], "id_number": WORKER})
    await ex.query("/rsj/card", {"id_number": "1234567890123"})  # invalid, still masked
    await ex.query("/rsj/card", {"id_number": ["x"]})
    contributions, check, bad, odd = await ex.sb.received()
    assert contributions["json"] == {"id_number": "3301**********0005", "year": 2025}
    assert contributions["path"] == "/sandbox/exchange/rsj/contributions"
    assert (contributions["target"], contributions["status"], contributions["errcode"]) == (
        "exchange.rsj.contributions", 200, "0")
    assert check["json"] == {"plate": PLATE, "engine_tail": "***", "id_number": "3301**********0005"}
    assert (bad["json"], bad["errcode"]) == ({"id_number": "1234*****0123"}, "40001")
    assert odd["json"] == {"id_number": "***"}
    dump = json.dumps(await ex.sb.received(), ensure_ascii=False)
    assert WORKER not in dump and entry["engine_tail"] not in dump and SECRET not in dump


async def test_calls_and_reset(ex):
    assert await ex.calls() == dict.fromkeys(ENDPOINT_TARGETS, 0)
    await ex.query("/rsj/card", {"id_number": WORKER}, nonce="reset-nonce-1")
    await ex.query("/rsj/card", {"id_number": WORKER})
    await ex.query("/rsj/pension", {"id_number": WORKER})  # 40401 reached the department too
    await ex.query("/jj/licence", {"id_number": "bad"})  # and so did 40001
    assert await ex.calls() == {**dict.fromkeys(ENDPOINT_TARGETS, 0), "exchange.rsj.card": 2,
                                "exchange.rsj.pension": 1, "exchange.jj.licence": 1}
    response, payload = await ex.sb.fetch("/exchange/calls", "DELETE")
    assert (response.code, payload) == (200, {"deleted": 4})
    assert set((await ex.calls()).values()) == {0}

    await ex.query("/rsj/card", {"id_number": WORKER})
    await ex.sb.fetch("/exchange/jj/vehicles", "POST", {"plate": PLATE, "owner_id_number": WORKER, "engine_tail": "000001"})
    response, _ = await ex.sb.fetch("/reset", "POST")
    assert response.code == 200
    assert set((await ex.calls()).values()) == {0}
    assert (await ex.vehicle(PLATE))["owner_id_number"] != WORKER
    assert ex.state.exchange.nonces == {} and ex.state.exchange.vehicles == {}
    # The nonce is usable again; the apps stay.
    assert (await ex.query("/rsj/card", {"id_number": WORKER}, nonce="reset-nonce-1"))["code"] == "0"


async def test_envelopes_for_unknown_paths_and_methods(ex):
    response, envelope = await ex.sb.fetch("/exchange/rsj/unknown", "POST", b"{}")
    assert response.code == 404 and envelope["code"] == "40400" and envelope["data"] is None
    response, envelope = await ex.sb.fetch("/exchange/rsj/card", headers=ex.headers("/rsj/card", b"", method="GET"))
    assert response.code == 405 and envelope["code"] == "40500"
    # Every answer has its own request id.
    ids = {(await ex.query("/rsj/card", {"id_number": WORKER}))["request_id"] for _ in range(3)}
    assert len(ids) == 3


async def test_state_without_http():
    state = SandboxState(exchange_apps={APP: SECRET})
    assert state.exchange.apps == {APP: SECRET}
    assert state.exchange.use_nonce(APP, "n-0000001") and not state.exchange.use_nonce(APP, "n-0000001")
    state.exchange.calls["exchange.rsj.card"] += 1
    state.exchange.vehicles[PLATE] = (WORKER, "000001")
    state.reset()
    assert (state.exchange.nonces, state.exchange.vehicles, dict(state.exchange.calls)) == ({}, {}, {})
    assert state.exchange.apps == {APP: SECRET}
