"""The keyword rules we check before sending (models/template_rules.py), against WeChat's documented
content limits, and against the sandbox's own reading of them: whatever we let through, the
sandbox (playing WeChat) accepts too."""

import datetime as dt

import pytest

from models.message_templates import TemplateInSchema, render
from models.template_rules import fit, problem
from sandbox.wechat_subscribe import KEYWORD_RULES

GOOD = {
    "thing": ["社保卡补换", "一" * 20, "A-1 号窗口（东区）"],
    "number": ["12", "12.5", "1" * 32],
    "letter": ["ABC", "x" * 32],
    "symbol": ["%", "#@!", "-----"],
    "character_string": ["SB20261124000001", "A-001_x#9", "X" * 32],
    "time": ["15:01", "09:00:59", "2019年10月1日 15:01", "2019年10月1日15:01", "2026-11-24 16:30", "09:00~12:00"],
    "date": ["2019年10月1日", "2019-10-01", "2019年10月1日 15:01", "2026-11-24~2026-11-30"],
    "amount": ["80", "¥1200.50元", "12.5元"],
    "phone_number": ["13812345678", "+86-0766-66888866", "(0571)12345"],
    "car_number": ["粤A8Z888挂", "京A12345", "AB123"],
    "name": ["张三", "阿卜杜·热合曼", "Zhang San", "张" * 10],
    "phrase": ["已受理", "不予受理", "配送中"],
}
BAD = {
    "thing": ["", "一" * 21, "第一行\n第二行"],
    "number": ["-5", "12a", "1.2.3", "1" * 33],
    "letter": ["AB1", "x" * 33, "中"],
    "symbol": ["%%%%%%", "a", "。a"],
    "character_string": ["编号123", "AB 12", "X" * 33],
    "time": ["25:00", "2026-11-24", "2026-13-01 10:00", "昨天", "10:00~11:00~12:00"],
    "date": ["2026-02-30", "11月24日 8点", "昨天", "2026-11-24 25:00"],
    "amount": ["一百元", "12345678901元", "1.2.3"],
    "phone_number": ["1" * 18, "电话12345", "138 1234 5678"],
    "car_number": ["粤B123456789", "粤B 12345", "粤-B123"],
    "name": ["张" * 11, "张3", "A" * 21],
    "phrase": ["已受理完成啦", "OK", "第1步", ""],
}


@pytest.mark.parametrize("kind, value", [(k, v) for k, values in GOOD.items() for v in values])
def test_good_values_pass_and_wechat_takes_them(kind, value):
    assert problem(kind, value) is None
    check, _ = KEYWORD_RULES[kind]
    assert check(value), "we would send what the sandbox (playing WeChat) refuses"


@pytest.mark.parametrize("kind, value", [(k, v) for k, values in BAD.items() for v in values])
def test_bad_values_are_refused_with_a_reason(kind, value):
    reason = problem(kind, value)
    assert reason and ("应" in reason or "不能" in reason), reason


def test_free_text_is_cut_to_its_length():
    assert fit("thing", "一" * 25) == "一" * 19 + "…" and problem("thing", fit("thing", "一" * 25)) is None
    assert fit("thing", "短") == "短"
    assert fit("keyword", "一" * 12, 10) == "一" * 9 + "…"
    assert fit("phrase", "不予受理了吧") == "不予受理了吧"  # other types are refused, not cut
    assert problem("keyword", "一" * 11, 10) == "应在 10 个字以内" and problem("keyword", "一" * 10, 10) is None


def test_render_fills_each_key_from_its_source():
    template = TemplateInSchema().load({
        "channel": "wechat", "template_id": "T", "title": "办件进度通知", "keys": [
            {"key": "character_string13", "type": "character_string", "source": "number"},
            {"key": "thing1", "type": "thing", "source": "item_name"},
            {"key": "phrase3", "type": "phrase", "source": "status"},
            {"key": "time11", "type": "time", "source": "time"},
            {"key": "date2", "type": "date", "source": "time"},
            {"key": "thing7", "type": "thing", "source": "fixed", "text": "市民中心 3 号窗口"},
            {"key": "phrase9", "type": "phrase", "source": "item_name"}]})
    at = dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.UTC)  # 16:30 in Beijing
    name = "城乡居民基本养老保险参保登记（含补缴及转移接续）"
    values = {"item_name": name, "number": "SB20261124000001", "status": "已受理",
              "time": at, "title": "办件已受理", "body": "…", "remark": "点击查看办件详情"}
    data, problems = render(template, values)
    assert data == {"character_string13": {"value": "SB20261124000001"}, "thing1": {"value": name[:19] + "…"},
                    "phrase3": {"value": "已受理"}, "time11": {"value": "2026年11月24日 16:30"},
                    "date2": {"value": "2026年11月24日"}, "thing7": {"value": "市民中心 3 号窗口"},
                    "phrase9": {"value": name}}
    assert list(problems) == ["phrase9"] and problems["phrase9"].endswith("应为 5 个以内汉字")
    assert all(KEYWORD_RULES[k.rstrip("0123456789")][0](v["value"]) for k, v in data.items() if k != "phrase9")
