import pytest
from marshmallow import ValidationError

from models.forms import FieldDefSchema, build_form_schema, id_number_ok, sensitive_fields

FORM = [
    {"name": "reason", "label": "原因", "type": "choice", "required": True,
     "options": [{"value": "lost", "label": "遗失"}, {"value": "damaged", "label": "损坏"}]},
    {"name": "phone", "label": "联系电话", "type": "phone", "required": True},
    {"name": "plate", "label": "车牌号", "type": "plate"},
    {"name": "agent_id", "label": "代办人身份证号", "type": "id_number"},
    {"name": "count", "label": "份数", "type": "number", "min": 1, "max": 5},
    {"name": "date", "label": "日期", "type": "date"},
    {"name": "note", "label": "备注", "type": "text", "max_length": 5},
]


def test_valid_submission_is_loaded_with_types():
    data = build_form_schema(FORM)().load({"reason": "lost", "phone": "13812345678", "plate": "浙AD12345",
                                           "agent_id": "11010519491231002X", "count": 2, "date": "2026-11-24"})
    assert data["count"] == 2.0 and str(data["date"]) == "2026-11-24"


def test_every_bad_field_gets_a_chinese_message():
    errors = build_form_schema(FORM)().validate({
        "reason": "other", "phone": "12345", "plate": "ABC123", "agent_id": "110105194912310021",
        "count": 9, "date": "24/11/2026", "note": "太长了太长了", "extra": 1})
    assert errors == {
        "reason": ["请从选项中选择"], "phone": ["手机号码格式不正确"], "plate": ["车牌号格式不正确"],
        "agent_id": ["身份证号码不正确"], "count": ["数值须在1到5之间"], "date": ["日期格式应为 YYYY-MM-DD"],
        "note": ["不能超过5个字"], "extra": ["表单中没有这个字段"]}


def test_required_fields():
    assert build_form_schema(FORM)().validate({}) == {"reason": ["此项为必填项"], "phone": ["此项为必填项"]}


def test_blank_required_text_is_no_answer_and_range_messages_name_their_bounds():
    schema = build_form_schema([
        {"name": "why", "label": "原因", "type": "textarea", "required": True},
        {"name": "photo", "label": "照片", "type": "file", "required": True},
        {"name": "note", "label": "备注", "type": "text"},
        {"name": "age", "label": "年龄", "type": "number", "min": 16},
        {"name": "days", "label": "天数", "type": "number", "max": 6},
        {"name": "rate", "label": "比例", "type": "number", "min": 0.5, "max": 1.5},
        {"name": "any", "label": "任意数", "type": "number"}])()
    assert schema.validate({"why": "  \n", "photo": "", "note": "", "age": 3, "days": 7, "rate": 2, "any": -1e9}) == {
        "why": ["此项为必填项"], "photo": ["此项为必填项"], "age": ["数值不能小于16"], "days": ["数值不能大于6"],
        "rate": ["数值须在0.5到1.5之间"]}


@pytest.mark.parametrize("plate,ok", [("浙A12345", True), ("京AD12345", True), ("粤B12345F", True),
                                      ("沪AI2345", False), ("浙A1234", False), ("A12345", False)])
def test_plates_including_new_energy(plate, ok):
    errors = build_form_schema([{"name": "p", "label": "p", "type": "plate"}])().validate({"p": plate})
    assert (errors == {}) is ok


def test_id_number_checks_checksum_and_birth_date():
    assert id_number_ok("11010519491231002X")
    assert not id_number_ok("11010519491231002Y")
    assert not id_number_ok("110105194913310028")  # month 13


def test_form_definitions_are_checked():
    with pytest.raises(ValidationError) as err:
        FieldDefSchema().load({"name": "Bad Name", "label": "x", "type": "text"})
    assert set(err.value.messages) == {"name"}
    with pytest.raises(ValidationError) as err:
        FieldDefSchema().load({"name": "x", "label": "x", "type": "choice", "options": []})
    assert err.value.messages == {"options": ["选择题至少需要两个选项"]}
    with pytest.raises(ValidationError):
        FieldDefSchema().load({"name": "x", "label": "x", "type": "video"})


def test_sensitive_fields_are_id_numbers_phones_addresses_and_those_marked():
    form = [FieldDefSchema().load(f) for f in [
        {"name": "agent_id", "label": "代办人身份证号", "type": "id_number"},
        {"name": "phone", "label": "联系电话", "type": "phone"},
        {"name": "home", "label": "住址", "type": "address", "max_length": 10},
        {"name": "member_name", "label": "家庭成员姓名", "type": "text", "sensitive": True},
        {"name": "note", "label": "备注", "type": "text"},
        {"name": "plate", "label": "车牌号", "type": "plate"}]]
    assert sensitive_fields(form) == {"agent_id": "id_number", "phone": "phone", "home": "address",
                                      "member_name": "text"}
    # an address is a textarea with its limit
    assert build_form_schema(form)().validate({"home": "浙江省杭州市西湖区文三路"}) == {"home": ["不能超过10个字"]}
    with pytest.raises(ValidationError) as err:
        FieldDefSchema().load({"name": "phone", "label": "联系电话", "type": "phone", "sensitive": False})
    assert err.value.messages == {"sensitive": ["身份证号、手机号和地址总是加密保存"]}
