"""Regions (行政区划) a resident may choose on the home page: the codes the published items carry,
with their names. An item with no region is offered city-wide; one with regions only there."""

import re

from models.errors import AppError

CODE = re.compile(r"^\d{6}\Z")
# The demo city's districts (GB/T 2260). A deployment names its own; a code missing here is shown as its number.
NAMES = {
    "330100": "杭州市", "330102": "上城区", "330105": "拱墅区", "330106": "西湖区", "330108": "滨江区",
    "330109": "萧山区", "330110": "余杭区", "330111": "富阳区", "330112": "临安区", "330113": "临平区",
    "330114": "钱塘区", "330122": "桐庐县", "330127": "淳安县", "330182": "建德市",
}


def check(value: str | None) -> str | None:
    """A `region` query value: absent, or six digits (anything else is a 400, not a cache entry)."""
    if value in (None, ""):
        return None
    if not CODE.fullmatch(value):
        raise AppError(400, "request.bad_query", "参数 region 应为6位行政区划代码")
    return value


def name(code: str) -> str:
    return NAMES.get(code, f"行政区划 {code}")


def offered(items: list[dict]) -> list[dict]:
    codes = sorted({code for item in items for code in item.get("regions") or ()})
    return [{"code": code, "name": name(code)} for code in codes]
