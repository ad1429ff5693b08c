"""What each department answers to a query, as residents may see it.

Every answer is loaded through its schema before it is cached or shown: keys not declared here
are dropped (so a field a department adds, maybe unmasked, never reaches a resident), masked
values must carry their mask, and an answer that does not fit is the department's fault (503).
Amounts are yuan strings ("658.72"), dates ISO strings: the answer is cached as JSON as it is.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

DATE = validate.Regexp(r"^\d{4}-\d{2}-\d{2}\Z")
MONTH = validate.Regexp(r"^\d{4}-\d{2}\Z")
YUAN = validate.Regexp(r"^\d+(\.\d{1,2})?\Z")
MASKED = validate.Regexp(r"^.*\*.*\Z", error="未脱敏")  # a mask somewhere in it


def text(**kw):
    return fields.String(required=True, **kw)


def date(**kw):
    return fields.String(required=True, validate=DATE, **kw)


def yuan():
    return fields.String(required=True, validate=YUAN)


def masked():
    return fields.String(required=True, validate=MASKED)


def listing(schema):
    return fields.List(fields.Nested(schema), required=True)


class Answer(Schema):
    class Meta:
        unknown = EXCLUDE


# ---------------------------------------------------------------- 社保 (rsj)

class Insurance(Answer):
    type = text()
    status = text()
    since = text(validate=MONTH)
    unit = text(allow_none=True)


class Insured(Answer):
    name = text()
    id_number_masked = masked()
    insured = listing(Insurance)
    city = text()


class Contribution(Answer):
    month = text(validate=MONTH)
    type = text()
    base = yuan()
    personal = yuan()
    unit = yuan()
    status = text()


class Contributions(Answer):
    year = fields.Integer(required=True)
    records = listing(Contribution)
    total_personal = yuan()
    total_unit = yuan()
    months_paid = fields.Integer(required=True)


class PensionPayment(Answer):
    month = text(validate=MONTH)
    amount = yuan()
    paid_on = date()


class Pension(Answer):
    retired = fields.Boolean(required=True)
    monthly = yuan()
    bank = text()
    account_masked = masked()
    payments = listing(PensionPayment)


class Card(Answer):
    card_no_masked = masked()
    status = text()
    bank = text()
    issued_on = date(allow_none=True)
    generation = text()


class Certificate(Answer):
    cert_no = text()  # the resident's own, shown whole: it is what an employer checks
    kind = text()
    occupation = text()
    level = text(allow_none=True)
    issuer = text()
    certified_on = date()
    status = text()


class Certificates(Answer):
    certificates = listing(Certificate)
    count = fields.Integer(required=True)


# ---------------------------------------------------------------- 医保 (ybj)

class Relative(Answer):
    relation = text()
    name_masked = masked()
    since = date()


class MedicalAccount(Answer):
    insurance_type = text()
    status = text()
    balance = yuan()
    year = fields.Integer(required=True)
    credited_this_year = yuan()
    spent_this_year = yuan()
    family_spent_this_year = yuan()
    family = listing(Relative)
    as_of = date()


class MedicalRecord(Answer):
    date = date()
    type = text()
    direction = text(validate=validate.OneOf(("收入", "支出")))
    amount = yuan()
    balance = yuan()
    place = text()


class MedicalRecords(Answer):
    year = fields.Integer(required=True)
    opening_balance = yuan()
    closing_balance = yuan()
    total_in = yuan()
    total_out = yuan()
    records = listing(MedicalRecord)


# ---------------------------------------------------------------- 交警 (jj)

class Violation(Answer):
    time = text()
    place = text()
    act = text()
    code = text()
    points = fields.Integer(required=True)
    fine = yuan()
    status = text()


class Violations(Answer):
    plate = text()
    violations = listing(Violation)
    unhandled = fields.Integer(required=True)
    points_total = fields.Integer(required=True)


Licence = Answer.from_dict({  # "class" is a Python keyword
    "licence_no_masked": masked(),
    "class": text(),
    "status": text(),
    "points": fields.Integer(required=True),
    "cycle_end": date(),
    "valid_until": date(),
    "first_issued": date(),
}, name="Licence")


class Inspection(Answer):
    plate = text()
    valid_until = date()
    status = text()
    next_window_from = date()
