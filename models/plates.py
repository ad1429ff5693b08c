"""Motor vehicle plates (GA 36-2018): the one rule for form fields and 我的车辆.

A plate is a province abbreviation, the issuing office's letter (never I or O), then either
five characters (the last may be 挂 学 警 港 澳), or a new-energy plate's six: D or F (battery or
other new energy) then a letter or digit and four digits on a small vehicle, five digits then D or F
on a large one. The residents' app mirrors this in miniprogram/src/common/plates.js.
"""

import re

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_CHAR = "[A-HJ-NP-Z0-9]"
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z]"
    rf"(?:{_CHAR}{{4}}[A-HJ-NP-Z0-9挂学警港澳]|[DF]{_CHAR}\d{{4}}|\d{{5}}[DF])\Z"
)


def valid_plate(value: str) -> bool:
    return isinstance(value, str) and PLATE_RE.match(value) is not None
