"""WeChat official-account menu rules, checked before we ask WeChat to apply a menu.

Limits from WeChat's custom-menu documentation: at most 3 top-level buttons, at most 5
sub-buttons each, names at most 16 bytes (top) / 60 bytes (sub) in UTF-8.
"""

TOP_MAX, SUB_MAX = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES = 16, 60
KEY_BYTES, URL_BYTES = 128, 1024
KEY_TYPES = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
             "pic_weixin", "location_select"}
TYPES = KEY_TYPES | {"view", "miniprogram"}
BUTTON_KEYS = {"name", "type", "key", "url", "appid", "pagepath", "sub_button"}


def check_official_account(menu, path: str = "official_account") -> dict:
    """Return {path: [message]} for every rule the menu breaks (empty when it is valid)."""
    errors: dict = {}
    if not isinstance(menu, dict) or not isinstance(menu.get("button"), list):
        return {path: ["公众号菜单应为包含 button 列表的对象"]}
    buttons = menu["button"]
    if not 1 <= len(buttons) <= TOP_MAX:
        errors[f"{path}.button"] = [f"一级菜单须为 1 到 {TOP_MAX} 个"]
    for i, button in enumerate(buttons):
        _check_button(button, f"{path}.button[{i}]", top=True, errors=errors)
    return errors


def _check_button(button, path: str, *, top: bool, errors: dict) -> None:
    if not isinstance(button, dict):
        errors[path] = ["菜单项应为对象"]
        return
    unknown = set(button) - BUTTON_KEYS
    if unknown:
        errors[path] = [f"未知字段：{', '.join(sorted(unknown))}"]
    name = button.get("name")
    limit = TOP_NAME_BYTES if top else SUB_NAME_BYTES
    if not isinstance(name, str) or not name.strip():
        errors[f"{path}.name"] = ["菜单名称不能为空"]
    elif len(name.encode("utf-8")) > limit:
        errors[f"{path}.name"] = [f"{'一' if top else '二'}级菜单名称不能超过 {limit} 字节（汉字按 3 字节计）"]
    if "sub_button" in button:
        subs = button["sub_button"]
        if not top:
            errors[f"{path}.sub_button"] = ["公众号菜单最多两级"]
            return
        if not isinstance(subs, list) or not 1 <= len(subs) <= SUB_MAX:
            errors[f"{path}.sub_button"] = [f"二级菜单须为 1 到 {SUB_MAX} 个"]
            return
        for j, sub in enumerate(subs):
            _check_button(sub, f"{path}.sub_button[{j}]", top=False, errors=errors)
        return
    kind = button.get("type")
    if kind not in TYPES:
        errors[f"{path}.type"] = ["菜单类型须为 click、view、miniprogram 等微信支持的类型"]
        return
    if kind in KEY_TYPES:
        _check_text(button, "key", KEY_BYTES, path, errors)
    if kind in ("view", "miniprogram"):
        url = button.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            errors[f"{path}.url"] = ["须填写以 http:// 或 https:// 开头的网址"]
        elif len(url.encode("utf-8")) > URL_BYTES:
            errors[f"{path}.url"] = [f"网址不能超过 {URL_BYTES} 字节"]
    if kind == "miniprogram":
        _check_text(button, "appid", 64, path, errors)
        _check_text(button, "pagepath", 256, path, errors)


def _check_text(button: dict, key: str, limit: int, path: str, errors: dict) -> None:
    value = button.get(key)
    if not isinstance(value, str) or not value:
        errors[f"{path}.{key}"] = ["此项为必填项"]
    elif len(value.encode("utf-8")) > limit:
        errors[f"{path}.{key}"] = [f"不能超过 {limit} 字节"]
