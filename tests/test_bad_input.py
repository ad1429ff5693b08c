"""Bad input from outside gets a JSON 4xx, never a 500, and leaves the connection usable
(issue 14, findings 8 and 10: nested JSON, broken multipart, a 404's keep-alive, headers)."""

import asyncio

from support import SHARED_APP, applicant_token, resident_token, submit

pytestmark = SHARED_APP  # each test has its own resident or only reads


async def test_deeply_nested_json_is_a_400(server):
    body = b"[" * 100_000 + b"]" * 100_000
    r = await server.fetch("/api/v1/auth/staff", "POST", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json["error"]["code"] == "request.malformed_json"


async def test_multipart_without_or_with_a_bad_boundary_is_a_400(server):
    token = await resident_token(server, "o-bad-multipart")
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=abc", 'multipart/form-data; boundary="'):
        r = await server.fetch("/api/v1/uploads", "POST", body=b"--abc\r\nnot a part", token=token,
                               headers={"Content-Type": content_type})
        assert r.status == 400 and r.json["error"]["code"] == "upload.bad_multipart", (content_type, r.body)


async def request(reader, writer, raw: bytes) -> bytes:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    return head + await reader.readexactly(length)


async def test_a_404_keeps_the_connection_usable(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        first = await request(reader, writer, b"POST /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\n"
                                              b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        assert first.startswith(b"HTTP/1.1 404") and b"route.not_found" in first
        second = await request(reader, writer, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert second.startswith(b"HTTP/1.1 200")
    finally:
        writer.close()


async def test_no_server_version_and_no_caching_of_tokens_or_personal_data(server):
    token = await resident_token(server, "o-headers")
    staff = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator", "password": "Operator@2026"})
    me = await server.fetch("/api/v1/me", token=token)
    for r in (staff, me, await server.fetch("/api/v1/nothing-here")):
        assert "Server" not in r.headers
        assert r.headers["Cache-Control"] == "no-store"
    menu = await server.fetch("/api/v1/channels/wechat/menu")
    assert "Server" not in menu.headers and menu.headers["Cache-Control"] == "public, no-cache"  # public data


BIG = 10**25  # beyond BSON's 64-bit integers


async def test_integers_mongodb_cannot_hold_are_a_4xx(server):
    """Found by tests/test_fuzz.py: a version past 64 bits reached the query and failed it (a 500)."""
    resident = await applicant_token(server, "o-big-int")
    number = await submit(server, resident)
    admin = await server.login("admin", "Admin@2026")
    path = f"/api/v1/staff/applications/{number}/transitions"
    r = await server.fetch(path, "POST", token=admin, json_body={"action": "accept", "version": BIG})
    assert r.status == 400 and r.json["error"]["code"] == "request.number_out_of_range"
    r = await server.fetch(path, "POST", token=admin, json_body={"action": "accept", "version": str(BIG)})
    assert r.status == 422 and "version" in r.json["error"]["details"]
    r = await server.fetch("/api/v1/admin/menus/wechat/rollback", "POST", token=admin,
                           json_body={"base_version": 0, "to_version": str(BIG)})
    assert r.status == 422 and "to_version" in r.json["error"]["details"]
    r = await server.fetch(f"/api/v1/applications/{number}/withdraw", "POST", token=resident,
                           headers={"If-Match": str(BIG)})
    assert r.status == 400 and r.json["error"]["code"] == "request.bad_if_match"


async def test_keys_mongodb_cannot_store_are_a_400(server):
    """Found by tests/test_fuzz.py: a NUL in a key of a free-form object (the official-account menu
    of a draft) failed the write (a 500); `$` keys are operators to MongoDB."""
    operator = await server.login()
    tag = (await server.fetch("/api/v1/admin/menus/wechat/draft", token=operator)).json["tag"]
    entry = {"type": "link", "title": "办事指南", "url": "https://www.gov.cn"}
    for key in ("\u0000", "a\u0000b", "$set"):
        menu = {"sections": [{"key": "guide", "title": "指南", "entries": [entry]}], "official_account": {key: 1}}
        r = await server.fetch("/api/v1/admin/menus/wechat/draft", "PUT", token=operator, json_body=menu,
                               headers={"If-Match": tag})
        assert r.status == 400 and r.json["error"]["code"] == "request.bad_key", (key, r.body)


async def test_lone_surrogates_are_a_400(server):
    """`\\ud800` alone is valid JSON but not UTF-8: storing it, or echoing it in an error, was a 500."""
    operator = await server.login()
    tag = (await server.fetch("/api/v1/admin/menus/wechat/draft", token=operator)).json["tag"]
    draft = b'{"sections": [{"key": "a", "title": "\\ud800", "entries": [{"type": "link", "title": "x", "url": "https://www.gov.cn"}]}]}'
    for path, method, body, headers in (
            ("/api/v1/auth/staff", "POST", b'{"username": "\\ud800", "password": "x"}', {}),
            ("/api/v1/auth/staff", "POST", b'{"username": "a", "password": "x", "\\udfff": 1}', {}),
            ("/api/v1/admin/menus/wechat/draft", "PUT", draft, {"If-Match": tag})):
        r = await server.fetch(path, method, body=body, token=operator,
                               headers={"Content-Type": "application/json", **headers})
        assert r.status == 400 and r.json["error"]["code"] == "request.bad_text", (path, r.body)
    pair = b'{"username": "\\ud83d\\ude00", "password": "x"}'  # an escaped emoji is fine
    r = await server.fetch("/api/v1/auth/staff", "POST", body=pair, headers={"Content-Type": "application/json"})
    assert r.status == 401
