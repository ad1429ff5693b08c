"""The resident h5's page as the API serves it (handlers/h5_page.py): the published menu of the
resident's region in the page, for the first screen's inline script, which the page's policy allows
by its hash and nothing else inline; and a page that never fails or waits on the menu."""

import asyncio
import base64
import gzip
import hashlib
import json
import re

import pymongo.errors
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from api import published
from handlers import h5_page
from support import start_server, stop_server

BOOT = "document.getElementById('app').dataset.drawn = 'yes';"
PAGE = ("<!doctype html><html><head><title>h5</title></head><body><div id=\"app\"></div>\n"
        f"<!--first-screen-data--><script>{BOOT}</script>"
        "<script type=\"module\" crossorigin src=\"./assets/index-B3k9xQ_a.js\"></script></body></html>")
DATA = re.compile(r'<script type="application/json" id="first-screen-data">(.*?)</script>', re.S)


def built(tmp_path):
    h5 = tmp_path / "h5"
    (h5 / "assets").mkdir(parents=True)
    (h5 / "index.html").write_text(PAGE)
    (h5 / "assets" / "index-B3k9xQ_a.js").write_text("export {};")
    return h5


def first_data(body: bytes):
    found = DATA.findall(body.decode())
    assert len(found) <= 1
    return json.loads(found[0]) if found else None


async def serve(database, redis_server, tmp_path, **kwargs):
    redis_server.flush()
    return await start_server(database, redis_server.url, H5_DIR=str(built(tmp_path)), **kwargs)


async def test_the_page_carries_the_published_menu_and_allows_only_its_own_inline_script(database, redis_server,
                                                                                         tmp_path):
    server = await serve(database, redis_server, tmp_path)
    try:
        menu = (await server.fetch("/api/v1/channels/app/menu")).json
        for path in ("/h5/", "/h5/index.html"):
            page = await server.fetch(path)
            assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
            assert page.headers["Cache-Control"] == "no-cache"  # a new menu or build reaches phones at once
            assert first_data(page.body) == {"region": None, "region_name": "", "menu": menu}
            digest = base64.b64encode(hashlib.sha256(BOOT.encode()).digest()).decode()
            policy = page.headers["Content-Security-Policy"]
            assert f"script-src 'self' 'sha256-{digest}'" in policy and "unsafe-inline'" not in policy.split("script-src")[1]
            assert "<!--first-screen-data-->" not in page.body.decode()
        # prepared once per build and menu version: a strong ETag, 304 when unchanged, gzip when taken
        again = await server.fetch("/h5/", headers={"If-None-Match": page.headers["Etag"]})
        assert again.status == 304 and again.body == b""
        zipped = await AsyncHTTPClient().fetch(HTTPRequest(server.base + "/h5/", headers={"Accept-Encoding": "gzip"},
                                                           decompress_response=False))
        assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.body) == page.body
        (tmp_path / "h5" / "index.html").rename(tmp_path / "index.html")  # a rebuild in progress
        assert first_data((await server.fetch("/h5/")).body) == {"region": None, "region_name": "", "menu": menu}
        (tmp_path / "index.html").rename(tmp_path / "h5" / "index.html")
        head = await server.fetch("/h5/", "HEAD")
        assert head.status == 200 and head.body == b"" and head.headers["Content-Type"].startswith("text/html")
        # the build's other files are served as before
        script = await server.fetch("/h5/assets/index-B3k9xQ_a.js")
        assert script.status == 200 and "sha256" not in script.headers["Content-Security-Policy"]
    finally:
        await stop_server(server)


async def test_the_region_cookie_chooses_the_menu_and_a_bad_one_means_city_wide(database, redis_server, tmp_path):
    server = await serve(database, redis_server, tmp_path)
    try:
        binjiang = (await server.fetch("/api/v1/channels/app/menu?region=330108")).json
        page = await server.fetch("/h5/", headers={"Cookie": "h5_region=330108"})
        assert first_data(page.body) == {"region": "330108", "region_name": "滨江区", "menu": binjiang}
        city = (await server.fetch("/api/v1/channels/app/menu")).json
        for bad in ("33010", "330108x", "../../etc", "%3Cscript%3E", "999999"):  # 999999: carried by no item
            page = await server.fetch("/h5/", headers={"Cookie": f"h5_region={bad}"})
            assert page.status == 200 and first_data(page.body) == {"region": None, "region_name": "", "menu": city}
    finally:
        await stop_server(server)


async def test_without_a_published_menu_the_page_is_served_without_data(database, redis_server, tmp_path):
    server = await serve(database, redis_server, tmp_path, seed_demo=False)  # nothing published yet
    try:
        assert (await server.fetch("/api/v1/channels/app/menu")).status == 404
        page = await server.fetch("/h5/")
        assert page.status == 200 and first_data(page.body) is None and b"dataset.drawn" in page.body
    finally:
        await stop_server(server)


async def test_a_slow_or_absent_database_never_holds_the_page(database, redis_server, tmp_path, monkeypatch):
    server = await serve(database, redis_server, tmp_path)
    release = asyncio.Event()
    calls = []

    async def slow_menu(deps, channel, region, schema):
        calls.append(region)
        await release.wait()  # a database that does not answer
        raise pymongo.errors.ServerSelectionTimeoutError("no primary")

    try:
        server.deps.cache._store.clear()  # nothing cached: the page must ask
        monkeypatch.setattr(h5_page.published, "menu", slow_menu)
        page = await server.fetch("/h5/")  # answered while the menu is still being asked for
        assert page.status == 200 and first_data(page.body) is None and not release.is_set()
        release.set()
        await asyncio.sleep(0)

        async def down(deps, channel, region, schema):
            raise pymongo.errors.ServerSelectionTimeoutError("no primary")

        monkeypatch.setattr(h5_page.published, "menu", down)
        page = await server.fetch("/h5/")
        assert page.status == 200 and first_data(page.body) is None
        assert calls == [None]
    finally:
        await stop_server(server)


async def test_regions_no_item_carries_share_one_cached_menu(server):
    for code in ("999001", "999002", "999003"):
        r = await server.fetch(f"/api/v1/channels/app/menu?region={code}")
        assert r.status == 200
    first = published.cached_menu(server.deps, "app", "999001")
    assert first is not None and first is published.cached_menu(server.deps, "app", "999003")
    carried = sorted(await published.carried_regions(server.deps))
    assert (await server.fetch(f"/api/v1/channels/app/menu?region={carried[0]}")).status == 200
    own = published.cached_menu(server.deps, "app", carried[0])
    assert own is not None and own is not first


def test_the_data_cannot_end_its_script_element():
    body = json.dumps({"title": "</script><script>alert(1)</script><!-- \u2028 & >"}, ensure_ascii=False).encode()
    script = h5_page.data_script(body, "330108")
    inner = script.removeprefix('<script type="application/json" id="first-screen-data">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "\u2028" not in inner
    assert json.loads(inner)["menu"]["title"] == "</script><script>alert(1)</script><!-- \u2028 & >"
