"""The operators' dashboard: figures computed from real submissions, transitions, ratings and logins."""

import datetime as dt

from test_applications import staff_do, staff_result

from models import workdays
from models.applications import now
from support import applicant_token, submit


async def complete(server, clerk, number):
    version = 1
    for action, extra in [("accept", {}), ("start_review", {}), ("approve", {}),
                          ("complete", {"result": await staff_result(server, clerk)})]:
        r = await staff_do(server, clerk, number, action, version, **extra)
        assert r.status == 200, r.body
        version = r.json["version"]


async def test_dashboard_figures(server, operator_token):
    token = await applicant_token(server, "o-dash-1")
    clerk = await server.login("processor.rsj", "Processor@2026")
    numbers = [await submit(server, token) for _ in range(4)]
    await complete(server, clerk, numbers[0])
    await complete(server, clerk, numbers[1])
    db = server.deps.db
    # numbers[1] was 办结 after its due date; numbers[2] is open and three days overdue
    await db.applications.update_one({"number": numbers[1]}, {"$set": {"due_date": "2000-01-01"}})
    today = workdays.business_date(now())
    late = (today - dt.timedelta(days=3)).isoformat()
    await db.applications.update_one({"number": numbers[2]}, {"$set": {"due_date": late}})
    for number, body in ((numbers[0], {"score": 5}), (numbers[1], {"score": 2, "reasons": ["slow"], "comment": "太慢"})):
        r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body=body)
        assert r.status == 200, r.body

    r = await server.fetch("/api/v1/admin/dashboard", token=operator_token)
    assert r.status == 200, r.body
    body = r.json
    assert body["to"] == body["today"] == today.isoformat()
    assert body["from"] == (today - dt.timedelta(days=29)).isoformat()
    apps = body["applications"]
    assert apps["total"] == 4 and apps["by_state"]["completed"] == 2 and apps["by_state"]["submitted"] == 2
    assert apps["finished"] == 2 and apps["on_time"] == 1 and apps["on_time_rate"] == 0.5 and apps["overdue"] == 1
    assert apps["backlog"] == {"to_accept": 2, "in_review": 0, "to_supplement": 0}
    rsj = next(d for d in body["departments"] if d["department"] == "rsj")
    assert rsj["name"] == "市人力资源和社会保障局" and rsj["total"] == 4 and rsj["overdue"] == 1
    assert rsj["ratings"] == 2 and rsj["rating_average"] == 3.5
    assert [o["number"] for o in body["overdue"]] == [numbers[2]]
    assert body["overdue"][0]["days_overdue"] == 3 and body["overdue"][0]["department_name"] == "市人力资源和社会保障局"
    assert body["ratings"] == {"count": 2, "average": 3.5, "good_rate": 0.5,
                               "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    assert body["logins"]["by_channel"]["wechat"] >= 1
    assert body["logins"]["by_day"][-1]["date"] == today.isoformat()


async def test_dashboard_window_and_access(server, operator_token):
    token = await applicant_token(server, "o-dash-2")
    await submit(server, token)
    r = await server.fetch("/api/v1/admin/dashboard?from=2020-01-01&to=2020-01-31", token=operator_token)
    assert r.status == 200 and r.json["applications"]["total"] == 0 and r.json["logins"]["by_day"] == []
    assert r.json["applications"]["on_time_rate"] is None and r.json["ratings"]["average"] is None
    for query, field in (("from=2026-02-01&to=2026-01-01", "from"), ("from=2020-01-01&to=2026-01-01", "from"),
                         ("to=yesterday", "to")):
        r = await server.fetch(f"/api/v1/admin/dashboard?{query}", token=operator_token)
        assert r.status == 422 and field in r.json["error"]["details"], (query, r.body)
    clerk = await server.login("processor.rsj", "Processor@2026")
    assert (await server.fetch("/api/v1/admin/dashboard", token=clerk)).status == 403
    assert (await server.fetch("/api/v1/admin/dashboard", token=token)).status == 403
    assert (await server.fetch("/api/v1/admin/dashboard")).status == 401


async def test_delivery_tile_agrees_with_the_channel_rows(server, operator_token):
    """The dashboard's 消息到达率 tile is the stats' `total`: the same records as the channel rows,
    the inbox left out; 到达率 counts receipts only, and Alipay (no receipts) stays out of it."""
    day = dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)

    def delivery(i, provider, status, **extra):
        return {"_id": f"dash-{i}:{provider}", "event_id": f"dash-{i}", "provider": provider,
                "type": "application.accepted", "number": "BJ0", "owner": "x", "status": status, "attempts": 1,
                "created_at": day, "event_at": day, "finished_at": day + dt.timedelta(seconds=1), **extra}

    await server.deps.db.deliveries.insert_many([
        delivery(1, "inbox", "delivered"), delivery(2, "inbox", "delivered"), delivery(3, "inbox", "delivered"),
        delivery(1, "wechat", "delivered", delivered_at=day + dt.timedelta(seconds=2)),
        delivery(2, "wechat", "permanent-failure", reason="wechat-sent-event 43101 user refused"),
        delivery(3, "app", "accepted"), delivery(4, "sms", "delivered", delivered_at=day + dt.timedelta(minutes=5)),
        delivery(5, "alipay", "accepted")])
    r = await server.fetch("/api/v1/admin/deliveries/stats?from=2026-01-10T00:00:00Z&to=2026-01-11T00:00:00Z",
                           token=operator_token)
    assert r.status == 200, r.body
    rows = {name: f for name, f in r.json["channels"].items() if name != "inbox"}
    total = r.json["total"]
    for figure in ("total", "accepted", "delivered", "finished", "reported"):
        assert total[figure] == sum(f[figure] for f in rows.values()), figure
    assert (total["delivered"], total["reported"]) == (2, 4)  # alipay's acceptance is no receipt
    assert total["arrival_rate"] == 0.5 and total["within_10s"] == 0.25 and total["acceptance_rate"] == 0.8
    assert rows["alipay"]["arrival_rate"] is None and rows["alipay"]["receipts"] is False
    assert rows["app"]["arrival_rate"] == 0.0 and rows["sms"]["within_10s"] == 0.0
