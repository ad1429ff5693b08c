"""Every query of the hot paths uses an index. The test drives those paths over HTTP (logins, menu
and items, uploads, submissions, the resident's lists, the clerks' queue and steps, push delivery,
enforcement cases) while PyMongo's command monitoring records each command the server is sent,
then asks the server to `explain` each distinct query and fails on a collection scan."""

import copy
import datetime as dt
import uuid

from pymongo import monitoring

from models import db as dbmod
from models import outbox
from push import relay
from support import applicant_token, eventually, start_server, stop_server, submit

QUERIES = {"find", "count", "aggregate", "distinct", "findAndModify", "update", "delete"}
# Commands the server is sent that are not queries of a document's own fields.
SESSION_FIELDS = {"lsid", "$clusterTime", "txnNumber", "$db", "readConcern", "writeConcern", "autocommit",
                  "startTransaction", "$readPreference", "cursor", "maxTimeMS", "ordered", "bypassDocumentValidation"}
# Full reads by design: whole small collections, read once and cached in the process.
FULL_READS = {
    ("menu_heads", "find"): "one document per channel, polled by the published cache",
    ("calendar_years", "find"): "the operator's working-day calendar, one document a year",
    ("blobs.files", "find"): "GridFS's one-document check before creating its indexes",
    ("blobs.chunks", "find"): "the same, for the chunks",
    ("legal_documents", "find"): "the published versions of three documents, cached 30 s (models/legal.py)",
}

# Queries mongod answers from an index that SecantusDB scans (test_secantus_differences): allowed
# only when the server is SecantusDB.
SECANTUS_SCANS = {
    ("residents", "find", ("realname.id_hmac", "state")): "partial unique index on realname.id_hmac",
}


