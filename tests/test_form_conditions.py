"""Conditional form fields (shown_when / required_when), plates, the 办事指南 and the contact phone."""

import copy
import uuid

import pytest
from marshmallow import ValidationError

from models import catalog, seed
from models.errors import Invalid
from models.forms import fields_in_force, load_answers
from models.plates import valid_plate
from tests.support import applicant_token, upload_photo

MAIL = {"field": "delivery", "equals": "mail"}
FORM = [
    {"name": "delivery", "label": "领取方式", "type": "choice", "required": True,
     "options": [{"value": "mail", "label": "邮寄送达"}, {"value": "counter", "label": "窗口领取"}]},
    {"name": "mail_address", "label": "邮寄地址", "type": "address", "shown_when": MAIL, "required_when": MAIL},
    {"name": "postcode", "label": "邮政编码", "type": "text", "shown_when": {"field": "delivery", "equals": "mail"}},
    {"name": "phone", "label": "联系电话", "type": "phone", "required": True, "prefill": "login_phone"},
]
ITEM = {"code": "SB9002", "name": "条件字段测试", "category": "社保", "department": "rsj", "kind": "application",
        "channels": ["wechat", "app"], "promise_days": 5, "online_depth": "full_online", "status": "published",
        "form": FORM}


def test_a_hidden_field_is_dropped_and_a_condition_met_makes_it_required():
    assert load_answers(FORM, {"delivery": "counter", "mail_address": "浙江省杭州市西湖路1号", "postcode": "310000",
                               "phone": "13812345678"}) == {"delivery": "counter", "phone": "13812345678"}
    with pytest.raises(ValidationError) as err:
        load_answers(FORM, {"delivery": "mail", "mail_address": "  ", "phone": "13812345678"})
    assert err.value.messages == {"mail_address": ["此项为必填项"]}
    assert load_answers(FORM, {"delivery": "mail", "mail_address": "浙江省杭州市西湖路1号", "phone": "13812345678"})[
        "mail_address"] == "浙江省杭州市西湖路1号"
    # no answer to the choice: the dependants are hidden, and the choice itself is what is missing
    with pytest.raises(ValidationError) as err:
        load_answers(FORM, {"mail_address": "x"})
    assert err.value.messages == {"delivery": ["此项为必填项"], "phone": ["此项为必填项"]}


def test_conditions_chain_and_follow_multiple_choices():
    form = [
        {"name": "kinds", "label": "类型", "type": "choice", "multiple": True,
         "options": [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]},
        {"name": "why", "label": "原因", "type": "choice", "shown_when": {"field": "kinds", "equals": "b"},
         "options": [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}]},
        {"name": "more", "label": "说明", "type": "text", "required": True, "shown_when": {"field": "why", "equals": "y"}},
    ]
    shown = lambda answers: [f["name"] for f in fields_in_force(form, answers)[0]]  # noqa: E731
    assert shown({"kinds": ["a"], "why": "y"}) == ["kinds"]  # `why` is hidden, so `more` is too
    assert shown({"kinds": ["a", "b"], "why": "y"}) == ["kinds", "why", "more"]
    with pytest.raises(ValidationError) as err:
        load_answers(form, {"kinds": ["b"], "why": "y"})
    assert err.value.messages == {"more": ["此项为必填项"]}


def test_conditions_must_name_an_earlier_choice_and_one_of_its_options():
    def problems(form):
        with pytest.raises(Invalid) as err:
            catalog.load_item({**ITEM, "form": form})
        return err.value.details

    later = [FORM[1], FORM[0]]
    assert problems(later) == {"form[0].shown_when": ["条件须引用此字段之前的字段"],
                               "form[0].required_when": ["条件须引用此字段之前的字段"]}
    on_text = [FORM[3], {**FORM[2], "shown_when": {"field": "phone", "equals": "1"}}]
    assert problems(on_text) == {"form[1].shown_when": ["条件引用的字段须为选择题"]}
    unknown_value = [FORM[0], {**FORM[1], "required_when": {"field": "delivery", "equals": "pigeon"}}]
    assert problems(unknown_value) == {"form[1].required_when": ["条件值须是所引用字段的选项之一"]}
    both = [FORM[0], {**FORM[1], "required": True}]
    assert problems(both) == {"form[1].required_when": ["必填字段无需再设条件必填"]}
    prefill = [FORM[0], {**FORM[2], "prefill": "login_phone"}]
    assert problems(prefill) == {"form[1].prefill": ["只有手机号字段可以预填登录手机号"]}


