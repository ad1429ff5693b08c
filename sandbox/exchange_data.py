"""The department data behind the data-sharing exchange (``sandbox.exchange``).

Everything is derived from sha256 of the subject (a 身份证号 or a plate) and a
topic, so the same question always gets the same answer. Only fields that are
relative to "today" (the sandbox clock's Beijing date) move with the clock:
whether someone has started work or holds a licence yet, the last twelve
pension payments, the current licence points cycle, the inspection status.

Social security (人社):

* work starts at 18-24 (first insured month); 80 % are employees (五险 with a
  company in 杭州), the others only have 城乡居民基本养老保险; 10 % of the
  employees have paused paying for the last 2-10 months;
* people born before 1966 are retired (at 60, women at 55) and paid a
  pension monthly on a fixed day (the 5th-15th);
* 缴费记录 start in 1995 at the earliest; the base is the year's average wage
  (600 yuan a month in 1995, +9.5 % a year) times a personal factor; rates:
  养老 8 % / 16 %, 医疗 2 % / 9.5 %, 失业 0.5 % / 0.5 % (personal / unit); a
  month of the last six may be 欠缴.

Traffic police (交警):

* every valid plate is registered: a derived owner (valid 身份证号 with the
  plate's province code), an engine number's last six characters, a vehicle
  type, a registration date (2008-2025; new-energy plates from 2018);
* 0-5 violations in 2024-2025, none later than now;
* 20 % of adults hold no licence, nor does anyone before their first
  licence (taken at 18-32); a licence not renewed for more than a year
  after it ran out is 注销;
* inspection marks run two years at a time for ten years, then yearly, then
  every six months after 15 years (light trucks: yearly, then six months).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from sandbox.identity import normalize, with_check_char

T = TypeVar("T")


class NoRecord(Exception):
    """The department has nothing for this subject (envelope code 40401)."""


class Draw:
    """A deterministic stream of choices seeded by ``parts``."""

    def __init__(self, *parts: object) -> None:
        self._seed = "\x1f".join(map(str, parts)).encode("utf-8")
        self._counter = 0
        self._buffer = b""

    def below(self, n: int) -> int:
        if len(self._buffer) < 8:
            self._buffer += hashlib.sha256(self._seed + self._counter.to_bytes(4, "big")).digest()
            self._counter += 1
        chunk, self._buffer = self._buffer[:8], self._buffer[8:]
        return int.from_bytes(chunk, "big") % n

    def between(self, low: int, high: int) -> int:
        """An integer in ``low..high``, both included."""
        return low + self.below(high - low + 1)

    def chance(self, percent: int) -> bool:
        return self.below(100) < percent

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def weighted(self, choices: Sequence[tuple[T, int]]) -> T:
        n = self.below(sum(weight for _, weight in choices))
        for item, weight in choices:
            if n < weight:
                return item
            n -= weight
        raise AssertionError("unreachable")


# ---------------------------------------------------------------- shapes and masks

ENGINE_TAIL = re.compile(r"[0-9A-Z]{6}")
PROVINCE_CODES = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "贵": "52",
    "云": "53", "藏": "54", "陕": "61", "甘": "62", "青": "63", "宁": "64", "新": "65",
}
MUNICIPALITIES = "京津沪渝"
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"  # no I, no O
PLATE = re.compile(
    rf"[{''.join(PROVINCE_CODES)}][A-Z](?:{_PLATE_CHAR}{{5}}|[DF]{_PLATE_CHAR}{{5}}|{_PLATE_CHAR}{{5}}[DF])"
)


def valid_plate(value: Any) -> bool:
    """Exactly a plate: no spaces, upper-case letters, no I or O after the city letter."""
    return isinstance(value, str) and PLATE.fullmatch(value) is not None


def valid_engine_tail(value: Any) -> bool:
    """Exactly six digits or upper-case letters."""
    return isinstance(value, str) and ENGINE_TAIL.fullmatch(value) is not None


def mask_id(value: Any) -> Any:
    """``3301**********1234``: the first and last four characters of a
    身份证号 (any string of 12 or more); shorter or other values: ``***``."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) < 12:
        return "***"
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


@dataclass(frozen=True)
class Person:
    id_number: str
    birth: dt.date
    male: bool


