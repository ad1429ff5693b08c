"""Mobile enforcement over real HTTP: offline replay and conflicts, batch sync replayed, resumable
evidence uploads, evidence dedupe, the hash chain and detected tampering, the state machine, and
who may see and do what."""

import hashlib
import os
import urllib.parse
import uuid

import pytest_asyncio

from support import SHARED_APP, resident_token

pytestmark = SHARED_APP  # each test opens its own cases

LOCATION = {"type": "Point", "coordinates": [120.1551, 30.2741]}
CAPTURE = {"captured_at": "2026-11-24T09:30:00+08:00", "lng": "120.1551", "lat": "30.2741", "device_id": "PDA-0007"}


def body(version=0, **changes):
    return {"version": version, "type": "违规停车", "legal_basis": "《道路交通安全法》第五十六条",
            "parties": [{"kind": "vehicle", "plate": "浙A7K2M9", "role": "车主"}], "location": LOCATION,
            "record": {"facts": "在禁停路段停车，驾驶人不在现场。", "statements": []}, **changes}


def photo(size=2000):
    return b"\xff\xd8\xff\xe0" + os.urandom(size) + b"\xff\xd9"


def video(size):
    return b"\x00\x00\x00\x18ftypmp42" + os.urandom(size - 12)


@pytest_asyncio.fixture(loop_scope="module")  # the loop of the module's shared app
async def staff(server):
    names = ("inspector", "inspector.li", "inspector.wang", "supervisor", "supervisor.zhao", "operator")
    passwords = {"inspector": "Inspector@2026", "supervisor": "Supervisor@2026", "operator": "Operator@2026"}
    return {n: await server.login(n, passwords[n.split(".")[0]]) for n in names}


async def put(server, token, case_id, payload):
    return await server.fetch(f"/api/v1/enforcement/cases/{case_id}", "PUT", token=token, json_body=payload)


async def add_photo(server, token, case_id, data):
    query = urllib.parse.urlencode(CAPTURE)
    return await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence?{query}", "POST", token=token, body=data,
                              headers={"Content-Type": "image/jpeg"})


async def test_offline_replay_and_conflict(server, staff):
    token, case_id = staff["inspector"], str(uuid.uuid4())
    created = await put(server, token, case_id, body())
    assert created.status == 201 and created.json["version"] == 1 and created.json["state"] == "draft"
    assert created.json["team"] == "一中队" and created.json["inspector"] == "inspector"
    replay = await put(server, token, case_id, body())  # the answer was lost; the app sends it again
    assert replay.status == 200 and replay.json == created.json
    edit = body(1, record={"facts": "补充：车辆挡住消防通道。", "statements": [{"who": "路人", "text": "停了一小时"}]})
    edited = await put(server, token, case_id, edit)
    assert edited.status == 200 and edited.json["version"] == 2
    assert (await put(server, token, case_id, edit)).json == edited.json  # replayed edit: no-op
    assert (await put(server, token, case_id, body())).json["version"] == 2  # even the first one, late
    clash = await put(server, token, case_id, body(1, legal_basis="另一条"))
    assert clash.status == 409 and clash.json["error"]["details"]["current"]["version"] == 2
    assert clash.json["error"]["details"]["current"]["record"]["facts"] == "补充：车辆挡住消防通道。"
    trail = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/trail", token=token)).json["events"]
    assert [e["type"] for e in trail] == ["created", "edited"]
    assert (await put(server, token, str(uuid.uuid4()), body(3))).status == 404  # unknown case, not version 0
    bad = await put(server, token, str(uuid.uuid4()), body(type="乱停", location={"type": "Point", "coordinates": [500, 1]}))
    assert bad.status == 422 and {"type", "location.coordinates"} <= set(bad.json["error"]["details"])


async def test_batch_sync_replayed_twice(server, staff):
    token = staff["inspector"]
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    operations = [{"op": "put_case", "case_id": a, "body": body()},
                  {"op": "put_case", "case_id": b, "body": body(type="超限超载")},
                  {"op": "put_case", "case_id": a, "body": body(1, legal_basis="《道路交通安全法》第九十三条")},
                  {"op": "put_case", "case_id": b, "body": body(5)},  # a stale version
                  {"op": "put_case", "case_id": str(uuid.uuid4()), "body": {"version": 0}}]  # invalid
    first = await server.fetch("/api/v1/enforcement/sync", "POST", token=token, json_body={"operations": operations})
    assert first.status == 200
    assert [r["status"] for r in first.json["results"]] == [201, 201, 200, 409, 422]
    again = await server.fetch("/api/v1/enforcement/sync", "POST", token=token, json_body={"operations": operations})
    assert [r["status"] for r in again.json["results"]] == [200, 200, 200, 409, 422]
    assert again.json["results"][2]["case"] == first.json["results"][2]["case"]
    case_a = (await server.fetch(f"/api/v1/enforcement/cases/{a}", token=token)).json
    assert case_a["version"] == 2 and case_a["legal_basis"] == "《道路交通安全法》第九十三条"
    assert (await server.fetch("/api/v1/enforcement/sync", "POST", token=token, json_body={"operations": []})).status == 422


