"""Inspectors' look-ups over real HTTP to the sandbox's department systems: reasons required,
per-inspector rate limits, the audit log supervisors read, and clear errors."""

import urllib.parse

import pytest

from support import start_server, stop_server

PLATE = "浙A7K2M9"


@pytest.fixture
async def lserver(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", LOOKUP_LIMITS="3/minute")
    yield server
    await stop_server(server)


async def look(server, token, kind, key, reason="现场检查，核实车辆信息"):
    return await server.fetch("/api/v1/enforcement/lookups", "POST", token=token,
                              json_body={"kind": kind, "key": key, "reason": reason})


async def test_lookups_need_a_reason_are_limited_and_audited(lserver):
    server = lserver
    inspector = await server.login("inspector", "Inspector@2026")
    car = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(PLATE)}")).json
    r = await look(server, inspector, "vehicle", PLATE)
    assert r.status == 200, r.body
    assert r.json["data"]["plate"] == PLATE and r.json["source"] == "交管系统"
    assert r.json["data"]["owner_id_masked"].endswith(car["owner_id_number"][-4:])
    left = r.json["rate_limit"]  # what the app shows: look-ups left in the tightest window
    assert left == {"limit": "3 per 1 minute", "remaining": 2, "reset_seconds": left["reset_seconds"]}
    assert r.headers["X-Ratelimit-Remaining"] == "2" and 0 <= left["reset_seconds"] <= 60  # names as Tornado spells them
    no_reason = await look(server, inspector, "vehicle", PLATE, reason="")
    assert no_reason.status == 422 and "reason" in no_reason.json["error"]["details"]
    bad_key = await look(server, inspector, "business", "ABC")
    assert bad_key.status == 422 and "key" in bad_key.json["error"]["details"]
    driver = await look(server, inspector, "driver", car["owner_id_number"])
    assert driver.status in (200, 404)  # some people hold no licence: a clear 404
    if driver.status == 404:
        assert driver.json["error"]["code"] == "lookup.no_record"
    business = await look(server, inspector, "business", "330100123456")
    assert business.status in (200, 404)
    limited = await look(server, inspector, "vehicle", PLATE)  # the fourth in a minute (LOOKUP_LIMITS=3/minute)
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-Ratelimit-Remaining"] == "0"
    other = await server.login("inspector.li", "Inspector@2026")
    assert (await look(server, other, "vehicle", PLATE)).status == 200  # limits are per inspector
    supervisor = await server.login("supervisor", "Supervisor@2026")
    assert (await look(server, supervisor, "vehicle", PLATE)).status == 403
    entries = (await server.fetch("/api/v1/enforcement/lookups/audit", token=supervisor)).json["entries"]
    assert [(e["inspector"], e["kind"], e["outcome"]) for e in entries][:2] == [
        ("inspector.li", "vehicle", "ok"), ("inspector", "vehicle", "rate_limited")]
    assert all(e["reason"] for e in entries) and len(entries) == 5  # refusals by validation are not look-ups
    masked = [e for e in entries if e["kind"] == "driver"][0]["subject"]
    assert masked.startswith(car["owner_id_number"][:4]) and "*" in masked
    own = (await server.fetch("/api/v1/enforcement/lookups/audit", token=other)).json["entries"]
    assert {e["inspector"] for e in own} == {"inspector.li"}
    zhao = await server.login("supervisor.zhao", "Supervisor@2026")
    assert (await server.fetch("/api/v1/enforcement/lookups/audit", token=zhao)).json["entries"] == []


async def test_a_department_down_is_a_clear_503(lserver):
    server = lserver
    inspector = await server.login("inspector", "Inspector@2026")
    await server.fetch("/sandbox/faults", "POST", json_body={"target": "exchange.ysj.business", "status": 503, "times": 0})
    r = await look(server, inspector, "business", "330100123456")
    assert r.status == 503 and r.json["error"]["message"] == "运管系统繁忙，请稍后再试"


async def test_without_the_exchange(database, redis_server):
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", EXCHANGE_API_BASE="")
    try:
        inspector = await server.login("inspector", "Inspector@2026")
        assert (await look(server, inspector, "vehicle", PLATE)).status == 503
    finally:
        await stop_server(server)
