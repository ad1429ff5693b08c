"""人社's vocational certificates (职业技能证书) on the data-sharing exchange
(``sandbox.exchange``): the same signature, envelope, fault, received-log and
call-count rules; the data is derived like ``sandbox.exchange_data``'s.

* ``/exchange/rsj/certificates`` ``{"id_number", "cert_no"?}`` ->
  ``{"certificates": [{"cert_no", "kind", "occupation", "level", "issuer",
  "certified_on", "status"}], "count"}`` (newest first). ``kind``: 职业资格证书
  (issued 1995-2019), 职业技能等级证书 (from 2020, by a recognised
  evaluation body) or 专项职业能力证书 (from 2015, no level); all taken at 18
  or later (issue dates are derived up to 2026-12-31; one after today is not
  held yet). 45 % of the people hold none -> 40401 ``未查询到职业技能证书信息``.
  ``cert_no`` (optional; 1-30 of ``[0-9A-Z]``, else 40001) narrows the answer
  to that one of the person's certificates; not theirs -> 40401: a number
  never reveals someone else's certificate.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sandbox.exchange import ExchangeHandler, bad_parameter
from sandbox.exchange_data import Draw, NoRecord, Person, add_years
from sandbox.state import SandboxState

ENDPOINT_TARGETS = ("exchange.rsj.certificates",)
TARGETS = ENDPOINT_TARGETS

CERT_NO = re.compile(r"[0-9A-Z]{1,30}")
ISSUED_UNTIL = dt.date(2026, 12, 31)  # the derived issue dates run to here; later ones are not held yet
LEVELS = ("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师")
# (kind, first day, last day, occupations, issuers), weight
QUALIFICATION, SKILL_LEVEL, SPECIAL = "职业资格证书", "职业技能等级证书", "专项职业能力证书"
KINDS = (
    ((QUALIFICATION, dt.date(1995, 1, 1), dt.date(2019, 12, 31),
      ("电工", "焊工", "汽车维修工", "中式烹调师", "育婴员", "美容师", "企业人力资源管理师", "物流师"),
      ("浙江省人力资源和社会保障厅", "杭州市职业技能鉴定指导中心")), 30),
    ((SKILL_LEVEL, dt.date(2020, 1, 1), ISSUED_UNTIL,
      ("电工", "钳工", "保育师", "育婴员", "养老护理员", "中式烹调师", "互联网营销师", "网约配送员", "数控车工"),
      ("杭州市职业技能鉴定指导中心", "杭州技师学院", "浙江省对外服务有限公司职业技能等级认定中心",
       "杭州市拱墅区职业技能培训学校")), 50),
    ((SPECIAL, dt.date(2015, 1, 1), ISSUED_UNTIL,
      ("家政服务（母婴护理）", "茶艺", "电子商务（网店运营）", "西式面点制作", "小儿推拿"),
      ("杭州市职业技能鉴定指导中心",)), 20),
)


def _number(kind: str, issued: dt.date, draw: Draw) -> str:
    if kind == SKILL_LEVEL:
        return f"S0000330{draw.below(10**5):05d}{issued:%y}5{draw.below(10**6):06d}"
    if kind == SPECIAL:
        return f"Z33{issued:%y}{draw.below(10**10):010d}"
    return f"{issued:%y}33{draw.below(10**12):012d}"


def certificates(person: Person, today: dt.date) -> list[dict[str, Any]]:
    """The person's certificates, newest first (empty when none)."""
    draw = Draw("rsj.certificates", person.id_number)
    if draw.chance(45):
        return []
    adult = add_years(person.birth, 18)
    found = []
    for _ in range(draw.between(1, 3)):
        kind, first, last, occupations, issuers = draw.weighted(KINDS)
        first = max(first, adult)
        issued = first + dt.timedelta(days=draw.below(max(1, (last - first).days + 1)))
        number, level = _number(kind, issued, draw), None if kind == SPECIAL else draw.pick(LEVELS[:4])
        occupation, issuer = draw.pick(occupations), draw.pick(issuers)
        if first > last or issued > today:
            continue
        found.append({"cert_no": number, "kind": kind, "occupation": occupation, "level": level, "issuer": issuer,
                      "certified_on": issued.isoformat(), "status": "有效"})
    return sorted(found, key=lambda c: c["certified_on"], reverse=True)


class CertificatesHandler(ExchangeHandler):
    target, department = "exchange.rsj.certificates", "rsj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person, cert_no = self.person(body), body.get("cert_no")
        if cert_no is not None and not (isinstance(cert_no, str) and CERT_NO.fullmatch(cert_no)):
            raise bad_parameter("cert_no 应为 1-30 位数字或大写字母")
        held = certificates(person, self.today())
        if not held:
            raise NoRecord("未查询到职业技能证书信息")
        if cert_no is not None:
            held = [c for c in held if c["cert_no"] == cert_no]
            if not held:
                raise NoRecord("未查询到该证书，请核对证书编号")
        return {"certificates": held, "count": len(held)}


def exchange_skills_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    return [(rf"{prefix_re}/exchange/rsj/certificates", CertificatesHandler, {"state": state})]
