"""Instant queries through the exchange to the sandbox's department systems, over real HTTP:
each query, subject enforcement, vehicle binding, caching, stale answers during an outage, the
circuit breaker opening and closing, the timeout bound, and the audit log."""

import asyncio
import json
import time
import urllib.parse

import pytest

from sandbox.identity import with_check_char
from support import resident_token, start_server, stop_server

# 身份证号 with a right check character: the sandbox registers every valid one
PEOPLE = {k: with_check_char(v) for k, v in
          {"old": "33010619550816331", "young": "33010619990101301", "other": "11010519491231002"}.items()}


@pytest.fixture
async def qserver(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", EXCHANGE_TIMEOUT="1",
                                EXCHANGE_BREAKER_FAILURES="3", EXCHANGE_BREAKER_SECONDS="1")
    yield server
    await stop_server(server)


async def verified(server, openid, id_number):
    token = await resident_token(server, openid)
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body
    return token, name


async def query(server, token, code, **body):
    return await server.fetch(f"/api/v1/queries/{code}", "POST", token=token, json_body=body)


async def calls(server, target):
    return (await server.fetch("/sandbox/exchange/calls")).json.get(target, 0)


async def fault(server, target, **spec):
    r = await server.fetch("/sandbox/faults", "POST", json_body={"target": target, **spec})
    assert r.status == 201, r.body


async def test_social_security_queries_answer_for_the_resident_only(qserver):
    server = qserver
    token, name = await verified(server, "o-q-old", PEOPLE["old"])
    r = await query(server, token, "SB0001")
    assert r.status == 200, r.body
    assert r.json["data"]["name"] == name and r.json["stale"] is False and r.json["source"] == "社保系统"
    assert r.json["data"]["insured"]
    r = await query(server, token, "SB0002", year=2024)
    assert r.status == 200 and r.json["params"] == {"year": 2024} and r.json["data"]["year"] == 2024
    assert (await query(server, token, "SB0002", year=1990)).status == 422
    assert (await query(server, token, "SB0004")).json["data"]["retired"] is True
    assert (await query(server, token, "SB0005")).status == 200
    # nobody can name another subject: there is no such field
    r = await query(server, token, "SB0001", id_number=PEOPLE["other"])
    assert r.status == 422 and "id_number" in r.json["error"]["details"]
    # another resident sees their own record
    other_token, other_name = await verified(server, "o-q-other", PEOPLE["other"])
    r = await query(server, other_token, "SB0001")
    assert r.json["data"]["name"] == other_name != name


async def test_refusals_are_clear(qserver):
    server = qserver
    unverified = await resident_token(server, "o-q-unverified")
    r = await query(server, unverified, "SB0001")
    assert r.status == 403 and r.json["error"]["code"] == "query.realname_required"
    token, _ = await verified(server, "o-q-young", PEOPLE["young"])
    r = await query(server, token, "SB0004")  # not retired: the bureau has no record
    assert r.status == 404 and r.json["error"]["code"] == "query.no_record" and r.json["error"]["message"]
    again = await query(server, token, "SB0004")  # "no record" is cached like an answer
    assert again.json == r.json and await calls(server, "exchange.rsj.pension") == 1
    assert (await query(server, token, "SB0008")).status == 404  # an application item, not a query
    assert (await query(server, token, "ZZ9999")).status == 404
    assert (await server.fetch("/api/v1/queries/SB0001", "POST", json_body={})).status == 401


async def test_vehicle_binding_and_vehicle_queries(qserver):
    server = qserver
    plate = "浙A7K2M9"
    car = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(plate)}")).json
    token, _ = await verified(server, "o-q-car", car["owner_id_number"])
    r = await query(server, token, "JT0001", plate=plate)
    assert r.status == 403 and r.json["error"]["code"] == "vehicle.not_bound"
    for body, code in (({"plate": "浙A12", "engine_tail": car["engine_tail"]}, "validation_failed"),
                       ({"plate": plate, "engine_tail": "12"}, "validation_failed"),
                       ({"plate": plate, "engine_tail": "ZZZZZZ" if car["engine_tail"] != "ZZZZZZ" else "YYYYYY"},
                        "vehicle.mismatch")):
        r = await server.fetch("/api/v1/me/vehicles", "POST", token=token, json_body=body)
        assert r.status == 422 and r.json["error"]["code"] == code, (body, r.body)
    r = await server.fetch("/api/v1/me/vehicles", "POST", token=token,
                           json_body={"plate": plate.lower(), "engine_tail": car["engine_tail"].lower()})
    assert r.status == 201, r.body
    assert r.json["plate"] == plate and r.json["engine_tail"].startswith("****")
    r = await query(server, token, "JT0001", plate=plate)
    assert r.status == 200 and set(r.json["data"]) >= {"violations", "unhandled"}
    assert (await query(server, token, "JT0010", plate=plate)).json["data"]["valid_until"]
    # someone else's car cannot be bound
    stranger, _ = await verified(server, "o-q-stranger", PEOPLE["other"])
    r = await server.fetch("/api/v1/me/vehicles", "POST", token=stranger,
                           json_body={"plate": plate, "engine_tail": car["engine_tail"]})
    assert r.status == 422 and r.json["error"]["code"] == "vehicle.not_owner"
    assert (await query(server, stranger, "JT0001", plate=plate)).status == 403
    # an 8-character new-energy plate
    green = "浙AD12345"
    ev = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(green)}")).json
    ev_token, _ = await verified(server, "o-q-ev", ev["owner_id_number"])
    r = await server.fetch("/api/v1/me/vehicles", "POST", token=ev_token,
                           json_body={"plate": green, "engine_tail": ev["engine_tail"]})
    assert r.status == 201, r.body
    assert [v["plate"] for v in (await server.fetch("/api/v1/me/vehicles", token=ev_token)).json["vehicles"]] == [green]
    r = await server.fetch(f"/api/v1/me/vehicles/{urllib.parse.quote(green)}", "DELETE", token=ev_token)
    assert r.status == 204
    assert (await query(server, ev_token, "JT0001", plate=green)).status == 403


