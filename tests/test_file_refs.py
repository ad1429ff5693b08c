"""A submission names uploads only of the applicant's own (issue 14): in the form's file fields and
in its materials, on submit and on a 补正; a made-up id, an unknown one or another resident's is 422
naming the field, and nothing is stored."""

import uuid

import pytest
from bson import ObjectId
from pymongo import monitoring

from models import applications
from models import db as dbmod
from support import FORM, applicant_token, upload_photo

MISSING = "文件不存在，请重新上传"


def move_car(photo: str) -> dict:
    """一键挪车 (JT0017): its form has a required file field `photo`."""
    return {"item_code": "JT0017", "materials": [],
            "form": {"plate": "浙A12345", "location": "文三路 100 号", "photo": photo, "contact_phone": "13812345678"}}


async def post(server, token, body):
    return await server.fetch("/api/v1/applications", "POST", json_body=body, token=token,
                              headers={"Idempotency-Key": uuid.uuid4().hex})


async def bad_ids(server) -> list[str]:
    """A made-up id, a well-formed ObjectId that names nothing, and another resident's upload."""
    other = await applicant_token(server, f"o-other-{uuid.uuid4().hex[:6]}")
    return ["not-an-upload", str(ObjectId()), await upload_photo(server, other)]


async def test_form_file_fields_name_an_upload_of_the_applicants(server):
    token = await applicant_token(server, "o-file-field")
    for bad in await bad_ids(server):
        r = await post(server, token, move_car(bad))
        assert r.status == 422, (bad, r.body)
        assert r.json["error"]["details"] == {"form.photo": [MISSING]}
    db = server.deps.db
    assert await db.applications.count_documents({}) == 0 and await db.idempotency.count_documents({}) == 0
    mine = await upload_photo(server, token)
    r = await post(server, token, move_car(mine))
    assert r.status == 201, r.body
    assert r.json["form"]["photo"] == mine


async def test_a_bad_file_field_and_a_bad_material_are_named_together(server):
    token = await applicant_token(server, "o-file-both")
    mine = await upload_photo(server, token)
    form = {"accident_date": "2026-11-20", "accident_place": "文三路口", "other_plate": "浙A54321",
            "other_phone": "13912345678", "scene": "rear_end", "responsibility": "other_full", "photos": "x" * 24}
    materials = [{"code": "driving_licence", "upload_id": mine}, {"code": "vehicle_licence", "upload_id": str(ObjectId())},
                 {"code": "compulsory_insurance", "upload_id": mine}]
    r = await post(server, token, {"item_code": "JT0016", "form": form, "materials": materials})
    assert r.status == 422 and r.json["error"]["message"] == "表单填写有误"
    assert r.json["error"]["details"] == {"form.photos": [MISSING], "materials[1].upload_id": ["文件不存在"]}
    materials[1]["upload_id"] = mine
    r = await post(server, token, {"item_code": "JT0016", "form": {**form, "photos": mine}, "materials": materials})
    assert r.status == 201, r.body


async def test_a_supplement_names_uploads_of_the_applicants(server):
    token = await applicant_token(server, "o-file-supplement")
    first = await upload_photo(server, token)
    r = await post(server, token, {"item_code": "SB0008", "form": FORM,
                                   "materials": [{"code": "id_card", "upload_id": first}]})
    number = r.json["number"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    version = 1
    for action, extra in [("accept", {}), ("start_review", {}), ("request_supplement", {"comment": "照片不清晰"})]:
        version = (await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                                      json_body={"action": action, "version": version, **extra})).json["version"]

    async def supplement(upload_id):
        return await server.fetch(f"/api/v1/applications/{number}/supplement", "POST", token=token,
                                  headers={"If-Match": f'"{version}"'},
                                  json_body={"materials": [{"code": "id_card", "upload_id": upload_id}]})

    for bad in await bad_ids(server):
        r = await supplement(bad)
        assert r.status == 422 and r.json["error"]["details"] == {"materials[0].upload_id": ["文件不存在"]}, bad
    stored = await server.deps.db.applications.find_one({"number": number})
    assert stored["version"] == version and stored["state"] == "supplement_required"
    assert [m["upload_id"] for m in stored["materials"]] == [first]
    clearer = await upload_photo(server, token)
    r = await supplement(clearer)
    assert r.status == 200 and r.json["materials"][0]["upload_id"] == clearer


async def test_a_library_upload_may_fill_a_file_field(server):
    """The library keeps the resident's own uploads: one filed from an accepted 办件 may answer a
    file field of a later application (and another resident's library entry may not)."""
    token = await applicant_token(server, "o-file-library")
    clerk = await server.login("processor.rsj", "Processor@2026")
    await server.fetch("/api/v1/me/materials", "PUT", token=token, json_body={"consent": True})
    photo = await upload_photo(server, token)
    number = (await post(server, token, {"item_code": "SB0008", "form": FORM,
                                         "materials": [{"code": "id_card", "upload_id": photo}]})).json["number"]
    await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                       json_body={"action": "accept", "version": 1})
    kept = (await server.fetch("/api/v1/me/materials", token=token)).json["materials"][0]["upload_id"]
    assert (await post(server, token, move_car(kept))).status == 201
    other = await applicant_token(server, "o-file-library-2")
    r = await post(server, other, move_car(kept))
    assert r.status == 422 and r.json["error"]["details"] == {"form.photo": [MISSING]}


class Finds(monitoring.CommandListener):
    def __init__(self):
        self.collections = []

    def started(self, event):
        if event.command_name == "find":
            self.collections.append(event.command["find"])

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
async def watched(mongo_uri):
    finds = Finds()
    client = dbmod.client(mongo_uri, event_listeners=[finds])
    db = dbmod.Database(client, f"test_{uuid.uuid4().hex[:12]}", owns_client=False)
    yield db, finds
    await client.drop_database(db.name)
    await client.close()


async def test_every_file_of_a_submission_is_looked_up_in_one_query(watched):
    db, finds = watched
    ids = [str((await db.uploads.insert_one({"owner": "me", "sha256": f"{i:064x}", "content_type": "image/jpeg"}))
               .inserted_id) for i in range(4)]
    item = {"form": [{"name": "photo", "type": "file"}, {"name": "photos", "type": "file"}],
            "materials": [{"code": "a", "name": "甲"}, {"code": "b", "name": "乙"}]}
    # a list answers a file field too (should a form ever allow several files in one)
    form = {"photo": ids[0], "photos": [ids[1], "nope", {"not": "an id"}]}
    refs = [{"code": "a", "upload_id": ids[2]}, {"code": "b", "upload_id": ids[3]}]
    finds.collections.clear()
    with pytest.raises(applications.Invalid) as err:
        await applications._check_files(db, "me", item, form, refs)
    assert err.value.details == {"form.photos[1]": [MISSING], "form.photos[2]": [MISSING]}
    assert finds.collections == ["uploads"]
    form["photos"] = [ids[1]]
    materials = await applications._check_files(db, "me", item, form, refs)
    assert [m["upload_id"] for m in materials] == ids[2:]
    assert (await applications._check_files(db, "someone else", item, {}, [])) == []
