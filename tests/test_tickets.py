"""差评 and its rectification: the national five levels (older clients' scores still taken), the
reason a bad rating needs, the ticket it opens with a deadline in working days, call-backs,
closing, the resident's verdict, appeals and the dashboard's figures."""

import datetime as dt

from test_dashboard import complete

from models import tickets, workdays
from support import applicant_token, start_server, stop_server, submit


async def rated(server, openid="o-t", **rating):
    token = await applicant_token(server, openid)
    clerk = await server.login("processor.rsj", "Processor@2026")
    number = await submit(server, token)
    await complete(server, clerk, number)
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body=rating)
    return token, clerk, number, r


async def ticket_of(server, token, number):
    r = await server.fetch(f"/api/v1/applications/{number}/ticket", token=token)
    return r


def path(ticket_id, tail=""):
    return f"/api/v1/staff/tickets/{ticket_id}{tail}"


async def test_levels_reasons_and_older_scores(server):
    token, _, number, r = await rated(server, "o-lv", level="dissatisfied", comment="")
    assert r.status == 422 and set(r.json["error"]["details"]) == {"reasons", "comment"}
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token,
                           json_body={"level": "dissatisfied", "reasons": ["nope"], "comment": "慢"})
    assert r.status == 422
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token,
                           json_body={"level": "satisfied", "score": 4})
    assert r.status == 422  # one or the other
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body={"score": 2})
    assert r.status == 422 and "reasons" in r.json["error"]["details"]  # an old client's 2 needs one too
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body={"score": 4})
    assert r.status == 200 and r.json["rating"]["level"] == "satisfied" and r.json["rating"]["score"] == 4
    assert (await ticket_of(server, token, number)).status == 404  # a good rating opens nothing
    choices = (await server.fetch("/api/v1/ratings/choices")).json
    assert list(choices["levels"].values()) == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


async def test_a_bad_rating_opens_a_ticket_the_department_closes(server, operator_token):
    token, clerk, number, r = await rated(server, "o-bad", level="very_dissatisfied", reasons=["slow", "attitude"],
                                          comment="跑了三次")
    assert r.status == 200, r.body
    mine = (await ticket_of(server, token, number)).json
    assert mine["state"] == "open" and mine["rating"]["label"] == "非常不满意" and "appeal" not in mine
    calendar = await workdays.calendar(server.deps.db)
    today = workdays.business_date(dt.datetime.now(dt.UTC))
    assert mine["due_date"] == calendar.add_working_days(today, 5)[0].isoformat()  # RECTIFY_DAYS
    ticket_id = mine["id"]
    dash = (await server.fetch("/api/v1/admin/dashboard", token=operator_token)).json["tickets"]
    assert dash["open"] == 1 and dash["closed"] == 0

    elsewhere = await server.login("processor.ybj", "Processor@2026")
    assert (await server.fetch(path(ticket_id), token=elsewhere)).status == 404
    assert (await server.fetch(path(ticket_id, "/callbacks"), "POST", token=operator_token,
                               json_body={"called_at": "2026-01-05T10:00:00+08:00", "result": "x"})).status == 403
    r = await server.fetch(path(ticket_id, "/close"), "POST", token=clerk, json_body={"outcome": "rectified", "text": "已改"})
    assert r.status == 409 and r.json["error"]["code"] == "ticket.callback_required"
    r = await server.fetch(path(ticket_id, "/callbacks"), "POST", token=clerk, json_body={"result": "no time"})
    assert r.status == 422
    r = await server.fetch(path(ticket_id, "/callbacks"), "POST", token=clerk,
                           json_body={"called_at": "2026-01-05T10:00:00+08:00", "result": "已电话致歉，了解情况"})
    assert r.status == 200 and r.json["callbacks"][0]["by"] == "processor.rsj"
    r = await server.fetch(path(ticket_id, "/close"), "POST", token=clerk,
                           json_body={"outcome": "rectified", "text": "窗口增加一人，材料一次告知"})
    assert r.status == 200 and r.json["state"] == "closed" and r.json["on_time"] is True
    r = await server.fetch(path(ticket_id, "/callbacks"), "POST", token=clerk,
                           json_body={"called_at": "2026-01-05T10:00:00+08:00", "result": "again"})
    assert r.status == 409 and r.json["error"]["code"] == "ticket.state"
    dash = (await server.fetch("/api/v1/admin/dashboard", token=operator_token)).json["tickets"]
    assert dash["open"] == 0 and dash["closed"] == 1 and dash["on_time_rate"] == 1.0
    assert dash["departments"][0]["department"] == "rsj" and dash["departments"][0]["avg_close_hours"] is not None

    # the resident: not solved reopens it; solved is final
    r = await server.fetch(f"/api/v1/applications/{number}/ticket/verdict", "POST", token=token,
                           json_body={"solved": False, "comment": "还是要跑两次"})
    assert r.status == 200 and r.json["state"] == "open"
    await server.fetch(path(ticket_id, "/close"), "POST", token=clerk, json_body={"outcome": "explained", "text": "已说明"})
    r = await server.fetch(f"/api/v1/applications/{number}/ticket/verdict", "POST", token=token, json_body={"solved": True})
    assert r.status == 200 and r.json["state"] == "closed" and r.json["verdict"]["solved"] is True
    r = await server.fetch(f"/api/v1/applications/{number}/ticket/verdict", "POST", token=token, json_body={"solved": True})
    assert r.status == 409
    other = await applicant_token(server, "o-other")
    assert (await ticket_of(server, other, number)).status == 404
    entries = (await server.fetch(f"/api/v1/admin/audit?target=ticket:{number}", token=operator_token)).json["entries"]
    assert [e["action"] for e in entries] == ["ticket.close", "ticket.close", "ticket.callback"]