def parse_person(value: Any, today: dt.date) -> Person | None:
    """The person a valid 身份证号 names (correct check character, a real
    birth date not after today), else None."""
    id_number = normalize(value) if isinstance(value, str) else None
    if id_number is None:
        return None
    try:
        birth = dt.datetime.strptime(id_number[6:14], "%Y%m%d").date()
    except ValueError:
        return None
    if birth.year < 1900 or birth > today:
        return None
    return Person(id_number, birth, int(id_number[16]) % 2 == 1)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(first: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``first``'s month."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def age(person: Person, today: dt.date) -> int:
    return today.year - person.birth.year - ((today.month, today.day) < (person.birth.month, person.birth.day))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), ROUND_HALF_UP)


def yuan(amount: Decimal) -> str:
    """An amount as the exchange writes it: ``"658.72"``."""
    return str(cents(amount))


def _days(draw: Draw, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=draw.below((last - first).days + 1))


# ---------------------------------------------------------------- 人社 (social security)

CITY = "杭州市"
EMPLOYEE_INSURANCE = ("企业职工基本养老保险", "城镇职工基本医疗保险", "失业保险", "工伤保险", "生育保险")
RESIDENT_PENSION = "城乡居民基本养老保险"
RESIDENT_PENSION_SINCE = dt.date(2011, 7, 1)
FIRST_CONTRIBUTION_YEAR = 1995
RETIRED_BORN_BEFORE = 1966
# 缴费记录: (type, personal rate, unit rate)
CONTRIBUTION_RATES = (
    ("养老", Decimal("0.08"), Decimal("0.16")),
    ("医疗", Decimal("0.02"), Decimal("0.095")),
    ("失业", Decimal("0.005"), Decimal("0.005")),
)
BANKS = (
    ("中国工商银行", "6222"),
    ("中国农业银行", "6228"),
    ("中国银行", "6216"),
    ("中国建设银行", "6217"),
    ("交通银行", "6222"),
    ("杭州银行", "6214"),
    ("浙江农商联合银行", "6230"),
)
_FIRMS = "瑞丰鼎盛汇通嘉禾云帆启明和信恒源中泰博远宏图星河锦程明德安泰华川新瑞卓越天成润达"
_TRADES = (
    "科技", "网络科技", "信息技术", "电子商务", "建设工程", "物流", "食品", "服饰", "机械制造",
    "医药", "贸易", "文化传媒", "物业管理", "餐饮管理", "智能装备", "新材料",
)


@dataclass(frozen=True)
class Work:
    start: dt.date  # the first insured month
    employee: bool  # 职工五险 (else 城乡居民基本养老保险 only)
    unit: str
    wage_factor: Decimal
    paused_months: int  # months without contributions up to last month
    retired_on: dt.date | None  # the first month of the pension
    bank: tuple[str, str]
    pay_day: int


