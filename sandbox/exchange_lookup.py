"""Look-ups for field inspectors (移动执法 信息查询) on the data-sharing
exchange (``sandbox.exchange``): the same signature, envelope, fault,
received-log and call-count rules; the data is derived like
``sandbox.exchange_data``'s (sha256 of the subject and a topic).

交警 (``jj``):

* ``/exchange/jj/vehicle`` ``{"plate"}`` -> 机动车信息 ``{"plate",
  "vehicle_type", "brand", "color", "owner_name_masked", "owner_id_masked",
  "registered_on", "status", "inspection_valid_until",
  "insurance_valid_until", "unhandled_violations"}``. The register's entry
  (``/exchange/jj/vehicles/{plate}``, hand-registered owners included), the
  owner's name from the population register (``张*``: one ``*`` per further
  character), ``inspection_valid_until`` as ``/jj/inspection`` and
  ``unhandled_violations`` as ``/jj/violations`` answer. ``status``: 被盗抢
  (2 %) or 查封 (3 %), else 达到报废标准 (light trucks 15 years after
  registration), else 逾期未检验 (the inspection mark ran out), else 正常.
  The 交强险 runs a year at a time from the registration day; 4 % let it
  lapse (``insurance_valid_until`` before today). Same plate rules as the
  other 交警 endpoints (40001).
* ``/exchange/jj/driver`` ``{"licence_no"}`` -> 驾驶人信息
  ``{"licence_no_masked", "name_masked", "class", "status", "points",
  "valid_until"}``. A licence number is its holder's 身份证号 (validated like
  ``id_number``); ``class``, ``status`` (正常|暂扣|吊销|逾期未换证|注销),
  ``points`` and ``valid_until`` are ``/jj/licence``'s for that number; no
  licence -> 40401 ``未查询到驾驶人信息``.

运管 (``ysj``, the transport bureau):

* ``/exchange/ysj/business`` ``{"licence_no"}`` -> 道路运输经营许可证
  ``{"licence_no", "business_name", "business_scope", "status",
  "valid_until", "vehicles", "legal_person_masked", "address"}``. A licence
  number is exactly 12 ASCII digits (else 40001), the first six a region
  code (``330106...``: the address is in that 杭州 district). 15 % of the
  numbers are unknown -> 40401 ``未查询到经营业户信息``. ``status``: 正常
  (85 %), 暂停, 注销 or 吊销 (no vehicles); licences run four years at a
  time from the first issue (a 注销 / 吊销 one: the term before the
  current one, when there was one).

Targets ``exchange.jj.vehicle``, ``exchange.jj.driver``,
``exchange.ysj.business`` and the department's ``exchange.ysj`` (all listed
in ``sandbox.exchange.TARGETS`` too, for ``/exchange/calls``). The received
log masks the driver's ``licence_no`` like an ``id_number``; plates and
business licence numbers are not personal data and stay.

The module mounts before ``sandbox.exchange`` (whose catch-all answers
unknown ``/exchange/`` paths).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sandbox import exchange_data as data
from sandbox.exchange import ID_KEYS, ExchangeHandler, bad_parameter, beijing_now, lookup_vehicle
from sandbox.exchange_data import Draw, NoRecord, add_years
from sandbox.identity import GIVEN_NAME_CHARS, SURNAMES, derived_name, registered_name
from sandbox.state import SandboxState

ENDPOINT_TARGETS = ("exchange.jj.vehicle", "exchange.jj.driver", "exchange.ysj.business")
TARGETS = (*ENDPOINT_TARGETS, "exchange.ysj")


def mask_name(name: str) -> str:
    """``张*`` / ``张**``: the first character, one ``*`` for each other."""
    return name[:1] + "*" * (len(name) - 1)


def person_name(state: SandboxState, id_number: str) -> str:
    """The population register's name (a hand-registered one wins)."""
    return registered_name(state, id_number) or derived_name(id_number)


# ---------------------------------------------------------------- 交警: 机动车信息

