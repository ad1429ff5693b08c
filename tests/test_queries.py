"""Instant queries through the exchange to the sandbox's department systems, over real HTTP:
each query, subject enforcement, vehicle binding, caching, stale answers during an outage, the
circuit breaker opening and closing, the timeout bound, and the audit log."""

import datetime as dt
import json
import time
import urllib.parse

import pytest

from sandbox.identity import with_check_char
from support import eventually, resident_token, start_server, stop_server

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
        reached = await calls(server, "exchange.rsj.insured")
        operator = await server.login()
        status = {d["department"]: d for d in (await server.fetch("/api/v1/admin/exchange", token=operator)).json["departments"]}
        assert status["rsj"]["breaker"] == "open" and status["jj"]["breaker"] == "closed"
        assert (await query(server, token, "SB0002")).status == 503  # refused at once: the bureau untouched
        assert await calls(server, "exchange.rsj.insured") == reached
        await server.fetch("/sandbox/faults", "DELETE")

        async def half_open():
            departments = (await server.fetch("/api/v1/admin/exchange", token=operator)).json["departments"]
            return {d["department"]: d["breaker"] for d in departments}["rsj"] == "half_open"

        await eventually(half_open, "the breaker half-open after its 5 s", seconds=15, every=0.2)
        # half-open: one success closes it
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


THIS_YEAR = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year


async def test_contributions_by_insurance_type_and_over_a_range_of_years(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-range", PEOPLE["old"])
    every = await query(server, token, "SB0002", year=2010)
    r = await query(server, token, "SB0002", year=2010, insurance="pension")
    assert r.status == 200 and r.json["params"] == {"year": 2010, "insurance": "pension"}
    assert r.json["data"]["records"] == [x for x in every.json["data"]["records"] if x["type"] == "养老"]
    assert {x["type"] for x in (await query(server, token, "SB0002", year=2010, insurance="medical")).json["data"][
        "records"]} == {"医疗"}
    r = await query(server, token, "SB0002", insurance="injury")  # 工伤: the unit's alone, not in this record
    assert r.status == 422 and "insurance" in r.json["error"]["details"]
    # a range of years, at most ten, in order
    r = await query(server, token, "SB0003", start_year=2006, end_year=2008)
    assert r.status == 200 and r.json["params"] == {"start_year": 2006, "end_year": 2008}, r.body
    assert (r.json["data"]["start_year"], r.json["data"]["end_year"]) == (2006, 2008)
    assert {x["month"][:4] for x in r.json["data"]["records"]} == {"2006", "2007", "2008"}
    assert r.json["data"]["months_paid"] == 36
    r = await query(server, token, "SB0003", start_year=2006)  # ten years from the start
    assert r.json["params"] == {"start_year": 2006, "end_year": 2015}
    r = await query(server, token, "SB0003", end_year=2005)  # ten years back (not before the first insured year)
    assert r.status == 200 and r.json["params"] == {"end_year": 2005} and r.json["data"]["start_year"] == 1996
    for body, field in (({"start_year": 2000, "end_year": 2010}, "start_year"),
                        ({"start_year": 2010, "end_year": 2009}, "start_year"),
                        ({"year": 2010, "end_year": 2010}, "year"), ({"start_year": 1990}, "start_year")):
        r = await query(server, token, "SB0003", **body)
        assert r.status == 422 and field in r.json["error"]["details"], (body, r.body)
    r = await query(server, token, "SB0003", start_year=THIS_YEAR + 1)
    assert r.status == 422 and r.json["error"]["code"] == "validation_failed"
    # not before the first contribution: the bureau refuses
    young, _ = await verified(server, "o-q-range-young", PEOPLE["young"])
    r = await query(server, young, "SB0003", start_year=2016, end_year=2018)
    assert r.status == 422 and r.json["error"]["code"] == "exchange.rejected" and "首次参保年度" in r.json["error"]["message"]
    # a field a query does not take is refused, not ignored
    for code, body in (("SB0001", {"year": 2020}), ("SB0004", {"insurance": "pension"}),
                       ("YB0002", {"start_year": 2020}), ("JT0009", {"plate_type": "02"})):
        r = await query(server, token, code, **body)
        assert r.status == 422 and set(r.json["error"]["details"]) == set(body), (code, r.body)


async def test_pension_payments_of_a_year(qserver):
    server = qserver
    token, _ = await verified(server, "o-q-pension", PEOPLE["old"])  # a man born 1955-08: pension from 2015-08
    r = await query(server, token, "SB0004", year=2016)
    assert r.status == 200 and r.json["params"] == {"year": 2016}
    assert [p["month"] for p in r.json["data"]["payments"]] == [f"2016-{m:02d}" for m in range(12, 0, -1)]
    r = await query(server, token, "SB0004", year=2015)
    assert [p["month"] for p in r.json["data"]["payments"]] == ["2015-12", "2015-11", "2015-10", "2015-09", "2015-08"]
    r = await query(server, token, "SB0004", year=2014)  # before the pension
    assert r.status == 404 and r.json["error"]["code"] == "query.no_record" and "2014" in r.json["error"]["message"]
    assert (await query(server, token, "SB0004", year=THIS_YEAR + 1)).status == 422
    r = await query(server, token, "SB0004")  # no year: the last twelve, as before
    assert r.status == 200 and r.json["params"] == {} and len(r.json["data"]["payments"]) == 12


async def test_vehicle_queries_check_plate_type_and_engine_number(qserver):
    server = qserver
    plate, green = "浙A3M5P7", "浙AD54321"
    car = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(plate)}")).json
    token, _ = await verified(server, "o-q-type", car["owner_id_number"])
    r = await server.fetch("/api/v1/me/vehicles", "POST", token=token,
                           json_body={"plate": plate, "engine_tail": car["engine_tail"]})
    assert r.status == 201, r.body
    for code in ("JT0001", "JT0010"):
        r = await query(server, token, code, plate=plate, plate_type="02")
        assert r.status == 200 and r.json["params"] == {"plate": plate, "plate_type": "02"}, r.body
        r = await query(server, token, code, plate=plate, plate_type="52")  # the register says 小型汽车
        assert r.status == 422 and r.json["error"]["code"] == "vehicle.mismatch", r.body
        r = await query(server, token, code, plate=plate, plate_type="03")
        assert r.status == 422 and "plate_type" in r.json["error"]["details"]
    # JT0010 takes no engine number
    r = await query(server, token, "JT0010", plate=plate, engine_no_last6=car["engine_tail"])
    assert r.status == 422 and "engine_no_last6" in r.json["error"]["details"]
    # the owner may type it anyway: a wrong one is refused even though the plate is bound
    r = await query(server, token, "JT0001", plate=plate, plate_type="02", engine_no_last6="ZZZZZZ"
                    if car["engine_tail"] != "ZZZZZZ" else "YYYYYY")
    assert r.status == 422 and r.json["error"]["code"] == "vehicle.mismatch"

    # someone else's car, as on 12123: plate, plate type and the engine number's last six
    ev = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(green)}")).json
    stranger, _ = await verified(server, "o-q-type-stranger", PEOPLE["other"])
    r = await query(server, stranger, "JT0001", plate=green, plate_type="52")
    assert r.status == 403 and r.json["error"]["code"] == "vehicle.not_bound"
    wrong = "000000" if ev["engine_tail"] != "000000" else "111111"
    for body in ({"plate_type": "52", "engine_no_last6": wrong}, {"plate_type": "02", "engine_no_last6": ev["engine_tail"]}):
        r = await query(server, stranger, "JT0001", plate=green, **body)
        assert r.status == 422 and r.json["error"]["code"] == "vehicle.mismatch" and "data" not in r.json, r.body
    r = await query(server, stranger, "JT0001", plate=green, plate_type="52", engine_no_last6=ev["engine_tail"].lower())
    assert r.status == 200 and r.json["params"] == {"plate": green, "plate_type": "52"} and r.json["data"]["plate"] == green
    assert ev["engine_tail"] not in r.body.decode()
    # the answer is cached for that engine number only: a wrong one after it is still refused
    r = await query(server, stranger, "JT0001", plate=green, plate_type="52", engine_no_last6=wrong)
    assert r.status == 422 and r.json["error"]["code"] == "vehicle.mismatch"
    assert (await query(server, stranger, "JT0001", plate=green, plate_type="52")).status == 403
    # inspection needs the car bound (its form has no engine number)
    assert (await query(server, stranger, "JT0010", plate=green, plate_type="52")).status == 403


