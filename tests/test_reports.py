"""Operators' reports (.xlsx), the audit log's filters and exports, and the staff login history."""

import csv
import datetime as dt
import io
import urllib.parse

import openpyxl
from test_dashboard import complete

from models import audit, workdays
from models.applications import now
from support import applicant_token, submit


def workbook(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body), read_only=True)


def table(sheet) -> dict[str, list]:
    """A sheet's rows by their first cell (the department or channel)."""
    return {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}


def header(sheet) -> list:
    return list(next(sheet.iter_rows(max_row=1, values_only=True)))


async def test_the_report_has_the_dashboards_figures(server, operator_token):
    token = await applicant_token(server, "o-report-1")
    clerk = await server.login("processor.rsj", "Processor@2026")
    numbers = [await submit(server, token) for _ in range(3)]
    await complete(server, clerk, numbers[0])
    await complete(server, clerk, numbers[1])
    await server.deps.db.applications.update_one({"number": numbers[1]}, {"$set": {"due_date": "2000-01-01"}})
    for number, body in ((numbers[0], {"level": "very_satisfied"}),
                         (numbers[1], {"level": "very_dissatisfied", "reasons": ["slow"], "comment": "太慢"})):
        r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body=body)
        assert r.status == 200, r.body
    today = workdays.business_date(now())
    first = today - dt.timedelta(days=6)
    # a day's deliveries inside the range: 到达率 as the delivery stats count it
    day = dt.datetime.combine(today, dt.time(9), workdays.BEIJING).astimezone(dt.UTC)
    await server.deps.db.deliveries.insert_many([
        {"_id": f"rep-{i}:{p}", "event_id": f"rep-{i}", "provider": p, "type": "application.accepted", "number": "X",
         "owner": "x", "status": s, "attempts": 1, "created_at": day, "event_at": day,
         "finished_at": day + dt.timedelta(seconds=1)}
        for i, (p, s) in enumerate([("wechat", "delivered"), ("wechat", "permanent-failure"), ("sms", "delivered"),
                                    ("alipay", "accepted")])])

    window = f"from={first.isoformat()}&to={today.isoformat()}"
    dash = (await server.fetch(f"/api/v1/admin/dashboard?{window}", token=operator_token)).json
    r = await server.fetch(f"/api/v1/reports/operations.xlsx?{window}", token=operator_token)
    assert r.status == 200, r.body
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"运营报表_{first.isoformat()}_{today.isoformat()}.xlsx"
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    assert f"filename*=UTF-8''{urllib.parse.quote(name)}" in r.headers["Content-Disposition"]
    book = workbook(r.body)
    assert book.sheetnames == ["说明", "办件按部门和状态", "按时办结率", "好差评", "消息到达率"]

    rsj = next(d for d in dash["departments"] if d["department"] == "rsj")
    states = table(book["办件按部门和状态"])
    columns = header(book["办件按部门和状态"])
    assert states[rsj["name"]][columns.index("合计") - 1] == rsj["total"] == 3
    assert states[rsj["name"]][columns.index("已办结") - 1] == rsj["by_state"]["completed"] == 2
    assert states["合计"][columns.index("合计") - 1] == dash["applications"]["total"]

    on_time = table(book["按时办结率"])
    assert on_time[rsj["name"]][:3] == [rsj["finished"], rsj["on_time"], rsj["on_time_rate"]] == [2, 1, 0.5]
    assert on_time["合计"][2] == dash["applications"]["on_time_rate"]

    ratings = table(book["好差评"])
    columns = header(book["好差评"])[1:]
    row = dict(zip(columns, ratings[rsj["name"]], strict=True))
    assert row["非常满意"] == row["非常不满意"] == 1 and row["满意"] == 0
    assert row["评价合计"] == rsj["ratings"] == dash["ratings"]["count"]
    assert row["差评工单（区间内开出）"] == 1 and row["其中整改中"] == 1 == dash["tickets"]["open"]

    start = dt.datetime.combine(first, dt.time(), workdays.BEIJING).astimezone(dt.UTC).isoformat()
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), workdays.BEIJING).astimezone(dt.UTC).isoformat()
    query = urllib.parse.urlencode({"from": start, "to": end})
    stats = (await server.fetch(f"/api/v1/admin/deliveries/stats?{query}", token=operator_token)).json
    arrival = table(book["消息到达率"])
    assert arrival["微信"][5] == stats["channels"]["wechat"]["arrival_rate"] == 0.5
    assert arrival["支付宝"][5] == "无回执"
    assert arrival["合计（不含站内消息）"][5] == stats["total"]["arrival_rate"]

    entries = (await server.fetch("/api/v1/admin/audit?action=report.export", token=operator_token)).json["entries"]
    assert entries[0]["actor"] == "operator" and entries[0]["details"] == {"from": first.isoformat(),
                                                                            "to": today.isoformat()}


async def test_a_bad_range_is_refused(server, operator_token):
    for query, field in (("", "from"), ("from=2026-01-02&to=2026-01-01", "from"), ("from=2024-01-01&to=2025-01-01", "from"),
                         ("from=2026-01-01&to=tomorrow", "to")):
        r = await server.fetch(f"/api/v1/reports/operations.xlsx?{query}", token=operator_token)
        assert r.status == 400 and field in r.json["error"]["details"], (query, r.body)
    # 366 days, both included, is the longest
    assert (await server.fetch("/api/v1/reports/operations.xlsx?from=2024-01-01&to=2024-12-31",
                               token=operator_token)).status == 200
    clerk = await server.login("processor.rsj", "Processor@2026")
    assert (await server.fetch("/api/v1/reports/operations.xlsx?from=2024-01-01&to=2024-01-02",
                               token=clerk)).status == 403


