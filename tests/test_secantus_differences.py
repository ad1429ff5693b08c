"""Where SecantusDB (the MongoDB-wire server of `make run` and the tests) differs from mongod.
Product code follows mongod's documented behaviour; these tests name each difference, and fail
when a SecantusDB release removes it (then drop the allowance that refers to it)."""

import asyncio

import pytest
from pymongo.errors import OperationFailure


@pytest.fixture
async def secantus(database):
    if "secantusVersion" not in await database.client.admin.command("buildInfo"):
        # These tests describe SecantusDB itself. `make test` always starts SecantusDB, so they run
        # there; TEST_MONGODB_URI can point the suite at a real mongod, which has none of these quirks.
        pytest.skip("documents SecantusDB's differences from mongod; TEST_MONGODB_URI points at another server")
    await database.things.insert_many([{"_id": i, "x": i, "y": i % 7, "state": "active", "h": f"h{i}"}
                                       for i in range(200)])
    return database


def stage(answer: dict) -> str:
    return answer["queryPlanner"]["winningPlan"]["stage"]


async def explain(db, command: dict) -> dict:
    return await db.command("explain", command, verbosity="queryPlanner")


async def test_explain_of_a_filter_beyond_one_index_says_collscan(secantus):
    """mongod: `{_id: 5, y: 3}` is an IDHACK/EXPRESS or IXSCAN + FETCH filter. SecantusDB 0.7.0b3
    explains it as COLLSCAN, although it executes it from the `_id` index (as fast as `{_id: 5}`).
    tests/test_indexes.py therefore explains each predicate alone when a plan says COLLSCAN."""
    assert stage(await explain(secantus, {"find": "things", "filter": {"_id": 5}})) != "COLLSCAN"
    assert stage(await explain(secantus, {"find": "things", "filter": {"_id": 5, "y": 3}})) == "COLLSCAN"


async def test_explain_of_updates_and_deletes_says_collscan(secantus):
    """mongod plans an update's or a delete's filter as it plans a find. SecantusDB 0.7.0b3 explains
    every update and delete as COLLSCAN; tests/test_indexes.py explains their filters as finds."""
    answer = await explain(secantus, {"update": "things", "updates": [{"q": {"_id": 5}, "u": {"$set": {"z": 1}}}]})
    assert "COLLSCAN" in repr(answer["queryPlanner"]["winningPlan"])


async def test_a_partial_index_is_not_used_for_a_filter_that_implies_it(secantus):
    """mongod uses a partial index when the query implies its filter: `{h: X, state: "active"}`
    with the index on `h` where `{state: "active"}` (residents' real-name lookup). SecantusDB 0.7.0b3
    scans the collection instead (about 1 s per lookup at 50,000 residents, measured 2026-12-02)."""
    await secantus.things.create_index([("h", 1)], unique=True,
                                       partialFilterExpression={"state": "active", "h": {"$exists": True}})
    assert stage(await explain(secantus, {"find": "things", "filter": {"h": "h7", "state": "active"}})) == "COLLSCAN"


async def test_a_partial_index_is_not_used_for_a_range_a_sparse_one_is(secantus):
    """mongod answers `{u: {$lte: t}}` from an index on `u` partial on `{u: {$exists: true}}`.
    SecantusDB 0.7.0b3 scans the collection, and uses a sparse index instead; models/outbox.py
    makes the sweep's index on `outbox.unconfirmed_since` sparse (the same on mongod)."""
    await secantus.partial.create_index([("u", 1)], partialFilterExpression={"u": {"$exists": True}})
    await secantus.sparse.create_index([("u", 1)], sparse=True)
    for name in ("partial", "sparse"):
        await secantus[name].insert_many([{"u": i} for i in range(20)] + [{"v": 1}])
    query = {"u": {"$lte": 5}}
    assert stage(await explain(secantus, {"find": "partial", "filter": query})) == "COLLSCAN"
    assert stage(await explain(secantus, {"find": "sparse", "filter": query})) != "COLLSCAN"


async def test_racing_first_upserts_may_return_no_document(secantus):
    """mongod: `find_one_and_update(upsert=True, return_document=AFTER)` returns the document, or
    (two upserts racing to insert it) DuplicateKeyError for one of them. SecantusDB 0.7.0b3, with
    the client's `w: majority, j: true`, returns None for some of the racers (66 of 320 measured
    2026-12-02). models/db.py `increment` tries both again."""
    from pymongo import ReturnDocument

    results = []
    for key in range(40):
        results += await asyncio.gather(*(secantus.counters.find_one_and_update(
            {"_id": f"k{key}"}, {"$inc": {"v": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
            for _ in range(8)))
    assert any(r is None for r in results)


async def test_find_and_modify_refuses_the_positional_operator(secantus):
    """mongod: findAndModify with `{"a.k": 1}` and `{$set: {"a.$.k": 2}}` updates the matched
    element, as update does. SecantusDB 0.7.0b3 answers BadValue ("The positional operator did not
    find the match needed from the query") for findAndModify only; models/residents.py `_gain_key`
    therefore updates with update_one and reads back (the same on mongod)."""
    await secantus.arrays.insert_one({"_id": 1, "a": [{"k": 1}, {"k": 3}]})
    with pytest.raises(OperationFailure, match="positional"):
        await secantus.arrays.find_one_and_update({"_id": 1, "a.k": 1}, {"$set": {"a.$.k": 2}})
    await secantus.arrays.update_one({"_id": 1, "a.k": 1}, {"$set": {"a.$.k": 2}})
    assert (await secantus.arrays.find_one({"_id": 1}))["a"] == [{"k": 2}, {"k": 3}]
