"""Typed form definitions of service items, and the marshmallow schema built from one.

An item's `form` is a list of fields; `build_form_schema(form)` returns a Schema class that
validates a resident's submission with field-level Chinese messages. `sensitive_fields(form)`
names the answers kept encrypted at rest (models/sensitive.py).

A field may depend on an earlier choice field: `shown_when` {field, equals} (asked only then) and
`required_when` (required only then), e.g. 邮寄地址 when 领取方式 is 邮寄. `load_answers` applies them
to one submission: a hidden field's answer is dropped, not refused (the resident cannot see it to
fix it, and an answer the application does not need is personal data not to keep), and a
condition met makes the field required like any other (422 `form.<name>`: 此项为必填项).
"""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.plates import PLATE_RE

FIELD_TYPES = ("text", "textarea", "number", "date", "choice", "id_number", "phone", "plate", "file", "bool", "address")
# Personal data whatever the operator says; any other field is sensitive when marked so.
SENSITIVE_TYPES = ("id_number", "phone", "address")
NAME_RE = r"^[a-z][a-z0-9_]{0,39}\Z"

PHONE_RE = re.compile(r"^1[3-9]\d{9}\Z")
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


class ConditionSchema(Schema):
    """True when the earlier choice field `field` has the value `equals` (or includes it, if multiple)."""

    field = fields.String(required=True, validate=validate.Regexp(NAME_RE, error="字段名须为小写字母开头的英文、数字或下划线"))
    equals = fields.String(required=True, validate=validate.Length(1, 40))


PREFILLS = ("login_phone",)  # what the client may fill in before the resident does


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
    shown_when = fields.Nested(ConditionSchema)
    required_when = fields.Nested(ConditionSchema)
    prefill = fields.String(validate=validate.OneOf(PREFILLS, error="不支持的预填方式"))

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
        if data.get("required") and "required_when" in data:
            raise ValidationError("必填字段无需再设条件必填", "required_when")
        if data.get("prefill") == "login_phone" and data["type"] != "phone":
            raise ValidationError("只有手机号字段可以预填登录手机号", "prefill")


def check_form(form: list) -> None:
    """Raise ValidationError for duplicate field names and conditions that name no earlier choice
    field or none of its options (other rules are in FieldDefSchema)."""
    names = [f["name"] for f in form]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError({"form": [f"字段名重复：{', '.join(dupes)}"]})
    errors = {}
    for i, spec in enumerate(form):
        for key in ("shown_when", "required_when"):
            message = _condition_problem(spec.get(key), form[:i])
            if message:
                errors.setdefault(i, {})[key] = [message]
    if errors:
        raise ValidationError({"form": errors})


def _condition_problem(condition: dict | None, earlier: list) -> str:
    if condition is None:
        return ""
    target = next((f for f in earlier if f["name"] == condition["field"]), None)
    if target is None:
        return "条件须引用此字段之前的字段"
    if target["type"] != "choice":
        return "条件引用的字段须为选择题"
    if condition["equals"] not in [o["value"] for o in target["options"]]:
        return "条件值须是所引用字段的选项之一"
    return ""


def _met(condition: dict | None, answers: dict, shown: set) -> bool:
    if condition is None:
        return True
    if condition["field"] not in shown:  # a hidden field has no answer
        return False
    answer = answers.get(condition["field"])
    return condition["equals"] in answer if isinstance(answer, list) else answer == condition["equals"]


def fields_in_force(form: list, answers: dict) -> tuple[list, set]:
    """(the fields this submission answers, each required when its condition is met; the names of
    the hidden ones). Conditions name earlier fields only, so one pass in order settles them."""
    in_force, shown = [], set()
    for spec in form:
        if not _met(spec.get("shown_when"), answers, shown):
            continue
        shown.add(spec["name"])
        if "required_when" in spec and _met(spec["required_when"], answers, shown):
            spec = {**spec, "required": True}
        in_force.append(spec)
    return in_force, {f["name"] for f in form} - shown


def load_answers(form: list, answers) -> dict:
    """A submission's answers, validated against the fields its own answers call for; the answers of
    hidden fields are dropped. Raises marshmallow's ValidationError keyed by field name."""
    if not isinstance(answers, dict):
        return build_form_schema(form)().load(answers)  # the schema's own "表单数据应为对象"
    in_force, hidden = fields_in_force(form, answers)
    return build_form_schema(in_force)().load({k: v for k, v in answers.items() if k not in hidden})


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