async def test_appeals(server, operator_token):
    token, clerk, number, _ = await rated(server, "o-ap", level="dissatisfied", reasons=["result"], comment="不给办")
    ticket_id = (await ticket_of(server, token, number)).json["id"]
    appeal = {"reason": "申请人不符合条件，已依法不予办理并告知"}
    assert (await server.fetch(path(ticket_id, "/appeal"), "POST", token=operator_token, json_body=appeal)).status == 403
    r = await server.fetch(f"/api/v1/admin/tickets/{ticket_id}/decision", "POST", token=operator_token,
                           json_body={"decision": "upheld", "comment": "x"})
    assert r.status == 409  # nothing to decide yet
    r = await server.fetch(path(ticket_id, "/appeal"), "POST", token=clerk, json_body=appeal)
    assert r.status == 200 and r.json["state"] == "appealed"
    r = await server.fetch(f"/api/v1/admin/tickets/{ticket_id}/decision", "POST", token=clerk,
                           json_body={"decision": "upheld", "comment": "x"})
    assert r.status == 403  # a department does not judge its own appeal
    r = await server.fetch(f"/api/v1/admin/tickets/{ticket_id}/decision", "POST", token=operator_token,
                           json_body={"decision": "rejected", "comment": "应先回访"})
    assert r.status == 200 and r.json["state"] == "open" and r.json["appeal"]["decision"] == "rejected"
    r = await server.fetch(path(ticket_id, "/appeal"), "POST", token=clerk, json_body=appeal)
    assert r.status == 409 and r.json["error"]["code"] == "ticket.appealed_before"

    token2, clerk, number2, _ = await rated(server, "o-ap2", level="very_dissatisfied", reasons=["other"], comment="差")
    ticket2 = (await ticket_of(server, token2, number2)).json["id"]
    before = (await server.fetch("/api/v1/admin/dashboard", token=operator_token)).json["ratings"]["count"]
    await server.fetch(path(ticket2, "/appeal"), "POST", token=clerk, json_body=appeal)
    r = await server.fetch(f"/api/v1/admin/tickets/{ticket2}/decision", "POST", token=operator_token,
                           json_body={"decision": "upheld", "comment": "恶意评价"})
    assert r.status == 200 and r.json["state"] == "voided"
    after = (await server.fetch("/api/v1/admin/dashboard", token=operator_token)).json["ratings"]["count"]
    assert after == before - 1  # the rating no longer counts


def test_deadline_rules():
    calendar = workdays.Calendar()
    friday_evening = dt.datetime(2025, 9, 26, 11, 0, tzinfo=dt.UTC)  # 19:00 in Beijing, a Friday
    # 9-28 (a Sunday worked for National Day), 9-29, 9-30, then the holiday to 10-8, then 10-9 and 10-10
    assert tickets.due_date(calendar, friday_evening, 5) == ("2025-10-10", False)
    late_utc = dt.datetime(2025, 9, 26, 17, 0, tzinfo=dt.UTC)  # already Saturday in Beijing
    assert tickets.due_date(calendar, late_utc, 1)[0] == "2025-09-28"
    assert tickets.due_date(calendar, dt.datetime(2025, 10, 10, 2, 0, tzinfo=dt.UTC), 1)[0] == "2025-10-11"
    closed = {"closed_at": dt.datetime(2025, 10, 3, 15, 59, tzinfo=dt.UTC), "due_date": "2025-10-03"}
    assert tickets.on_time(closed) is True  # 23:59 in Beijing on the due day
    assert tickets.on_time({**closed, "closed_at": dt.datetime(2025, 10, 3, 16, 0, tzinfo=dt.UTC)}) is False
    assert tickets.on_time({"closed_at": None, "due_date": "2025-10-03"}) is None


async def test_the_deadline_follows_the_citys_setting(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, RECTIFY_DAYS="2")
    try:
        token, _, number, r = await rated(server, "o-city", level="dissatisfied", reasons=["slow"], comment="慢")
        assert r.status == 200, r.body
        due = (await ticket_of(server, token, number)).json["due_date"]
        calendar = await workdays.calendar(server.deps.db)
        today = workdays.business_date(dt.datetime.now(dt.UTC))
        assert due == calendar.add_working_days(today, 2)[0].isoformat()
    finally:
        await stop_server(server)
