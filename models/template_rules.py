"""What a value of each keyword type may be, checked before sending: WeChat refuses a whole
subscribe message (47003) for one bad value. The rules follow the documented content limits of
subscribeMessage.send, on the safe side where the documentation is loose (a date is
`2019年10月1日` or `2019-10-01`; a time `15:01`, or such a date and a time); Alipay's keywords
take any text up to the length the template declares."""

import datetime as dt
import re

# WeChat keyword types, as their keys start (`thing1`, `character_string13`), and what they hold
WECHAT_TYPES = {
    "thing": "事物", "number": "数字", "letter": "字母", "symbol": "符号", "character_string": "字符串",
    "time": "时间", "date": "日期", "amount": "金额", "phone_number": "电话", "car_number": "车牌",
    "name": "姓名", "phrase": "汉字",
}
ALIPAY_TYPE = "keyword"
THING_MAX = 20

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_SYMBOL = rf"[^\sA-Za-z0-9{_CJK}\x00-\x1f\x7f]"
_DATE = re.compile(r"(?P<y>[0-9]{4})(?:年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日|-(?P<m2>[0-9]{1,2})-(?P<d2>[0-9]{1,2}))")
_CLOCK = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
_DATE_TIME = re.compile(rf"(?P<date>{_DATE.pattern})(?:(?:\s|(?<=日)){_CLOCK})?")
_TIME = re.compile(rf"(?:(?P<date>{_DATE.pattern})(?:\s|(?<=日)))?{_CLOCK}")

# type -> (pattern the whole value matches, the most characters, what to say otherwise)
_PATTERNS = {
    "number": (r"[0-9]+(?:\.[0-9]+)?", 33, "应为 32 位以内数字，可带小数"),
    "letter": (r"[A-Za-z]+", 32, "应为 32 位以内字母"),
    "symbol": (rf"{_SYMBOL}+", 5, "应为 5 位以内符号"),
    "character_string": (r"[\x21-\x7e]+", 32, "应为 32 位以内数字、字母或符号"),
    "amount": (r"[¥￥$]?[0-9]{1,10}(?:\.[0-9]+)?元?", 32, "应为 1 个币种符号加 10 位以内数字，可带小数，结尾可带“元”"),
    "phone_number": (r"[0-9+()\-]+", 17, "应为 17 位以内数字或符号"),
    "car_number": (rf"[{_CJK}]?[A-Za-z0-9]+[{_CJK}]?", 8, "应为 8 位以内的车牌，首尾可为汉字，其余为字母或数字"),
    "phrase": (rf"[{_CJK}]+", 5, "应为 5 个以内汉字"),
}


def _real_date(match: re.Match) -> bool:
    year, month, day = match.group("y"), match.group("m") or match.group("m2"), match.group("d") or match.group("d2")
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _moments(value: str, pattern: re.Pattern) -> bool:
    """One moment, or a range `a~b`, each matching `pattern` with a real date."""
    parts = value.split("~")
    if len(parts) > 2:
        return False
    for part in parts:
        match = pattern.fullmatch(part.strip())
        if match is None or (match.group("date") and not _real_date(_DATE.match(match.group("date")))):
            return False
    return True


def _name(value: str) -> bool:
    if re.fullmatch(rf"[{_CJK}·]{{1,10}}", value):
        return True
    return re.fullmatch(r"[A-Za-z .'·-]{1,20}", value) is not None and any(c.isalpha() for c in value)


def problem(kind: str, value: str, longest: int | None = None) -> str | None:
    """Why `value` does not fit a key of type `kind` (None: it fits). `longest`: an Alipay
    keyword's length."""
    if not isinstance(value, str) or not value.strip():
        return "不能为空"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "不能含换行等控制字符"
    if kind == ALIPAY_TYPE:
        return None if len(value) <= (longest or THING_MAX) else f"应在 {longest or THING_MAX} 个字以内"
    if kind == "thing":
        return None if len(value) <= THING_MAX else f"应在 {THING_MAX} 个字以内"
    if kind == "time":
        return None if _moments(value, _TIME) else "应为 24 小时制时间，如 15:01 或 2019年10月1日 15:01"
    if kind == "date":
        return None if _moments(value, _DATE_TIME) else "应为日期，如 2019年10月1日 或 2019-10-01"
    if kind == "name":
        return None if _name(value) else "应为 10 个以内汉字或 20 个以内字母"
    if kind not in _PATTERNS:
        return f"未知的类型 {kind}"
    pattern, most, rule = _PATTERNS[kind]
    ok = re.fullmatch(pattern, value) is not None and len(value) <= most
    if kind == "number":
        ok = ok and sum(c.isdigit() for c in value) <= 32
    return None if ok else rule


def fit(kind: str, value: str, longest: int | None = None) -> str:
    """Free text cut to its key's length with "…" (a long item name still goes out); values of
    other types are left for `problem` to refuse."""
    limit = THING_MAX if kind == "thing" else (longest or THING_MAX) if kind == ALIPAY_TYPE else None
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"
