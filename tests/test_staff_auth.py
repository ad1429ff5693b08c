import asyncio
import datetime as dt

import jwt

from api.auth import ALGORITHM, key_id
from config import DEMO_JWT_SECRET
from support import start_server, stop_server


async def test_login_returns_short_lived_jwt_with_kid(server):
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator", "password": "Operator@2026"})
    assert r.status == 200
    body = r.json
    assert body["expires_in"] == 900 and body["token_type"] == "Bearer"
    assert body["staff"]["role"] == "operator" and "password_hash" not in body["staff"]
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "HS256", "kid": key_id(DEMO_JWT_SECRET), "typ": "JWT"}
    claims = jwt.decode(body["access_token"], DEMO_JWT_SECRET, algorithms=[ALGORITHM], audience="staff")
    assert claims["exp"] - claims["iat"] == 900 and claims["role"] == "operator"
    me = await server.fetch("/api/v1/auth/staff/me", token=body["access_token"])
    assert me.json["username"] == "operator"


async def test_wrong_password_and_unknown_user_look_the_same(server):
    a = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator", "password": "nope"})
    b = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "ghost", "password": "nope"})
    assert a.status == b.status == 401
    assert a.json == b.json == {"error": {"code": "auth.invalid_credentials", "message": "用户名或密码错误"}}


async def login_from(server, address, username, password):
    """A login attempt as if from `address` (the server trusts X-Real-IP when TRUST_PROXY is on)."""
    return await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": username, "password": password},
                              headers={"X-Real-IP": address})


async def test_a_lock_is_per_address_so_nobody_else_can_lock_a_clerk_out(database, redis_server):
    """Issue 14, finding 9: the lock was per account, so anyone could lock any clerk out."""
    redis_server.flush()
    server = await start_server(database, redis_server.url, TRUST_PROXY="true")
    try:
        statuses = [(await login_from(server, "203.0.113.9", "processor.rsj", "guess")).status for _ in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
        assert (await login_from(server, "203.0.113.9", "processor.rsj", "Processor@2026")).status == 429
        # the clerk, at the office, is not locked out
        assert (await login_from(server, "198.51.100.7", "processor.rsj", "Processor@2026")).status == 200
        failures = await database.audit_log.count_documents({"action": "staff.login_failed"})
        assert failures == 5 and await database.audit_log.find_one({"details.address": "203.0.113.9"})
    finally:
        await stop_server(server)


async def test_a_password_spray_from_one_address_is_slowed(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, TRUST_PROXY="true")
    try:
        sprayed = [f"user{i}" for i in range(20)]  # one try each: no pair lock ever
        assert {(await login_from(server, "203.0.113.50", u, "Spring2026!")).status for u in sprayed} == {401}
        r = await login_from(server, "203.0.113.50", "user20", "Spring2026!")
        assert r.status == 401  # the 21st goes through, and sets a wait before the next
        r = await login_from(server, "203.0.113.50", "user21", "Spring2026!")
        assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
        # a burst at once is counted one by one: no more than the limit is ever checked
        burst = await asyncio.gather(*(login_from(server, "203.0.113.51", "admin", f"pw{i}") for i in range(30)))
        assert sum(r.status == 401 for r in burst) == 4 and sum(r.status == 429 for r in burst) == 26
        # other addresses are not slowed
        assert (await login_from(server, "198.51.100.8", "operator", "Operator@2026")).status == 200
    finally:
        await stop_server(server)


async def test_lockout_after_repeated_failures(server):
    for _ in range(4):
        r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "inspector", "password": "bad"})
        assert r.status == 401
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "inspector", "password": "bad"})
    assert r.status == 429 and r.json["error"]["code"] == "auth.locked"
    assert 890 <= int(r.headers["Retry-After"]) <= 900
    # even the right password is refused while locked
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "inspector", "password": "Inspector@2026"})
    assert r.status == 429 and int(r.headers["Retry-After"]) > 0
    # other accounts are unaffected
    assert await server.login("supervisor", "Supervisor@2026")


async def test_refresh_rotates_and_reuse_revokes_the_session(server):
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator", "password": "Operator@2026"})
    first = r.json["refresh_token"]
    r = await server.fetch("/api/v1/auth/staff/refresh", "POST", json_body={"refresh_token": first})
    assert r.status == 200
    second = r.json["refresh_token"]
    assert second != first
    replay = await server.fetch("/api/v1/auth/staff/refresh", "POST", json_body={"refresh_token": first})
    assert replay.status == 401 and replay.json["error"]["code"] == "auth.refresh_invalid"
    # the replay revoked the whole family, including the token issued after it
    r = await server.fetch("/api/v1/auth/staff/refresh", "POST", json_body={"refresh_token": second})
    assert r.status == 401


async def test_logout_revokes_refresh(server):
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator", "password": "Operator@2026"})
    token = r.json["refresh_token"]
    assert (await server.fetch("/api/v1/auth/staff/logout", "POST", json_body={"refresh_token": token})).status == 204
    assert (await server.fetch("/api/v1/auth/staff/refresh", "POST", json_body={"refresh_token": token})).status == 401


async def test_bad_tokens_are_401(server):
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "x", "typ": "staff", "role": "admin", "aud": "staff", "iss": "govservice", "iat": now, "exp": now}
    expired = jwt.encode({**claims, "exp": now - dt.timedelta(seconds=5)}, DEMO_JWT_SECRET,
                         headers={"kid": key_id(DEMO_JWT_SECRET)})
    forged = jwt.encode({**claims, "exp": now + dt.timedelta(minutes=5)}, "another-secret-of-sufficient-length!",
                        headers={"kid": key_id(DEMO_JWT_SECRET)})
    unsigned = jwt.encode({**claims, "exp": now + dt.timedelta(minutes=5)}, None, algorithm="none",
                          headers={"kid": key_id(DEMO_JWT_SECRET)})
    cases = {expired: "auth.token_expired", forged: "auth.token_invalid", unsigned: "auth.token_invalid",
             "garbage": "auth.token_invalid"}
    for token, code in cases.items():
        r = await server.fetch("/api/v1/admin/items", token=token)
        assert r.status == 401 and r.json["error"]["code"] == code, token
    r = await server.fetch("/api/v1/admin/items", headers={"Authorization": "Basic abc"})
    assert r.status == 401
    r = await server.fetch("/api/v1/admin/items")
    assert r.status == 401 and r.json["error"]["code"] == "auth.required"


async def test_roles_are_enforced(server):
    inspector = await server.login("inspector", "Inspector@2026")
    r = await server.fetch("/api/v1/admin/items", token=inspector)
    assert r.status == 403 and r.json["error"]["code"] == "auth.forbidden"
    admin = await server.login("admin", "Admin@2026")
    assert (await server.fetch("/api/v1/admin/items", token=admin)).status == 200


async def test_login_bad_input(server):
    r = await server.fetch("/api/v1/auth/staff", "POST", body=b"{not json")
    assert r.status == 400 and r.json["error"]["code"] == "request.malformed_json"
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "operator"})
    assert r.status == 422 and r.json["error"]["details"] == {"password": ["此项为必填项"]}
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body=["operator"])
    assert r.status == 400