def work(person: Person) -> Work:
    draw = Draw("rsj.work", person.id_number)
    start = dt.date(person.birth.year + draw.between(18, 24), draw.between(1, 12), 1)
    employee = draw.chance(80)
    firm = 2 * draw.below(len(_FIRMS) // 2)
    unit = f"杭州{_FIRMS[firm:firm + 2]}{draw.pick(_TRADES)}{'股份' if draw.chance(15) else ''}有限公司"
    wage_factor = Decimal(draw.between(60, 250)) / 100
    paused = draw.between(2, 10) if draw.chance(10) else 0
    retired_on = None
    if person.birth.year < RETIRED_BORN_BEFORE:
        retired_on = add_months(person.birth.replace(day=1), 12 * (60 if person.male else 55))
    return Work(start, employee, unit, wage_factor, paused, retired_on, draw.pick(BANKS), draw.between(5, 15))


def insured(person: Person, name: str, today: dt.date) -> dict[str, Any]:
    job = work(person)
    if job.start > today:
        raise NoRecord("未查询到参保信息")
    retired = job.retired_on is not None
    paying = "暂停缴费" if job.paused_months else "参保缴费"
    if job.employee:
        entries = [
            {
                "type": kind,
                "status": ("参保缴费" if kind == "城镇职工基本医疗保险" else "终止参保") if retired else paying,
                "since": f"{job.start:%Y-%m}",
                "unit": job.unit,
            }
            for kind in EMPLOYEE_INSURANCE
        ]
    else:
        since = max(job.start, RESIDENT_PENSION_SINCE)
        entries = [{"type": RESIDENT_PENSION, "status": "终止参保" if retired else paying, "since": f"{since:%Y-%m}",
                    "unit": None}]
    return {"name": name, "id_number_masked": mask_id(person.id_number), "insured": entries, "city": CITY}


def contribution_base(person: Person, factor: Decimal, year: int) -> Decimal:
    average = Decimal(600) * Decimal("1.095") ** (year - FIRST_CONTRIBUTION_YEAR)
    jitter = Decimal(Draw("rsj.base", person.id_number, year).between(95, 105)) / 100
    return max(average * factor * jitter, average * Decimal("0.6")).quantize(Decimal(1), ROUND_HALF_UP)


INSURANCE_TYPES = {"110": "养老", "210": "失业", "310": "医疗"}  # 险种代码 -> the records' type
MAX_CONTRIBUTION_YEARS = 10


def first_contribution_year(person: Person) -> int:
    return max(work(person).start.year, FIRST_CONTRIBUTION_YEAR)


def contribution_years(person: Person, start: int, end: int, today: dt.date, kind: str | None = None) -> dict[str, Any]:
    """``start``..``end``'s records, oldest first, and their totals."""
    years = [contributions(person, year, today, kind) for year in range(start, end + 1)]
    return {"start_year": start, "end_year": end, "records": [r for y in years for r in y["records"]],
            "total_personal": yuan(sum((Decimal(y["total_personal"]) for y in years), Decimal(0))),
            "total_unit": yuan(sum((Decimal(y["total_unit"]) for y in years), Decimal(0))),
            "months_paid": sum(y["months_paid"] for y in years)}


def contributions(person: Person, year: int, today: dt.date, kind: str | None = None) -> dict[str, Any]:
    """The year's 职工 contributions (of one type, ``kind``, when given): none before work
    started, for 城乡居民 only, after retirement, in the current month or while paused."""
    job = work(person)
    this_month = today.replace(day=1)
    last = add_months(this_month, -1 - (0 if job.retired_on else job.paused_months))
    if job.retired_on is not None:
        last = min(last, add_months(job.retired_on, -1))
    last = min(last, dt.date(year, 12, 1))
    month = max(job.start, dt.date(year, 1, 1))
    records: list[dict[str, Any]] = []
    total_personal = total_unit = Decimal(0)
    months_paid = 0
    if job.employee:
        base = contribution_base(person, job.wage_factor, year)
        while month <= last:
            owing = month >= add_months(this_month, -6) and Draw("rsj.month", person.id_number, month).below(25) == 0
            status = "欠缴" if owing else "已到账"
            months_paid += not owing
            for rate_kind, personal_rate, unit_rate in CONTRIBUTION_RATES:
                if kind is not None and rate_kind != kind:
                    continue
                personal, unit = cents(base * personal_rate), cents(base * unit_rate)
                if not owing:
                    total_personal += personal
                    total_unit += unit
                records.append({"month": f"{month:%Y-%m}", "type": rate_kind, "base": yuan(base), "personal": yuan(personal),
                                "unit": yuan(unit), "status": status})
            month = add_months(month, 1)
    return {"year": year, "records": records, "total_personal": yuan(total_personal), "total_unit": yuan(total_unit),
            "months_paid": months_paid}


def pension(person: Person, today: dt.date, year: int | None = None) -> dict[str, Any]:
    """The last 12 payments, or ``year``'s (none before retirement: NoRecord)."""
    job = work(person)
    if job.retired_on is None:
        raise NoRecord("未查询到养老金发放记录")
    if year is not None and year < job.retired_on.year:
        raise NoRecord(f"{year} 年无养老金发放记录")
    draw = Draw("rsj.pension", person.id_number)
    cents = draw.between(2600_00, 6800_00) if job.employee else draw.between(180_00, 650_00)
    monthly = Decimal(cents) / 100
    bank, bin_prefix = job.bank
    latest = today.replace(day=1) if today.day >= job.pay_day else add_months(today.replace(day=1), -1)
    if year is None:
        months = [m for m in (add_months(latest, -i) for i in range(12)) if m >= job.retired_on]
    else:
        months = [m for m in (add_months(min(latest, dt.date(year, 12, 1)), -i) for i in range(12))
                  if m >= job.retired_on and m.year == year]
    return {
        "retired": True,
        "monthly": yuan(monthly),
        "bank": bank,
        "account_masked": f"{bin_prefix}****{draw.below(10_000):04d}",
        "payments": [
            {"month": f"{m:%Y-%m}", "amount": yuan(monthly), "paid_on": m.replace(day=job.pay_day).isoformat()}
            for m in months
        ],
    }


CARD_STATUSES = (("正常", 86), ("挂失", 5), ("制卡中", 5), ("注销", 4))
THIRD_GENERATION_FROM = dt.date(2021, 3, 1)


def card(person: Person, today: dt.date) -> dict[str, Any]:
    job = work(person)
    draw = Draw("rsj.card", person.id_number)
    number = draw.pick("ABCDEFGHJK") + f"{draw.below(10**8):08d}"
    status = draw.weighted(CARD_STATUSES)
    issued = max(_days(draw, THIRD_GENERATION_FROM, dt.date(2025, 12, 31)), person.birth + dt.timedelta(days=30))
    if issued > today:
        status = "制卡中"
    return {
        "card_no_masked": f"{number[:2]}*****{number[-2:]}",
        "status": status,
        "bank": job.bank[0],
        "issued_on": None if status == "制卡中" else issued.isoformat(),
        "generation": "第三代",
    }


# ---------------------------------------------------------------- 交警 (traffic police)

_TAIL_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_DISTRICTS = ("02", "03", "04", "05", "06", "08", "09", "10", "11", "22", "81", "82")
SMALL_NEW_ENERGY, LARGE_NEW_ENERGY = "小型新能源汽车", "大型新能源汽车"
LIGHT_TRUCK = "轻型普通货车"
VEHICLE_TYPES = (("小型普通客车", 70), ("小型轿车", 15), ("小型越野客车", 10), (LIGHT_TRUCK, 5))
# (act, 违法代码, points, fine in yuan), weight
ACTS = (
    (("机动车违反规定停放、临时停车", "1039", 0, "150"), 30),
    (("机动车违反禁止标线指示的", "13450", 3, "200"), 20),
    (("驾驶机动车违反道路交通信号灯通行的", "16250", 6, "200"), 12),
    (("驾驶机动车不按规定车道行驶的", "13440", 1, "100"), 10),
    (("驾驶机动车行经人行横道未按规定减速、停车、避让行人的", "13570", 3, "200"), 10),
    (("驾驶机动车时拨打、接听手持电话的", "12230", 3, "100"), 8),
    (("机动车驾驶人不按规定使用安全带的", "6011", 1, "50"), 6),
    (("驾驶与准驾车型不符的机动车的", "30040", 9, "1000"), 2),
    (("驾驶机动车在城市道路上超过规定时速百分之五十以上的", "17210", 12, "1500"), 2),
)
PLACES = (
    "西湖区文三路与学院路交叉口", "拱墅区莫干山路石祥路口", "西湖区天目山路古翠路口", "上城区解放路延安路口",
    "上城区中河高架南向北凤起路段", "上城区秋涛路庆春东路口", "拱墅区上塘高架德胜路段", "余杭区文一西路五常大道口",
    "滨江区江南大道滨盛路口", "西湖区之江路复兴大桥北", "西湖区留和路", "上城区钱江路新业路口",
    "拱墅区环城北路武林门", "拱墅区石桥路", "萧山区市心中路金城路口", "临平区迎宾路",
)
VIOLATIONS_FROM, VIOLATIONS_TO = dt.date(2024, 1, 1), dt.date(2025, 12, 31)
LICENCE_CLASSES = (("C1", 62), ("C2", 20), ("B2", 6), ("A1", 3), ("A2", 3), ("B1", 2), ("D", 2), ("C1E", 2))
LICENCE_POINTS = ((0, 55), (1, 10), (2, 6), (3, 9), (4, 4), (6, 6), (7, 2), (9, 4), (10, 1), (11, 1), (12, 2))


@dataclass(frozen=True)
class Vehicle:
    plate: str
    owner_id_number: str
    engine_tail: str
    vehicle_type: str
    registered_on: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "plate": self.plate,
            "owner_id_number": self.owner_id_number,
            "engine_tail": self.engine_tail,
            "vehicle_type": self.vehicle_type,
            "registered_on": self.registered_on.isoformat(),
        }


