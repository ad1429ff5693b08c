"""Alipay mini-program message templates: the ones each app picked ("我的模板"), with their
keywords. ``alipay.open.app.mini.templatemessage.send`` checks a message against them: a
template the app does not have (unknown, deleted, or another app's) is refused as Alipay does,
``40004`` ``USER_TEMPLATE_ILLEGAL`` 模板非法; ``data`` whose keys are not exactly the template's
keywords ("占位符必须和申请模板时的关键词一一匹配"), or a value that is not a non-empty string
within its keyword's length, is ``40002`` ``isv.invalid-parameter`` naming the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# template id -> {keyword -> the longest value it takes, in characters}
DEFAULT_ALIPAY_TEMPLATES: dict[str, dict[str, int]] = {
    # 办件进度提醒: 办理事项, 办件编号, 办理状态, 更新时间, 温馨提示
    "TPL_ALIPAY_STATUS": {"keyword1": 20, "keyword2": 32, "keyword3": 10, "keyword4": 20, "keyword5": 20},
    # 预约提醒: 预约事项, 预约时间
    "TPL_APPOINTMENT_REMINDER": {"keyword1": 20, "keyword2": 20},
}
KEYWORD = re.compile(r"keyword[1-9][0-9]?")
ILLEGAL = ("40004", "USER_TEMPLATE_ILLEGAL", "模板非法")


def app_templates(apps, templates: Mapping[str, Mapping[str, Mapping[str, int]]] | None) -> dict:
    """app_id -> template id -> keywords (default: ``DEFAULT_ALIPAY_TEMPLATES`` for every app)."""
    if templates is None:
        templates = {app_id: DEFAULT_ALIPAY_TEMPLATES for app_id in apps}
    out = {app_id: {t: dict(keys) for t, keys in own.items()} for app_id, own in templates.items()}
    for app_id, own in out.items():
        for template_id, keys in own.items():
            if not keys or not all(KEYWORD.fullmatch(k) and isinstance(n, int) and n > 0 for k, n in keys.items()):
                raise ValueError(f"{app_id} template {template_id!r}: keys must be keywordN with a length above 0")
    return out


def refusal(templates: dict, app_id: str, template_id: Any, data: dict) -> tuple[str, str, str] | None:
    """(code, sub_code, sub_msg) when this app may not send ``data`` with this template."""
    keys = templates.get(app_id, {}).get(template_id) if isinstance(template_id, str) else None
    if keys is None:
        return ILLEGAL
    for key in sorted(set(keys) ^ set(data)):
        what = "不是模板的关键词" if key in data else "缺少该关键词"
        return "40002", "isv.invalid-parameter", f"参数无效: data.{key} {what}"
    for key, longest in keys.items():
        item = data[key]
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value or len(value) > longest:
            return "40002", "isv.invalid-parameter", f"参数无效: data.{key}.value 应为 1 到 {longest} 个字符"
    return None
