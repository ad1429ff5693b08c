"""The operators' report for a range of Beijing days, as an Excel workbook: 办件 by department
and state, the on-time rate, 好差评 (the five national levels and the 差评 tickets) and 到达率 per
channel. The figures come from the dashboard's own functions (models/dashboard.py,
models/tickets.py, models/delivery_stats.py), so the file and the dashboard agree for a range."""

import asyncio
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models import dashboard, deliveries, delivery_stats, spreadsheets, tickets
from models.applications import STATES
from models.clock import FIRST_DAY, LAST_DAY, business_date, days_bounds, now
from models.ratings import LEVELS
from models.spreadsheets import Sheet

DAY = validate.Range(FIRST_DAY, LAST_DAY, error="日期应在 {min} 至 {max} 之间")
MAX_DAYS = 366
STATE_LABELS = {
    "submitted": "已提交", "accepted": "已受理", "refused": "不予受理", "in_review": "审核中", "approved": "已批准",
    "denied": "不予批准", "supplement_required": "待补正", "resubmitted": "已补正", "withdrawn": "已撤回",
    "completed": "已办结",
}
CHANNEL_LABELS = {"wechat": "微信", "alipay": "支付宝", "app": "App 推送", "sms": "短信", "inbox": "站内消息"}


class ReportRangeSchema(Schema):
    """Beijing days from..to, both included, at most MAX_DAYS."""

    from_ = fields.Date(data_key="from", required=True, validate=DAY)
    to = fields.Date(required=True, validate=DAY)

    @validates_schema
    def _range(self, data, **kwargs):
        if data["from_"] > data["to"]:
            raise ValidationError("开始日期应不晚于结束日期", "from")
        if (data["to"] - data["from_"]).days >= MAX_DAYS:
            raise ValidationError(f"统计区间最长 {MAX_DAYS} 天", "from")


async def _levels(db, start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, int]]:
    """{department: {level: n}} of the ratings given in [start, end), as the dashboard counts them
    (a rating voided by an upheld appeal left out)."""
    match = {"rating.at": {"$gte": start, "$lt": end}, "rating.excluded": {"$ne": True}}
    cursor = await db.applications.aggregate([
        {"$match": match}, {"$group": {"_id": {"d": "$department", "s": "$rating.score"}, "n": {"$sum": 1}}}])
    by_score = {score: level for level, (_, score) in LEVELS.items()}
    levels: dict[str, dict[str, int]] = {}
    async for row in cursor:
        level = by_score.get(row["_id"]["s"])
        if level is None:
            continue
        levels.setdefault(row["_id"]["d"], dict.fromkeys(LEVELS, 0))[level] += row["n"]
    return levels


async def figures(db, first: dt.date, last: dt.date) -> dict:
    start, end = days_bounds(first, last)
    today = business_date(now())
    return {
        "summary": await dashboard.summary(db, first, last, today),
        "levels": await _levels(db, start, end),
        "tickets": await tickets.figures(db, start, end),
        "deliveries": delivery_stats.summarize(await deliveries.window(db, start, end)),
    }


def _applications_sheet(summary: dict) -> Sheet:
    rows = [[d["name"], *(d["by_state"].get(s, 0) for s in STATES), d["total"]] for d in summary["departments"]]
    apps = summary["applications"]
    rows.append(["合计", *(apps["by_state"].get(s, 0) for s in STATES), apps["total"]])
    return Sheet("办件按部门和状态", ["部门", *(STATE_LABELS[s] for s in STATES), "合计"], rows,
                 notes=["按提交时间统计；状态为导出时的状态。"])


def _on_time_sheet(summary: dict) -> Sheet:
    rows = [[d["name"], d["finished"], d["on_time"], d["on_time_rate"], d["overdue"]] for d in summary["departments"]]
    apps = summary["applications"]
    rows.append(["合计", apps["finished"], apps["on_time"], apps["on_time_rate"], apps["overdue"]])
    return Sheet("按时办结率", ["部门", "办结数", "按时办结数", "按时办结率", "当前逾期未办结"], rows, percent=frozenset({3}),
                 notes=["办结数：区间内办结（撤回不计）；按时：在承诺时限（工作日）内办结。",
                        "当前逾期未办结：导出时仍未办结且已过期限的办件。"])


def _ratings_sheet(summary: dict, levels: dict, ticket_figures: dict) -> Sheet:
    by_ticket = {t["department"]: t for t in ticket_figures["departments"]}
    codes = [d["department"] for d in summary["departments"]]
    names = {d["department"]: d["name"] for d in summary["departments"]}
    rows, totals = [], [0] * (len(LEVELS) + 5)
    for code in codes + sorted(set(by_ticket) - set(codes)):
        counts = levels.get(code, dict.fromkeys(LEVELS, 0))
        t = by_ticket.get(code, {})
        values = [*(counts[k] for k in LEVELS), sum(counts.values()),
                  t.get("opened", 0), t.get("open", 0), t.get("closed", 0), t.get("on_time", 0)]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append([names.get(code, t.get("name", code)), *values, t.get("on_time_rate")])
    closed, on = totals[-2], totals[-1]
    rows.append(["合计", *totals, round(on / closed, 4) if closed else None])
    headers = ["部门", *(label for label, _ in LEVELS.values()), "评价合计",
               "差评工单（区间内开出）", "其中整改中", "其中已办结", "按期办结", "按期办结率"]
    return Sheet("好差评", headers, rows, percent=frozenset({len(headers) - 1}),
                 notes=["评价按评价时间统计；申诉成立的评价不计。", "差评工单：不满意、非常不满意评价开出的整改工单。"])


def _arrival_sheet(stats: dict) -> Sheet:
    def row(name, f):
        return [name, f["total"], f["finished"], f["accepted"] + f["delivered"], f["delivered"], f["reported"],
                f["arrival_rate"] if f["receipts"] else "无回执", f["acceptance_rate"], f["within_10s"]]

    rows = [row(CHANNEL_LABELS.get(name, name), f) for name, f in stats["channels"].items()]
    rows.append(row("合计（不含站内消息）", stats["total"]))
    return Sheet("消息到达率", ["渠道", "消息数", "已完成", "平台已受理", "回执送达", "有回执的已完成", "到达率", "受理率",
                           "10 秒内送达率"], rows, percent=frozenset({6, 7, 8}),
                 notes=["到达率 = 回执送达 / 有回执渠道的已完成；支付宝不提供回执，不计入到达率。"])


def build(figures: dict, first: dt.date, last: dt.date) -> bytes:
    """The workbook (synchronous: run it in an executor)."""
    summary = figures["summary"]
    cover = Sheet("说明", ["项目", "内容"], [
        ["统计区间（北京时间）", f"{first.isoformat()} 至 {last.isoformat()}"],
        ["导出时间", now()],
    ])
    return spreadsheets.xlsx([
        cover, _applications_sheet(summary), _on_time_sheet(summary),
        _ratings_sheet(summary, figures["levels"], figures["tickets"]), _arrival_sheet(figures["deliveries"]),
    ])


async def workbook(db, first: dt.date, last: dt.date) -> bytes:
    data = await figures(db, first, last)
    return await asyncio.get_running_loop().run_in_executor(None, build, data, first, last)


def filename(first: dt.date, last: dt.date) -> str:
    return f"运营报表_{first.isoformat()}_{last.isoformat()}.xlsx"
