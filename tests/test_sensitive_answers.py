"""Issue 14, finding 5: a form's phone numbers, 身份证号 and addresses are stored encrypted, shown
masked in lists and queues, revealed to the department's processor (audited) and to the
resident, and applications stored in clear by an older release are sealed once at start."""

import datetime as dt
import hashlib
import json
import uuid

from bson import json_util

from models import migrations, setup
from support import applicant_token, upload_photo

GUARDIAN, PHONE, ADDRESS = "11010519491231002X", "13812345678", "浙江省杭州市西湖区文三路100号"
FORM = {"bank": "icbc", "guardian_id_number": GUARDIAN, "delivery": "mail", "mail_address": ADDRESS,
        "contact_phone": PHONE}
MASKED = {"guardian_id_number": "1101**********002X", "mail_address": "浙江省杭州市****", "contact_phone": "138****5678"}
CLEAR = (GUARDIAN, PHONE, ADDRESS, "文三路")


async def submit(server, token, form=None, body=None):
    body = body or {"item_code": "SB0009", "form": form or FORM,
                    "materials": [{"code": "id_card", "upload_id": await upload_photo(server, token)}]}
    return await server.fetch("/api/v1/applications", "POST", json_body=body, token=token,
                              headers={"Idempotency-Key": uuid.uuid4().hex})


def dumped(doc) -> str:
    return json_util.dumps(doc, ensure_ascii=False)


def assert_no_clear(text: str) -> None:
    for value in CLEAR:
        assert value not in text, value


async def test_nothing_sensitive_is_stored_in_clear(server):
    token = await applicant_token(server, "o-sealed")
    upload = await upload_photo(server, token)
    body = {"item_code": "SB0009", "form": FORM, "materials": [{"code": "id_card", "upload_id": upload}]}
    r = await submit(server, token, body=body)
    assert r.status == 201, r.body
    assert r.json["form"] == {"bank": "icbc", "delivery": "mail", **MASKED}
    assert r.json["masked_fields"] == ["contact_phone", "guardian_id_number", "mail_address"]
    number = r.json["number"]
    stored = await server.deps.db.applications.find_one({"number": number})
    assert_no_clear(dumped(stored))
    assert stored["form"] == r.json["form"] and sorted(stored["form_enc"]) == r.json["masked_fields"]
    assert all(v.startswith("v1:") for v in stored["form_enc"].values())
    # the idempotency record's copy of the answer, and its hash of the request
    records = await server.deps.db.idempotency.find({}).to_list(None)
    assert len(records) == 1
    assert_no_clear(dumped(records))
    # a plain SHA-256 of the request would give the phone number away (10⁴ tries, its mask says the rest)
    plain = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert records[0]["hash"] != plain and records[0]["hash"] == server.deps.pii.lookup(
        "request", json.dumps(body, sort_keys=True, ensure_ascii=False))
    # an optional field left empty has nothing to hide
    r = await submit(server, token, {**FORM, "guardian_id_number": None, "delivery": "counter", "mail_address": ""})
    assert r.status == 201, r.body
    assert r.json["masked_fields"] == ["contact_phone"]
    assert r.json["form"]["guardian_id_number"] is None and "mail_address" not in r.json["form"]  # hidden: dropped


async def test_a_record_from_before_the_keyed_hash_still_answers_its_repeat(server):
    token = await applicant_token(server, "o-old-record")
    owner = str((await server.deps.db.residents.find_one({}, sort=[("_id", -1)]))["_id"])
    body = {"item_code": "SB0009", "form": FORM, "materials": [{"code": "id_card", "upload_id": "x"}]}
    plain = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    answer = {"number": "SB20250101000001", "form": MASKED}
    await server.deps.db.idempotency.insert_one({"_id": f"{owner}:k-old", "hash": plain, "created_at": dt.datetime.now(dt.UTC),
                                                 "response": {"status": 201, "body": answer}})
    r = await server.fetch("/api/v1/applications", "POST", json_body=body, token=token, headers={"Idempotency-Key": "k-old"})
    assert r.status == 201 and r.json == answer
    r = await server.fetch("/api/v1/applications", "POST", json_body={**body, "form": {**FORM, "bank": "abc"}}, token=token,
                           headers={"Idempotency-Key": "k-old"})
    assert r.status == 409 and r.json["error"]["code"] == "idempotency.key_reused"


