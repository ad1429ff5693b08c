"""Applications: submit with idempotency, follow, and the workflow, over real HTTP."""

import asyncio
import uuid

from support import SHARED_APP, applicant_token, photo, resident_token

pytestmark = SHARED_APP  # each test has its own residents and applications

FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}


async def upload(server, token, data=None):
    r = await server.fetch("/api/v1/uploads", "POST", body=data or photo(), token=token)
    assert r.status in (200, 201), r.body
    return r.json["id"]


async def submit(server, token, body=None, key=None):
    if body is None:
        body = {"item_code": "SB0008", "form": FORM,
                "materials": [{"code": "id_card", "upload_id": await upload(server, token)}]}
    return await server.fetch("/api/v1/applications", "POST", json_body=body, token=token,
                              headers={"Idempotency-Key": key or uuid.uuid4().hex})


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def staff_result(server, clerk, data=PDF) -> str:
    r = await server.fetch("/api/v1/staff/uploads?filename=结果通知书.pdf", "POST", body=data, token=clerk)
    assert r.status in (200, 201), r.body
    return r.json["id"]


async def staff_do(server, token, number, action, version, **extra):
    return await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=token,
                              json_body={"action": action, "version": version, **extra})


async def test_submit_and_follow(server):
    token = await applicant_token(server, "o-app-1")
    r = await submit(server, token)
    assert r.status == 201, r.body
    app = r.json
    assert app["number"].startswith("SB") and len(app["number"]) == 16 and app["state"] == "submitted"
    assert app["version"] == 1 and app["due_date"] > app["submitted_at"][:10] and app["due_provisional"] is False
    assert app["allowed_actions"] == ["withdraw"]  # the resident's own actions only
    assert app["materials"][0]["name"] == "居民身份证"
    detail = await server.fetch(f"/api/v1/applications/{app['number']}", token=token)
    assert detail.status == 200 and detail.headers["Etag"] == '"1"'
    assert [t["action"] for t in detail.json["timeline"]] == ["submit"]
    second = (await submit(server, token)).json
    assert int(second["number"][-6:]) == int(app["number"][-6:]) + 1
    listing = await server.fetch("/api/v1/applications?limit=1", token=token)
    assert [a["number"] for a in listing.json["applications"]] == [second["number"]]
    more = await server.fetch(f"/api/v1/applications?limit=1&cursor={listing.json['next_cursor']}", token=token)
    assert [a["number"] for a in more.json["applications"]] == [app["number"]] and more.json["next_cursor"] is None
    stored = await server.deps.db.applications.find_one({"number": app["number"]})
    assert [e["type"] for e in stored["outbox"]] == ["application.submitted"]


async def test_idempotency(server):
    token = await applicant_token(server, "o-app-idem")
    body = {"item_code": "SB0008", "form": FORM, "materials": [{"code": "id_card", "upload_id": await upload(server, token)}]}
    first = await submit(server, token, body, key="k-1")
    again = await submit(server, token, body, key="k-1")
    assert first.status == again.status == 201 and again.json == first.json
    other = await submit(server, token, {**body, "form": {**FORM, "reason": "stolen"}}, key="k-1")
    assert other.status == 409 and other.json["error"]["code"] == "idempotency.key_reused"
    r = await server.fetch("/api/v1/applications", "POST", json_body=body, token=token)
    assert r.status == 400 and r.json["error"]["code"] == "idempotency.key_required"
    # the same request twice at once: one application, the same answer
    both = await asyncio.gather(*(submit(server, token, body, key="k-2") for _ in range(2)))
    assert [r.status for r in both] == [201, 201] and both[0].json == both[1].json
    # a failed submission frees its key
    bad = {**body, "form": {}}
    assert (await submit(server, token, bad, key="k-3")).status == 422
    assert (await submit(server, token, body, key="k-3")).status == 201
    assert len((await server.fetch("/api/v1/applications", token=token)).json["applications"]) == 3