async def test_the_audit_log_filters_by_person_and_day_and_exports(server, operator_token):
    db = server.deps.db
    old = dt.datetime(2025, 3, 1, 1, tzinfo=dt.UTC)  # written first: entries page newest first by _id
    await db.audit_log.insert_one({"at": old, "actor": "alice", "role": "operator", "action": "menu.publish",
                                   "target": "menu:wechat", "details": {}})
    await audit.record(db, actor="alice", role="operator", action="item.update", target="item:A1",
                       details={"comment": "=HYPERLINK(\"http://x\")"})
    await audit.record(db, actor="bob", role="operator", action="item.update", target="item:B1")

    r = await server.fetch("/api/v1/admin/audit?actor=alice", token=operator_token)
    assert [e["target"] for e in r.json["entries"]] == ["item:A1", "menu:wechat"]
    r = await server.fetch("/api/v1/admin/audit?actor=alice&from=2025-03-01&to=2025-03-01", token=operator_token)
    assert [e["target"] for e in r.json["entries"]] == ["menu:wechat"]
    operator = await db.staff.find_one({"username": "operator"})
    await audit.record(db, actor="operator", role="operator", action="item.create", target="item:O1")
    r = await server.fetch(f"/api/v1/admin/audit?actor={operator['_id']}", token=operator_token)  # by staff id
    assert {e["actor"] for e in r.json["entries"]} == {"operator"}
    for bad in ("from=2025-13-01", "limit=0", "to=x"):
        r = await server.fetch(f"/api/v1/admin/audit?{bad}", token=operator_token)
        assert r.status == 400 and r.json["error"]["code"] == "request.bad_query", bad

    r = await server.fetch("/api/v1/admin/audit/export?format=csv&actor=alice", token=operator_token)
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.body.startswith("\ufeff".encode())  # Excel reads Chinese right only with the BOM
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["时间（北京时间）", "操作人"] and len(rows) == 3
    assert rows[1][1] == "alice" and rows[2][0] == "2025-03-01 09:00:00"
    assert rows[1][5].startswith('{"comment"')  # not a formula: the cell starts with "{"
    await audit.record(db, actor="=cmd|' /C calc'!A0", role="operator", action="item.update", target="-1+1")
    r = await server.fetch("/api/v1/admin/audit/export?format=csv&action=item.update", token=operator_token)
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][4] == "'-1+1"

    r = await server.fetch("/api/v1/admin/audit/export?actor=alice", token=operator_token)
    assert r.status == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheet = workbook(r.body)["操作日志"]
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [c[4] for c in cells] == ["item:A1", "menu:wechat"] and cells[0][5].startswith('{"comment": "=HYPER')
    assert (await server.fetch("/api/v1/admin/audit/export?format=pdf", token=operator_token)).status == 400
    r = await server.fetch("/api/v1/admin/audit?action=audit.export", token=operator_token)
    assert r.json["entries"][0]["details"] == {"actor": "alice", "format": "xlsx", "rows": 2}


async def test_every_staff_login_is_in_the_history(server, operator_token):
    headers = {"User-Agent": "Mozilla/5.0 TestBrowser/1.0"}
    r = await server.fetch("/api/v1/auth/staff", "POST", headers=headers,
                           json_body={"username": "operator", "password": "wrong-password"})
    assert r.status == 401
    admin = await server.login("admin", "Admin@2026")
    r = await server.fetch("/api/v1/admin/logins?username=operator", token=admin)
    assert r.status == 200, r.body
    logins = r.json["logins"]
    assert [x["outcome"] for x in logins] == ["failed", "success"]  # newest first; the fixture's login
    assert logins[0]["user_agent"] == "Mozilla/5.0 TestBrowser/1.0" and logins[0]["address"] == "127.0.0.1"
    assert logins[0]["method"] == "password" and logins[0]["at"]
    r = await server.fetch("/api/v1/admin/logins?outcome=failed", token=admin)
    assert [x["username"] for x in r.json["logins"]] == ["operator"]
    today = workdays.business_date(now()).isoformat()
    r = await server.fetch(f"/api/v1/admin/logins?from={today}&to={today}&limit=1", token=admin)
    assert len(r.json["logins"]) == 1 and r.json["next_cursor"]
    assert (await server.fetch("/api/v1/admin/logins?from=2025-02-30", token=admin)).status == 400
    assert (await server.fetch("/api/v1/admin/logins", token=operator_token)).status == 403

    r = await server.fetch("/api/v1/auth/staff/logins", token=operator_token)  # one's own
    assert r.status == 200 and [x["outcome"] for x in r.json["logins"]] == ["failed", "success"]
    assert {x["username"] for x in r.json["logins"]} == {"operator"}


async def test_days_out_of_range_are_refused(server, operator_token):
    admin = await server.login("admin", "Admin@2026")
    for path in ("/api/v1/reports/operations.xlsx?from=0001-01-01&to=0001-01-02", "/api/v1/admin/audit?to=9999-12-31",
                 "/api/v1/admin/audit/export?from=1999-12-31", "/api/v1/admin/logins?to=9999-12-31"):
        r = await server.fetch(path, token=admin)
        assert r.status == 400 and r.json["error"]["code"] == "request.bad_query", (path, r.body)
