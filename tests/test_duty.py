"""Duty dispatch over real HTTP: positions, nearest-inspector suggestions with stale positions left
out, assignment notified through the push service, each step timed, the supervisor's picture."""

import datetime as dt

import pytest

from support import eventually, start_server, stop_server

WEST_LAKE = [120.1551, 30.2741]


@pytest.fixture
async def dispatch(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url)  # with its push worker
    tokens = {n: await server.login(n, ("Supervisor@2026" if n.startswith("supervisor") else "Inspector@2026"))
              for n in ("inspector", "inspector.li", "inspector.wang", "supervisor", "supervisor.zhao")}
    yield server, tokens
    await stop_server(server)


async def at(server, token, lng, lat, on_duty=True):
    r = await server.fetch("/api/v1/enforcement/position", "POST", token=token,
                           json_body={"lng": lng, "lat": lat, "on_duty": on_duty})
    assert r.status == 200, r.body


async def test_suggest_assign_notify_and_time_each_step(dispatch):
    server, t = dispatch
    await at(server, t["inspector"], 120.1600, 30.2750)  # ~500 m away
    await at(server, t["inspector.li"], 120.2000, 30.3000)  # ~5 km away
    await at(server, t["inspector.wang"], 120.1552, 30.2742)  # nearest, but another team
    r = await server.fetch("/api/v1/enforcement/tasks", "POST", token=t["supervisor"], json_body={
        "location": {"type": "Point", "coordinates": WEST_LAKE}, "description": "湖滨路违停堵塞消防通道", "priority": "urgent",
        "address": " 杭州市上城区湖滨路 28 号 "})
    assert r.status == 201, r.body
    task, suggestions = r.json["task"], r.json["suggestions"]
    assert task["address"] == "杭州市上城区湖滨路 28 号"  # where to look, beside the point
    assert [s["inspector"] for s in suggestions] == ["inspector", "inspector.li"]
    assert 400 < suggestions[0]["distance_m"] < 700 and suggestions[0]["age_seconds"] <= 2
    # li's position goes stale: no longer suggested
    await server.deps.db.positions.update_one({"_id": "inspector.li"},
                                              {"$set": {"at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)}})
    again = await server.fetch(f"/api/v1/enforcement/tasks/{task['id']}/suggestions", token=t["supervisor"])
    assert [s["inspector"] for s in again.json["suggestions"]] == ["inspector"]
    team = (await server.fetch("/api/v1/enforcement/team", token=t["supervisor"])).json
    assert {p["inspector"]: p["stale"] for p in team["positions"]} == {"inspector": False, "inspector.li": True}
    assert [x["id"] for x in team["open_tasks"]] == [task["id"]]

    wrong = await server.fetch(f"/api/v1/enforcement/tasks/{task['id']}/assign", "POST", token=t["supervisor"],
                               json_body={"inspector": "inspector.wang"})
    assert wrong.status == 422
    assigned = await server.fetch(f"/api/v1/enforcement/tasks/{task['id']}/assign", "POST", token=t["supervisor"],
                                  json_body={"inspector": "inspector"})
    assert assigned.json["state"] == "assigned"

    async def alerted():  # the push service brings the alert to the inspector's inbox
        box = (await server.fetch("/api/v1/enforcement/inbox", token=t["inspector"])).json
        return box if box["messages"] else None
    box = await eventually(alerted, "the alert in the inspector's inbox", seconds=5)
    assert box["messages"][0]["title"] == "新的勤务任务" and task["number"] in box["messages"][0]["body"]
    assert (await server.fetch("/api/v1/enforcement/inbox", token=t["inspector.li"])).json["messages"] == []
    # busy now: not suggested for the next task
    r = await server.fetch("/api/v1/enforcement/tasks", "POST", token=t["supervisor"], json_body={
        "location": {"type": "Point", "coordinates": WEST_LAKE}, "description": "第二个任务"})
    assert r.json["suggestions"] == [] and r.json["task"]["address"] == ""  # no address: an empty one

    async def step(token, name):
        return await server.fetch(f"/api/v1/enforcement/tasks/{task['id']}/{name}", "POST", token=token)

    assert (await step(t["inspector"], "arrive")).status == 409  # accept first
    assert (await step(t["inspector.li"], "accept")).status == 404  # not theirs to see
    for name, state in (("accept", "accepted"), ("arrive", "arrived"), ("complete", "completed")):
        r = await step(t["inspector"], name)
        assert r.status == 200 and r.json["state"] == state
    timeline = r.json["timeline"]
    assert [s["state"] for s in timeline] == ["open", "assigned", "accepted", "arrived", "completed"]
    assert all(isinstance(s.get("seconds"), int) for s in timeline[2:])
    assert (await server.fetch(f"/api/v1/enforcement/tasks/{task['id']}/assign", "POST", token=t["supervisor"],
                               json_body={"inspector": "inspector.li"})).status == 409
    mine = (await server.fetch("/api/v1/enforcement/tasks", token=t["inspector"])).json["tasks"]
    assert [x["id"] for x in mine] == [task["id"]]


async def test_dispatch_scope(dispatch):
    server, t = dispatch
    r = await server.fetch("/api/v1/enforcement/tasks", "POST", token=t["supervisor"], json_body={
        "location": {"type": "Point", "coordinates": WEST_LAKE}, "description": "巡查"})
    task_id = r.json["task"]["id"]
    assert (await server.fetch("/api/v1/enforcement/tasks", "POST", token=t["inspector"], json_body={
        "location": {"type": "Point", "coordinates": WEST_LAKE}, "description": "巡查"})).status == 403
    assert (await server.fetch(f"/api/v1/enforcement/tasks/{task_id}/suggestions", token=t["supervisor.zhao"])).status == 404
    assert (await server.fetch(f"/api/v1/enforcement/tasks/{task_id}/assign", "POST", token=t["supervisor.zhao"],
                               json_body={"inspector": "inspector.wang"})).status == 404
    assert (await server.fetch("/api/v1/enforcement/tasks", token=t["supervisor.zhao"])).json["tasks"] == []
    assert (await server.fetch("/api/v1/enforcement/team", token=t["inspector"])).status == 403
    bad = await server.fetch("/api/v1/enforcement/position", "POST", token=t["inspector"], json_body={"lng": 200, "lat": 1})
    assert bad.status == 422
