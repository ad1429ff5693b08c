"""Validate the demo data (items.json and menus.json next to this file). Standard library only.

Usage: python models/demo/check_demo.py
Prints "ok: N items, menus for wechat/alipay/app" and exits 0 when every rule holds; otherwise
prints one line per problem and exits 1.
"""

import json
import pathlib
import re
import sys
from urllib.parse import parse_qs, urlsplit

HERE = pathlib.Path(__file__).resolve().parent

CHANNELS = ("wechat", "alipay", "app")
CATEGORY_PREFIX = {"社保": "SB", "医保": "YB", "就业": "JY", "交通": "JT"}
CATEGORY_DEPT = {"社保": "rsj", "就业": "rsj", "医保": "ybj", "交通": "jj"}
KINDS = ("application", "query", "link")
FIELD_TYPES = ("text", "textarea", "number", "date", "choice", "id_number", "phone", "plate", "file", "bool", "address")
ONLINE_DEPTHS = ("full_online", "at_most_once", "on_site")
STATUSES = ("published", "draft", "retired")
DISTRICTS = ("330102", "330105", "330106", "330108", "330110")
QUERIES = ("sb.insured_info", "sb.contributions", "sb.pension_payments", "sb.card_status", "yb.account",
           "jy.certificates", "jj.vehicle_violations", "jj.licence_status", "jj.vehicle_inspection")
QUERY_PREFIX = {"社保": "sb.", "医保": "yb.", "就业": "jy.", "交通": "jj."}
REQUIRED_NAMES = ("参保证明打印", "养老保险缴费查询", "养老金资格认证", "社保卡挂失补换", "失业保险金申领",
                  "医保异地就医备案", "违法查询", "罚款缴纳", "驾驶证期满换证", "驾驶证遗失补证",
                  "机动车检验标志申领", "临时号牌申领")
REUSED_MATERIALS = ("id_card", "driving_licence", "vehicle_licence")
BADGES = ("热门", "新", "推荐")

ITEM_KEYS = {"code", "name", "category", "department", "kind", "channels", "description", "keywords", "form",
             "materials", "promise_days", "fee_fen", "online_depth", "regions", "query", "link_url", "status"}
FIELD_REQUIRED_KEYS = {"name", "label", "type", "required"}
FIELD_OPTIONAL_KEYS = {"max_length", "min", "max", "options", "multiple", "help", "placeholder", "sensitive"}
MATERIAL_KEYS = {"code", "name", "required"}
MATERIAL_OPTIONAL_KEYS = {"note"}

# The platform fills in the applicant's identity; a form may only ask for someone else's.
OWN_IDENTITY_FIELD_NAMES = {"name", "applicant_name", "real_name", "id_number", "id_no", "id_card",
                            "applicant_id_number", "idcard"}
OTHER_PERSON_MARKERS = ("代办", "监护人", "亲属", "家庭成员", "共济", "对方", "配偶", "子女", "受托", "代理")