VEHICLE_COLORS = (("白", 40), ("黑", 25), ("银", 15), ("蓝", 10), ("红", 10))
VEHICLE_FLAGS = (("", 95), ("被盗抢", 2), ("查封", 3))
SCRAP_TRUCKS_AFTER_YEARS = 15
INSURANCE_LAPSED_PERCENT = 4
# 品牌 + 车辆型号 by vehicle type (new-energy: pure electric, then plug-in hybrid).
BRANDS = {
    "小型轿车": ("大众牌FV7152", "大众牌SVW7152", "丰田牌TV7200", "本田牌HG7150", "日产牌DFL7160", "别克牌SGM7150",
               "吉利牌MR7152", "长安牌SC7164", "奥迪牌FV7201", "宝马牌BMW7200"),
    "小型普通客车": ("大众牌SVW6471", "本田牌DHW6460", "丰田牌GTM6480", "哈弗牌CC6460", "吉利牌MR6471",
                 "别克牌SGM6521", "长安牌SC6469", "传祺牌GAC6480"),
    "小型越野客车": ("北京牌BJ2032", "坦克牌CC2021", "丰田牌TV6470", "哈弗牌CC6470", "三菱牌GAM6480"),
    data.LIGHT_TRUCK: ("江铃牌JX1041", "福田牌BJ1045", "五十铃牌QL1040", "东风牌EQ1041", "解放牌CA1040"),
    data.SMALL_NEW_ENERGY: ("比亚迪牌BYD7005BEV", "特斯拉牌TSL7000BEV", "蔚来牌HFC6483ECSEV", "小鹏牌NHQ7000BEV",
                           "吉利牌MR7003BEV", "五菱牌LZW7001EVA"),
    data.SMALL_NEW_ENERGY + "F": ("比亚迪牌BYD7152WT6HEV", "理想牌LXA6500SHEVX", "问界牌SF6480PHEV",
                                 "吉利牌MR6471PHEV"),
    data.LARGE_NEW_ENERGY: ("宇通牌ZK6125BEVG", "比亚迪牌BYD6122LGEV", "金龙牌XMQ6127AGBEVL", "中通牌LCK6108EVG"),
    data.LARGE_NEW_ENERGY + "F": ("宇通牌ZK6125CHEVPG", "金龙牌XMQ6106AGCHEVN", "中通牌LCK6108PHEVG"),
}


def vehicle_brand(vehicle: data.Vehicle, draw: Draw) -> str:
    kind = vehicle.vehicle_type
    if len(vehicle.plate) == 8:  # D: pure electric, F: not (the same letter derived_vehicle read)
        marker = vehicle.plate[2] if vehicle.plate[2] in "DF" else vehicle.plate[-1]
        kind += "F" if marker == "F" else ""
    return draw.pick(BRANDS.get(kind, BRANDS["小型普通客车"]))


def insurance_valid_until(vehicle: data.Vehicle, lapsed: bool, today: dt.date) -> dt.date:
    """The last day of the current 交强险 year (of the last one, when lapsed)."""
    years, previous = 1, None
    valid_until = add_years(vehicle.registered_on, 1) - dt.timedelta(days=1)
    while valid_until < today:
        years += 1
        previous, valid_until = valid_until, add_years(vehicle.registered_on, years) - dt.timedelta(days=1)
    return previous if lapsed and previous is not None else valid_until


def vehicle_info(vehicle: data.Vehicle, owner_name: str, now: dt.datetime) -> dict[str, Any]:
    """``now``: the naive Beijing time."""
    today = now.date()
    draw = Draw("jj.vehicle.info", vehicle.plate)
    brand, color, flag = vehicle_brand(vehicle, draw), draw.weighted(VEHICLE_COLORS), draw.weighted(VEHICLE_FLAGS)
    lapsed = draw.chance(INSURANCE_LAPSED_PERCENT)
    inspection = data.inspection(vehicle, today)
    if flag:
        status = flag
    elif vehicle.vehicle_type == data.LIGHT_TRUCK and add_years(vehicle.registered_on, SCRAP_TRUCKS_AFTER_YEARS) <= today:
        status = "达到报废标准"
    elif inspection["status"] == "逾期未检验":
        status = "逾期未检验"
    else:
        status = "正常"
    return {
        "plate": vehicle.plate,
        "vehicle_type": vehicle.vehicle_type,
        "brand": brand,
        "color": color,
        "owner_name_masked": mask_name(owner_name),
        "owner_id_masked": data.mask_id(vehicle.owner_id_number),
        "registered_on": vehicle.registered_on.isoformat(),
        "status": status,
        "inspection_valid_until": inspection["valid_until"],
        "insurance_valid_until": insurance_valid_until(vehicle, lapsed, today).isoformat(),
        "unhandled_violations": data.violations(vehicle, now)["unhandled"],
    }


# ---------------------------------------------------------------- 运管: 道路运输经营许可证

