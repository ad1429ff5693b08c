"""What a phone's first load gets from the server: gzip for static files and JSON when asked for,
a year's immutable caching of hashed build files, no-cache for the pages, and WebSocket and
/metrics unharmed by the compression."""

import asyncio
import gzip
import json

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from support import resident_token, start_server, stop_server

SCRIPT = "const menu = 'menu';\n" * 200  # 4 KB of very compressible text


async def raw(server, path, *, gzip_ok=True, headers=None):
    """The bytes as sent: the client neither asks for nor undoes compression unless told."""
    headers = {"Accept-Encoding": "gzip" if gzip_ok else "identity", **(headers or {})}
    request = HTTPRequest(server.base + path, headers=headers, decompress_response=False)
    return await AsyncHTTPClient().fetch(request, raise_error=False)


def build(tmp_path):
    h5 = tmp_path / "h5"
    (h5 / "assets").mkdir(parents=True)
    (h5 / "index.html").write_text("<!doctype html><title>h5</title>" + "<p>政务服务</p>" * 100)
    (h5 / "assets" / "index-B3k9xQ_a.js").write_text(SCRIPT)
    (h5 / "assets" / "elder.DL-HhDoQ.js").write_text(SCRIPT)  # uni's chunks: a dot before the hash
    (h5 / "assets" / "notes.js").write_text(SCRIPT)  # no hash in the name: it may change
    return h5


async def test_static_files_are_gzipped_and_hashed_ones_kept_a_year(database, redis_server, tmp_path):
    server = await start_server(database, redis_server.url, H5_DIR=str(build(tmp_path)))
    try:
        script = await raw(server, "/h5/assets/index-B3k9xQ_a.js")
        assert script.code == 200 and script.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(script.body).decode() == SCRIPT and len(script.body) < len(SCRIPT) / 10
        assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in script.headers["Vary"]
        plain = await raw(server, "/h5/assets/index-B3k9xQ_a.js", gzip_ok=False)
        assert "Content-Encoding" not in plain.headers and plain.body.decode() == SCRIPT
        page = await raw(server, "/h5/")
        assert page.headers["Content-Encoding"] == "gzip" and page.headers["Cache-Control"] == "no-cache"
        chunk = await raw(server, "/h5/assets/elder.DL-HhDoQ.js")
        assert chunk.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        unhashed = await raw(server, "/h5/assets/notes.js")
        assert "immutable" not in unhashed.headers.get("Cache-Control", "")
        again = await raw(server, "/h5/assets/index-B3k9xQ_a.js", headers={"If-None-Match": script.headers["Etag"]})
        assert again.code == 304
    finally:
        await stop_server(server)


async def test_json_is_gzipped_above_a_kilobyte_and_the_menu_once_per_version(server):
    items = await raw(server, "/api/v1/items?limit=20")
    assert items.code == 200 and items.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(items.body))["items"]) == 20
    small = await raw(server, "/api/v1/items?q=jszqmhz")  # one item: under a kilobyte
    assert small.code == 200 and "Content-Encoding" not in small.headers
    menu = await raw(server, "/api/v1/channels/app/menu")
    plain = await raw(server, "/api/v1/channels/app/menu", gzip_ok=False)
    assert menu.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(menu.body) == plain.body  # compressed once, not twice
    assert menu.headers["Etag"] == plain.headers["Etag"] and "Accept-Encoding" in menu.headers["Vary"]
    cached = await raw(server, "/api/v1/channels/app/menu")
    assert cached.body == menu.body
    assert (await raw(server, "/api/v1/channels/app/menu", headers={"If-None-Match": menu.headers["Etag"]})).code == 304


async def test_without_compression_nothing_is_gzipped(database, redis_server, tmp_path):
    server = await start_server(database, redis_server.url, H5_DIR=str(build(tmp_path)),
                                HTTP_COMPRESS="false", ASSET_CACHING="false")
    try:
        for path in ("/api/v1/channels/app/menu", "/api/v1/items", "/h5/assets/index-B3k9xQ_a.js"):
            response = await raw(server, path)
            assert response.code == 200 and "Content-Encoding" not in response.headers, path
        script = await raw(server, "/h5/assets/index-B3k9xQ_a.js")
        assert "Cache-Control" not in script.headers
    finally:
        await stop_server(server)


async def test_websocket_and_metrics_work_with_compression_on(server):
    token = await resident_token(server, "o_firstload_ws")
    socket = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{server.port}/api/v1/ws",
                                                 headers={"Authorization": f"Bearer {token}",
                                                          "Accept-Encoding": "gzip"}))
    assert json.loads(await asyncio.wait_for(socket.read_message(), 5)) == {"type": "ready"}
    socket.write_message("ping")
    assert await asyncio.wait_for(socket.read_message(), 5) == "pong"  # the upgrade was not compressed away
    socket.close()
    scrape = await server.fetch("/metrics")  # Prometheus sends Accept-Encoding: gzip and reads it
    assert scrape.status == 200 and b"govservice_http_requests_total" in scrape.body