PLATE_TYPES = ("01", "02", "51", "52")  # 大型汽车, 小型汽车, 大型新能源, 小型新能源


def plate_type(plate: str) -> str:
    """号牌种类 (GA 24.7) of a plate the register holds: every derived vehicle is small (02, the
    blue plate; light trucks too), new-energy ones 52 (D/F after the city letter) or 51 (at the end)."""
    if len(plate) == 8:
        return "52" if plate[2] in "DF" else "51"
    return "02"


def derived_vehicle(plate: str) -> Vehicle:
    """The register's entry for a valid (normalized) plate."""
    draw = Draw("jj.vehicle", plate)
    city = "01" if plate[0] in MUNICIPALITIES else f"{(ord(plate[1]) - ord('A')) % 11 + 1:02d}"
    birth = _days(draw, dt.date(1956, 1, 1), dt.date(2004, 12, 31))
    sequence = draw.between(1, 999)
    owner = with_check_char(f"{PROVINCE_CODES[plate[0]]}{city}{draw.pick(_DISTRICTS)}{birth:%Y%m%d}{sequence:03d}")
    first = draw.pick(_TAIL_LETTERS) if draw.chance(33) else str(draw.below(10))
    tail = first + "".join(str(draw.below(10)) for _ in range(5))
    kind = draw.weighted(VEHICLE_TYPES)
    if len(plate) == 8:
        kind = SMALL_NEW_ENERGY if plate[2] in "DF" else LARGE_NEW_ENERGY
    registered = _days(draw, dt.date(2018 if len(plate) == 8 else 2008, 1, 1), dt.date(2025, 6, 30))
    return Vehicle(plate, owner, tail, kind, registered)


