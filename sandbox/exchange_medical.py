"""The medical-insurance bureau (医保局, ``ybj``) on the data-sharing exchange
(``sandbox.exchange``): the same signature, envelope, fault, received-log and
call-count rules; the data is derived like ``sandbox.exchange_data``'s and
agrees with 人社's: only a person whose ``/rsj/insured`` lists 城镇职工基本医疗保险
has a 职工医保个人账户 (城乡居民医保 has none).

* ``/exchange/ybj/account`` ``{"id_number"}`` -> 个人账户 ``{"insurance_type",
  "status", "balance", "year", "credited_this_year", "spent_this_year",
  "family_spent_this_year", "family": [{"relation", "name_masked", "since"}],
  "as_of"}``; no account -> 40401 ``未查询到职工医保个人账户``
* ``/exchange/ybj/records`` ``{"id_number", "year"}`` -> 收支明细 ``{"year",
  "opening_balance", "closing_balance", "total_in", "total_out", "records":
  [{"date", "type", "direction", "amount", "balance", "place"}]}`` (newest
  first; ``type`` 划入 | 门诊 | 购药 | 住院 | 家庭共济, ``direction`` 收入 |
  支出); ``year`` an int in 2001..this year, else 40001; no account -> 40401

The account opens with the first insured month (2001 at the earliest, when
杭州's 个人账户 began). Every month until the last one paid it is credited on
the 20th: 2 % of 人社's contribution base while working (3.5 % before 2023),
a fixed 100-260 yuan once retired; a paused payer gets nothing. Spending (门诊, 购药, now and then
住院) never takes the balance below zero. 40 % of the account holders have
bound a relative for 家庭共济 (on a day from 2023 on), who spends from the
account too.
Amounts are strings in yuan with two decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandbox import exchange_data as data
from sandbox.exchange import ExchangeHandler, bad_parameter
from sandbox.exchange_data import Draw, NoRecord, Person, add_months, yuan
from sandbox.identity import GIVEN_NAME_CHARS, SURNAMES
from sandbox.state import SandboxState

ENDPOINT_TARGETS = ("exchange.ybj.account", "exchange.ybj.records")
TARGETS = (*ENDPOINT_TARGETS, "exchange.ybj")

EMPLOYEE_MEDICAL = "城镇职工基本医疗保险"
ACCOUNT_FROM = dt.date(2001, 1, 1)
FAMILY_FROM = dt.date(2023, 1, 1)
CREDIT_DAY = 20
# the share of the contribution base credited while working: 2 % since the 2023 reform, before
# it 2 % and a part of the unit's contribution
SHARE_BEFORE, SHARE_FROM_2023 = Decimal("0.035"), Decimal("0.02")
HOSPITALS = ("浙江大学医学院附属第一医院", "浙江大学医学院附属第二医院", "浙江省人民医院", "杭州市第一人民医院",
             "杭州市中医院", "杭州市西溪医院", "西湖区北山街道社区卫生服务中心", "拱墅区米市巷街道社区卫生服务中心",
             "上城区湖滨街道社区卫生服务中心")
PHARMACIES = ("老百姓大药房（文三路店）", "九洲大药房（庆春路店）", "华东大药房（解放路店）", "海王星辰药房（古墩路店）",
              "张同泰大药房（中山北路店）")
RELATIONS = ("配偶", "子女", "父母")


def no_account() -> NoRecord:
    return NoRecord("未查询到职工医保个人账户")


def _opened(person: Person, today: dt.date) -> tuple[data.Work, dt.date]:
    """人社's record of the person and the account's first month (NoRecord without an account)."""
    job = data.work(person)
    if not job.employee or job.start > today:
        raise no_account()
    return job, max(job.start, ACCOUNT_FROM)


def _last_paid(job: data.Work, today: dt.date) -> dt.date:
    """The last month credited from contributions (retirees: the current month)."""
    this_month = today.replace(day=1)
    if job.retired_on is not None and job.retired_on <= this_month:
        return this_month
    return add_months(this_month, -job.paused_months)


def family(person: Person, today: dt.date) -> list[dict[str, Any]]:
    """The relative bound for 家庭共济, from the day they were bound (none before that)."""
    draw = Draw("ybj.family", person.id_number)
    if not draw.chance(40):
        return []
    name = draw.pick(SURNAMES) + "".join(draw.pick(GIVEN_NAME_CHARS) for _ in range(draw.between(1, 2)))
    since = FAMILY_FROM + dt.timedelta(days=draw.below(1000))
    if since > today:
        return []
    relation = draw.pick(RELATIONS if person.birth.year >= 1970 else RELATIONS[:2])  # few bind a 90-year-old
    return [{"relation": relation, "name_masked": name[:1] + "*" * (len(name) - 1),
             "since": since.isoformat()}]


def _month(person: Person, job: data.Work, month: dt.date, last_paid: dt.date, relatives: list,
           today: dt.date) -> list[tuple[dt.date, str, Decimal, str]]:
    """The month's movements (day, type, amount, place), oldest first, none after today."""
    draw = Draw("ybj.month", person.id_number, month)
    moves = []
    if month <= last_paid:
        if job.retired_on is not None and month >= job.retired_on:
            credit = Decimal(Draw("ybj.retiree", person.id_number).between(100_00, 260_00)) / 100
        else:
            share = SHARE_FROM_2023 if month.year >= 2023 else SHARE_BEFORE
            credit = data.contribution_base(person, job.wage_factor, month.year) * share
        moves.append((month.replace(day=CREDIT_DAY), "划入", data.cents(credit), "个人账户划入"))
    for _ in range(draw.weighted(((0, 55), (1, 32), (2, 10), (3, 3)))):
        kind = draw.weighted((("门诊", 50), ("购药", 47), ("住院", 3)))
        low, high = {"门诊": (15_00, 320_00), "购药": (8_00, 240_00), "住院": (200_00, 1500_00)}[kind]
        place = draw.pick(PHARMACIES if kind == "购药" else HOSPITALS)
        moves.append((month.replace(day=draw.between(1, 28)), kind, Decimal(draw.between(low, high)) / 100, place))
    since = dt.date.fromisoformat(relatives[0]["since"]) if relatives else None
    if since and month >= since.replace(day=1) and draw.chance(30):
        day = month.replace(day=draw.between(1, 28))
        if day >= since:
            amount = Decimal(draw.between(20_00, 450_00)) / 100
            moves.append((day, "家庭共济", amount, f"{relatives[0]['relation']} {relatives[0]['name_masked']}"))
    return sorted((m for m in moves if m[0] <= today), key=lambda m: (m[0], m[1] != "划入"))


