"""好差评 as the national standard has it: five levels; the two lowest need a reason from a list
and the resident's own words. Older clients send a score 1-5, still taken (5 is 非常满意)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

# level: (label, score)
LEVELS = {
    "very_satisfied": ("非常满意", 5), "satisfied": ("满意", 4), "basically_satisfied": ("基本满意", 3),
    "dissatisfied": ("不满意", 2), "very_dissatisfied": ("非常不满意", 1),
}
BY_SCORE = {score: level for level, (_, score) in LEVELS.items()}
BAD = {"dissatisfied", "very_dissatisfied"}  # each opens a rectification ticket (models/tickets.py)
REASONS = {
    "slow": "办理时间长", "attitude": "服务态度差", "many_trips": "多次跑腿", "unclear": "告知不清楚",
    "extra_materials": "要求额外材料", "system": "系统操作不便", "result": "对办理结果不满意", "other": "其他",
}


class RatingSchema(Schema):
    level = fields.String(load_default=None, validate=validate.OneOf(list(LEVELS), error="请选择评价等级"))
    score = fields.Integer(load_default=None, validate=validate.Range(1, 5))  # older clients
    reasons = fields.List(fields.String(validate=validate.OneOf(list(REASONS), error="未知的原因")),
                          load_default=list, validate=validate.Length(max=len(REASONS)))
    comment = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _rules(self, data, **kwargs):
        if (data["level"] is None) == (data["score"] is None):
            raise ValidationError("请选择评价等级", "level")
        level = data["level"] or BY_SCORE[data["score"]]
        if level in BAD:
            errors = {}
            if not data["reasons"]:
                errors["reasons"] = ["请选择不满意的原因"]
            if not data["comment"].strip():
                errors["comment"] = ["请写明不满意的具体情况"]
            if errors:
                raise ValidationError(errors)


def rating_doc(body: dict, at) -> dict:
    level = body["level"] or BY_SCORE[body["score"]]
    return {"level": level, "score": LEVELS[level][1], "reasons": list(dict.fromkeys(body["reasons"])),
            "comment": body["comment"].strip(), "at": at}
