"""Simplified Chinese defaults for marshmallow's built-in messages (residents and operators read them)."""

from marshmallow import Schema, fields, validate


def install() -> None:
    fields.Field.default_error_messages.update(
        required="此项为必填项", null="此项不能为空", validator_failed="取值无效")
    for cls, message in [(fields.String, "应为文本"), (fields.Integer, "应为整数"), (fields.Number, "应为数字"),
                         (fields.Float, "应为数字"), (fields.Boolean, "应为是或否"), (fields.List, "应为列表"),
                         (fields.Dict, "应为对象"), (fields.DateTime, "时间格式不正确"), (fields.Date, "日期格式不正确"),
                         (fields.Url, "网址格式不正确")]:
        cls.default_error_messages = {**cls.default_error_messages, "invalid": message}
    fields.Nested.default_error_messages = {**fields.Nested.default_error_messages, "type": "应为对象"}
    fields.Integer.default_error_messages = {**fields.Integer.default_error_messages, "invalid": "应为整数"}
    Schema._default_error_messages = {"type": "应为对象", "unknown": "不允许的字段"}
    validate.Length.message_min = "长度不能少于 {min}"
    validate.Length.message_max = "长度不能超过 {max}"
    validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
    validate.Length.message_equal = "长度应为 {equal}"
    # Range formats these twice: once for the operator words, then with the bounds.
    validate.Range.message_min = "应{min_op} {{min}}"
    validate.Range.message_max = "应{max_op} {{max}}"
    validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte, validate.Range.message_gt = "大于或等于", "大于"
    validate.Range.message_lte, validate.Range.message_lt = "小于或等于", "小于"
    validate.OneOf.default_message = "取值应为以下之一：{choices}"
    validate.Regexp.default_message = "格式不正确"
    validate.URL.default_message = "网址格式不正确"


install()
