"""Typed form definitions of service items, and the marshmallow schema built from one.

An item's `form` is a list of fields; `build_form_schema(form)` returns a Schema class that
validates a resident's submission with field-level Chinese messages. `sensitive_fields(form)`
names the answers kept encrypted at rest (models/sensitive.py).
"""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

FIELD_TYPES = ("text", "textarea", "number", "date", "choice", "id_number", "phone", "plate", "file", "bool", "address")
# Personal data whatever the operator says; any other field is sensitive when marked so.
SENSITIVE_TYPES = ("id_number", "phone", "address")
NAME_RE = r"^[a-z][a-z0-9_]{0,39}\Z"

PHONE_RE = re.compile(r"^1[3-9]\d{9}\Z")
# Ordinary plates: province + letter + 5 characters; new-energy plates have 6 (8 in all).
PLATE_RE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{5}[DF])\Z"
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

REQUIRED_MSG = {"required": "此项为必填项", "null": "此项为必填项"}


def id_number_ok(value: str) -> bool:
    """GB 11643 checksum and a plausible birth date (region codes are checked by issue 3's adapter)."""
    import datetime

    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


class OptionSchema(Schema):
    value = fields.String(required=True, validate=validate.Length(1, 40))
    label = fields.String(required=True, validate=validate.Length(1, 40))


class FieldDefSchema(Schema):
    """One field of an item's form definition, as operators write it."""

    name = fields.String(required=True, validate=validate.Regexp(NAME_RE, error="字段名须为小写字母开头的英文、数字或下划线"))
    label = fields.String(required=True, validate=validate.Length(1, 40))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES, error="不支持的字段类型"))
    required = fields.Boolean(load_default=False)
    max_length = fields.Integer(validate=validate.Range(1, 5000))
    min = fields.Float()
    max = fields.Float()
    options = fields.List(fields.Nested(OptionSchema))
    multiple = fields.Boolean()
    help = fields.String(validate=validate.Length(max=200))
    placeholder = fields.String(validate=validate.Length(max=100))
    sensitive = fields.Boolean()  # kept encrypted and shown masked (id_number, phone, address always are)

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data["type"] == "choice" and len(data.get("options") or []) < 2:
            raise ValidationError("选择题至少需要两个选项", "options")
        if data["type"] != "choice" and ("options" in data or "multiple" in data):
            raise ValidationError("只有选择题可以设置选项", "options")
        if "min" in data and "max" in data and data["min"] > data["max"]:
            raise ValidationError("最小值不能大于最大值", "min")
        if data["type"] in SENSITIVE_TYPES and data.get("sensitive") is False:
            raise ValidationError("身份证号、手机号和地址总是加密保存", "sensitive")


def check_form(form: list) -> None:
    """Raise ValidationError for duplicate field names (other rules are in FieldDefSchema)."""
    names = [f["name"] for f in form]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError({"form": [f"字段名重复：{', '.join(dupes)}"]})


def sensitive_fields(form: list) -> dict[str, str]:
    """{name: type} of the fields whose answers are personal data."""
    return {f["name"]: f["type"] for f in form if f["type"] in SENSITIVE_TYPES or f.get("sensitive")}


def _field_for(spec: dict) -> fields.Field:
    kind = spec["type"]
    common = {"required": bool(spec.get("required")), "error_messages": dict(REQUIRED_MSG)}
    if not spec.get("required"):
        common["allow_none"] = True
    # a required answer must say something: blank text is no answer
    filled = [_check(lambda v: bool(v.strip()), REQUIRED_MSG["required"])] if spec.get("required") else []
    if kind in ("text", "textarea", "address"):
        limit = spec.get("max_length") or (200 if kind == "text" else 2000)
        return fields.String(validate=[*filled, validate.Length(max=limit, error=f"不能超过{limit}个字")], **common)
    if kind == "number":
        return fields.Float(validate=_range(spec.get("min"), spec.get("max")),
                            error_messages={**REQUIRED_MSG, "invalid": "请输入数字"}, **_no_err(common))
    if kind == "date":
        return fields.Date(error_messages={**REQUIRED_MSG, "invalid": "日期格式应为 YYYY-MM-DD"}, **_no_err(common))
    if kind == "choice":
        values = [o["value"] for o in spec["options"]]
        one = validate.OneOf(values, error="请从选项中选择")
        if spec.get("multiple"):
            return fields.List(fields.String(validate=one), **common)
        return fields.String(validate=one, **common)
    if kind == "id_number":
        return fields.String(validate=_check(id_number_ok, "身份证号码不正确"), **common)
    if kind == "phone":
        return fields.String(validate=_check(lambda v: bool(PHONE_RE.match(v)), "手机号码格式不正确"), **common)
    if kind == "plate":
        return fields.String(validate=_check(lambda v: bool(PLATE_RE.match(v)), "车牌号格式不正确"), **common)
    if kind == "file":
        # An upload id; models/applications.py checks it names an upload of the applicant's.
        return fields.String(validate=[*filled, validate.Length(max=100, error="上传编号无效")], **common)
    if kind == "bool":
        return fields.Boolean(error_messages={**REQUIRED_MSG, "invalid": "请选择是或否"}, **_no_err(common))
    raise ValueError(f"unknown field type {kind}")


def _range(lo, hi) -> validate.Range | None:
    def show(x):
        return f"{x:g}"
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None:
        message = f"数值须在{show(lo)}到{show(hi)}之间"
    else:
        message = f"数值不能小于{show(lo)}" if lo is not None else f"数值不能大于{show(hi)}"
    return validate.Range(lo, hi, error=message)


def _no_err(common: dict) -> dict:
    return {k: v for k, v in common.items() if k != "error_messages"}


def _check(predicate, message: str):
    def run(value):
        if not predicate(value):
            raise ValidationError(message)

    return run


class _Submission(Schema):
    error_messages = {"unknown": "表单中没有这个字段", "type": "表单数据应为对象"}


def file_answers(form: list, answers: dict) -> list[tuple[str, str]]:
    """(field path, upload id) for each file field answered: `photo`, or `photos[1]` in a list.
    A blank optional field is no answer (a blank required one fails the schema first)."""
    out = []
    for spec in form:
        value = answers.get(spec["name"]) if spec["type"] == "file" else None
        if isinstance(value, str) and value.strip():
            out.append((spec["name"], value))
        elif isinstance(value, list):
            out.extend((f"{spec['name']}[{i}]", v if isinstance(v, str) else "") for i, v in enumerate(value))
    return out


def build_form_schema(form: list) -> type[Schema]:
    """A Schema class for a submission of this form; unknown fields are rejected."""
    attrs = {spec["name"]: _field_for(spec) for spec in form}
    return type("FormSubmission", (_Submission,), attrs)