class Recorder(monitoring.CommandListener):
    def __init__(self, database: str):
        self.database, self.commands = database, []

    def started(self, event):
        if event.database_name == self.database and event.command_name in QUERIES:
            self.commands.append(copy.deepcopy(dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def explainable(command: dict) -> list[tuple[str, str, dict]]:
    """(collection, kind, explain command) per query. Updates and deletes are explained as the
    `find` of their filter: mongod plans them the same way, and SecantusDB 0.7.0b3 explains
    every update and delete as COLLSCAN even on an indexed filter (test_secantus_differences)."""
    name = next(iter(command))
    coll = command[name]
    if name in ("update", "delete"):
        key = "updates" if name == "update" else "deletes"
        return [(coll, name, {"find": coll, "filter": statement["q"]}) for statement in command[key]]
    return [(coll, name, {k: v for k, v in command.items() if k not in SESSION_FIELDS})]


def stages(plan: dict) -> list[str]:
    found = [plan.get("stage")]
    for child in [plan.get("inputStage"), *plan.get("inputStages", [])]:
        if child:
            found += stages(child)
    return found


def winning_plan(answer: dict) -> dict:
    planner = answer.get("queryPlanner")
    if planner is None:  # an aggregation: the plan of its first stage's cursor
        planner = answer["stages"][0]["$cursor"]["queryPlanner"]
    return planner["winningPlan"]


def filter_of(command: dict) -> dict:
    if "pipeline" in command:
        return command["pipeline"][0].get("$match", {}) if command["pipeline"] else {}
    return command.get("filter") or command.get("query") or {}


async def uses_index(db, coll: str, explain: dict) -> bool:
    """mongod uses an index when the filter constrains an index's leading field, and filters the
    rest after fetching. SecantusDB's explain reports COLLSCAN for any predicate beyond what one
    index covers (its executor still uses the index: test_secantus_differences), so on a COLLSCAN
    each top-level predicate is explained alone; an `$or` needs an index for every branch."""
    if "COLLSCAN" not in stages(winning_plan(await db.command("explain", explain, verbosity="queryPlanner"))):
        return True
    query = filter_of(explain)
    parts = [{field: value} for field, value in query.items() if not field.startswith("$")]
    for part in parts:
        plan = winning_plan(await db.command("explain", {"find": coll, "filter": part}, verbosity="queryPlanner"))
        if "COLLSCAN" not in stages(plan):
            return True
    if list(query) == ["$or"]:
        return all([await uses_index(db, coll, {"find": coll, "filter": branch}) for branch in query["$or"]])
    return False


async def drive_hot_paths(server):
    """What residents, clerks, inspectors and the push worker do most."""
    await server.fetch("/api/v1/channels/wechat/menu")
    await server.fetch("/api/v1/items?q=sbk")
    await server.fetch("/api/v1/items/hot?channel=wechat")
    token = await applicant_token(server, "o-hot")
    number = await submit(server, token)
    await server.fetch("/api/v1/applications", token=token)
    await server.fetch(f"/api/v1/applications/{number}", token=token)
    await server.fetch("/api/v1/me/favorites/SB0008", "PUT", token=token)  # 收藏, read on 首页 and 我的
    await server.fetch("/api/v1/me/favorites", token=token)
    await server.fetch("/api/v1/me/favorites/SB0008", "DELETE", token=token)
    clerk = await server.login("processor.rsj", "Processor@2026")
    await server.fetch("/api/v1/staff/applications", token=clerk)
    await server.fetch(f"/api/v1/staff/applications/{number}/claim", "POST", token=clerk)
    r = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                           json_body={"action": "accept", "version": 1})
    assert r.status == 200, r.body

    async def both_delivered():  # the in-process push worker relays and delivers both events
        inbox = (await server.fetch("/api/v1/me/inbox", token=token)).json
        return inbox if len(inbox["messages"]) >= 2 else None
    inbox = await eventually(both_delivered, "both messages in the inbox", seconds=5)
    assert len(inbox["messages"]) == 2
    await server.fetch(f"/api/v1/me/inbox/{inbox['messages'][0]['id']}/read", "POST", token=token)
    assert (await server.fetch("/readyz")).status == 200  # probed every few seconds by every replica
    db = server.deps.db
    await relay.sweep_once(db, server.deps.redis, 0)  # both events handled: confirmed
    doc = await db.applications.find_one({"number": number})
    event = {**doc["outbox"][0], "unconfirmed_since": dt.datetime.now(dt.UTC)}
    await outbox.take_for_relay(db, "applications", doc["_id"], event)  # the sweep's steps for a lost entry
    await outbox.set_stream_id(db, "applications", doc["_id"], event["id"], "0-1")
    inspector = await server.login("inspector", "Inspector@2026")
    case_id = str(uuid.uuid4())
    r = await server.fetch(f"/api/v1/enforcement/cases/{case_id}", "PUT", token=inspector, json_body={
        "version": 0, "type": "违规停车", "legal_basis": "《道路交通安全法》第五十六条",
        "parties": [{"kind": "vehicle", "plate": "浙A7K2M9", "role": "车主"}],
        "location": {"type": "Point", "coordinates": [120.1551, 30.2741]},
        "record": {"facts": "在禁停路段停车。", "statements": []}})
    assert r.status == 201, r.body
    await server.fetch("/api/v1/enforcement/cases", token=inspector)
    await server.fetch(f"/api/v1/enforcement/cases/{case_id}/transitions", "POST", token=inspector,
                       json_body={"action": "register", "version": 1})


async def test_every_hot_path_query_uses_an_index(mongo_uri, redis_server):
    redis_server.flush()
    name = f"test_{uuid.uuid4().hex[:12]}"
    recorder = Recorder(name)
    client = dbmod.client(mongo_uri, event_listeners=[recorder])
    db = dbmod.Database(client, name, owns_client=False)
    server = await start_server(db, redis_server.url)
    try:
        secantus = "secantusVersion" in await client.admin.command("buildInfo")
        recorder.commands.clear()  # index creation and demo seeding are not hot paths
        await drive_hot_paths(server)
        seen, scans = set(), []
        for command in recorder.commands:
            for coll, kind, explain in explainable(command):
                shape = repr((coll, kind, sorted(filter_of(explain))))
                if shape in seen:
                    continue
                seen.add(shape)
                if not filter_of(explain) and (coll, kind) in FULL_READS:
                    continue
                known = (coll, kind, tuple(sorted(filter_of(explain)))) in SECANTUS_SCANS and secantus
                if not known and not await uses_index(client[name], coll, explain):
                    scans.append(f"{coll} {kind} {explain}")
        assert len(seen) >= 25, sorted(seen)  # the paths above really ran
        assert not scans, "collection scans:\n" + "\n".join(scans)
    finally:
        await stop_server(server)
        await client.drop_database(name)
        await client.close()


async def test_expiring_records_have_ttl_indexes(database):
    from models import setup

    await setup.ensure_indexes(database)
    ttl = {}
    for coll in ("idempotency", "staff_refresh", "evidence_uploads", "evidence_chunks", "workers"):
        for index in await (await database[coll].list_indexes()).to_list(None):
            if "expireAfterSeconds" in index:
                ttl[coll] = (list(index["key"]), index["expireAfterSeconds"])
    assert ttl == {"idempotency": (["created_at"], 86400), "staff_refresh": (["expires_at"], 0),
                   "evidence_uploads": (["created_at"], 7 * 86400), "evidence_chunks": (["at"], 7 * 86400),
                   "workers": (["read_at"], 86400)}


async def test_a_changed_retention_replaces_the_old_index(database):
    await database.things.create_index([("at", 1)])  # an older release: no TTL
    await database.things.insert_one({"at": 1})
    await dbmod.ttl_index(database.things, "at", 60)
    await dbmod.ttl_index(database.things, "at", 120)
    indexes = await (await database.things.list_indexes()).to_list(None)
    assert [i.get("expireAfterSeconds") for i in indexes if i["name"] != "_id_"] == [120]
    assert await database.things.count_documents({}) == 1
