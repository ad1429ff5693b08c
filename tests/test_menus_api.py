import asyncio
import copy

from tornado.simple_httpclient import SimpleAsyncHTTPClient

from models import seed


def menu_of(channel: str) -> dict:
    return copy.deepcopy(seed.demo_menus()[channel])


async def publish(server, token, channel, menu, base, comment=""):
    return await server.fetch(f"/api/v1/admin/menus/{channel}/publish", "POST", token=token,
                              json_body={"base_version": base, "menu": menu, "comment": comment})


async def test_menu_read_with_etag_and_304(server):
    r = await server.fetch("/api/v1/channels/wechat/menu")
    assert r.status == 200
    assert r.headers["Cache-Control"] == "public, no-cache"
    etag = r.headers["Etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    body = r.json
    assert body["channel"] == "wechat" and body["version"] == 1 and body["sections"]
    entry = body["sections"][0]["entries"][0]
    assert entry["title"] and entry["type"] in ("item", "link", "miniprogram")
    assert "official_account" not in body
    again = await server.fetch("/api/v1/channels/wechat/menu", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    other = await server.fetch("/api/v1/channels/wechat/menu", headers={"If-None-Match": '"nope", ' + etag})
    assert other.status == 304
    changed = await server.fetch("/api/v1/channels/wechat/menu", headers={"If-None-Match": '"stale"'})
    assert changed.status == 200


async def test_unknown_channel_and_route(server):
    r = await server.fetch("/api/v1/channels/douyin/menu")
    assert r.status == 404 and r.json["error"]["code"] == "channel.not_found"
    r = await server.fetch("/api/v1/nothing-here")
    assert r.status == 404 and r.json["error"]["code"] == "route.not_found"
    r = await server.fetch("/api/v1/channels/wechat/menu", "DELETE")
    assert r.status == 405 and r.json["error"]["code"] == "http.405"


async def test_publish_then_rollback(server, operator_token):
    before = (await server.fetch("/api/v1/channels/alipay/menu")).json
    menu = menu_of("alipay")
    menu["sections"][0]["title"] = "新栏目名"
    removed = menu["sections"][0]["entries"].pop()
    r = await publish(server, operator_token, "alipay", menu, 1, "改名")
    assert r.status == 201, r.body
    assert r.json["version"] == 2
    changed = r.json["diff"]["sections_changed"][0]
    assert changed["title_changed"] and changed["entries_removed"] == [removed.get("item_code") or
                                                                     f"{removed['type']}:{removed.get('title')}"]
    after = (await server.fetch("/api/v1/channels/alipay/menu")).json
    assert after["version"] == 2 and after["sections"][0]["title"] == "新栏目名"

    r = await server.fetch("/api/v1/admin/menus/alipay/rollback", "POST", token=operator_token,
                           json_body={"to_version": 1, "base_version": 2})
    assert r.status == 201 and r.json["version"] == 3 and r.json["rollback_of"] == 1
    restored = (await server.fetch("/api/v1/channels/alipay/menu")).json
    assert restored["version"] == 3 and restored["sections"] == before["sections"]

    versions = (await server.fetch("/api/v1/admin/menus/alipay/versions", token=operator_token)).json["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1] and versions[0]["published_by"] == "operator"
    audit = (await server.fetch("/api/v1/admin/audit?target=menu:alipay", token=operator_token)).json["entries"]
    assert [e["action"] for e in audit] == ["menu.rollback", "menu.publish", "menu.publish"]
    r = await server.fetch("/api/v1/admin/menus/alipay/rollback", "POST", token=operator_token,
                           json_body={"to_version": 9, "base_version": 3})
    assert r.status == 404


async def test_concurrent_publish_from_same_base_one_wins(server, operator_token):
    other = await server.login("admin", "Admin@2026")
    a, b = menu_of("app"), menu_of("app")
    a["sections"][0]["title"] = "甲的修改"
    b["sections"][0]["title"] = "乙的修改"
    results = await asyncio.gather(publish(server, operator_token, "app", a, 1), publish(server, other, "app", b, 1))
    assert sorted(r.status for r in results) == [201, 409]
    loser = next(r for r in results if r.status == 409)
    assert loser.json["error"]["code"] == "menu.stale_base" and loser.json["error"]["details"]["current_version"] == 2
    versions = (await server.fetch("/api/v1/admin/menus/app/versions", token=operator_token)).json["versions"]
    assert [v["version"] for v in versions] == [2, 1]


async def test_invalid_menus_name_the_bad_node(server, operator_token):
    menu = menu_of("app")
    menu["sections"][0]["entries"][0] = {"type": "item", "item_code": "ZZ9999"}
    menu["sections"][1]["entries"][0]["entries"] = [{"type": "item", "item_code": "SB0001"}]
    r = await publish(server, operator_token, "app", menu, 1)
    assert r.status == 422
    assert r.json["error"]["details"] == {"sections[1].entries[0].entries": ["菜单最多两层：栏目下只能放入口，入口不能再有下级"]}
    del menu["sections"][1]["entries"][0]["entries"]
    menu["sections"][1]["entries"].append({"type": "miniprogram", "title": "跳转", "appid": "wx1234567890", "path": "p"})
    r = await publish(server, operator_token, "app", menu, 1)
    assert r.status == 422 and r.json["error"]["code"] == "menu.invalid"
    details = r.json["error"]["details"]
    last = len(menu["sections"][1]["entries"]) - 1
    assert details == {"sections[0].entries[0].item_code": ["事项 ZZ9999 不存在"],
                       f"sections[1].entries[{last}].type": ["App 渠道不能跳转小程序"]}
    assert (await server.fetch("/api/v1/channels/app/menu")).json["version"] == 1


async def test_wechat_official_account_limits(server, operator_token):
    menu = menu_of("wechat")
    menu["official_account"] = {"button": [
        {"name": "一二三四五六", "type": "click", "key": "k"},  # 18 bytes > 16
        {"name": "办事", "sub_button": [{"name": f"子{i}", "type": "view", "url": "https://a.gov.cn"} for i in range(6)]},
        {"name": "我的", "type": "miniprogram", "appid": "wxdemoappid", "pagepath": "pages/index"},
        {"name": "更多", "type": "click", "key": "m"},
    ]}
    r = await server.fetch("/api/v1/admin/menus/wechat/validate", "POST", json_body=menu, token=operator_token)
    assert r.status == 200 and r.json["valid"] is False
    assert r.json["errors"] == {
        "official_account.button": ["一级菜单须为 1 到 3 个"],
        "official_account.button[0].name": ["一级菜单名称不能超过 16 字节（汉字按 3 字节计）"],
        "official_account.button[1].sub_button": ["二级菜单须为 1 到 5 个"],
        "official_account.button[2].url": ["须填写以 http:// 或 https:// 开头的网址"],
    }
    assert r.json["diff"]["official_account_changed"] is True
    assert (await publish(server, operator_token, "wechat", menu, 1)).status == 422


async def test_wechat_sync_pushes_menu_and_rejection_rolls_back(server, operator_token):
    await server.fetch("/sandbox/reset", "POST")
    menu = menu_of("wechat")
    menu["official_account"]["button"][0]["name"] = "办事大厅"
    r = await publish(server, operator_token, "wechat", menu, 1)
    assert r.status == 201, r.body
    received = (await server.fetch("/sandbox/received?target=wechat.menu.create")).json["requests"]
    assert received[-1]["json"] == menu["official_account"]
    assert received[-1]["query"]["access_token"] == "***"

    menu["official_account"]["button"][0]["name"] = "新的名字"
    fault = {"target": "wechat.menu.create", "errcode": 40018, "errmsg": "invalid button name size"}
    assert (await server.fetch("/sandbox/faults", "POST", json_body=fault)).status == 201
    r = await publish(server, operator_token, "wechat", menu, 2)
    assert r.status == 422 and r.json["error"]["code"] == "wechat.menu_rejected"
    assert r.json["error"]["details"]["errcode"] == 40018
    current = (await server.fetch("/api/v1/channels/wechat/menu")).json
    assert current["version"] == 2
    versions = (await server.fetch("/api/v1/admin/menus/wechat/versions", token=operator_token)).json["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    audit = (await server.fetch("/api/v1/admin/audit?target=menu:wechat", token=operator_token)).json["entries"]
    assert audit[0]["action"] == "menu.publish_rejected"
    # WeChat unreachable: 503, nothing published; the next try succeeds with the same base
    fault = {"target": "wechat.menu.create", "status": 503}
    await server.fetch("/sandbox/faults", "POST", json_body=fault)
    r = await publish(server, operator_token, "wechat", menu, 2)
    assert r.status == 503 and r.json["error"]["code"] == "wechat.unavailable"
    r = await publish(server, operator_token, "wechat", menu, 2)
    assert r.status == 201 and r.json["version"] == 3


async def test_wechat_token_refreshed_once_when_refused(server, operator_token):
    await server.fetch("/sandbox/reset", "POST")
    menu = menu_of("wechat")
    menu["official_account"]["button"][0]["name"] = "换个名字"
    await server.fetch("/sandbox/faults", "POST", json_body={"target": "wechat.menu.create", "errcode": 40001,
                                                             "errmsg": "invalid credential"})
    r = await publish(server, operator_token, "wechat", menu, 1)
    assert r.status == 201, r.body
    tokens = (await server.fetch("/sandbox/received?target=wechat.stable_token")).json["requests"]
    # WeChat's current token first (a normal fetch: the same one), then one forced refresh
    assert [t["json"]["force_refresh"] for t in tokens] == [False, False, True]


async def test_drafts_save_validate_and_publish(server, operator_token):
    r = await server.fetch("/api/v1/admin/menus/app/draft", token=operator_token)
    assert r.status == 200 and r.json["base_version"] == 1 and r.json["menu"]["sections"]
    assert r.json["tag"] == "1.0" and r.headers["Etag"] == '"1.0"'
    menu = r.json["menu"]
    menu["sections"] = menu["sections"][:1]
    r = await server.fetch("/api/v1/admin/menus/app/draft", "PUT", json_body=menu, token=operator_token,
                           headers={"If-Match": '"1.0"'})
    assert r.status == 200 and r.json["updated_by"] == "operator" and r.json["tag"] == "1.1"
    r = await server.fetch("/api/v1/admin/menus/app/validate", "POST", token=operator_token)
    assert r.json["valid"] is True and r.json["diff"]["sections_removed"]
    titles = r.json["diff"]["titles"]
    assert {k: t["after"] for k, t in titles.items()} == dict.fromkeys(r.json["diff"]["sections_removed"])
    assert titles["shebao"]["before"] == "社保服务"
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", json_body={"base_version": 1}, token=operator_token)
    assert r.status == 201 and len(r.json["menu"]["sections"]) == 1
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", json_body={"base_version": 2}, token=operator_token)
    assert r.status == 422 and r.json["error"]["code"] == "menu.no_draft"
    r = await server.fetch("/api/v1/admin/menus/app/draft", "PUT", json_body={"sections": "x"}, token=operator_token,
                           headers={"If-Match": '"2.0"'})
    assert r.status == 422 and r.json["error"]["details"] == {"sections": ["应为列表"]}


async def test_draft_saves_never_overwrite_each_other(server, operator_token):
    """Two operators load the same draft; the second save is refused, and so is a draft loaded
    before a publish."""
    url = "/api/v1/admin/menus/app/draft"
    menu = (await server.fetch(url, token=operator_token)).json["menu"]
    r = await server.fetch(url, "PUT", json_body=menu, token=operator_token)
    assert r.status == 428 and r.json["error"]["code"] == "request.if_match_required"
    first = await server.fetch(url, "PUT", json_body=menu, token=operator_token, headers={"If-Match": '"1.0"'})
    assert first.status == 200 and first.json["tag"] == "1.1"
    other = await server.fetch(url, "PUT", json_body={**menu, "sections": menu["sections"][:1]}, token=operator_token,
                               headers={"If-Match": '"1.0"'})
    assert other.status == 409 and other.json["error"]["code"] == "menu.draft_changed"
    assert other.json["error"]["details"]["current_tag"] == "1.1"
    assert (await server.fetch(url, token=operator_token)).json["menu"] == menu  # the first save stands
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", json_body={"base_version": 1}, token=operator_token)
    assert r.status == 201
    stale = await server.fetch(url, "PUT", json_body=menu, token=operator_token, headers={"If-Match": '"1.1"'})
    assert stale.status == 409 and stale.json["error"]["details"]["current_tag"] == "2.0"
    fresh = await server.fetch(url, "PUT", json_body=menu, token=operator_token, headers={"If-Match": '"2.0"'})
    assert fresh.status == 200 and fresh.json["base_version"] == 2 and fresh.json["tag"] == "2.1"


async def test_malformed_and_oversized_bodies(server, operator_token):
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", body=b"{", token=operator_token)
    assert r.status == 400 and r.json["error"]["code"] == "request.malformed_json"
    big = b'{"menu": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", body=big, token=operator_token)
    assert r.status == 413 and r.json["error"]["code"] == "request.too_large"
    # refused from its Content-Length alone, before the body is read
    huge = b"x" * (80 * 1024 * 1024)
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", body=huge, token=operator_token)
    assert r.status == 413 and r.json["error"]["code"] == "request.too_large"
    # chunked, no Content-Length: refused once the running size passes the limit
    async def produce(write):
        for _ in range(40):
            await write(b"x" * 65536)

    response = await SimpleAsyncHTTPClient().fetch(
        server.base + "/api/v1/admin/menus/app/publish", method="POST", body_producer=produce, raise_error=False,
        headers={"Authorization": f"Bearer {operator_token}"})
    assert response.code == 413, response.body
    r = await server.fetch("/api/v1/admin/menus/app/publish", "POST", json_body={"base_version": "one"},
                           token=operator_token)
    assert r.status == 422 and r.json["error"]["details"] == {"base_version": ["应为整数"]}


async def test_region_visibility(server, operator_token):
    menu = menu_of("app")
    menu["sections"][0]["entries"][0]["visibility"] = {"regions": ["330106"], "realname_required": True}
    assert (await publish(server, operator_token, "app", menu, 1)).status == 201
    everywhere = (await server.fetch("/api/v1/channels/app/menu")).json
    there = (await server.fetch("/api/v1/channels/app/menu?region=330106")).json
    elsewhere = (await server.fetch("/api/v1/channels/app/menu?region=330102")).json
    first = everywhere["sections"][0]["entries"][0]
    assert first["realname_required"] is True and first["regions"] == ["330106"]
    assert there["sections"][0]["entries"][0] == first
    assert first not in elsewhere["sections"][0]["entries"]


async def test_audit_log_pages_without_gaps(server, operator_token):
    from models import audit

    for i in range(7):
        await audit.record(server.deps.db, actor="operator", role="operator", action="item.update", target=f"item:T{i}")
    seen, cursor = [], None
    while True:
        query = "action=item.update&limit=3" + (f"&cursor={cursor}" if cursor else "")
        r = await server.fetch(f"/api/v1/admin/audit?{query}", token=operator_token)
        assert r.status == 200, r.body
        seen += [e["target"] for e in r.json["entries"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"item:T{i}" for i in reversed(range(7))]
    r = await server.fetch("/api/v1/admin/audit?cursor=nonsense", token=operator_token)
    assert r.status == 400 and r.json["error"]["code"] == "request.bad_query"