def ledger(person: Person, today: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Every movement from the account's first month to ``until`` (a month), oldest first,
    with the balance after it. A spending larger than the balance takes what is left."""
    job, first = _opened(person, today)
    last_paid, relatives = _last_paid(job, today), family(person, today)
    balance, rows, month = Decimal(0), [], first
    while month <= min(until, today.replace(day=1)):
        for day, kind, amount, place in _month(person, job, month, last_paid, relatives, today):
            if kind != "划入":
                amount = min(amount, balance)
                if amount <= 0:
                    continue
            balance += amount if kind == "划入" else -amount
            rows.append({"date": day.isoformat(), "type": kind, "direction": "收入" if kind == "划入" else "支出",
                         "amount": yuan(amount), "balance": yuan(balance), "place": place})
        month = add_months(month, 1)
    return rows


def _sum(rows: list[dict[str, Any]], *kinds: str) -> str:
    return yuan(sum((Decimal(r["amount"]) for r in rows if r["type"] in kinds), Decimal(0)))


def account(person: Person, today: dt.date) -> dict[str, Any]:
    job, _ = _opened(person, today)
    rows = ledger(person, today, today.replace(day=1))
    this_year = [r for r in rows if r["date"].startswith(f"{today.year}-")]
    if job.retired_on is not None and job.retired_on <= today:
        status = "退休"
    else:
        status = "暂停缴费" if job.paused_months else "在职参保"
    return {
        "insurance_type": EMPLOYEE_MEDICAL,
        "status": status,
        "balance": rows[-1]["balance"] if rows else "0.00",
        "year": today.year,
        "credited_this_year": _sum(this_year, "划入"),
        "spent_this_year": _sum(this_year, "门诊", "购药", "住院"),
        "family_spent_this_year": _sum(this_year, "家庭共济"),
        "family": family(person, today),
        "as_of": today.isoformat(),
    }


def records(person: Person, year: int, today: dt.date) -> dict[str, Any]:
    rows = ledger(person, today, dt.date(year, 12, 1))
    before = [r for r in rows if r["date"] < f"{year}-"]
    of_year = [r for r in rows if r["date"].startswith(f"{year}-")]
    opening = before[-1]["balance"] if before else "0.00"
    return {
        "year": year,
        "opening_balance": opening,
        "closing_balance": of_year[-1]["balance"] if of_year else opening,
        "total_in": _sum(of_year, "划入"),
        "total_out": _sum(of_year, "门诊", "购药", "住院", "家庭共济"),
        "records": of_year[::-1],
    }


class AccountHandler(ExchangeHandler):
    target, department = "exchange.ybj.account", "ybj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        return account(self.person(body), self.today())


class RecordsHandler(ExchangeHandler):
    target, department = "exchange.ybj.records", "ybj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person, today = self.person(body), self.today()
        year = body.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not ACCOUNT_FROM.year <= year <= today.year:
            raise bad_parameter(f"year 应为 {ACCOUNT_FROM.year} 至 {today.year} 之间的整数")
        return records(person, year, today)


def exchange_medical_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/exchange"
    args = {"state": state}
    return [
        (rf"{base}/ybj/account", AccountHandler, args),
        (rf"{base}/ybj/records", RecordsHandler, args),
    ]