BUSINESS_LICENCE = re.compile(r"[0-9]{12}")
# (scope, name endings, fleet size range), weight
BUSINESS_SCOPES = (
    (("道路普通货物运输", ("运输有限公司", "物流运输有限公司", "货物运输有限公司"), (1, 80)), 50),
    (("道路货物专用运输（冷藏保鲜）", ("冷链运输有限公司",), (2, 40)), 5),
    (("道路危险货物运输", ("危险品运输有限公司", "化工运输有限公司"), (5, 60)), 5),
    (("道路旅客运输", ("客运有限公司", "汽车客运有限公司", "旅游客运有限公司"), (10, 200)), 20),
    (("网络预约出租汽车客运", ("出行客运有限公司", "汽车客运有限公司"), (20, 1500)), 20),
)
BUSINESS_STATUSES = (("正常", 85), ("暂停", 6), ("注销", 6), ("吊销", 3))
BUSINESS_TERM_YEARS = 4
_TRADE_NAMES = "顺达通远安捷华运恒通鑫源金桥宏达路畅速通诚信锦程万里新程众联远航"
# region code -> (district, streets)
HANGZHOU_DISTRICTS = {
    "330102": ("上城区", ("解放路", "延安路", "庆春路", "秋涛路")),
    "330105": ("拱墅区", ("莫干山路", "湖州街", "上塘路", "丽水路")),
    "330106": ("西湖区", ("文三路", "天目山路", "古墩路", "留和路")),
    "330108": ("滨江区", ("江南大道", "滨盛路", "长河路", "江虹路")),
    "330109": ("萧山区", ("市心中路", "金城路", "通惠中路", "建设一路")),
    "330110": ("余杭区", ("文一西路", "五常大道", "良睦路", "龙舟北路")),
    "330111": ("富阳区", ("金桥北路", "江滨西大道", "桂花路")),
    "330112": ("临安区", ("钱王大街", "衣锦街", "锦城街")),
    "330113": ("临平区", ("迎宾路", "世纪大道", "南苑街")),
    "330114": ("钱塘区", ("学林街", "义蓬路", "青六中路")),
}


def business(licence_no: str, today: dt.date) -> dict[str, Any]:
    """The 道路运输经营许可证 numbered ``licence_no`` (12 digits)."""
    draw = Draw("ysj.business", licence_no)
    if draw.chance(15):
        raise NoRecord("未查询到经营业户信息")
    scope, endings, (fewest, most) = draw.weighted(BUSINESS_SCOPES)
    trade = 2 * draw.below(len(_TRADE_NAMES) // 2)
    status = draw.weighted(BUSINESS_STATUSES)
    first = dt.date(2005, 1, 1) + dt.timedelta(days=draw.below((dt.date(2025, 12, 31) - dt.date(2005, 1, 1)).days + 1))
    terms, previous = 1, None
    valid_until = add_years(first, BUSINESS_TERM_YEARS) - dt.timedelta(days=1)
    while valid_until < today:
        terms += 1
        previous, valid_until = valid_until, add_years(first, BUSINESS_TERM_YEARS * terms) - dt.timedelta(days=1)
    if status in ("注销", "吊销") and previous is not None:
        valid_until = previous
    vehicles = draw.between(fewest, most)
    district, streets = HANGZHOU_DISTRICTS.get(licence_no[:6]) or draw.pick(list(HANGZHOU_DISTRICTS.values()))
    legal_person = draw.pick(SURNAMES) + "".join(draw.pick(GIVEN_NAME_CHARS) for _ in range(draw.between(1, 2)))
    return {
        "licence_no": licence_no,
        "business_name": f"杭州{_TRADE_NAMES[trade:trade + 2]}{draw.pick(endings)}",
        "business_scope": scope,
        "status": status,
        "valid_until": valid_until.isoformat(),
        "vehicles": 0 if status in ("注销", "吊销") else vehicles,
        "legal_person_masked": mask_name(legal_person),
        "address": f"杭州市{district}{draw.pick(streets)}{draw.between(1, 999)}号",
    }


# ---------------------------------------------------------------- handlers


class VehicleInfoHandler(ExchangeHandler):
    target, department = "exchange.jj.vehicle", "jj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        plate = body.get("plate")
        if not data.valid_plate(plate):
            raise bad_parameter("plate 不是有效的号牌号码")
        vehicle = lookup_vehicle(self.state, plate)
        return vehicle_info(vehicle, person_name(self.state, vehicle.owner_id_number), beijing_now(self.state))


class DriverHandler(ExchangeHandler):
    target, department = "exchange.jj.driver", "jj"
    id_keys = ID_KEYS | {"licence_no"}

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person = data.parse_person(body.get("licence_no"), self.today())
        if person is None:
            raise bad_parameter("licence_no 不是有效的驾驶证号（公民身份号码）")
        try:
            licence = data.licence(person, self.today())
        except NoRecord:
            raise NoRecord("未查询到驾驶人信息") from None
        return {
            "licence_no_masked": licence["licence_no_masked"],
            "name_masked": mask_name(person_name(self.state, person.id_number)),
            **{key: licence[key] for key in ("class", "status", "points", "valid_until")},
        }


class BusinessHandler(ExchangeHandler):
    target, department = "exchange.ysj.business", "ysj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        licence_no = body.get("licence_no")
        if not isinstance(licence_no, str) or not BUSINESS_LICENCE.fullmatch(licence_no):
            raise bad_parameter("licence_no 应为 12 位数字的道路运输经营许可证号")
        return business(licence_no, self.today())


def exchange_lookup_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/exchange"
    args = {"state": state}
    return [
        (rf"{base}/jj/vehicle", VehicleInfoHandler, args),
        (rf"{base}/jj/driver", DriverHandler, args),
        (rf"{base}/ysj/business", BusinessHandler, args),
    ]