async def test_form_and_material_errors(server):
    token = await applicant_token(server, "o-app-bad")
    r = await submit(server, token, {"item_code": "SB0008", "form": {**FORM, "contact_phone": "123", "x": 1},
                                     "materials": []})
    assert r.status == 422
    assert r.json["error"]["details"] == {"form.contact_phone": ["手机号码格式不正确"], "form.x": ["表单中没有这个字段"]}
    r = await submit(server, token, {"item_code": "SB0008", "form": FORM, "materials": []})
    assert r.status == 422 and r.json["error"]["details"] == {"materials.id_card": ["请上传居民身份证"]}
    other = await applicant_token(server, "o-app-other")
    foreign = await upload(server, other)
    r = await submit(server, token, {"item_code": "SB0008", "form": FORM,
                                     "materials": [{"code": "id_card", "upload_id": foreign}]})
    assert r.status == 422 and r.json["error"]["details"] == {"materials[0].upload_id": ["文件不存在"]}
    assert (await submit(server, token, {"item_code": "SB0001", "form": {}, "materials": []})).status == 404  # a query
    assert (await submit(server, token, {"item_code": "ZZ0000", "form": {}, "materials": []})).status == 404


async def test_only_a_verified_resident_may_apply(server):
    token = await resident_token(server, "o-app-anonymous")
    r = await submit(server, token, {"item_code": "SB0008", "form": FORM,
                                     "materials": [{"code": "id_card", "upload_id": await upload(server, token)}]})
    assert r.status == 403 and r.json["error"]["code"] == "application.realname_required"
    assert r.json["error"]["message"] == "请先完成实名认证后再申请"
    owner = (await server.fetch("/api/v1/me", token=token)).json["id"]
    assert await server.deps.db.applications.count_documents({"owner": owner}) == 0


