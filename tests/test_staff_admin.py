"""Staff administration: admins create, change, disable accounts and reset passwords (audited); a
temporary password opens nothing but its own change."""


async def create(server, admin, **fields):
    body = {"username": "clerk.new", "display_name": "新审核员", "role": "processor", "department": "rsj",
            "password": "Temp1234567", **fields}
    return await server.fetch("/api/v1/admin/staff", "POST", token=admin, json_body=body)


async def test_a_new_account_must_change_its_password_first(server):
    admin = await server.login("admin", "Admin@2026")
    r = await create(server, admin)
    assert r.status == 201 and r.json["must_change_password"] is True and "password" not in r.json
    staff_id = r.json["id"]
    assert (await create(server, admin)).status == 409

    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "clerk.new", "password": "Temp1234567"})
    assert r.status == 200 and r.json["password_change_required"] is True
    token = r.json["access_token"]
    r = await server.fetch("/api/v1/staff/applications", token=token)
    assert r.status == 403 and r.json["error"]["code"] == "auth.password_change_required"
    me = await server.fetch("/api/v1/auth/staff/me", token=token)
    assert me.status == 200 and me.json["must_change_password"] is True

    change = "/api/v1/auth/staff/password"
    r = await server.fetch(change, "POST", token=token, json_body={"old_password": "wrong", "new_password": "Mine12345678"})
    assert r.status == 422 and "old_password" in r.json["error"]["details"]
    r = await server.fetch(change, "POST", token=token, json_body={"old_password": "Temp1234567", "new_password": "short"})
    assert r.status == 422 and "new_password" in r.json["error"]["details"]
    r = await server.fetch(change, "POST", token=token,
                           json_body={"old_password": "Temp1234567", "new_password": "Temp1234567"})
    assert r.status == 422
    r = await server.fetch(change, "POST", token=token,
                           json_body={"old_password": "Temp1234567", "new_password": "Mine12345678"})
    assert r.status == 200 and r.json["password_change_required"] is False
    r = await server.fetch("/api/v1/staff/applications", token=r.json["access_token"])
    assert r.status == 200
    assert (await server.fetch("/api/v1/auth/staff", "POST",
                               json_body={"username": "clerk.new", "password": "Temp1234567"})).status == 401

    # a reset: temporary again, and the sessions end
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "clerk.new", "password": "Mine12345678"})
    refresh = r.json["refresh_token"]
    r = await server.fetch(f"/api/v1/admin/staff/{staff_id}/password", "POST", token=admin,
                           json_body={"password": "Reset1234567"})
    assert r.status == 200 and r.json["must_change_password"] is True
    r = await server.fetch("/api/v1/auth/staff/refresh", "POST", json_body={"refresh_token": refresh})
    assert r.status == 401
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "clerk.new", "password": "Reset1234567"})
    assert r.json["password_change_required"] is True

    r = await server.fetch("/api/v1/admin/audit?target=staff:clerk.new", token=admin)
    assert [e["action"] for e in r.json["entries"]] == [
        "staff.password_reset", "staff.login_failed", "staff.password_change", "staff.create"]


async def test_change_disable_and_the_rules(server):
    admin = await server.login("admin", "Admin@2026")
    staff_id = (await create(server, admin, username="clerk.two")).json["id"]
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "clerk.two", "password": "Temp1234567"})
    refresh = r.json["refresh_token"]
    body = {"display_name": "医保审核员", "role": "processor", "department": "ybj", "active": True}
    r = await server.fetch(f"/api/v1/admin/staff/{staff_id}", "PUT", token=admin, json_body=body)
    assert r.status == 200 and r.json["department"] == "ybj"
    r = await server.fetch(f"/api/v1/admin/staff/{staff_id}", "PUT", token=admin, json_body={**body, "active": False})
    assert r.status == 200 and r.json["active"] is False
    assert (await server.fetch("/api/v1/auth/staff/refresh", "POST", json_body={"refresh_token": refresh})).status == 401
    r = await server.fetch("/api/v1/auth/staff", "POST", json_body={"username": "clerk.two", "password": "Temp1234567"})
    assert r.status == 401
    entries = (await server.fetch("/api/v1/admin/audit?target=staff:clerk.two", token=admin)).json["entries"]
    assert [e["action"] for e in entries] == ["staff.login_failed", "staff.disable", "staff.update", "staff.create"]
    assert entries[2]["details"]["changes"]["department"] == ["rsj", "ybj"]

    bad = [{"role": "processor", "department": None}, {"role": "inspector"}, {"role": "boss"},
           {"department": "nowhere"}]
    for change in bad:
        r = await server.fetch(f"/api/v1/admin/staff/{staff_id}", "PUT", token=admin, json_body={**body, **change})
        assert r.status == 422, change
    for fields in ({"username": "X"}, {"password": "alllettersonly"}, {"password": "1234567890"}):
        assert (await create(server, admin, **fields)).status == 422, fields
    assert (await server.fetch("/api/v1/admin/staff/ffffffffffffffffffffffff", "PUT", token=admin,
                               json_body=body)).status == 404

    me = next(s for s in (await server.fetch("/api/v1/admin/staff", token=admin)).json["staff"] if s["username"] == "admin")
    r = await server.fetch(f"/api/v1/admin/staff/{me['id']}", "PUT", token=admin,
                           json_body={"display_name": "x", "role": "operator", "active": True})
    assert r.status == 409 and r.json["error"]["code"] == "staff.self_lockout"
    operator = await server.login()
    assert (await server.fetch("/api/v1/admin/staff", token=operator)).status == 403
