import copy

from models import seed

NEW_ITEM = {
    "code": "SB9001", "name": "测试事项参保登记", "category": "社保", "department": "rsj", "kind": "application",
    "channels": ["wechat", "app"], "description": "测试", "keywords": ["测试"], "promise_days": 5,
    "online_depth": "full_online", "status": "published",
    "form": [{"name": "phone", "label": "联系电话", "type": "phone", "required": True}],
    "materials": [{"code": "id_card", "name": "居民身份证", "required": True}],
}


async def test_items_list_filters_and_counts(server):
    r = await server.fetch("/api/v1/items?category=交通&channel=wechat")
    assert r.status == 200
    body = r.json
    assert body["total"] == len(body["items"]) >= 10
    assert all(i["category"] == "交通" and "wechat" in i["channels"] for i in body["items"])
    published = [i for i in seed.demo_items() if i["status"] == "published"]
    r = await server.fetch("/api/v1/items?limit=200")
    assert r.json["total"] == len(published)
    page = await server.fetch("/api/v1/items?limit=5&offset=5")
    assert [i["code"] for i in page.json["items"]] == [i["code"] for i in r.json["items"][5:10]]


async def test_search_by_chinese_pinyin_and_initials(server):
    for q in ("社保卡", "sbk", "shebaoka"):
        r = await server.fetch(f"/api/v1/items?q={q}")
        names = [i["name"] for i in r.json["items"]]
        assert names and all("社保卡" in n or "社会保障卡" in n or "sbk" in q for n in names), (q, names)
        assert any("社保卡" in n for n in names), (q, names)
    r = await server.fetch("/api/v1/items?q=jszqmhz")  # 驾驶证期满换证
    assert [i["name"] for i in r.json["items"]] == ["驾驶证期满换证"]
    r = await server.fetch("/api/v1/items?q=违章")  # a keyword, not in the name
    assert any(i["name"] == "违法查询" for i in r.json["items"])


async def test_bad_filters_are_400(server):
    for query in ("category=天气", "channel=douyin", "limit=0", "limit=abc", "kind=x"):
        r = await server.fetch(f"/api/v1/items?{query}")
        assert r.status == 400 and r.json["error"]["code"] == "request.bad_query", query


async def test_item_detail_and_404(server):
    code = next(i["code"] for i in seed.demo_items() if i["status"] == "published" and i["form"])
    r = await server.fetch(f"/api/v1/items/{code}")
    assert r.status == 200 and r.json["code"] == code and r.json["form"] and r.json["department_name"]
    r = await server.fetch("/api/v1/items/ZZ0000")
    assert r.status == 404 and r.json["error"] == {"code": "item.not_found", "message": "事项不存在"}
    draft = next(i["code"] for i in seed.demo_items() if i["status"] == "draft")
    assert (await server.fetch(f"/api/v1/items/{draft}")).status == 404


async def test_hot_items_follow_use(server):
    items = [i for i in seed.demo_items() if i["status"] == "published" and "alipay" in i["channels"]]
    a, b = items[3]["code"], items[7]["code"]
    for _ in range(3):
        await server.fetch(f"/api/v1/items/{b}?channel=alipay")
    await server.fetch(f"/api/v1/items/{a}?channel=alipay")
    await server.fetch(f"/api/v1/items/{a}?channel=wechat")  # another channel's ranking
    r = await server.fetch("/api/v1/items/hot?channel=alipay&limit=5")
    assert r.status == 200
    ranked = r.json["items"]
    assert [i["code"] for i in ranked[:2]] == [b, a] and ranked[0]["uses"] == 3.0 and ranked[1]["uses"] == 1.0
    assert len(ranked) == 5 and ranked[2]["uses"] == 0.0  # padded
    assert (await server.fetch("/api/v1/items/hot")).status == 400


async def test_operator_creates_and_edits_items(server, operator_token):
    r = await server.fetch("/api/v1/admin/items", "POST", json_body=NEW_ITEM, token=operator_token)
    assert r.status == 201 and r.json["version"] == 1 and r.headers["Etag"] == '"1"'
    assert (await server.fetch("/api/v1/admin/items", "POST", json_body=NEW_ITEM, token=operator_token)).status == 409
    # visible to residents at once (cache keyed by catalog version)
    r = await server.fetch("/api/v1/items?q=cssxcb")
    assert [i["code"] for i in r.json["items"]] == ["SB9001"]

    changed = {**NEW_ITEM, "name": "测试事项参保变更"}
    r = await server.fetch("/api/v1/admin/items/SB9001", "PUT", json_body=changed, token=operator_token)
    assert r.status == 428
    r = await server.fetch("/api/v1/admin/items/SB9001", "PUT", json_body=changed, token=operator_token,
                           headers={"If-Match": '"1"'})
    assert r.status == 200 and r.json["version"] == 2 and r.json["name"] == "测试事项参保变更"
    r = await server.fetch("/api/v1/admin/items/SB9001", "PUT", json_body=changed, token=operator_token,
                           headers={"If-Match": '"1"'})
    assert r.status == 409 and r.json["error"]["details"] == {"current_version": 2}
    assert (await server.fetch("/api/v1/items/SB9001")).json["name"] == "测试事项参保变更"
    audit = await server.fetch("/api/v1/admin/audit?target=item:SB9001", token=operator_token)
    assert [e["action"] for e in audit.json["entries"]] == ["item.update", "item.create"]
    assert audit.json["entries"][0]["details"]["changed"] == ["name"]


async def test_item_validation_errors_name_the_field(server, operator_token):
    bad = copy.deepcopy(NEW_ITEM)
    bad.update(code="sb1", kind="query", channels=["tiktok"], promise_days=-1)
    bad["form"].append({"name": "phone", "label": "重复", "type": "text"})
    r = await server.fetch("/api/v1/admin/items", "POST", json_body=bad, token=operator_token)
    assert r.status == 422
    details = r.json["error"]["details"]
    assert set(details) == {"code", "channels[0]", "promise_days"} and details["channels[0]"] == ["未知渠道"]
    # operators read what to fix, not a list of internal codes
    bad = {**NEW_ITEM, "channels": [], "department": "", "category": "", "name": ""}
    r = await server.fetch("/api/v1/admin/items", "POST", json_body=bad, token=operator_token)
    assert r.status == 422 and r.json["error"]["details"] == {
        "channels": ["至少选择一个渠道"], "department": ["请选择主管部门"], "category": ["请选择分类"],
        "name": ["名称应为 1 到 30 个字"]}
    bad = {**NEW_ITEM, "kind": "query"}
    r = await server.fetch("/api/v1/admin/items", "POST", json_body=bad, token=operator_token)
    assert r.status == 422 and r.json["error"]["details"] == {"query": ["查询类事项须指定查询接口"]}
    bad = {**NEW_ITEM, "kind": "query", "query": "yb.nothing"}  # residents would get "not a query item"
    r = await server.fetch("/api/v1/admin/items", "POST", json_body=bad, token=operator_token)
    assert r.status == 422 and r.json["error"]["details"] == {"query": ["没有这个查询接口"]}
    bad = {**NEW_ITEM, "form": NEW_ITEM["form"] * 2}
    r = await server.fetch("/api/v1/admin/items", "POST", json_body=bad, token=operator_token)
    assert r.status == 422 and "字段名重复" in r.json["error"]["details"]["form"][0]
    r = await server.fetch("/api/v1/admin/items/ZZ0001", "PUT", json_body={**NEW_ITEM, "code": "ZZ0001"},
                           token=operator_token, headers={"If-Match": "1"})
    assert r.status == 404