async def test_full_workflow_with_supplement(server):
    token = await applicant_token(server, "o-app-flow")
    app = (await submit(server, token)).json
    number = app["number"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    queue = (await server.fetch("/api/v1/staff/applications", token=clerk)).json["applications"]
    assert number in [a["number"] for a in queue]
    r = await staff_do(server, clerk, number, "approve", 1)
    assert r.status == 409 and r.json["error"]["details"]["allowed_actions"] == ["accept", "refuse"]
    steps = [("accept", {}), ("start_review", {}), ("request_supplement", {"comment": "身份证照片不清晰"})]
    version = 1
    for action, extra in steps:
        r = await staff_do(server, clerk, number, action, version, **extra)
        assert r.status == 200, (action, r.body)
        version = r.json["version"]
    assert r.json["state"] == "supplement_required"
    new_photo = await upload(server, token)
    r = await server.fetch(f"/api/v1/applications/{number}/supplement", "POST", token=token,
                           json_body={"materials": [{"code": "id_card", "upload_id": new_photo}]},
                           headers={"If-Match": f'"{version}"'})
    assert r.status == 200 and r.json["state"] == "resubmitted"
    assert r.json["materials"][0]["upload_id"] == new_photo
    version = r.json["version"]
    r = await staff_do(server, clerk, number, "start_review", version)
    r = await staff_do(server, clerk, number, "approve", r.json["version"])
    version = r.json["version"]
    r = await staff_do(server, clerk, number, "complete", version)
    assert r.status == 422 and r.json["error"]["details"] == {"result": ["请上传结果文件"]}
    foreign = await upload(server, token)  # a resident's upload is not a department's result
    r = await staff_do(server, clerk, number, "complete", version, result=foreign)
    assert r.status == 422 and r.json["error"]["details"] == {"result": ["结果文件不存在"]}
    r = await staff_do(server, clerk, number, "complete", version, result=await staff_result(server, clerk))
    assert r.status == 200, r.body
    assert r.json["state"] == "completed" and r.json["allowed_actions"] == []
    assert r.json["result"] == {"filename": "结果通知书.pdf", "content_type": "application/pdf"}
    issued = await server.fetch(f"/api/v1/applications/{number}/result", token=token)
    assert issued.status == 200 and issued.body == PDF and issued.headers["Content-Type"] == "application/pdf"
    assert issued.headers["Content-Disposition"] == (
        "attachment; filename=\"_____.pdf\"; filename*=UTF-8''%E7%BB%93%E6%9E%9C%E9%80%9A%E7%9F%A5%E4%B9%A6.pdf")
    assert issued.headers["Content-Security-Policy"] == "sandbox" and issued.headers["Cache-Control"] == "no-store"
    assert issued.headers["X-Content-Type-Options"] == "nosniff"
    stranger = await applicant_token(server, "o-app-stranger")
    assert (await server.fetch(f"/api/v1/applications/{number}/result", token=stranger)).status == 404
    detail = (await server.fetch(f"/api/v1/applications/{number}", token=token)).json
    assert [t["action"] for t in detail["timeline"]] == [
        "submit", "accept", "start_review", "request_supplement", "resubmit", "start_review", "approve", "complete"]
    assert detail["timeline"][3]["comment"] == "身份证照片不清晰" and detail["timeline"][1]["actor"] == "processor.rsj"
    stored = await server.deps.db.applications.find_one({"number": number})
    assert len(stored["outbox"]) == 8 and stored["outbox"][-1]["type"] == "application.completed"


async def test_withdraw_refuse_and_comment_rules(server):
    token = await applicant_token(server, "o-app-w")
    app = (await submit(server, token)).json
    r = await server.fetch(f"/api/v1/applications/{app['number']}/withdraw", "POST", token=token)
    assert r.status == 428
    r = await server.fetch(f"/api/v1/applications/{app['number']}/withdraw", "POST", token=token,
                           headers={"If-Match": '"1"'})
    assert r.status == 200 and r.json["state"] == "withdrawn"
    r = await server.fetch(f"/api/v1/applications/{app['number']}/withdraw", "POST", token=token,
                           headers={"If-Match": '"2"'})
    assert r.status == 409 and r.json["error"]["details"]["allowed_actions"] == []
    clerk = await server.login("processor.rsj", "Processor@2026")
    other = (await submit(server, token)).json
    r = await staff_do(server, clerk, other["number"], "refuse", 1)
    assert r.status == 422 and r.json["error"]["details"] == {"comment": ["请填写原因或需补正的内容"]}
    r = await staff_do(server, clerk, other["number"], "withdraw", 1)
    assert r.status == 409  # a resident's action
    r = await staff_do(server, clerk, other["number"], "refuse", 1, comment="不属于本部门受理范围")
    assert r.status == 200 and r.json["state"] == "refused"


async def test_concurrent_transitions_exactly_one_wins(server):
    token = await applicant_token(server, "o-app-race")
    number = (await submit(server, token)).json["number"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    results = await asyncio.gather(staff_do(server, clerk, number, "accept", 1),
                                   staff_do(server, clerk, number, "refuse", 1, comment="材料不全"),
                                   server.fetch(f"/api/v1/applications/{number}/withdraw", "POST", token=token,
                                                headers={"If-Match": '"1"'}))
    assert sorted(r.status for r in results) == [200, 409, 409]
    r = await staff_do(server, clerk, number, "accept", 1)
    assert r.status == 409 and r.json["error"]["code"] in ("application.version_conflict", "application.action_not_allowed")


async def test_authorization_matrix(server):
    alice = await applicant_token(server, "o-alice-m")
    bob = await applicant_token(server, "o-bob-m")
    number = (await submit(server, alice)).json["number"]
    upload_id = (await server.fetch("/api/v1/applications/" + number, token=alice)).json["materials"][0]["upload_id"]
    for path, method, headers in [(f"/api/v1/applications/{number}", "GET", {}),
                                  (f"/api/v1/applications/{number}/withdraw", "POST", {"If-Match": '"1"'}),
                                  (f"/api/v1/applications/{number}/supplement", "POST", {"If-Match": '"1"'}),
                                  (f"/api/v1/uploads/{upload_id}", "GET", {}),
                                  (f"/api/v1/uploads/{upload_id}/content", "GET", {})]:
        body = {"materials": [{"code": "id_card", "upload_id": upload_id}]} if path.endswith("supplement") else None
        r = await server.fetch(path, method, token=bob, headers=headers, json_body=body)
        assert r.status == 404, (path, r.status)
    assert number not in str((await server.fetch("/api/v1/applications", token=bob)).json)
    other_dept = await server.login("processor.jj", "Processor@2026")
    assert number not in str((await server.fetch("/api/v1/staff/applications", token=other_dept)).json)
    r = await staff_do(server, other_dept, number, "accept", 1)
    assert r.status == 404
    operator = await server.login()
    assert (await server.fetch("/api/v1/staff/applications", token=operator)).status == 403
    admin = await server.login("admin", "Admin@2026")
    assert number in str((await server.fetch("/api/v1/staff/applications", token=admin)).json)


async def test_operator_loads_a_year_and_due_dates_follow(server):
    operator = await server.login()
    r = await server.fetch("/api/v1/admin/calendar/2027", "PUT", token=operator,
                           json_body={"holidays": ["2027-01-01"], "workdays": ["2027-01-04"]})
    assert r.status == 422 and r.json["error"]["details"] == {"workdays[0]": ["调休上班日须为周六或周日"]}
    r = await server.fetch("/api/v1/admin/calendar/2027", "PUT", token=operator,
                           json_body={"holidays": ["2027-01-01"], "workdays": ["2027-01-09"], "note": "测试数据"})
    assert r.status == 200 and r.json["year"] == 2027
    listing = (await server.fetch("/api/v1/admin/calendar", token=operator)).json
    assert listing["library_years"] == {"first": 2004, "last": 2026} and [y["year"] for y in listing["loaded"]] == [2027]
    assert (await server.fetch("/api/v1/admin/calendar/2027", "DELETE", token=operator)).status == 204
    assert (await server.fetch("/api/v1/admin/calendar/2027", "DELETE", token=operator)).status == 404
    resident = await applicant_token(server, "o-cal")
    assert (await server.fetch("/api/v1/admin/calendar", token=resident)).status == 403


async def test_rating_once_after_completion(server):
    token = await applicant_token(server, "o-rate")
    number = (await submit(server, token)).json["number"]
    bad = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body={"score": 5})
    assert bad.status == 409 and bad.json["error"]["code"] == "application.not_completed"
    clerk = await server.login("processor.rsj", "Processor@2026")
    version = 1
    result = await staff_result(server, clerk)
    for action, extra in [("accept", {}), ("start_review", {}), ("approve", {}), ("complete", {"result": result})]:
        r = await staff_do(server, clerk, number, action, version, **extra)
        version = r.json["version"]
    assert r.json["state"] == "completed"
    for score in (0, 6):
        r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body={"score": score})
        assert r.status == 422
    r = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token,
                           json_body={"score": 5, "comment": "办理很快"})
    assert r.status == 200 and r.json["rating"]["score"] == 5
    again = await server.fetch(f"/api/v1/applications/{number}/rating", "POST", token=token, json_body={"score": 3})
    assert again.status == 409 and again.json["error"]["code"] == "application.already_rated"


