"""Two residents, each logged in on three channels (joined by real-name), against every endpoint
that touches applications or uploads: the owner's tokens see everything on every channel, the
other resident's tokens get 404 everywhere, never data."""

import uuid
import zlib

from support import photo, resident_token

FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}


async def three_channel_tokens(server, tag: str, id_number: str) -> dict:
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    tokens = {"wechat": await resident_token(server, f"o-{tag}")}
    user_id = f"2088{zlib.crc32(tag.encode()) % 10**12:012d}"
    r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": user_id})
    r = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})
    tokens["alipay"] = r.json["access_token"]
    phone = f"139{zlib.crc32(tag.encode()) % 10**8:08d}"
    await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    tokens["app"] = (await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})).json["access_token"]
    ids = set()
    for channel, token in tokens.items():
        r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
        if channel != "wechat":  # the person's first login approves the others (tests/test_links.py)
            assert r.status == 202, (channel, r.body)
            r = await server.fetch(f"/api/v1/me/links/{r.json['link']['id']}/approve", "POST", token=tokens["wechat"])
        assert r.status == 200, (channel, r.body)
        ids.add(r.json["resident"]["id"])
    assert len(ids) == 1  # one person, one resident
    return tokens


async def test_every_endpoint_every_channel(server):
    alice = await three_channel_tokens(server, "alice-mx", "11010519491231002X")
    bob = await three_channel_tokens(server, "bob-mx", "440304199001011233")
    upload = (await server.fetch("/api/v1/uploads", "POST", body=photo(), token=alice["app"])).json["id"]
    body = {"item_code": "SB0008", "form": FORM, "materials": [{"code": "id_card", "upload_id": upload}]}
    r = await server.fetch("/api/v1/applications", "POST", token=alice["alipay"], json_body=body,
                           headers={"Idempotency-Key": uuid.uuid4().hex})
    assert r.status == 201, r.body
    number = r.json["number"]
    reads = [f"/api/v1/applications/{number}", f"/api/v1/uploads/{upload}", f"/api/v1/uploads/{upload}/content"]
    writes = [(f"/api/v1/applications/{number}/withdraw", None),
              (f"/api/v1/applications/{number}/supplement", {"materials": [{"code": "id_card", "upload_id": upload}]}),
              (f"/api/v1/applications/{number}/rating", {"score": 5}),
              (f"/api/v1/applications/{number}/reveal", None)]
    for channel in ("wechat", "alipay", "app"):
        for path in reads:
            assert (await server.fetch(path, token=alice[channel])).status == 200, (channel, path)
            r = await server.fetch(path, token=bob[channel])
            assert r.status == 404 and number not in r.body.decode(), (channel, path)
        r = await server.fetch(f"/api/v1/applications/{number}/reveal", "POST", token=alice[channel])
        assert r.status == 200 and r.json["fields"] == {"contact_phone": FORM["contact_phone"]}, channel
        listing = (await server.fetch("/api/v1/applications", token=alice[channel])).json["applications"]
        assert [a["number"] for a in listing] == [number]
        assert (await server.fetch("/api/v1/applications", token=bob[channel])).json["applications"] == []
        for path, body in writes:
            r = await server.fetch(path, "POST", token=bob[channel], json_body=body, headers={"If-Match": '"1"'})
            assert r.status == 404, (channel, path, r.status)
    # other departments' processors see nothing either; the right one does
    for username, visible in (("processor.jj", False), ("processor.ybj", False), ("processor.rsj", True)):
        token = await server.login(username, "Processor@2026")
        queue = (await server.fetch("/api/v1/staff/applications", token=token)).json["applications"]
        assert (number in [a["number"] for a in queue]) is visible
        r = await server.fetch(f"/api/v1/staff/applications/{number}/reveal", "POST", token=token)
        assert r.status == (200 if visible else 404) and (FORM["contact_phone"] in r.body.decode()) is visible, username
        r = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=token,
                               json_body={"action": "accept", "version": 1})
        assert r.status == (200 if visible else 404), username