async def test_evidence_is_kept_once_with_its_capture_data(server, staff):
    token, case_id = staff["inspector"], str(uuid.uuid4())
    await put(server, token, case_id, body())
    data = photo()
    first = await add_photo(server, token, case_id, data)
    assert first.status == 201 and first.json["added"] is True
    item = first.json["evidence"]
    assert item["sha256"] == hashlib.sha256(data).hexdigest() and item["kind"] == "photo"
    assert item["device_id"] == "PDA-0007" and item["gps"] == {"lng": 120.1551, "lat": 30.2741}
    assert item["captured_at"] == "2026-11-24T01:30:00+00:00" and item["received_at"]
    second = await add_photo(server, token, case_id, data)
    assert second.status == 200 and second.json["added"] is False and len(second.json["case"]["evidence"]) == 1
    assert (await add_photo(server, token, case_id, b"%PDF-1.4 not a photo")).status == 415
    no_gps = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence?device_id=x", "POST", token=token,
                                body=photo(), headers={"Content-Type": "image/jpeg"})
    assert no_gps.status == 422 and {"captured_at", "lng", "lat"} <= set(no_gps.json["error"]["details"])


async def test_an_evidence_file_is_read_back_within_the_case_scope(server, staff):
    token, case_id, other = staff["inspector"], str(uuid.uuid4()), str(uuid.uuid4())
    await put(server, token, case_id, body())
    await put(server, token, other, body())
    data, elsewhere = photo(), photo()
    sha = (await add_photo(server, token, case_id, data)).json["evidence"]["sha256"]
    await add_photo(server, token, other, elsewhere)
    path = f"/api/v1/enforcement/cases/{case_id}/evidence/{sha}"
    for who in ("inspector", "supervisor"):  # the case's inspector and the team's supervisor
        r = await server.fetch(path, token=staff[who])
        assert r.status == 200 and r.body == data and r.headers["Content-Type"] == "image/jpeg"
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Content-Security-Policy"] == "sandbox"
    for who in ("inspector.li", "supervisor.zhao"):  # not their case, another team
        assert (await server.fetch(path, token=staff[who])).status == 404
    assert (await server.fetch(path)).status == 401
    # a blob held for another case is not this case's evidence
    foreign = hashlib.sha256(elsewhere).hexdigest()
    r = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence/{foreign}", token=token)
    assert r.status == 404 and r.json["error"]["code"] == "evidence.not_found"


async def test_resumable_upload_interrupted_and_resumed(server, staff):
    token, case_id = staff["inspector"], str(uuid.uuid4())
    await put(server, token, case_id, body())
    data = video(2 * 1024 * 1024 + 12345)
    start = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/uploads", "POST", token=token,
                               json_body={"size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    assert start.status == 201 and start.json["chunks"] == 3 and start.json["missing"] == [0, 1, 2]
    upload, size = start.json["upload_id"], start.json["chunk_size"]

    async def chunk(n, payload=None):
        return await server.fetch(f"/api/v1/enforcement/uploads/{upload}/chunks/{n}", "PUT", token=token,
                                  body=payload if payload is not None else data[n * size:(n + 1) * size])

    assert (await chunk(0)).json["missing"] == [1, 2]
    assert (await chunk(2)).json["missing"] == [1]
    # the connection broke; attaching now says what is missing
    attach = {"upload_id": upload, **CAPTURE}
    early = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence", "POST", token=token, json_body=attach)
    assert early.status == 409 and early.json["error"]["details"]["missing"] == [1]
    status = await server.fetch(f"/api/v1/enforcement/uploads/{upload}", token=token)
    assert status.json["received"] == [0, 2] and status.json["missing"] == [1]
    assert (await chunk(1, b"short")).status == 422
    assert (await chunk(7)).status == 422
    assert (await chunk(0)).status == 200  # a chunk sent twice is harmless
    assert (await chunk(1)).json["missing"] == []
    done = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence", "POST", token=token, json_body=attach)
    assert done.status == 201 and done.json["evidence"]["kind"] == "video"
    assert done.json["evidence"]["size"] == len(data)
    assert (await server.fetch(f"/api/v1/enforcement/uploads/{upload}", token=token)).status == 404
    # a file whose bytes do not match the declared SHA-256 is refused
    bad = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/uploads", "POST", token=token,
                             json_body={"size": 1024 * 1024 + 5, "sha256": "0" * 64})
    upload = bad.json["upload_id"]
    wrong = video(1024 * 1024 + 5)
    for n in range(2):
        await server.fetch(f"/api/v1/enforcement/uploads/{upload}/chunks/{n}", "PUT", token=token,
                           body=wrong[n * size:(n + 1) * size])
    r = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence", "POST", token=token,
                           json_body={**attach, "upload_id": upload})
    assert r.status == 422 and r.json["error"]["code"] == "upload.corrupt"
    other = staff["inspector.li"]
    assert (await server.fetch(f"/api/v1/enforcement/uploads/{upload}", token=other)).status == 404