@pytest.mark.parametrize("plate,ok", [
    ("浙A12345", True), ("京B0000Z", True), ("浙A1234学", True), ("粤Z1234港", True),
    ("浙AD12345", True), ("浙AFA1234", True), ("浙A12345D", True), ("粤B12345F", True),  # new energy, 8
    ("浙AF1234A", False),  # a small new-energy plate ends in four digits
    ("浙AX12345", False), ("浙AD1234O", False), ("浙I12345", False), ("浙AO1234", False), ("浙A123456", False),
    ("A12345", False), ("浙A12345\n", False)])
def test_plates_follow_ga36(plate, ok):
    assert valid_plate(plate) is ok


def test_every_demo_item_has_a_guide_and_every_mail_address_depends_on_delivery():
    for item in seed.demo_items():
        guide = item["guide"]
        assert guide["conditions"] and guide["places"] and guide["phones"] and guide["basis"] and guide["steps"], item["code"]
        assert item["fee_fen"] == 0 or guide["fee_note"], item["code"]
        for field in item["form"]:
            if field["name"] == "mail_address":
                assert field["shown_when"] == field["required_when"] == MAIL, item["code"]


def test_guide_lengths_are_checked():
    guide = {"conditions": ["x" * 201], "phones": [{"label": "热线", "number": "12333;"}],
             "steps": [{"name": "", "detail": "ok"}], "places": [{"name": "大厅", "address": "路"}]}
    with pytest.raises(Invalid) as err:
        catalog.load_item({**ITEM, "guide": guide})
    assert err.value.details == {
        "guide.conditions[0]": ["应为 1 到 200 个字"], "guide.phones[0].number": ["电话号码只能包含数字和连字符"],
        "guide.steps[0].name": ["应为 1 到 20 个字"], "guide.places[0].hours": ["此项为必填项"]}


async def test_the_guide_is_edited_by_operators_and_shown_to_residents(server, operator_token):
    guide = {"conditions": ["本市参保人员"],
             "places": [{"name": "市民中心", "address": "江锦路100号", "hours": "工作日 9:00—17:00"}],
             "phones": [{"label": "咨询电话", "number": "0571-12345678"}], "basis": ["《中华人民共和国社会保险法》"],
             "steps": [{"name": "在线申请"}, {"name": "审核", "detail": "5个工作日"}], "fee_note": "",
             "sample": {"name": "参保证明", "description": "PDF"}}
    r = await server.fetch("/api/v1/admin/items", "POST", json_body={**ITEM, "guide": guide}, token=operator_token)
    assert r.status == 201, r.body
    r = await server.fetch("/api/v1/items/SB9002")
    assert r.json["guide"] == {**guide, "steps": [{"name": "在线申请", "detail": ""}, {"name": "审核", "detail": "5个工作日"}]}
    assert r.json["form"][1]["required_when"] == MAIL and r.json["form"][3]["prefill"] == "login_phone"
    demo = await server.fetch("/api/v1/items/JT0004")
    assert demo.json["guide"]["phones"][0] == {"label": "公安交通管理服务热线", "number": "12123"}


async def test_a_mailed_application_needs_its_address_and_a_counter_one_keeps_none(server):
    token = await applicant_token(server, "o-conditions")
    form = {"business": "reissue", "reason": "lost", "delivery": "mail", "contact_phone": "13812345678"}

    async def submit(answers):
        body = {"item_code": "SB0008", "form": answers,
                "materials": [{"code": "id_card", "upload_id": await upload_photo(server, token)}]}
        return await server.fetch("/api/v1/applications", "POST", token=token, json_body=body,
                                  headers={"Idempotency-Key": uuid.uuid4().hex})

    r = await submit(form)
    assert r.status == 422 and r.json["error"]["details"] == {"form.mail_address": ["此项为必填项"]}
    r = await submit({**form, "delivery": "counter", "mail_address": "浙江省杭州市西湖区文三路1号"})
    assert r.status == 201, r.body
    stored = await server.deps.db.applications.find_one({"number": r.json["number"]})
    assert "mail_address" not in stored["form"] and "mail_address" not in stored["form_enc"]
    r = await submit({**form, "mail_address": "浙江省杭州市西湖区文三路1号"})
    assert r.status == 201 and r.json["form"]["mail_address"].endswith("****")


async def test_my_contact_phone_is_mine_alone(server):
    phone = "13912345678"
    assert (await server.fetch("/api/v1/me/contact")).status == 401
    await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    login = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})
    r = await server.fetch("/api/v1/me/contact", token=login.json["access_token"])
    assert r.status == 200 and r.json == {"phone": phone} and r.headers["Cache-Control"] == "no-store"
    wechat = await applicant_token(server, "o-no-phone")  # a WeChat login carries no phone
    assert (await server.fetch("/api/v1/me/contact", token=wechat)).json == {"phone": None}


def test_demo_items_survive_a_round_trip_through_the_editor_schema():
    for item in seed.demo_items():
        assert catalog.ItemInSchema().load(copy.deepcopy(item)) == item
