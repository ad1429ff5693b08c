"""Every item the demo publishes works for a resident. The demo data is loaded by the code that
seeds it (models/seed.py, through the catalog's and menus' schemas); then, on each channel, a
demo resident runs every query item of that channel's menus (and of the WeChat official
account's buttons) against the sandbox's department systems: each answers 200 with data its
answer schema takes as it is. A query item the models do not know fails here. Every other
published item opens: the item loads and its form builds."""

import urllib.parse
import zlib

import pytest

from models import seed
from models.forms import build_form_schema
from models.queries import QUERIES
from sandbox.demo import mini_pages
from support import resident_token, start_server, stop_server

# One person per channel, each retired after a working life (so 养老金 and a 职工医保个人账户),
# with a driving licence and vocational certificates: the sandbox answers each query with data.
DEMO_RESIDENTS = {"wechat": "330106195508163314", "alipay": "330105195803011042", "app": "330106195803151092"}
PLATES = {"wechat": "浙A5B6C7", "alipay": "浙AD23456", "app": "浙A8K9M2"}
ENGINE_TAIL = "4K7P2Q"


@pytest.fixture
async def demo(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def section_codes(channel: str) -> set[str]:
    menu = seed.demo_menus()[channel]
    return {e["item_code"] for s in menu["sections"] for e in s["entries"] if e["type"] == "item"}


def mini_program_buttons(channel: str) -> list[dict]:
    """The WeChat official account's buttons that open a mini-program page."""
    top = (seed.demo_menus()[channel].get("official_account") or {}).get("button", [])
    return [b for t in top for b in t.get("sub_button", [t]) if b.get("type") == "miniprogram"]


def menu_codes(channel: str) -> set[str]:
    """The items a channel's demo menu links to: its sections' entries and the official
    account's buttons (`pagepath ...?code=`)."""
    codes = section_codes(channel)
    for button in mini_program_buttons(channel):
        codes.update(urllib.parse.parse_qs(urllib.parse.urlsplit(button["pagepath"]).query).get("code", []))
    return codes


async def login(server, channel: str, tag: str) -> str:
    if channel == "wechat":
        return await resident_token(server, f"o-{tag}")
    if channel == "alipay":
        user_id = f"2088{zlib.crc32(tag.encode()) % 10**12:012d}"
        r = await server.fetch("/sandbox/alipay/auth-code", "POST", json_body={"user_id": user_id})
        r = await server.fetch("/api/v1/auth/alipay", "POST", json_body={"auth_code": r.json["auth_code"]})
    else:
        phone = f"139{zlib.crc32(tag.encode()) % 10**8:08d}"
        await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
        code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
        r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})
    assert r.status == 200, r.body
    return r.json["access_token"]


async def demo_resident(server, channel: str) -> str:
    """The channel's demo resident: logged in, real name verified, with a car of their own bound."""
    id_number = DEMO_RESIDENTS[channel]
    token = await login(server, channel, f"demo-{channel}")
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body
    car = {"plate": PLATES[channel], "engine_tail": ENGINE_TAIL}
    r = await server.fetch("/sandbox/exchange/jj/vehicles", "POST", json_body={**car, "owner_id_number": id_number})
    assert r.status == 201, r.body
    r = await server.fetch("/api/v1/me/vehicles", "POST", token=token, json_body=car)
    assert r.status == 201, r.body
    return token


def test_the_demo_data_loads_through_the_real_schemas():
    items = {i["code"]: i for i in seed.demo_items()}  # raises on any item the catalog refuses
    assert set(seed.demo_menus()) == {"wechat", "alipay", "app"}
    for channel in ("wechat", "alipay", "app"):
        for code in menu_codes(channel):
            item = items.get(code)
            assert item and item["status"] == "published" and channel in item["channels"], (channel, code)
            if item["kind"] == "query":
                assert item["query"] in QUERIES, (code, item["query"])
        for button in mini_program_buttons(channel):
            assert button["pagepath"].split("?")[0] in mini_pages(), button  # a page the mini-program has


async def test_every_published_query_answers_a_demo_resident(demo):
    server = demo
    ran = set()
    for channel in ("wechat", "alipay", "app"):
        token = await demo_resident(server, channel)
        for code in sorted(menu_codes(channel)):
            item = (await server.fetch(f"/api/v1/items/{code}")).json
            if item["kind"] != "query":
                continue
            spec = QUERIES.get(item["query"])
            assert spec is not None, f"{code} names {item['query']!r}, which no model knows"
            body = {"plate": PLATES[channel]} if spec.subject == "vehicle" else {}
            r = await server.fetch(f"/api/v1/queries/{code}", "POST", token=token, json_body=body)
            assert r.status == 200, (channel, code, r.body.decode())
            answer = r.json
            assert answer["item"] == code and answer["query"] == item["query"] and answer["stale"] is False
            assert answer["data"] and spec.answer().load(answer["data"]) == answer["data"], (channel, code)
            ran.add(code)
    assert {"YB0001", "YB0002", "JY0003"} <= ran


async def test_every_other_published_item_opens(demo):
    server = demo
    for channel in ("wechat", "alipay", "app"):
        menu = (await server.fetch(f"/api/v1/channels/{channel}/menu")).json
        shown = {e["item_code"] for s in menu["sections"] for e in s["entries"] if e.get("item_code")}
        assert section_codes(channel) <= shown, channel  # published: none hidden
        for code in sorted(menu_codes(channel)):
            r = await server.fetch(f"/api/v1/items/{code}?channel={channel}")
            assert r.status == 200 and channel in r.json["channels"], (channel, code, r.body.decode())
            item = r.json
            if item["kind"] == "application":
                assert item["form"] and build_form_schema(item["form"])  # the form a resident fills
            elif item["kind"] == "link":
                assert item["link_url"].startswith("https://") and not item["form"]
