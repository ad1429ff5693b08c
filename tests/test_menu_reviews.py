"""Four eyes on menus and items (models/reviews.py): a second operator approves or rejects, the
city may require it, an approved change may be scheduled and goes live once, and a rejected one never."""

import asyncio
import copy
import datetime as dt

import pytest

from api import published
from config import ConfigError, Settings
from models import seed, staff
from models.catalog import ItemInSchema
from support import eventually, start_server, stop_server

REVIEWS = "/api/v1/admin/reviews"
ITEM_FIELDS = set(ItemInSchema().fields)


def menu_of(channel: str) -> dict:
    return copy.deepcopy(seed.demo_menus()[channel])


async def second_operator(server, username="operator.b") -> str:
    """Another operator (the demo data has one): created directly, logged in."""
    await staff.create_staff(server.deps.db, username=username, password_hash=staff.hash_password("Second@2026a"),
                             role="operator", display_name="运营审核员")
    return await server.login(username, "Second@2026a")


async def submit(server, token, channel="alipay", title="审核后的栏目", base=1):
    menu = menu_of(channel)
    menu["sections"][0]["title"] = title
    r = await server.fetch(f"/api/v1/admin/menus/{channel}/reviews", "POST", token=token,
                           json_body={"base_version": base, "menu": menu, "comment": "改栏目名"})
    assert r.status == 201, r.body
    assert r.headers["Etag"] == '"1"' and r.json["state"] == "pending"
    return r.json


async def decide(server, token, review, what="approve", version=None, **body):
    return await server.fetch(f"{REVIEWS}/{review['id']}/{what}", "POST", token=token, json_body=body,
                              headers={"If-Match": f'"{version or review["version"]}"'})


async def resident_menu(server, channel="alipay") -> dict:
    return (await server.fetch(f"/api/v1/channels/{channel}/menu")).json


async def test_a_second_operator_approves_and_the_resident_sees_it(server, operator_token):
    review = await submit(server, operator_token)
    assert review["diff"]["sections_changed"][0]["title_changed"] is True
    assert (await resident_menu(server))["version"] == 1  # submitting publishes nothing

    for what, body in (("approve", {}), ("reject", {"comment": "自己驳回"})):
        r = await decide(server, operator_token, review, what, **body)
        assert r.status == 403 and r.json["error"]["code"] == "review.own_change"
    other = await second_operator(server)
    r = await server.fetch(f"{REVIEWS}/{review['id']}/approve", "POST", token=other, json_body={})
    assert r.status == 428
    assert (await decide(server, other, review, version=7)).status == 409
    r = await decide(server, other, review, comment="同意")
    assert r.status == 200, r.body
    assert r.json["state"] == "published" and r.json["published_version"] == 2 and r.json["reviewed_by"] == "operator.b"
    shown = await resident_menu(server)
    assert shown["version"] == 2 and shown["sections"][0]["title"] == "审核后的栏目"

    r = await decide(server, other, r.json)
    assert r.status == 409 and r.json["error"]["code"] == "review.not_open"
    listed = (await server.fetch(f"{REVIEWS}?kind=menu", token=other)).json
    assert listed["mode"] == "optional" and [x["state"] for x in listed["reviews"]] == ["published"]
    audit = (await server.fetch("/api/v1/admin/audit?target=menu:alipay", token=other)).json["entries"]
    assert [e["action"] for e in audit][:4] == ["review.published", "menu.publish", "review.approve", "review.submit"]
    assert audit[1]["actor"] == "operator.b" and audit[1]["details"]["review"] == review["id"]


async def test_a_change_approved_over_a_newer_publish_fails_instead_of_overwriting(server, operator_token):
    review = await submit(server, operator_token)
    other = await second_operator(server)
    direct = menu_of("alipay")
    direct["sections"][0]["title"] = "直接发布"
    r = await server.fetch("/api/v1/admin/menus/alipay/publish", "POST", token=other,
                           json_body={"base_version": 1, "menu": direct})
    assert r.status == 201
    r = await decide(server, other, review)
    assert r.status == 200 and r.json["state"] == "failed" and r.json["error"]["code"] == "menu.stale_base"
    assert (await resident_menu(server))["sections"][0]["title"] == "直接发布"
    r = await server.fetch("/api/v1/admin/menus/alipay/reviews", "POST", token=operator_token,
                           json_body={"base_version": 1, "menu": direct})
    assert r.status == 409 and r.json["error"]["code"] == "menu.stale_base"
    broken = menu_of("alipay")
    broken["sections"][0]["entries"][0] = {"type": "item", "item_code": "ZZ9999"}
    r = await server.fetch("/api/v1/admin/menus/alipay/reviews", "POST", token=operator_token,
                           json_body={"base_version": 2, "menu": broken})
    assert r.status == 422 and r.json["error"]["code"] == "menu.invalid"