async def test_hash_chain_verifies_and_tampering_is_found(server, staff):
    token, case_id = staff["inspector"], str(uuid.uuid4())
    await put(server, token, case_id, body())
    await put(server, token, case_id, body(1, legal_basis="第九十三条"))
    await add_photo(server, token, case_id, photo())
    await server.fetch(f"/api/v1/enforcement/cases/{case_id}/transitions", "POST", token=token,
                       json_body={"action": "register", "version": 3})
    ok = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json
    assert ok["ok"] is True and ok["events"] == 4
    # someone edits the second event straight in the database
    db = server.deps.db
    await db.cases.update_one({"_id": case_id}, {"$set": {"events.1.data.content.legal_basis": "改过的"}})
    broken = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json
    assert broken["ok"] is False and broken["broken_at"] == 2
    # restore it, then swap an evidence file's bytes
    await db.cases.update_one({"_id": case_id}, {"$set": {"events.1.data.content.legal_basis": "第九十三条"}})
    assert (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json["ok"] is True
    sha = (await db.cases.find_one({"_id": case_id}))["evidence"][0]["sha256"]
    # the stored bytes replaced behind the application's back: GridFS serves a name's newest revision
    await db.blobs._bucket.upload_from_stream(sha, b"\xff\xd8\xff tampered")
    tampered = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json
    assert tampered["ok"] is False and sha[:12] in tampered["reason"]
    # and an edit that rewrites the case but not its chain
    await db.cases.update_one({"_id": case_id}, {"$set": {"legal_basis": "悄悄改了"}})
    assert "内容" in (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json["reason"]


async def test_states_numbers_and_review(server, staff):
    inspector, supervisor = staff["inspector"], staff["supervisor"]
    case_id = str(uuid.uuid4())
    await put(server, inspector, case_id, body())

    async def act(token, action, version, comment=""):
        return await server.fetch(f"/api/v1/enforcement/cases/{case_id}/transitions", "POST", token=token,
                                  json_body={"action": action, "version": version, "comment": comment})

    assert (await act(supervisor, "approve", 1)).status == 409  # still a draft
    registered = await act(inspector, "register", 1)
    assert registered.status == 200 and registered.json["state"] == "registered"
    number = registered.json["number"]
    assert number.startswith("ZF") and len(number) == 12
    assert (await put(server, inspector, case_id, body(2))).status == 409  # locked once registered
    assert (await act(inspector, "approve", 2)).status == 403
    assert (await act(supervisor, "return", 2)).status == 422  # a return needs comments
    returned = await act(supervisor, "return", 2, "当事人信息不全，请补充驾驶人")
    assert returned.json["state"] == "returned" and returned.json["comments"][0]["text"].startswith("当事人")
    driver = [{"kind": "person", "name": "王某", "role": "驾驶人"}]
    assert (await put(server, inspector, case_id, body(3, parties=driver))).status == 200
    again = await act(inspector, "register", 4)
    assert again.json["number"] == number  # the number stays with the case
    assert (await act(supervisor, "review", 5)).json["state"] == "under_review"
    assert (await act(supervisor, "approve", 5)).status == 409  # stale version
    assert (await act(supervisor, "approve", 6)).json["state"] == "decided"
    assert (await act(supervisor, "close", 7)).json["state"] == "closed"
    assert (await add_photo(server, inspector, case_id, photo())).status == 409


async def test_authorization_matrix(server, staff):
    case_id = str(uuid.uuid4())
    assert (await put(server, staff["inspector"], case_id, body())).status == 201
    path = f"/api/v1/enforcement/cases/{case_id}"
    expected_read = {"inspector": 200, "inspector.li": 404, "inspector.wang": 404, "supervisor": 200,
                     "supervisor.zhao": 404, "operator": 403}
    for who, status in expected_read.items():
        assert (await server.fetch(path, token=staff[who])).status == status, who
        listed = await server.fetch("/api/v1/enforcement/cases", token=staff[who])
        if listed.status == 200:
            assert (case_id in [c["id"] for c in listed.json["cases"]]) == (status == 200), who
    for who, status in {"inspector.li": 404, "supervisor": 403, "operator": 403}.items():
        r = await put(server, staff[who], case_id, body(1))
        assert r.status == status, who
    assert (await put(server, staff["supervisor"], str(uuid.uuid4()), body())).status == 403  # only inspectors create
    for who, status in {"inspector.li": 404, "supervisor.zhao": 403, "supervisor": 403}.items():
        r = await add_photo(server, staff[who], case_id, photo())
        assert r.status == status, who
    resident = await resident_token(server, "o-enforce")
    assert (await server.fetch(path, token=resident)).status == 403
    assert (await server.fetch(path)).status == 401
    zhao = await server.fetch(f"{path}/transitions", "POST", token=staff["supervisor.zhao"],
                              json_body={"action": "approve", "version": 1})
    assert zhao.status == 404