async def test_material_library_with_consent(server):
    token = await applicant_token(server, "o-lib")
    clerk = await server.login("processor.rsj", "Processor@2026")
    first = (await submit(server, token)).json
    await staff_do(server, clerk, first["number"], "accept", 1)
    assert (await server.fetch("/api/v1/me/materials", token=token)).json == {"consent": False, "materials": []}
    assert (await server.fetch("/api/v1/me/materials", "PUT", token=token, json_body={"consent": True})).status == 200
    second = (await submit(server, token)).json
    await staff_do(server, clerk, second["number"], "accept", 1)
    library = (await server.fetch("/api/v1/me/materials", token=token)).json
    assert library["consent"] is True
    assert [(m["code"], m["from_application"]) for m in library["materials"]] == [("id_card", second["number"])]
    # reuse without uploading again
    reused = library["materials"][0]["upload_id"]
    r = await submit(server, token, {"item_code": "SB0008", "form": FORM,
                                     "materials": [{"code": "id_card", "upload_id": reused}]})
    assert r.status == 201 and r.json["materials"][0]["upload_id"] == reused
    # completing files the issued result too
    await staff_do(server, clerk, r.json["number"], "accept", 1)
    version = 2
    for action, extra in [("start_review", {}), ("approve", {}), ("complete", {"result": await staff_result(server, clerk)})]:
        version = (await staff_do(server, clerk, r.json["number"], action, version, **extra)).json["version"]
    entries = (await server.fetch("/api/v1/me/materials", token=token)).json["materials"]
    assert [m["code"] for m in entries] == ["id_card", "result_sb0008"]
    # the result is filed as the resident's own upload: they can read it (the clerk's upload stays the clerk's)
    result = await server.fetch(f"/api/v1/uploads/{entries[1]['upload_id']}/content", token=token)
    assert result.status == 200 and result.body == PDF
    assert (await server.fetch("/api/v1/me/materials/id_card", "DELETE", token=token)).status == 204
    assert (await server.fetch("/api/v1/me/materials/id_card", "DELETE", token=token)).status == 404
    other = await applicant_token(server, "o-lib-2")
    assert (await server.fetch("/api/v1/me/materials", token=other)).json["materials"] == []
    await server.fetch("/api/v1/me/materials", "PUT", token=token, json_body={"consent": False})
    assert (await server.fetch("/api/v1/me/materials", token=token)).json == {"consent": False, "materials": []}