def violations(vehicle: Vehicle, now: dt.datetime) -> dict[str, Any]:
    """``now``: the naive Beijing time; later records are not there yet."""
    draw = Draw("jj.violations", vehicle.plate)
    found = []
    for _ in range(draw.weighted(((0, 35), (1, 25), (2, 15), (3, 12), (4, 8), (5, 5)))):
        day = _days(draw, VIOLATIONS_FROM, VIOLATIONS_TO)
        at = dt.datetime.combine(day, dt.time(draw.between(7, 22), draw.below(60)))
        act, code, points, fine = draw.weighted(ACTS)
        place, handled = draw.pick(PLACES), draw.chance(65)
        if at <= now:
            found.append((at, {"time": f"{at:%Y-%m-%d %H:%M}", "place": place, "act": act, "code": code, "points": points,
                               "fine": fine, "status": "已处理" if handled else "未处理"}))
    records = [record for _, record in sorted(found, key=lambda item: item[0], reverse=True)]
    return {
        "plate": vehicle.plate,
        "violations": records,
        "unhandled": sum(r["status"] == "未处理" for r in records),
        "points_total": sum(r["points"] for r in records),
    }


def licence(person: Person, today: dt.date) -> dict[str, Any]:
    draw = Draw("jj.licence", person.id_number)
    none = draw.chance(20)
    first = add_years(person.birth, 18 + draw.below(15)) + dt.timedelta(days=draw.below(330))
    if none or age(person, today) < 18 or first > today:
        raise NoRecord("未查询到驾驶证信息")
    kind = draw.weighted(LICENCE_CLASSES)
    overdue, revoked, suspended = draw.chance(5), draw.chance(2), draw.chance(3)
    # Valid six years, then ten at a time; the overdue ones missed the last renewal.
    valid_until, previous = add_years(first, 6), None
    while valid_until < today:
        previous, valid_until = valid_until, add_years(valid_until, 10)
    if overdue and previous is not None:
        valid_until = previous
    # The points cycle runs from one anniversary of the first licence to the day before the next.
    years = today.year - first.year - ((today.month, today.day) < (first.month, first.day))
    cycle_start = add_years(first, years)
    points = Draw("jj.licence.points", person.id_number, cycle_start).weighted(LICENCE_POINTS)
    if revoked:
        status = "吊销"
    elif add_years(valid_until, 1) < today:
        status = "注销"
    elif suspended or points >= 12:
        status = "暂扣"
    elif valid_until < today:
        status = "逾期未换证"
    else:
        status = "正常"
    return {
        "licence_no_masked": mask_id(person.id_number),
        "class": kind,
        "status": status,
        "points": points,
        "cycle_end": (add_years(first, years + 1) - dt.timedelta(days=1)).isoformat(),
        "valid_until": valid_until.isoformat(),
        "first_issued": first.isoformat(),
    }


def inspection_due(vehicle: Vehicle) -> Iterator[dt.date]:
    """The last days of the inspection marks, one after another."""
    start, months = vehicle.registered_on.replace(day=1), 0
    while True:
        if vehicle.vehicle_type == LIGHT_TRUCK:
            months += 12 if months < 120 else 6
        else:
            months += 24 if months < 120 else 12 if months < 180 else 6
        yield month_end(add_months(start, months))


def inspection(vehicle: Vehicle, today: dt.date) -> dict[str, Any]:
    overdue = Draw("jj.inspection", vehicle.plate).chance(10)
    previous = None
    for valid_until in inspection_due(vehicle):
        if valid_until >= today:
            break
        previous = valid_until
    if overdue and previous is not None:
        valid_until = previous
    window_from = add_months(valid_until.replace(day=1), -2)
    if valid_until < today:
        status = "逾期未检验"
    elif today >= window_from:
        status = "即将到期"
    else:
        status = "正常"
    return {"plate": vehicle.plate, "valid_until": valid_until.isoformat(), "status": status,
            "next_window_from": window_from.isoformat()}
