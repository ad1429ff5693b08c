"""医保 个人账户 and 人社 职业技能证书 on the exchange, over real HTTP (sandbox.exchange_medical,
sandbox.exchange_skills)."""

import datetime as dt
from decimal import Decimal

import pytest
import pytest_asyncio
from sandbox_testkit import EXCHANGE_APP as APP
from sandbox_testkit import EXCHANGE_SECRET as SECRET
from sandbox_testkit import Exchange

from sandbox import exchange_medical, exchange_skills
from sandbox.exchange_data import parse_person

pytestmark = pytest.mark.asyncio

# Pinned people (derived data; the sandbox clock is 2026-03-02 10:00 Beijing time).
RETIREE = "330106196503151239"  # employee, retired 2025-03, a child bound for 家庭共济
OWING = "330106198401010047"  # employee, a parent bound
RESIDENT = "440304199001011233"  # 城乡居民 only: no 职工医保个人账户; three certificates
WORKER = "330106198001010005"  # employee since 1998-10; three certificates
MINOR = "33010620100101123X"


@pytest_asyncio.fixture
async def ex(make_sandbox):
    return Exchange(await make_sandbox(exchange_apps={APP: SECRET}))


async def test_account(ex):
    data = await ex.data("/ybj/account", {"id_number": RETIREE})
    assert data == {"insurance_type": "城镇职工基本医疗保险", "status": "退休", "balance": "1168.85", "year": 2026,
                    "credited_this_year": "372.40", "spent_this_year": "0.00", "family_spent_this_year": "362.82",
                    "family": [{"relation": "子女", "name_masked": "许*", "since": "2025-02-27"}],
                    "as_of": "2026-03-02"}
    assert await ex.data("/ybj/account", {"id_number": RETIREE}) == data  # deterministic
    assert (await ex.data("/ybj/account", {"id_number": WORKER}))["status"] == "在职参保"
    # 城乡居民医保 has no 个人账户; nor has anyone before their first job
    for person in (RESIDENT, MINOR):
        assert await ex.error("/ybj/account", {"id_number": person}, "40401") == "未查询到职工医保个人账户"
    assert "id_number" in await ex.error("/ybj/account", {"id_number": "330106196503151230"}, "40001")


async def test_records_add_up_to_the_account(ex):
    account = await ex.data("/ybj/account", {"id_number": OWING})
    this_year = await ex.data("/ybj/records", {"id_number": OWING, "year": 2026})
    last_year = await ex.data("/ybj/records", {"id_number": OWING, "year": 2025})
    assert this_year["closing_balance"] == account["balance"] == this_year["records"][0]["balance"]
    assert this_year["opening_balance"] == last_year["closing_balance"]
    for page in (this_year, last_year):
        rows = page["records"]
        assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)
        assert all(r["date"].startswith(f"{page['year']}-") for r in rows)
        ins = sum(Decimal(r["amount"]) for r in rows if r["direction"] == "收入")
        outs = sum(Decimal(r["amount"]) for r in rows if r["direction"] == "支出")
        assert (Decimal(page["total_in"]), Decimal(page["total_out"])) == (ins, outs)
        assert Decimal(page["opening_balance"]) + ins - outs == Decimal(page["closing_balance"])
        assert {r["type"] for r in rows} <= {"划入", "门诊", "购药", "住院", "家庭共济"}
        assert all(Decimal(r["balance"]) >= 0 for r in rows)
    credited = [r for r in this_year["records"] if r["type"] == "划入"]
    assert [r["date"] for r in credited] == ["2026-02-20", "2026-01-20"]  # the 20th, none after today
    assert Decimal(account["credited_this_year"]) == sum(Decimal(r["amount"]) for r in credited)
    shared = [r for r in this_year["records"] if r["type"] == "家庭共济"]
    assert shared and all(r["place"] == "父母 孙**" for r in shared)


async def test_records_refuse_what_a_department_would(ex):
    for year in (2000, 2027, "2025", 2025.0, True, None):
        message = await ex.error("/ybj/records", {"id_number": OWING, "year": year}, "40001")
        assert "2001 至 2026" in message, year
    assert await ex.error("/ybj/records", {"id_number": RESIDENT, "year": 2025}, "40401")
    early = await ex.data("/ybj/records", {"id_number": WORKER, "year": 2001})  # the account's first year
    assert early["opening_balance"] == "0.00" and early["records"]


async def test_certificates(ex):
    data = await ex.data("/rsj/certificates", {"id_number": RESIDENT})
    assert data["count"] == 3 and [c["kind"] for c in data["certificates"]] == ["职业技能等级证书", "专项职业能力证书",
                                                                                  "职业资格证书"]
    assert data["certificates"][0] == {"cert_no": "S000033020949245586240", "kind": "职业技能等级证书",
                                       "occupation": "数控车工", "level": "二级/技师",
                                       "issuer": "杭州市职业技能鉴定指导中心", "certified_on": "2024-10-29", "status": "有效"}
    assert data["certificates"][1]["level"] is None  # 专项职业能力 has no level
    one = await ex.data("/rsj/certificates", {"id_number": RESIDENT, "cert_no": "1433960158415855"})
    assert one == {"certificates": [data["certificates"][2]], "count": 1}
    # a number never shows someone else's certificate
    assert await ex.error("/rsj/certificates", {"id_number": WORKER, "cert_no": "1433960158415855"}, "40401") \
        == "未查询到该证书，请核对证书编号"
    assert await ex.error("/rsj/certificates", {"id_number": MINOR}, "40401") == "未查询到职业技能证书信息"
    for bad in ("s0000", "", "A" * 31, 1433960158415855):
        assert "cert_no" in await ex.error("/rsj/certificates", {"id_number": RESIDENT, "cert_no": bad}, "40001")


async def test_derived_data_does_not_move_with_the_clock():
    for id_number in (RETIREE, OWING, RESIDENT, WORKER):
        early, later = dt.date(2026, 3, 2), dt.date(2027, 6, 1)
        person = parse_person(id_number, early)
        held, later_held = exchange_skills.certificates(person, early), exchange_skills.certificates(person, later)
        assert all(c in later_held for c in held)  # a certificate, once held, stays as it was
        try:
            assert exchange_medical.records(person, 2025, early) == exchange_medical.records(person, 2025, later)
        except exchange_medical.NoRecord:
            assert id_number == RESIDENT


async def test_calls_are_counted(ex):
    await ex.data("/ybj/account", {"id_number": RETIREE})
    await ex.data("/ybj/records", {"id_number": RETIREE, "year": 2025})
    await ex.error("/rsj/certificates", {"id_number": MINOR}, "40401")
    calls = await ex.calls()
    assert (calls["exchange.ybj.account"], calls["exchange.ybj.records"], calls["exchange.rsj.certificates"]) == (1, 1, 1)
    await ex.sb.add_fault(target="exchange.ybj", status=503, times=1)
    response, envelope = await ex.raw("/ybj/account", {"id_number": RETIREE})
    assert (response.code, envelope["code"]) == (503, "50300")