async def test_lists_and_queues_show_masks(server):
    token = await applicant_token(server, "o-masked")
    number = (await submit(server, token)).json["number"]
    detail = (await server.fetch(f"/api/v1/applications/{number}", token=token)).json
    assert {k: detail["form"][k] for k in MASKED} == MASKED
    listing = await server.fetch("/api/v1/applications", token=token)
    assert number in listing.body.decode()
    assert_no_clear(listing.body.decode())
    clerk = await server.login("processor.rsj", "Processor@2026")
    queue = await server.fetch("/api/v1/staff/applications", token=clerk)
    mine = next(a for a in queue.json["applications"] if a["number"] == number)
    assert {k: mine["form"][k] for k in MASKED} == MASKED
    assert mine["masked_fields"] == ["contact_phone", "guardian_id_number", "mail_address"]
    assert_no_clear(queue.body.decode())
    # a transition's answer shows them masked as well
    r = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                           json_body={"action": "accept", "version": 1})
    assert r.status == 200 and r.json["form"]["contact_phone"] == MASKED["contact_phone"]
    assert_no_clear(r.body.decode())


async def test_the_departments_processor_reveals_and_is_audited(server):
    token = await applicant_token(server, "o-reveal")
    number = (await submit(server, token)).json["number"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    path = f"/api/v1/staff/applications/{number}/reveal"
    r = await server.fetch(path, "POST", token=clerk)
    assert r.status == 200, r.body
    assert r.json == {"number": number, "fields": {"guardian_id_number": GUARDIAN, "mail_address": ADDRESS,
                                                    "contact_phone": PHONE}}
    assert r.headers["Cache-Control"] == "no-store"
    r = await server.fetch(path, "POST", token=clerk, json_body={"fields": ["contact_phone"]})
    assert r.status == 200 and r.json["fields"] == {"contact_phone": PHONE}
    entries = await server.deps.db.audit_log.find({"action": "application.reveal"}).sort("_id", 1).to_list(None)
    assert [(e["actor"], e["role"], e["target"], e["details"]) for e in entries] == [
        ("processor.rsj", "processor", f"application:{number}",
         {"fields": ["contact_phone", "guardian_id_number", "mail_address"], "department": "rsj"}),
        ("processor.rsj", "processor", f"application:{number}", {"fields": ["contact_phone"], "department": "rsj"})]
    assert_no_clear(dumped(entries))
    # admins read the audit log through the API
    admin = await server.login("admin", "Admin@2026")
    audit = await server.fetch(f"/api/v1/admin/audit?target=application:{number}", token=admin)
    assert audit.status == 200 and [e["action"] for e in audit.json["entries"]] == ["application.reveal"] * 2
    # a field that is not a sensitive answer, or none at all
    for body in ({"fields": ["bank"]}, {"fields": []}, {"fields": "contact_phone"}):
        r = await server.fetch(path, "POST", token=clerk, json_body=body)
        assert r.status == 422, body
    assert await server.deps.db.audit_log.count_documents({"action": "application.reveal"}) == 2


async def test_no_one_else_may_reveal(server):
    token = await applicant_token(server, "o-reveal-refused")
    number = (await submit(server, token)).json["number"]
    path = f"/api/v1/staff/applications/{number}/reveal"
    for username in ("processor.jj", "processor.ybj"):  # another department's: no such application
        r = await server.fetch(path, "POST", token=await server.login(username, "Processor@2026"))
        assert r.status == 404 and PHONE not in r.body.decode(), username
    for username, password in (("admin", "Admin@2026"), ("operator", "Operator@2026"), ("inspector", "Inspector@2026")):
        r = await server.fetch(path, "POST", token=await server.login(username, password))
        assert r.status == 403 and PHONE not in r.body.decode(), username
    assert (await server.fetch(path, "POST", token=token)).status == 403  # a resident's token is not staff
    stranger = await applicant_token(server, "o-reveal-stranger")
    r = await server.fetch(f"/api/v1/applications/{number}/reveal", "POST", token=stranger)
    assert r.status == 404 and PHONE not in r.body.decode()
    assert await server.deps.db.audit_log.count_documents({"action": "application.reveal"}) == 0


async def test_the_resident_reveals_their_own_unaudited(server):
    token = await applicant_token(server, "o-reveal-own")
    number = (await submit(server, token)).json["number"]
    r = await server.fetch(f"/api/v1/applications/{number}/reveal", "POST", token=token,
                           json_body={"fields": ["guardian_id_number"]})
    assert r.status == 200 and r.json == {"number": number, "fields": {"guardian_id_number": GUARDIAN}}
    r = await server.fetch(f"/api/v1/applications/{number}/reveal", "POST", token=token)
    assert r.status == 200 and r.json["fields"]["mail_address"] == ADDRESS
    assert await server.deps.db.audit_log.count_documents({"action": "application.reveal"}) == 0


async def test_an_operator_marked_field_is_sealed_and_a_number_comes_back_a_number(server):
    operator = await server.login()
    item = (await server.fetch("/api/v1/admin/items/SB0009", token=operator)).json
    body = {k: v for k, v in item.items() if k not in ("department_name", "online_depth_label", "version", "updated_at",
                                                       "updated_by")}
    body["form"].append({"name": "children", "label": "子女人数", "type": "number", "sensitive": True})
    r = await server.fetch("/api/v1/admin/items/SB0009", "PUT", token=operator, json_body=body,
                           headers={"If-Match": f'"{item["version"]}"'})
    assert r.status == 200, r.body
    token = await applicant_token(server, "o-marked")
    r = await submit(server, token, {**FORM, "children": 2})
    assert r.status == 201, r.body
    assert r.json["form"]["children"] == "***" and "children" in r.json["masked_fields"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    r = await server.fetch(f"/api/v1/staff/applications/{r.json['number']}/reveal", "POST", token=clerk,
                           json_body={"fields": ["children"]})
    assert r.json["fields"] == {"children": 2}


async def test_applications_stored_in_clear_are_sealed_once(server):
    """As an older release stored them: clear answers, no form_enc, the answer kept in clear by the
    idempotency record. The start seals them; a second start changes nothing."""
    db, pii = server.deps.db, server.deps.pii
    token = await applicant_token(server, "o-legacy")
    owner = str((await db.residents.find_one({}, sort=[("_id", -1)]))["_id"])
    number = "SB20250101999999"
    legacy = {"number": number, "item_code": "SB0009", "item_name": "社保卡申领", "department": "rsj", "owner": owner,
              "channel": "wechat", "form": {**FORM, "note_phone": "13900001111"}, "materials": [],
              "state": "submitted", "version": 1, "submitted_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
              "rating": None, "result": None, "assignee": None, "due_date": "2025-01-15", "due_provisional": False,
              "promise_days": 10, "timeline": [], "outbox": []}
    await db.applications.insert_one(legacy)
    await db.idempotency.insert_one({"_id": f"{owner}:old-key", "hash": "x", "created_at": dt.datetime.now(dt.UTC),
                                     "response": {"status": 201, "body": {"number": number, "form": legacy["form"]}}})
    await db.migrations.delete_many({})  # as if this release had never started here
    await setup.prepare(db, demo=False, pii=pii)
    sealed = await db.applications.find_one({"number": number})
    assert_no_clear(dumped(sealed))
    assert "13900001111" not in dumped(sealed)  # not in the item's form, but a phone number all the same
    assert sealed["form"] == {"bank": "icbc", "delivery": "mail", **MASKED, "note_phone": "139****1111"}
    assert sorted(sealed["form_enc"]) == ["contact_phone", "guardian_id_number", "mail_address", "note_phone"]
    record = await db.idempotency.find_one({"_id": f"{owner}:old-key"})
    assert record["response"]["body"]["form"] == sealed["form"]
    assert_no_clear(dumped(record))
    # revealed as if submitted today
    clerk = await server.login("processor.rsj", "Processor@2026")
    r = await server.fetch(f"/api/v1/staff/applications/{number}/reveal", "POST", token=clerk)
    assert r.json["fields"]["guardian_id_number"] == GUARDIAN and r.json["fields"]["note_phone"] == "13900001111"
    r = await server.fetch(f"/api/v1/applications/{number}", token=token)
    assert r.status == 200 and r.json["form"]["contact_phone"] == MASKED["contact_phone"]
    # again: at the next start (only what was written since) and over everything: nothing changes
    await setup.prepare(db, demo=False, pii=pii)
    assert await migrations.seal_application_forms(db, pii) == 0
    assert await db.applications.find_one({"number": number}) == sealed
    assert await db.idempotency.find_one({"_id": f"{owner}:old-key"}) == record


async def test_a_later_start_looks_only_at_recent_applications(server):
    db, pii = server.deps.db, server.deps.pii
    await db.migrations.update_one({"_id": "seal_application_forms"},
                                   {"$set": {"ran_at": dt.datetime.now(dt.UTC)}}, upsert=True)
    old = {"number": "SB20200101000001", "item_code": "SB0008", "owner": "x", "form": {"contact_phone": PHONE},
           "submitted_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=3)}
    recent = {**old, "number": "SB20200101000002", "submitted_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)}
    await db.applications.insert_many([old, recent])
    await migrations.run(db, pii)
    assert "form_enc" not in await db.applications.find_one({"number": old["number"]})  # before the window
    assert (await db.applications.find_one({"number": recent["number"]}))["form"] == {"contact_phone": "138****5678"}