async def test_a_rejected_change_never_goes_live(server, operator_token):
    other = await second_operator(server)
    review = await submit(server, operator_token, title="驳回的栏目")
    r = await decide(server, other, review, "reject", comment="")
    assert r.status == 422 and "comment" in r.json["error"]["details"]
    r = await decide(server, other, review, "reject", comment="栏目名不规范")
    assert r.status == 200 and r.json["state"] == "rejected" and r.json["review_comment"] == "栏目名不规范"
    r = await decide(server, other, r.json)
    assert r.status == 409 and r.json["error"]["code"] == "review.not_open"

    # scheduled, then stopped before its time: the timer passing it by publishes nothing
    scheduled = await submit(server, operator_token, title="定时后驳回")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    r = await decide(server, other, scheduled, publish_at=later)
    assert r.status == 200 and r.json["state"] == "scheduled"
    r = await decide(server, other, r.json, "reject", comment="活动取消")
    assert r.status == 200 and r.json["state"] == "rejected"
    await server.deps.db.reviews.update_many({}, {"$set": {"publish_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}})
    assert await published.publish_due(server.deps) == 0
    shown = await resident_menu(server)
    assert shown["version"] == 1 and shown["sections"][0]["title"] == menu_of("alipay")["sections"][0]["title"]


async def test_a_scheduled_change_goes_live_once_with_two_processes_racing(database, redis_server):
    # two API processes (each its own cache), whose own timers stay out of the race this test runs
    redis_server.flush()
    server = await start_server(database, redis_server.url, REVIEW_POLL_SECONDS="300")
    second = await start_server(database, redis_server.url, REVIEW_POLL_SECONDS="300")
    try:
        operator_token = await server.login()
        other = await second_operator(server)
        review = await submit(server, operator_token, title="定时发布")
        r = await decide(server, other, review, publish_at=(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat())
        assert r.status == 200 and r.json["state"] == "scheduled"
        assert (await resident_menu(second))["version"] == 1  # cached in the second process
        assert await published.publish_due(server.deps) == 0  # not yet
        await database.reviews.update_one({"_id": review["id"]},
                                          {"$set": {"publish_at": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}})
        taken = await asyncio.gather(*(published.publish_due(s.deps) for s in (server, second, server, second)))
        assert sum(taken) == 1
        versions = (await server.fetch("/api/v1/admin/menus/alipay/versions", token=other)).json["versions"]
        assert [v["version"] for v in versions] == [2, 1]
        done = (await server.fetch(f"{REVIEWS}/{review['id']}", token=other)).json
        assert done["state"] == "published" and done["published_version"] == 2
        audit = (await server.fetch("/api/v1/admin/audit?action=review.published", token=other)).json["entries"]
        assert len(audit) == 1
        for process in (server, second):  # the publish announced itself: neither serves the old menu
            await eventually(lambda p=process: _shows(p, 2), "the scheduled menu in both processes", 3)
    finally:
        await stop_server(second)
        await stop_server(server)


async def _shows(server, version) -> bool:
    return (await resident_menu(server))["version"] == version


@pytest.fixture
async def quick(database, redis_server):
    """A process whose timer looks for due changes ten times a second."""
    redis_server.flush()
    srv = await start_server(database, redis_server.url, REVIEW_POLL_SECONDS="0.1")
    yield srv
    await stop_server(srv)


async def test_the_timer_publishes_at_the_time(quick):
    operator = await quick.login()
    other = await second_operator(quick)
    review = await submit(quick, operator, channel="app", title="到点上线")
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    r = await decide(quick, other, review, publish_at=at.isoformat())
    assert r.json["state"] == "scheduled"
    assert (await resident_menu(quick, "app"))["version"] == 1
    await eventually(lambda: _shows_app(quick), "the timer's publish", 5)
    assert dt.datetime.now(dt.UTC) >= at


async def _shows_app(server) -> bool:
    return (await resident_menu(server, "app"))["version"] == 2


@pytest.fixture
async def strict(database, redis_server):
    redis_server.flush()
    srv = await start_server(database, redis_server.url, MENU_REVIEW="required")
    yield srv
    await stop_server(srv)


async def test_required_mode_refuses_a_direct_publish(strict):
    operator = await strict.login()
    r = await strict.fetch("/api/v1/admin/menus/alipay/publish", "POST", token=operator,
                           json_body={"base_version": 1, "menu": menu_of("alipay")})
    assert r.status == 403 and r.json["error"]["code"] == "review.required"
    r = await strict.fetch("/api/v1/admin/menus/alipay/rollback", "POST", token=operator,
                           json_body={"base_version": 1, "to_version": 1})
    assert r.status == 403 and r.json["error"]["code"] == "review.required"
    assert (await strict.fetch(REVIEWS, token=operator)).json["mode"] == "required"

    item = (await strict.fetch("/api/v1/admin/items/SB0001", token=operator))
    body = {k: v for k, v in item.json.items() if k in ITEM_FIELDS}
    body["name"] = body["name"] + "（审核）"
    r = await strict.fetch("/api/v1/admin/items/SB0001", "PUT", token=operator, json_body=body,
                           headers={"If-Match": item.headers["Etag"]})
    assert r.status == 403 and r.json["error"]["code"] == "review.required"
    r = await strict.fetch("/api/v1/admin/item-reviews", "POST", token=operator,
                           json_body={"item": body, "base_version": item.json["version"], "comment": "改名"})
    assert r.status == 201, r.body
    other = await second_operator(strict)
    r = await decide(strict, other, r.json)
    assert r.json["state"] == "published" and r.json["published_version"] == item.json["version"] + 1
    assert (await strict.fetch("/api/v1/items/SB0001")).json["name"] == body["name"]
    entries = (await strict.fetch("/api/v1/admin/audit?target=item:SB0001", token=other)).json["entries"]
    assert [e["action"] for e in entries][:4] == ["review.published", "item.update", "review.approve", "review.submit"]


def test_the_review_rule_is_one_of_two():
    assert Settings.from_mapping({"APP_MODE": "demo", "MENU_REVIEW": "Required"}).menu_review == "required"
    for bad in ({"MENU_REVIEW": "sometimes"}, {"REVIEW_POLL_SECONDS": "0"}):
        with pytest.raises(ConfigError):
            Settings.from_mapping({"APP_MODE": "demo", **bad})