async def test_engine_numbers_cannot_be_tried_one_after_another(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false", VEHICLE_QUERY_LIMITS="3/hour")
    try:
        plate = "浙A6N8Q2"
        car = (await server.fetch(f"/sandbox/exchange/jj/vehicles/{urllib.parse.quote(plate)}")).json
        token, _ = await verified(server, "o-q-guess", PEOPLE["other"])
        guesses = [f"{n:06d}" for n in range(3) if f"{n:06d}" != car["engine_tail"]][:2]
        for tail in guesses:
            assert (await query(server, token, "JT0001", plate=plate, engine_no_last6=tail)).status == 422
        assert (await query(server, token, "JT0001", plate=plate, engine_no_last6=car["engine_tail"])).status == 200
        r = await query(server, token, "JT0001", plate=plate, engine_no_last6=car["engine_tail"])  # even the right one
        assert r.status == 429 and r.json["error"]["code"] == "vehicle.rate_limited" and r.headers["Retry-After"]
        assert await calls(server, "exchange.jj.violations") == 3
        # the owner's own bound car is not limited
        owner, _ = await verified(server, "o-q-guess-owner", car["owner_id_number"])
        r = await server.fetch("/api/v1/me/vehicles", "POST", token=owner,
                               json_body={"plate": plate, "engine_tail": car["engine_tail"]})
        assert r.status == 201
        for _ in range(4):
            assert (await query(server, owner, "JT0001", plate=plate)).status == 200
    finally:
        await stop_server(server)
