"""Two app instances over one database and one Redis, and a Redis that goes away."""

import asyncio
import copy
import time

from models import seed
from support import RedisServer, start_server, stop_server


async def wait_for_version(server, channel, version, limit=1.0):
    start = time.monotonic()
    while True:
        body = (await server.fetch(f"/api/v1/channels/{channel}/menu")).json
        if body["version"] == version or time.monotonic() - start > limit:
            return body["version"], time.monotonic() - start
        await asyncio.sleep(0.02)


async def test_publish_in_one_instance_is_seen_by_the_other_within_a_second(database, redis_server):
    redis_server.flush()
    # a long poll interval, so only pub/sub can explain a fast update
    a = await start_server(database, redis_server.url, CACHE_POLL_SECONDS="60")
    b = await start_server(database, redis_server.url, seed_demo=False, CACHE_POLL_SECONDS="60")
    try:
        assert (await b.fetch("/api/v1/channels/app/menu")).json["version"] == 1  # b caches v1
        token = await a.login()
        menu = copy.deepcopy(seed.demo_menus()["app"])
        menu["sections"][0]["title"] = "跨进程"
        r = await a.fetch("/api/v1/admin/menus/app/publish", "POST", token=token,
                          json_body={"base_version": 1, "menu": menu})
        assert r.status == 201
        version, elapsed = await wait_for_version(b, "app", 2)
        assert version == 2 and elapsed < 1.0
        assert (await b.fetch("/api/v1/channels/app/menu")).json["sections"][0]["title"] == "跨进程"
        # item edits invalidate the other instance's item lists the same way
        item = (await a.fetch("/api/v1/admin/items/JT0001", token=token))
        changed = {k: item.json[k] for k in ("code", "name", "category", "department", "kind", "channels",
                                             "description", "keywords", "form", "materials", "promise_days",
                                             "fee_fen", "online_depth", "regions", "query", "link_url")}
        changed.update(status="published", name="改过名的交通事项")
        r = await a.fetch("/api/v1/admin/items/JT0001", "PUT", json_body=changed, token=token,
                          headers={"If-Match": item.headers["Etag"]})
        assert r.status == 200, r.body
        for _ in range(50):
            names = [i["name"] for i in (await b.fetch("/api/v1/items?category=交通&limit=200")).json["items"]]
            if "改过名的交通事项" in names:
                break
            await asyncio.sleep(0.02)
        assert "改过名的交通事项" in names
    finally:
        await stop_server(a)
        await stop_server(b)


async def test_polling_catches_up_when_the_message_is_missed(database, redis_server):
    redis_server.flush()
    a = await start_server(database, redis_server.url, CACHE_POLL_SECONDS="0.2")
    try:
        assert (await a.fetch("/api/v1/channels/alipay/menu")).json["version"] == 1
        # another process published while we missed its announcement: write behind the app's back
        from models import menus

        menu = copy.deepcopy(seed.demo_menus()["alipay"])
        await menus.publish(database, "alipay", menu, base_version=1, actor={"username": "x", "role": "admin"})
        version, _ = await wait_for_version(a, "alipay", 2, limit=2.0)
        assert version == 2
    finally:
        await stop_server(a)


async def test_menus_keep_being_served_while_redis_is_down(database):
    own = RedisServer().start()
    server = await start_server(database, own.url)
    try:
        first = await server.fetch("/api/v1/channels/wechat/menu")
        hot = await server.fetch("/api/v1/items/hot?channel=wechat")
        assert first.status == 200 and hot.status == 200
        # Staff sessions outlive a Redis outage (refresh tokens are in MongoDB), but a new login
        # waits for it: its throttle lives in Redis, and an unthrottled login is worse than a 503.
        token = await server.login()
        own.stop()
        for _ in range(3):
            again = await server.fetch("/api/v1/channels/wechat/menu")
            assert again.status == 200 and again.body == first.body
        assert (await server.fetch("/api/v1/items?q=sbk")).status == 200
        r = await server.fetch("/api/v1/items/hot?channel=wechat")
        assert r.status == 200 and r.json["items"] == hot.json["items"]
        item = hot.json["items"][0]["code"]
        assert (await server.fetch(f"/api/v1/items/{item}?channel=wechat")).status == 200  # use not counted
        ready = await server.fetch("/readyz")
        assert ready.status == 503 and ready.json["checks"]["redis"].startswith("down")
        assert ready.json["checks"]["mongo"] == "ok"
        r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator", "password": "Operator@2026"})
        assert r.status == 503 and r.json["error"]["code"] == "service.unavailable"
        # publishing still works; this process sees it at once, others by polling
        menu = copy.deepcopy(seed.demo_menus()["app"])
        r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", token=token,
                               json_body={"base_version": 1, "menu": menu})
        assert r.status == 201
        assert (await server.fetch("/api/v1/channels/app/menu")).json["version"] == 2
    finally:
        own.stop()
        await stop_server(server)
