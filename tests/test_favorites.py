"""City/district choice (`region` on items and menus, the regions offered) and 收藏 (favourites)."""

from models import favorites, seed
from support import resident_token


async def test_regions_offered_are_those_the_items_carry(server):
    r = await server.fetch("/api/v1/regions")
    carried = sorted({c for i in seed.demo_items() if i["status"] == "published" for c in i["regions"]})
    assert r.status == 200 and [g["code"] for g in r.json["regions"]] == carried
    assert {"code": "330106", "name": "西湖区"} in r.json["regions"]


async def test_a_region_limits_items_and_menu_to_it_and_city_wide_ones(server):
    everywhere = (await server.fetch("/api/v1/items?limit=200")).json["items"]
    there = (await server.fetch("/api/v1/items?limit=200&region=330102")).json["items"]
    codes = {i["code"] for i in there}
    assert all(not i["regions"] or "330102" in i["regions"] for i in there)
    assert "JT0017" not in codes and "JT0016" in codes  # 一键挪车 is 西湖/滨江 only
    assert len(there) == len([i for i in everywhere if not i["regions"] or "330102" in i["regions"]])

    def entries(menu):
        return {e.get("item_code") for s in menu["sections"] for e in s["entries"]}
    assert "JT0017" in entries((await server.fetch("/api/v1/channels/wechat/menu?region=330106")).json)
    assert "JT0017" not in entries((await server.fetch("/api/v1/channels/wechat/menu?region=330102")).json)
    hot = (await server.fetch("/api/v1/items/hot?channel=wechat&limit=50&region=330102")).json["items"]
    assert hot and all(not i["regions"] or "330102" in i["regions"] for i in hot)


async def test_a_region_that_is_not_six_digits_is_a_400(server):
    for query in ("region=hangzhou", "region=33010", "region=3301066"):
        for path in ("/api/v1/items?", "/api/v1/channels/app/menu?", "/api/v1/items/hot?channel=app&"):
            r = await server.fetch(f"{path}{query}")
            assert r.status == 400 and r.json["error"]["code"] == "request.bad_query", (path, query)


async def test_favourites_are_kept_per_resident_newest_first(server):
    token = await resident_token(server, "o_fav_one")
    other = await resident_token(server, "o_fav_two")
    assert (await server.fetch("/api/v1/me/favorites", token=token)).json == {"items": []}
    for code in ("SB0008", "JT0001", "SB0008"):  # again: no change
        r = await server.fetch(f"/api/v1/me/favorites/{code}", "PUT", token=token)
        assert r.status == 200 and r.json == {"code": code, "favorite": True}
    listed = (await server.fetch("/api/v1/me/favorites", token=token)).json["items"]
    assert [i["code"] for i in listed] == ["JT0001", "SB0008"] and listed[0]["name"] == "违法查询"
    assert (await server.fetch("/api/v1/me/favorites", token=other)).json == {"items": []}
    assert (await server.fetch("/api/v1/me/favorites/JT0001", "DELETE", token=token)).status == 204
    assert (await server.fetch("/api/v1/me/favorites/JT0001", "DELETE", token=token)).status == 204
    listed = (await server.fetch("/api/v1/me/favorites", token=token)).json["items"]
    assert [i["code"] for i in listed] == ["SB0008"]


async def test_favourites_refuse_unknown_items_strangers_and_too_many(server):
    token = await resident_token(server, "o_fav_three")
    r = await server.fetch("/api/v1/me/favorites/ZZ0000", "PUT", token=token)
    assert r.status == 404 and r.json["error"]["code"] == "item.not_found"
    draft = next(i["code"] for i in seed.demo_items() if i["status"] == "draft")
    assert (await server.fetch(f"/api/v1/me/favorites/{draft}", "PUT", token=token)).status == 404
    assert (await server.fetch("/api/v1/me/favorites")).status == 401
    assert (await server.fetch("/api/v1/me/favorites/SB0001", "PUT", token=await server.login())).status == 403
    published = [i["code"] for i in seed.demo_items() if i["status"] == "published"]
    assert (await server.fetch(f"/api/v1/me/favorites/{published[1]}", "PUT", token=token)).status == 200
    owner = (await server.deps.db.favorites.find_one({"code": published[1]}))["owner"]
    await server.deps.db.favorites.insert_many([{"owner": owner, "code": f"XX{n:04d}", "added_at": None}
                                               for n in range(favorites.MAX_FAVORITES - 1)])
    r = await server.fetch(f"/api/v1/me/favorites/{published[0]}", "PUT", token=token)
    assert r.status == 409 and r.json["error"]["code"] == "favorite.too_many"