async def test_answers_are_cached_then_served_stale_during_an_outage(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-cache", PEOPLE["old"])
    # a transient failure is retried once, invisibly
    await fault(server, "exchange.rsj.card", status=502, times=1)
    first = await query(server, token, "SB0005")
    assert first.status == 200 and await calls(server, "exchange.rsj.card") == 1  # faulted requests do not count
    again = await query(server, token, "SB0005")
    assert again.json["data"] == first.json["data"] and await calls(server, "exchange.rsj.card") == 1
    # the answer ages past its 5-minute freshness, and the bureau goes down
    key = [k async for k in server.deps.redis.scan_iter("q:*:sb.card_status:*")][0]
    entry = json.loads(await server.deps.redis.get(key))
    entry["fetched_at"] = "2026-01-01T00:00:00+00:00"
    await server.deps.redis.set(key, json.dumps(entry))
    await fault(server, "exchange.rsj.card", status=503, times=2)
    stale = await query(server, token, "SB0005")
    assert stale.status == 200 and stale.json["stale"] is True and stale.json["age_seconds"] > 86400
    assert stale.json["data"] == first.json["data"]
    # nothing cached for this one: a clear 503 in Chinese
    await fault(server, "exchange.rsj.insured", status=503, times=2)
    down = await query(server, token, "SB0001")
    assert down.status == 503 and down.json["error"]["code"] == "exchange.unavailable"
    assert down.json["error"]["message"] == "社保系统繁忙，请稍后再试" and down.headers.get("Retry-After")


async def test_a_slow_department_never_holds_a_resident_longer_than_the_timeout(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-slow", PEOPLE["old"])
    await fault(server, "exchange.jj.licence", latency_ms=5000, times=0)
    start = time.monotonic()
    r = await query(server, token, "JT0009")
    assert r.status == 503 and r.json["error"]["message"] == "交管系统繁忙，请稍后再试"
    assert time.monotonic() - start < 1.6  # EXCHANGE_TIMEOUT=1, retry included
    await server.fetch("/sandbox/faults", "DELETE")


async def test_the_breaker_opens_then_closes(database, redis_server):
    # Its own server: the breaker stays open 5 s, long enough that a loaded machine still reads
    # "open" before it half-opens (with 1 s, a slow CI run saw "half_open").
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", EXCHANGE_TIMEOUT="1",
                                EXCHANGE_BREAKER_FAILURES="3", EXCHANGE_BREAKER_SECONDS="5")
    try:
        token, _ = await verified(server, "o-q-breaker", PEOPLE["old"])
        await fault(server, "exchange.rsj.insured", status=503, times=0)
        for _ in range(2):  # two attempts per query: three failures open the breaker
            assert (await query(server, token, "SB0001")).status == 503
        opened = time.monotonic()
        reached = await calls(server, "exchange.rsj.insured")
        operator = await server.login()
        status = {d["department"]: d for d in (await server.fetch("/api/v1/admin/exchange", token=operator)).json["departments"]}
        assert status["rsj"]["breaker"] == "open" and status["jj"]["breaker"] == "closed"
        assert (await query(server, token, "SB0002")).status == 503  # refused at once: the bureau untouched
        assert await calls(server, "exchange.rsj.insured") == reached
        await server.fetch("/sandbox/faults", "DELETE")
        await asyncio.sleep(max(0.0, 5.1 - (time.monotonic() - opened)))  # half-open: one success closes it
        assert (await query(server, token, "SB0001")).status == 200
        status = {d["department"]: d for d in (await server.fetch("/api/v1/admin/exchange", token=operator)).json["departments"]}
        assert status["rsj"]["breaker"] == "closed"
    finally:
        await stop_server(server)


async def test_every_query_is_audited_without_its_payload(qserver):
    server = qserver
    token, name = await verified(server, "o-q-audit", PEOPLE["old"])
    await query(server, token, "SB0001")
    await query(server, token, "SB0001")  # cached
    await query(server, token, "JT0001", plate="浙A7K2M9")  # not bound
    operator = await server.login()
    r = await server.fetch("/api/v1/admin/queries/audit", token=operator)
    assert r.status == 200
    entries = r.json["entries"]
    assert [(e["query"], e["outcome"], e["channel"]) for e in entries[:3]] == [
        ("jj.vehicle_violations", "refused", "wechat"), ("sb.insured_info", "cached", "wechat"),
        ("sb.insured_info", "ok", "wechat")]
    assert entries[1]["subject"] == PEOPLE["old"][:4] + "**********" + PEOPLE["old"][-4:]
    assert PEOPLE["old"] not in r.body.decode() and name not in r.body.decode()
    only = await server.fetch("/api/v1/admin/queries/audit?outcome=cached", token=operator)
    assert [e["outcome"] for e in only.json["entries"]] == ["cached"]
    assert (await server.fetch("/api/v1/admin/queries/audit?outcome=maybe", token=operator)).status == 400
    assert (await server.fetch("/api/v1/admin/queries/audit", token=token)).status == 403
    stored = await server.deps.db.query_audit.find({}).to_list(None)
    assert all("data" not in e and PEOPLE["old"] not in json.dumps(e, default=str) for e in stored)


async def test_query_use_feeds_the_hot_items(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-hot", PEOPLE["old"])
    for _ in range(3):
        await query(server, token, "SB0005")
    server.deps.hot._memo.clear()
    hot = (await server.fetch("/api/v1/items/hot?channel=wechat")).json
    codes = [i["code"] for i in (hot["items"] if isinstance(hot, dict) else hot)]
    assert codes[0] == "SB0005"


async def test_without_an_exchange_queries_say_so(database, redis_server):
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", EXCHANGE_API_BASE="", EXCHANGE_APP_ID="")
    try:
        token, _ = await verified(server, "o-q-none", PEOPLE["old"])
        r = await query(server, token, "SB0001")
        assert r.status == 503 and r.json["error"]["code"] == "exchange.not_connected"
    finally:
        await stop_server(server)


async def test_medical_account_and_certificates(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-yb", PEOPLE["old"])
    r = await query(server, token, "YB0001")
    assert r.status == 200 and r.json["query"] == "yb.account" and r.json["source"] == "医保系统"
    assert r.json["data"]["insurance_type"] == "城镇职工基本医疗保险" and r.json["data"]["balance"]
    r = await query(server, token, "YB0002", year=2025)  # a year of 收支明细 is one page
    assert r.status == 200 and r.json["params"] == {"year": 2025} and r.json["data"]["year"] == 2025
    assert r.json["data"]["records"] and all(x["date"].startswith("2025-") for x in r.json["data"]["records"])
    r = await query(server, token, "YB0002", year=1999)  # before 个人账户 began: the bureau refuses
    assert r.status == 422 and r.json["error"]["code"] == "exchange.rejected"
    r = await query(server, token, "JY0003")
    assert r.status == 200 and r.json["source"] == "社保系统" and r.json["data"]["count"] >= 1
    first = r.json["data"]["certificates"][0]
    r = await query(server, token, "JY0003", cert_no=first["cert_no"].lower())
    assert r.status == 200 and r.json["params"] == {"cert_no": first["cert_no"]}
    assert r.json["data"] == {"certificates": [first], "count": 1}
    r = await query(server, token, "JY0003", cert_no="no/such")
    assert r.status == 422 and "cert_no" in r.json["error"]["details"]
    # nobody else's certificate through its number; 城乡居民 have no 职工医保个人账户
    other, _ = await verified(server, "o-q-yb-other", PEOPLE["other"])
    r = await query(server, other, "JY0003", cert_no=first["cert_no"])
    assert r.status == 404 and r.json["error"]["code"] == "query.no_record"
    r = await query(server, other, "YB0001")
    assert r.status == 404 and r.json["error"]["message"] == "未查询到职工医保个人账户"


async def test_answers_go_through_their_schema(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-shape", PEOPLE["old"])
    department = server.deps.exchange["rsj"]
    card = {"card_no_masked": "A1*****23", "status": "正常", "bank": "杭州银行", "issued_on": "2022-05-01",
            "generation": "第三代"}

    async def leaky(id_number):  # a field nobody declared, unmasked: dropped
        return {**card, "id_number": id_number}

    department.card = leaky
    r = await query(server, token, "SB0005")
    assert r.status == 200 and r.json["data"] == card and PEOPLE["old"] not in r.body.decode()

    async def unmasked(id_number):  # a masked field in clear: the department's fault, never shown
        return {**card, "card_no_masked": "A12345678"}

    department.card = unmasked
    await server.deps.redis.flushall()
    r = await query(server, token, "SB0005")
    assert r.status == 503 and r.json["error"]["code"] == "exchange.unavailable" and "A12345678" not in r.body.decode()
