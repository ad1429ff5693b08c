"""办事指南: what residents read about an item before they apply or go.

Part of the item (`guide`); every text has a length limit so the phone's sections stay readable.
The fee itself is the item's `fee_fen` (0: 不收费); `fee_note` says what it is for and on what
basis. The result sample is text: uploads are readable by their owner only, so there is no
public image to point at.
"""

from marshmallow import Schema, fields, validate

# digits with hyphens: 12333, 0571-12345678, 400-123-4567, 13800000000
PHONE_RE = r"^\d(?:-?\d){2,15}\Z"


def _text(limit: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(1, limit, error=f"应为 1 到 {limit} 个字"), **kwargs)


class PlaceSchema(Schema):
    name = _text(60, required=True)
    address = _text(120, required=True)
    hours = _text(120, required=True)


class PhoneSchema(Schema):
    label = _text(30, required=True)
    number = fields.String(required=True, validate=validate.Regexp(PHONE_RE, error="电话号码只能包含数字和连字符"))


class StepSchema(Schema):
    name = _text(20, required=True)
    detail = fields.String(load_default="", validate=validate.Length(max=200, error="不能超过 200 个字"))


class SampleSchema(Schema):
    name = _text(60, required=True)
    description = fields.String(load_default="", validate=validate.Length(max=300, error="不能超过 300 个字"))


def _list(nested, limit: int) -> fields.List:
    return fields.List(nested, load_default=list, validate=validate.Length(max=limit, error=f"最多 {limit} 项"))


class GuideSchema(Schema):
    conditions = _list(_text(200), 10)  # 受理条件
    places = _list(fields.Nested(PlaceSchema), 10)  # 办理地点和时间
    phones = _list(fields.Nested(PhoneSchema), 5)  # 咨询电话
    basis = _list(_text(200), 10)  # 设定依据
    steps = _list(fields.Nested(StepSchema), 12)  # 办理流程, in order
    fee_note = fields.String(load_default="", validate=validate.Length(max=200, error="不能超过 200 个字"))  # 收费说明
    sample = fields.Nested(SampleSchema, load_default=None, allow_none=True)  # 结果样本