async def test_materials_sent_for_a_supplement_are_filed_on_approval(server):
    token = await applicant_token(server, "o-lib-supplement")
    clerk = await server.login("processor.rsj", "Processor@2026")
    await server.fetch("/api/v1/me/materials", "PUT", token=token, json_body={"consent": True})
    number = (await submit(server, token)).json["number"]
    version = 1
    for action, extra in [("accept", {}), ("start_review", {}), ("request_supplement", {"comment": "照片不清晰"})]:
        version = (await staff_do(server, clerk, number, action, version, **extra)).json["version"]
    clearer = await upload(server, token)
    r = await server.fetch(f"/api/v1/applications/{number}/supplement", "POST", token=token,
                           headers={"If-Match": f'"{version}"'},
                           json_body={"materials": [{"code": "id_card", "upload_id": clearer}]})
    assert r.status == 200, r.body
    for action in ("start_review", "approve"):
        r = await staff_do(server, clerk, number, action, r.json["version"])
        assert r.status == 200, r.body
    entries = (await server.fetch("/api/v1/me/materials", token=token)).json["materials"]
    assert [(m["code"], m["upload_id"]) for m in entries] == [("id_card", clearer)]


async def test_due_date_counts_working_days_across_national_day(server):
    import datetime as dt

    from models import workdays

    cal = await workdays.calendar(server.deps.db)
    # submitted on 2025-09-30 (Beijing) with 10 working days: 国庆 Oct 1-8 off, Oct 11 (Sat) is a make-up workday
    # Oct 9, 10, 11 (make-up Saturday), 13, 14, 15, 16, 17, 20, 21
    assert cal.add_working_days(dt.date(2025, 9, 30), 10) == (dt.date(2025, 10, 21), False)
    assert workdays.business_date(dt.datetime(2025, 9, 29, 16, 30, tzinfo=dt.UTC)) == dt.date(2025, 9, 30)


async def test_claims(server):
    token = await applicant_token(server, "o-claim")
    number = (await submit(server, token)).json["number"]
    first = await server.login("processor.rsj", "Processor@2026")
    second = await server.login("processor.rsj2", "Processor@2026")
    r = await server.fetch(f"/api/v1/staff/applications/{number}/claim", "POST", token=first)
    assert r.status == 200 and r.json["assignee"] == "processor.rsj" and r.json["version"] == 1
    r = await server.fetch(f"/api/v1/staff/applications/{number}/claim", "POST", token=second)
    assert r.status == 409 and r.json["error"]["details"] == {"assignee": "processor.rsj"}
    r = await staff_do(server, second, number, "accept", 1)
    assert r.status == 409 and r.json["error"]["code"] == "application.claimed"
    r = await staff_do(server, first, number, "accept", 1)
    assert r.status == 200 and r.json["assignee"] == "processor.rsj"
    other = (await submit(server, token)).json["number"]
    r = await staff_do(server, second, other, "accept", 1)  # acting on an unclaimed one claims it
    assert r.status == 200 and r.json["assignee"] == "processor.rsj2"
