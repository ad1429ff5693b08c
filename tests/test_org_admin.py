"""Departments and enforcement teams for admins (models/org.py): create, rename, disable, the staff
assigned to them; each audited."""

import urllib.parse

ORG = "/api/v1/admin/org"


async def test_an_admin_creates_a_department_and_assigns_a_processor(server):
    admin = await server.login("admin", "Admin@2026")
    units = (await server.fetch(ORG, token=admin)).json
    departments = {u["code"]: u for u in units["departments"]}
    assert departments["rsj"]["name"] == "市人力资源和社会保障局" and departments["rsj"]["staff_count"] == 2
    assert {u["code"] for u in units["teams"]} >= {"一中队", "二中队"}  # the teams accounts already named

    r = await server.fetch(f"{ORG}/department", "POST", token=admin, json_body={"code": "sjj", "name": "市市场监督管理局"})
    assert r.status == 201 and r.headers["Etag"] == '"1"' and r.json["active"] is True
    assert (await server.fetch(f"{ORG}/department", "POST", token=admin,
                               json_body={"code": "sjj", "name": "重复"})).status == 409
    r = await server.fetch(f"{ORG}/department", "POST", token=admin, json_body={"code": "Bad Code", "name": "x"})
    assert r.status == 422 and "code" in r.json["error"]["details"]

    listing = (await server.fetch("/api/v1/admin/staff", token=admin)).json
    assert listing["departments"]["sjj"] == "市市场监督管理局" and "sjj" in listing["active_departments"]
    clerk = next(s for s in listing["staff"] if s["username"] == "processor.rsj2")
    body = {"display_name": clerk["display_name"], "role": "processor", "department": "sjj", "active": True}
    r = await server.fetch(f"/api/v1/admin/staff/{clerk['id']}", "PUT", token=admin, json_body=body)
    assert r.status == 200 and r.json["department"] == "sjj"

    # renamed: the code stays, so the account keeps its place
    r = await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "市场监管局", "active": True})
    assert r.status == 428
    r = await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "市场监管局", "active": True},
                           headers={"If-Match": '"1"'})
    assert r.status == 200 and r.json["name"] == "市场监管局" and r.json["version"] == 2
    r = await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "又改", "active": True},
                           headers={"If-Match": '"1"'})
    assert r.status == 409 and r.json["error"]["code"] == "org.version_conflict"

    # not disabled while someone works there; then nobody new may be put in it
    r = await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "市场监管局", "active": False},
                           headers={"If-Match": '"2"'})
    assert r.status == 409 and r.json["error"]["code"] == "org.in_use" and r.json["error"]["details"]["staff_count"] == 1
    r = await server.fetch(f"/api/v1/admin/staff/{clerk['id']}", "PUT", token=admin, json_body={**body, "department": "rsj"})
    assert r.status == 200
    r = await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "市场监管局", "active": False},
                           headers={"If-Match": '"2"'})
    assert r.status == 200 and r.json["active"] is False
    r = await server.fetch(f"/api/v1/admin/staff/{clerk['id']}", "PUT", token=admin, json_body=body)
    assert r.status == 422 and r.json["error"]["details"]["department"] == ["部门 sjj 不存在或已停用"]

    entries = (await server.fetch("/api/v1/admin/audit?target=department:sjj", token=admin)).json["entries"]
    assert [e["action"] for e in entries] == ["department.disable", "department.update", "department.create"]
    assert entries[1]["details"]["changes"] == {"name": ["市市场监督管理局", "市场监管局"]}


async def test_teams_and_who_may_change_them(server):
    admin = await server.login("admin", "Admin@2026")
    r = await server.fetch(f"{ORG}/team", "POST", token=admin, json_body={"code": "三中队", "name": "三中队（滨江）"})
    assert r.status == 201
    listing = (await server.fetch("/api/v1/admin/staff", token=admin)).json
    inspector = next(s for s in listing["staff"] if s["username"] == "inspector.wang")
    body = {"display_name": inspector["display_name"], "role": "inspector", "team": "三中队", "active": True}
    r = await server.fetch(f"/api/v1/admin/staff/{inspector['id']}", "PUT", token=admin, json_body=body)
    assert r.status == 200 and r.json["team"] == "三中队"
    r = await server.fetch(f"/api/v1/admin/staff/{inspector['id']}", "PUT", token=admin,
                           json_body={**body, "team": "不存在的中队"})
    assert r.status == 422 and "team" in r.json["error"]["details"]
    path = f"{ORG}/team/{urllib.parse.quote('三中队')}"
    r = await server.fetch(path, "PUT", token=admin, json_body={"name": "三中队", "active": False},
                           headers={"If-Match": '"1"'})
    assert r.status == 409 and r.json["error"]["code"] == "org.in_use"
    assert (await server.fetch(f"{ORG}/team/nope", "PUT", token=admin, json_body={"name": "x", "active": True},
                               headers={"If-Match": '"1"'})).status == 404

    operator = await server.login()
    assert (await server.fetch(ORG, token=operator)).status == 403
    assert (await server.fetch(f"{ORG}/team", "POST", token=operator, json_body={"code": "x", "name": "x"})).status == 403


async def test_an_item_goes_to_a_department_an_admin_created_and_follows_its_name(server):
    """The catalog takes any active department (models/org.py), not a list in the code: an item is
    placed in a new one, shows its name, follows a rename; the dashboard has a row for it."""
    from test_catalog_api import NEW_ITEM

    admin, operator = await server.login("admin", "Admin@2026"), await server.login()
    r = await server.fetch(f"{ORG}/department", "POST", token=admin, json_body={"code": "sjj", "name": "市市场监督管理局"})
    assert r.status == 201
    choices = (await server.fetch("/api/v1/admin/departments", token=operator)).json["departments"]
    assert {"code": "sjj", "name": "市市场监督管理局"} in choices

    item = {**NEW_ITEM, "code": "SJ0001", "department": "sjj"}
    r = await server.fetch("/api/v1/admin/items", "POST", token=operator, json_body=item)
    assert r.status == 201 and r.json["department_name"] == "市市场监督管理局", r.body
    r = await server.fetch("/api/v1/admin/items", "POST", token=operator,
                           json_body={**item, "code": "SJ0002", "department": "nowhere"})
    assert r.status == 422 and "department" in r.json["error"]["details"]

    await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "市场监管局", "active": True},
                       headers={"If-Match": '"1"'})
    shown = (await server.fetch("/api/v1/admin/items/SJ0001", token=operator)).json
    assert shown["department_name"] == "市场监管局"
    rows = (await server.fetch("/api/v1/admin/dashboard", token=operator)).json
    names = {d["department"]: d["name"] for d in rows["departments"]}
    assert names["sjj"] == "市场监管局" and names["rsj"] == "市人力资源和社会保障局"

    # disabled (nobody works there): no new item may go in, the one there keeps it
    r = await server.fetch(f"{ORG}/department/sjj", "PUT", token=admin, json_body={"name": "市场监管局", "active": False},
                           headers={"If-Match": '"2"'})
    assert r.status == 200
    r = await server.fetch("/api/v1/admin/items", "POST", token=operator,
                           json_body={**item, "code": "SJ0003"})
    assert r.status == 422
    r = await server.fetch("/api/v1/admin/items/SJ0001", "PUT", token=operator, headers={"If-Match": f'"{shown["version"]}"'},
                           json_body={**item, "name": "改名后的事项"})
    assert r.status == 200 and r.json["department_name"] == "市场监管局", r.body
