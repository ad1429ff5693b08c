"""Writes that must agree, on a real server: an application and its idempotency record (one
transaction; the number is taken before, like a sequence: never twice, a gap on failure); a case's
register step and its number (one transaction: registers are rare, and a case number must not
skip); a case's content and its event chain (one document, one conditional update: enough)."""

import asyncio
import uuid

import pytest
from test_enforcement import body as case_body
from test_enforcement import put as put_case

from models import applications
from support import applicant_token, upload_photo

FORM = {"business": "reissue", "reason": "lost", "delivery": "counter", "contact_phone": "13812345678"}


async def apply(server, token, key=None):
    payload = {"item_code": "SB0008", "form": FORM,
               "materials": [{"code": "id_card", "upload_id": await upload_photo(server, token)}]}
    return await server.fetch("/api/v1/applications", "POST", token=token, json_body=payload,
                              headers={"Idempotency-Key": key or uuid.uuid4().hex})


def serials(numbers) -> list[int]:
    return sorted(int(n[-6:]) for n in numbers)


async def test_concurrent_submissions_never_share_a_number(server):
    tokens = [await applicant_token(server, f"o-txn-{i}") for i in range(8)]
    answers = await asyncio.gather(*(apply(server, t) for t in tokens))
    assert [r.status for r in answers] == [201] * 8, [r.body for r in answers if r.status != 201]
    numbers = serials(r.json["number"] for r in answers)  # same department, same day
    # never twice; a gap is allowed (a racing first use of the day's counter may skip a value on
    # SecantusDB: models/db.py `increment`)
    assert len(set(numbers)) == 8 and numbers[0] == 1
    db = server.deps.db
    assert await db.idempotency.count_documents({}) == 8 and await db.applications.count_documents({}) == 8


async def test_a_failed_submission_leaves_no_trace(server, monkeypatch):
    token = await applicant_token(server, "o-txn-fail")
    db = server.deps.db
    assert (await apply(server, token)).json["number"].endswith("000001")
    dump = applications.ApplicationSchema.dump

    def broken(self, doc, **kwargs):  # fails after the number was taken and the application inserted
        raise RuntimeError("the process died here")

    monkeypatch.setattr(applications.ApplicationSchema, "dump", broken)
    assert (await apply(server, token, key="k-fail")).status == 500
    monkeypatch.setattr(applications.ApplicationSchema, "dump", dump)
    assert await db.applications.count_documents({}) == 1
    assert await db.idempotency.count_documents({}) == 1  # only the first submission's
    again = await apply(server, token, key="k-fail")
    assert again.status == 201 and again.json["number"].endswith("000003")  # 000002 was taken: a gap, never a repeat


async def test_identical_requests_at_once_make_one_application(server):
    token = await applicant_token(server, "o-txn-twice")
    upload = await upload_photo(server, token)
    payload = {"item_code": "SB0008", "form": FORM, "materials": [{"code": "id_card", "upload_id": upload}]}
    answers = await asyncio.gather(*(server.fetch("/api/v1/applications", "POST", token=token, json_body=payload,
                                                  headers={"Idempotency-Key": "same"}) for _ in range(4)))
    assert [r.status for r in answers] == [201] * 4 and len({r.body for r in answers}) == 1
    assert await server.deps.db.applications.count_documents({}) == 1


@pytest.fixture
async def squad(server):
    return {"inspector": await server.login("inspector", "Inspector@2026"),
            "supervisor": await server.login("supervisor", "Supervisor@2026")}


async def test_case_numbers_have_no_gaps_when_a_register_step_loses_a_race(server, squad):
    inspector = squad["inspector"]
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for case_id in (first, second):
        assert (await put_case(server, inspector, case_id, case_body())).status == 201

    async def register(case_id):
        return await server.fetch(f"/api/v1/enforcement/cases/{case_id}/transitions", "POST", token=inspector,
                                  json_body={"action": "register", "version": 1})

    # the same step sent four times at once: one wins, the others are told the case moved on
    results = await asyncio.gather(*(register(first) for _ in range(4)))
    assert sorted(r.status for r in results) == [200, 409, 409, 409]
    number = next(r.json["number"] for r in results if r.status == 200)
    nxt = await register(second)
    assert nxt.status == 200 and int(nxt.json["number"][-6:]) == int(number[-6:]) + 1  # none taken by the losers


async def test_a_case_and_its_chain_change_together(server, squad):
    """Content and events live in one document, changed by one update conditioned on `version`:
    concurrent edits from two devices leave exactly one applied, and the chain verifies."""
    inspector, case_id = squad["inspector"], str(uuid.uuid4())
    assert (await put_case(server, inspector, case_id, case_body())).status == 201
    edits = [case_body(1, record={"facts": f"设备{i}补充的事实。", "statements": []}) for i in range(4)]
    results = await asyncio.gather(*(put_case(server, inspector, case_id, e) for e in edits))
    assert sorted(r.status for r in results) == [200, 409, 409, 409]
    case = await server.deps.db.cases.find_one({"_id": case_id})
    assert case["version"] == 2 and len(case["events"]) == 2
    assert case["record"] == case["events"][1]["data"]["content"]["record"]
    verify = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=inspector)
    assert verify.json["ok"] is True and verify.json["events"] == 2


async def test_counters_never_give_a_value_twice_when_first_uses_race(database):
    from models.db import increment

    for key in range(20):
        values = await asyncio.gather(*(increment(database.counters, f"k{key}") for _ in range(8)))
        assert len(set(values)) == 8, values