CODE_RE = re.compile(r"^[A-Z]{2}[0-9]{4}$")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OPTION_VALUE_RE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
REGION_RE = re.compile(r"^\d{6}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
WX_APPID_RE = re.compile(r"^wx[0-9a-f]{16}$")
ALIPAY_APPID_RE = re.compile(r"^2021\d{12}$")

WX_TOP_MAX, WX_SUB_MAX = 3, 5
WX_TOP_NAME_BYTES, WX_SUB_NAME_BYTES, WX_KEY_BYTES, WX_URL_BYTES = 16, 60, 128, 1024
WX_DEMO_APPID = "wxdemoappid"

errors: list[str] = []


def err(path: str, message: str) -> None:
    errors.append(f"{path}: {message}")


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_chinese(value, max_len=None) -> bool:
    return (isinstance(value, str) and bool(value.strip()) and bool(CJK_RE.search(value))
            and (max_len is None or len(value) <= max_len))


def https_url(value, gov_only: bool = False) -> bool:
    if not isinstance(value, str) or len(value.encode("utf-8")) > WX_URL_BYTES:
        return False
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme != "https" or "." not in host or " " in value:
        return False
    return host.endswith(".gov.cn") if gov_only else True


def exact_keys(obj, required: set, optional: set, path: str) -> bool:
    if not isinstance(obj, dict):
        err(path, "应为对象")
        return False
    missing, extra = required - obj.keys(), obj.keys() - required - optional
    if missing:
        err(path, f"缺少字段 {sorted(missing)}")
    if extra:
        err(path, f"多余字段 {sorted(extra)}")
    return not missing


def load(name: str):
    try:
        return json.loads((HERE / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err(name, f"无法读取或不是合法 JSON：{exc}")
        return None


# ---------------------------------------------------------------------------- items


def check_field(field, path: str, kind: str) -> None:
    if not exact_keys(field, FIELD_REQUIRED_KEYS, FIELD_OPTIONAL_KEYS, path):
        return
    name, label, ftype = field["name"], field["label"], field["type"]
    if not isinstance(name, str) or not SNAKE_RE.match(name):
        err(path, f"字段名 {name!r} 须为小写 snake_case")
    if not is_chinese(label, 40):
        err(path, "label 须为不超过40字的中文")
    if ftype not in FIELD_TYPES:
        err(path, f"不支持的字段类型 {ftype!r}")
    if not isinstance(field["required"], bool):
        err(path, "required 须为布尔值")
    if "max_length" in field and (ftype not in ("text", "textarea", "address") or not is_int(field["max_length"])
                                  or field["max_length"] < 1):
        err(path, "max_length 只用于 text/textarea/address，且须为正整数")
    if "sensitive" in field and field["sensitive"] is not True:
        err(path, "sensitive 只可为 true（身份证号、手机号和地址总是加密保存）")
    if ftype == "textarea" and isinstance(name, str) and isinstance(label, str) and (
            "地址" in label or name.endswith("address")):
        err(path, "地址请用 address 类型（加密保存、脱敏显示）")
    if isinstance(label, str) and "姓名" in label and field.get("sensitive") is not True:
        err(path, "他人姓名须标 sensitive: true（加密保存、脱敏显示）")
    for bound in ("min", "max"):
        if bound in field and (ftype != "number" or not isinstance(field[bound], (int, float))
                               or isinstance(field[bound], bool)):
            err(path, f"{bound} 只用于 number 字段，且须为数字")
    if ftype == "number" and "min" in field and "max" in field and field["min"] > field["max"]:
        err(path, "min 不能大于 max")
    if ftype == "choice":
        options = field.get("options")
        if not isinstance(options, list) or len(options) < 2:
            err(path, "choice 字段须有至少2个 options")
        else:
            values = []
            for k, opt in enumerate(options):
                opath = f"{path}.options[{k}]"
                if exact_keys(opt, {"value", "label"}, set(), opath):
                    if not isinstance(opt["value"], str) or not OPTION_VALUE_RE.match(opt["value"]):
                        err(opath, "value 须为 ASCII 字母、数字或下划线")
                    if not is_chinese(opt["label"], 40):
                        err(opath, "label 须为不超过40字的中文")
                    values.append(opt.get("value"))
            if len(values) != len(set(values)):
                err(path, "options 的 value 重复")
        if "multiple" in field and not isinstance(field["multiple"], bool):
            err(path, "multiple 须为布尔值")
    elif "options" in field or "multiple" in field:
        err(path, "只有 choice 字段可以设置 options/multiple")
    if "help" in field and not is_chinese(field["help"], 60):
        err(path, "help 须为不超过60字的中文提示")
    if "placeholder" in field and (not isinstance(field["placeholder"], str) or len(field["placeholder"]) > 40):
        err(path, "placeholder 须为不超过40字的字符串")
    # identity is filled by the platform
    if isinstance(name, str) and name in OWN_IDENTITY_FIELD_NAMES:
        err(path, f"字段 {name} 疑似申请人本人身份信息，应由平台实名信息自动填充")
    if isinstance(label, str) and (ftype == "id_number" or "姓名" in label or "身份证" in label):
        if not any(marker in label for marker in OTHER_PERSON_MARKERS):
            err(path, f"“{label}”疑似申请人本人身份信息；只能收集他人（如代办人、家庭成员）的身份信息")
    if kind == "query" and ftype in ("file", "textarea", "address", "id_number"):
        err(path, f"查询类事项不应要求填写 {ftype} 字段")


def check_items(items) -> dict:
    if not isinstance(items, list):
        err("items.json", "顶层应为数组")
        return {}
    if len(items) < 44:
        err("items.json", f"事项至少44个，现有{len(items)}个")
    by_code: dict = {}
    names: set = set()
    material_names: dict = {}   # material code -> (name, first item code)
    material_use: dict = {}     # material code -> number of items using it
    for i, item in enumerate(items):
        path = f"items[{i}]"
        if not exact_keys(item, ITEM_KEYS, set(), path):
            continue
        code = item["code"]
        path = f"items[{i}]({code})"
        if not isinstance(code, str) or not CODE_RE.match(code):
            err(path, "code 格式应为两位大写字母加四位数字")
        elif code in by_code:
            err(path, "code 重复")
        by_code[code] = item
        name = item["name"]
        if not is_chinese(name, 30):
            err(path, "name 须为不超过30字的中文")
        elif name in names:
            err(path, f"name “{name}”重复")
        names.add(name)
        category, kind = item["category"], item["kind"]
        if category not in CATEGORY_PREFIX:
            err(path, f"category {category!r} 无效")
        else:
            if isinstance(code, str) and not code.startswith(CATEGORY_PREFIX[category]):
                err(path, f"{category} 事项编码应以 {CATEGORY_PREFIX[category]} 开头")
            if item["department"] != CATEGORY_DEPT[category]:
                err(path, f"{category} 事项的 department 应为 {CATEGORY_DEPT[category]}")
        if kind not in KINDS:
            err(path, f"kind {kind!r} 无效")
        ch = item["channels"]
        if not isinstance(ch, list) or not ch or any(c not in CHANNELS for c in ch) or len(ch) != len(set(ch)):
            err(path, "channels 须为 wechat/alipay/app 的非空不重复子集")
        desc = item["description"]
        sentences = [s for s in re.split(r"[。！？]", desc) if s.strip()] if isinstance(desc, str) else []
        if not is_chinese(desc, 500) or not desc.endswith(("。", "！", "？")) or not 1 <= len(sentences) <= 3:
            err(path, "description 须为1-3句中文，以句号结尾")
        kws = item["keywords"]
        if (not isinstance(kws, list) or len(kws) > 5 or len(set(kws)) != len(kws)
                or not all(is_chinese(k, 20) or (isinstance(k, str) and 0 < len(k) <= 20) for k in kws)):
            err(path, "keywords 须为0-5个不重复的短词")
        elif name in kws:
            err(path, "keywords 不应重复事项名称")

        form = item["form"]
        if not isinstance(form, list):
            err(path, "form 须为数组")
            form = []
        if kind == "link" and form:
            err(path, "链接类事项 form 须为空")
        if kind == "query" and len(form) > 3:
            err(path, "查询类事项只需少量查询条件（至多3个字段）")
        if kind == "application" and not 3 <= len(form) <= 8:
            err(path, f"办件类事项表单应有3-8个字段，现有{len(form)}个")
        fnames = [f.get("name") for f in form if isinstance(f, dict)]
        if len(fnames) != len(set(fnames)):
            err(path, "form 字段名重复")
        for j, field in enumerate(form):
            check_field(field, f"{path}.form[{j}]", kind)

        mats = item["materials"]
        if not isinstance(mats, list):
            err(path, "materials 须为数组")
            mats = []
        if kind in ("query", "link") and mats:
            err(path, "查询类和链接类事项 materials 须为空")
        mcodes = []
        for j, mat in enumerate(mats):
            mpath = f"{path}.materials[{j}]"
            if not exact_keys(mat, MATERIAL_KEYS, MATERIAL_OPTIONAL_KEYS, mpath):
                continue
            mcode = mat["code"]
            if not isinstance(mcode, str) or not SNAKE_RE.match(mcode):
                err(mpath, "材料 code 须为 snake_case")
                continue
            mcodes.append(mcode)
            if not is_chinese(mat["name"], 60):
                err(mpath, "材料名称须为不超过60字的中文")
            if not isinstance(mat["required"], bool):
                err(mpath, "required 须为布尔值")
            if "note" in mat and not is_chinese(mat["note"], 200):
                err(mpath, "note 须为中文说明")
            seen = material_names.get(mcode)
            if seen is None:
                material_names[mcode] = (mat["name"], code)
            elif seen[0] != mat["name"]:
                err(mpath, f"材料 {mcode} 名称“{mat['name']}”与 {seen[1]} 中的“{seen[0]}”不一致（同一材料须同名）")
        if len(mcodes) != len(set(mcodes)):
            err(path, "materials 的 code 重复")
        for mcode in set(mcodes):
            material_use[mcode] = material_use.get(mcode, 0) + 1

        pd, fee = item["promise_days"], item["fee_fen"]
        if not is_int(pd) or pd < 0:
            err(path, "promise_days 须为非负整数")
        if not is_int(fee) or fee < 0:
            err(path, "fee_fen 须为非负整数")
        depth = item["online_depth"]
        if depth not in ONLINE_DEPTHS:
            err(path, f"online_depth {depth!r} 无效")
        if kind in ("query", "link"):
            if pd != 0 or fee != 0:
                err(path, "查询类和链接类事项 promise_days、fee_fen 须为0")
            if depth != "full_online":
                err(path, "查询类和链接类事项应为 full_online")

        regions = item["regions"]
        if (not isinstance(regions, list) or len(set(regions)) != len(regions)
                or any(not isinstance(r, str) or r not in DISTRICTS for r in regions)):
            err(path, f"regions 须为空数组或 {DISTRICTS} 的子集")
        q = item["query"]
        if kind == "query":
            if q not in QUERIES:
                err(path, f"query {q!r} 不是可用的查询接口")
            elif category in QUERY_PREFIX and not q.startswith(QUERY_PREFIX[category]):
                err(path, f"{category} 事项应使用 {QUERY_PREFIX[category]}* 查询接口")
        elif q is not None:
            err(path, "非查询类事项 query 须为 null")
        url = item["link_url"]
        if kind == "link":
            if not https_url(url, gov_only=True):
                err(path, "链接类事项 link_url 须为 .gov.cn 域名的 https 网址")
        elif url is not None:
            err(path, "非链接类事项 link_url 须为 null")
        if item["status"] not in STATUSES:
            err(path, f"status {item['status']!r} 无效")

    valid = [it for it in by_code.values()]
    cats = [it.get("category") for it in valid]
    kinds = [it.get("kind") for it in valid]
    statuses = [it.get("status") for it in valid]
    if cats.count("交通") < 18:
        err("items.json", f"交通事项至少18个，现有{cats.count('交通')}个")
    rsj_ybj = sum(cats.count(c) for c in ("社保", "医保", "就业"))
    if rsj_ybj < 18:
        err("items.json", f"社保、医保、就业事项合计至少18个，现有{rsj_ybj}个")
    for kind, least in (("query", 10), ("application", 22), ("link", 2)):
        if kinds.count(kind) < least:
            err("items.json", f"{kind} 事项至少{least}个，现有{kinds.count(kind)}个")
    if statuses.count("draft") != 2 or statuses.count("retired") != 1:
        err("items.json", f"应恰有2个 draft、1个 retired 事项，现有 draft {statuses.count('draft')} 个、"
                          f"retired {statuses.count('retired')} 个")
    regional = [it["code"] for it in valid if it.get("regions")]
    if not 2 <= len(regional) <= 3:
        err("items.json", f"限定区县的事项应为2-3个，现有{len(regional)}个：{regional}")
    channel_specific = [it["code"] for it in valid if len(it.get("channels") or []) < len(CHANNELS)]
    if len(channel_specific) < 2:
        err("items.json", "应有几个只在部分渠道提供的事项")
    present = {it.get("name") for it in valid}
    for name in REQUIRED_NAMES:
        if name not in present:
            err("items.json", f"缺少必备事项“{name}”")
    for mcode in REUSED_MATERIALS:
        if material_use.get(mcode, 0) < 2:
            err("items.json", f"材料 {mcode} 应在多个事项中复用，现仅 {material_use.get(mcode, 0)} 个")
    return by_code


# ---------------------------------------------------------------------------- menus


def check_visibility(vis, path: str, *, allowed_regions=DISTRICTS) -> None:
    if not exact_keys(vis, {"regions", "realname_required"}, set(), path):
        return
    regions = vis["regions"]
    if not isinstance(regions, list) or any(not isinstance(r, str) or not REGION_RE.match(r) for r in regions):
        err(path, "regions 须为6位行政区划代码数组")
    elif any(r not in allowed_regions for r in regions):
        err(path, f"regions 须为 {list(allowed_regions)} 的子集")
    if not isinstance(vis["realname_required"], bool):
        err(path, "realname_required 须为布尔值")


def check_entry(entry, path: str, channel: str, items: dict) -> str | None:
    base = {"type", "icon", "badge", "visibility"}
    etype = entry.get("type") if isinstance(entry, dict) else None
    extra = {"item": {"item_code"}, "link": {"title", "url"}, "miniprogram": {"title", "appid", "path"}}.get(etype)
    if extra is None:
        err(path, f"入口类型 {etype!r} 无效")
        return None
    if not exact_keys(entry, base | extra, set(), path):
        return None
    if not isinstance(entry["icon"], str) or not SLUG_RE.match(entry["icon"]):
        err(path, "icon 须为小写 slug")
    if entry["badge"] is not None and entry["badge"] not in BADGES:
        err(path, f"badge 须为 null 或 {BADGES} 之一")
    vis = entry["visibility"]
    if etype == "item":
        code = entry["item_code"]
        item = items.get(code)
        if item is None:
            err(path, f"事项 {code} 不存在")
            return code
        if item.get("status") != "published":
            err(path, f"事项 {code} 未发布（{item.get('status')}）")
        if channel not in (item.get("channels") or []):
            err(path, f"事项 {code} 未在 {channel} 渠道提供")
        allowed = tuple(item.get("regions") or ()) or DISTRICTS
        check_visibility(vis, f"{path}.visibility", allowed_regions=allowed)
        if isinstance(vis, dict) and item.get("regions") and not vis.get("regions"):
            err(path, f"事项 {code} 只在部分区县提供，入口 visibility.regions 须限定在这些区县")
        want = item.get("kind") in ("query", "application")
        if isinstance(vis, dict) and vis.get("realname_required") is not want:
            err(path, f"事项 {code}（{item.get('kind')}）的 realname_required 应为 {str(want).lower()}")
        return code
    check_visibility(vis, f"{path}.visibility")
    if not is_chinese(entry["title"], 20):
        err(path, "title 须为不超过20字的中文")
    if isinstance(vis, dict) and vis.get("realname_required") is not False:
        err(path, "链接和小程序入口的 realname_required 应为 false")
    if etype == "link":
        if not https_url(entry["url"]):
            err(path, "url 须为 https 网址")
    else:
        if channel == "app":
            err(path, "App 菜单不能放小程序入口")
        elif channel == "wechat" and not WX_APPID_RE.match(str(entry["appid"])):
            err(path, "微信小程序 appid 应为 wx 加16位十六进制")
        elif channel == "alipay" and not ALIPAY_APPID_RE.match(str(entry["appid"])):
            err(path, "支付宝小程序 appid 应为 2021 开头的16位数字")
        if not isinstance(entry["path"], str) or not entry["path"] or entry["path"].startswith("/"):
            err(path, "path 须为非空相对页面路径")
    return None


def utf8_len(value) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


def check_wx_button(button, path: str, top: bool, items: dict) -> None:
    if not isinstance(button, dict):
        err(path, "菜单项应为对象")
        return
    name = button.get("name")
    limit = WX_TOP_NAME_BYTES if top else WX_SUB_NAME_BYTES
    if not isinstance(name, str) or not name.strip():
        err(path, "name 不能为空")
    elif utf8_len(name) > limit:
        err(path, f"“{name}”为{utf8_len(name)}字节，超过{'一' if top else '二'}级菜单上限{limit}字节")
    if "sub_button" in button:
        if not top:
            err(path, "公众号菜单最多两级")
            return
        if set(button) != {"name", "sub_button"}:
            err(path, "含 sub_button 的一级菜单只能有 name 和 sub_button")
        subs = button["sub_button"]
        if not isinstance(subs, list) or not 1 <= len(subs) <= WX_SUB_MAX:
            err(path, f"sub_button 须为1-{WX_SUB_MAX}个")
            return
        for j, sub in enumerate(subs):
            check_wx_button(sub, f"{path}.sub_button[{j}]", False, items)
        return
    btype = button.get("type")
    keys = {"click": {"name", "type", "key"}, "view": {"name", "type", "url"},
            "miniprogram": {"name", "type", "url", "appid", "pagepath"}}.get(btype)
    if keys is None:
        err(path, "type 须为 click、view 或 miniprogram")
        return
    if set(button) != keys:
        err(path, f"{btype} 菜单应恰有字段 {sorted(keys)}")
        return
    if btype == "click":
        key = button["key"]
        if not isinstance(key, str) or not key or utf8_len(key) > WX_KEY_BYTES:
            err(path, f"key 须为1-{WX_KEY_BYTES}字节")
    else:
        if not https_url(button["url"]):
            err(path, "url 须为 https 网址（不超过1024字节）")
    if btype == "miniprogram":
        if button["appid"] != WX_DEMO_APPID:
            err(path, f"appid 应为 {WX_DEMO_APPID}")
        pagepath = button["pagepath"]
        if not isinstance(pagepath, str) or not pagepath or pagepath.startswith("/") or utf8_len(pagepath) > 256:
            err(path, "pagepath 须为非空相对路径")
        else:
            for code in parse_qs(urlsplit(pagepath).query).get("code", []):
                item = items.get(code)
                if item is None or item.get("status") != "published" or "wechat" not in item.get("channels", []):
                    err(path, f"pagepath 指向的事项 {code} 不存在、未发布或不在微信渠道提供")


def check_menus(menus, items: dict) -> None:
    if not isinstance(menus, dict) or set(menus) != set(CHANNELS):
        err("menus.json", "顶层应为恰含 wechat、alipay、app 的对象")
        return
    for channel in CHANNELS:
        menu = menus[channel]
        path = f"menus.{channel}"
        want = {"sections", "official_account"} if channel == "wechat" else {"sections"}
        if not exact_keys(menu, want, set(), path):
            continue
        sections = menu["sections"]
        if not isinstance(sections, list) or not 3 <= len(sections) <= 5:
            err(path, "每个渠道须有3-5个栏目")
            continue
        keys = []
        for i, section in enumerate(sections):
            spath = f"{path}.sections[{i}]"
            if not exact_keys(section, {"key", "title", "icon", "entries"}, set(), spath):
                continue
            keys.append(section["key"])
            if not isinstance(section["key"], str) or not SLUG_RE.match(section["key"]):
                err(spath, "key 须为小写 ASCII slug")
            if not is_chinese(section["title"], 12):
                err(spath, "title 须为不超过12字的中文")
            if not isinstance(section["icon"], str) or not SLUG_RE.match(section["icon"]):
                err(spath, "icon 须为小写 slug")
            entries = section["entries"]
            if not isinstance(entries, list) or not 3 <= len(entries) <= 8:
                err(spath, "每个栏目须有3-8个入口")
                continue
            codes = [check_entry(e, f"{spath}.entries[{j}]", channel, items) for j, e in enumerate(entries)]
            codes = [c for c in codes if c]
            if len(codes) != len(set(codes)):
                err(spath, "同一栏目内事项重复")
        if len(keys) != len(set(keys)):
            err(path, "栏目 key 重复")
        if channel == "wechat":
            oa = menu["official_account"]
            opath = f"{path}.official_account"
            if exact_keys(oa, {"button"}, set(), opath):
                buttons = oa["button"]
                if not isinstance(buttons, list) or not 1 <= len(buttons) <= WX_TOP_MAX:
                    err(opath, f"一级菜单须为1-{WX_TOP_MAX}个")
                else:
                    for i, button in enumerate(buttons):
                        check_wx_button(button, f"{opath}.button[{i}]", True, items)


def main() -> int:
    items = load("items.json")
    menus = load("menus.json")
    by_code = check_items(items) if items is not None else {}
    if menus is not None:
        check_menus(menus, by_code)
    if errors:
        for line in errors:
            print(line)
        print(f"FAILED: {len(errors)} problem(s)")
        return 1
    print(f"ok: {len(items)} items, menus for {'/'.join(CHANNELS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
