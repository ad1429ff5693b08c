"""Departments (部门: processors' units) and enforcement teams (执法中队: inspectors' and
supervisors' units), as admins keep them: create, rename, disable, and the staff in each.

A unit's code is what staff accounts, items, applications and cases carry, so it never changes;
a rename changes only the name shown. The departments the catalog knows (models/catalog.py) and
every team an account already names are created at start (`ensure_units`), so existing data
always has its unit. A unit with active staff cannot be disabled: move them first.
"""

from marshmallow import Schema, ValidationError, fields, validate
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models import audit
from models.clock import now
from models.db import increment
from models.errors import AppError, Conflict, Invalid, NotFound

# the departments a new city starts with (the demo's); admins add, rename and disable them
DEPARTMENTS = {
    "rsj": "市人力资源和社会保障局",
    "ybj": "市医疗保障局",
    "jj": "市公安局交通警察支队",
}
KINDS = ("department", "team")
KIND_NAMES = {"department": "部门", "team": "执法中队"}
# a department's code is a short slug; a team's is its name as accounts already carry it ("一中队")
CODES = {"department": validate.Regexp(r"^[a-z][a-z0-9_]{1,19}\Z",
                                       error="部门代码须为小写字母开头的 2 到 20 位字母、数字或下划线"),
         "team": validate.Regexp(r"^[^\s/]{1,40}\Z", error="中队代码须为 1 到 40 个字符，不含空格和斜杠")}
STAFF_FIELD = {"department": "department", "team": "team"}


NAME = validate.Regexp(r"^\S(.{0,38}\S)?\Z", error="名称须为 1 到 40 个字，首尾不能是空格")


class UnitCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 40))  # its rule depends on the kind: `create`
    name = fields.String(required=True, validate=NAME)


class UnitUpdateSchema(Schema):
    name = fields.String(required=True, validate=NAME)
    active = fields.Boolean(required=True)


class UnitSchema(Schema):
    kind = fields.String()
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    version = fields.Integer()
    staff_count = fields.Integer(dump_default=0)  # active accounts in the unit
    updated_at = fields.AwareDateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


class UnitListSchema(Schema):
    departments = fields.List(fields.Nested(UnitSchema))
    teams = fields.List(fields.Nested(UnitSchema))


async def ensure_indexes(db) -> None:
    await db.org_units.create_index([("kind", ASCENDING), ("code", ASCENDING)], unique=True)


async def ensure_units(db) -> None:
    """The catalog's departments and the teams accounts name exist as units (idempotent)."""
    wanted = [("department", code, name) for code, name in DEPARTMENTS.items()]
    wanted += [("team", team, team) for team in await db.staff.distinct("team") if team]
    for kind, code, name in wanted:
        try:
            await db.org_units.update_one({"kind": kind, "code": code}, {"$setOnInsert": _new(kind, code, name, "system")},
                                          upsert=True)
        except DuplicateKeyError:  # another process's start made it first
            pass


def _new(kind: str, code: str, name: str, actor: str) -> dict:
    return {"kind": kind, "code": code, "name": name, "active": True, "version": 1, "created_at": now(),
            "updated_at": now(), "updated_by": actor}


async def list_units(db) -> dict:
    counts = {}
    for kind, field in STAFF_FIELD.items():
        async for row in await db.staff.aggregate([{"$match": {"active": {"$ne": False}, field: {"$ne": None}}},
                                                   {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}]):
            counts[(kind, row["_id"])] = row["n"]
    units = await db.org_units.find({}).sort([("kind", ASCENDING), ("code", ASCENDING)]).to_list(None)
    out = {"departments": [], "teams": []}
    for unit in units:
        out[unit["kind"] + "s"].append({**unit, "staff_count": counts.get((unit["kind"], unit["code"]), 0)})
    return out


async def names(db, kind: str) -> dict:
    """code -> name of every unit of `kind` (disabled ones too: old accounts still show theirs)."""
    return {u["code"]: u["name"] async for u in db.org_units.find({"kind": kind}).sort("code", ASCENDING)}


async def department_name(db, code: str, *, kept: bool = False) -> str:
    """The name of an active department, for an item placed in it (422 otherwise); `kept`: the
    item is already there, so a department disabled since still serves its old items."""
    unit = await db.org_units.find_one({"kind": "department", "code": code})
    if unit is None or not (unit["active"] or kept):
        raise Invalid({"department": [f"主管部门 {code} 不存在或已停用"]})
    return unit["name"]


async def create(db, kind: str, body: dict, actor: dict) -> dict:
    try:
        CODES[kind](body["code"])
    except ValidationError:
        raise Invalid({"code": [CODES[kind].error]}) from None
    doc = _new(kind, body["code"], body["name"], actor["username"])
    try:
        await db.org_units.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("org.exists", f"{KIND_NAMES[kind]}代码 {body['code']} 已存在") from None
    await audit.record(db, actor=actor["username"], role=actor["role"], action=f"{kind}.create",
                       target=f"{kind}:{doc['code']}", details={"name": doc["name"]})
    return doc


async def update(db, kind: str, code: str, body: dict, version: int, actor: dict) -> dict:
    """Rename, disable or enable; `version` is the one the admin edited (409 when stale)."""
    before = await db.org_units.find_one({"kind": kind, "code": code})
    if before is None:
        raise NotFound("org.not_found", f"{KIND_NAMES[kind]}不存在")
    if before["active"] and not body["active"]:
        in_use = await db.staff.count_documents({STAFF_FIELD[kind]: code, "active": {"$ne": False}})
        if in_use:
            raise Conflict("org.in_use", f"该{KIND_NAMES[kind]}还有 {in_use} 名在岗人员，请先调整他们的归属再停用",
                           details={"staff_count": in_use})
    changes = {"name": body["name"], "active": body["active"]}
    after = await db.org_units.find_one_and_update(
        {"kind": kind, "code": code, "version": version},
        {"$set": {**changes, "updated_at": now(), "updated_by": actor["username"]}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER)
    if after is None:
        current = await db.org_units.find_one({"kind": kind, "code": code}, {"version": 1})
        raise Conflict("org.version_conflict", "已被他人修改，请刷新后重试", details={"current_version": current["version"]})
    diff = {k: [before[k], v] for k, v in changes.items() if before[k] != v}
    if kind == "department" and "name" in diff:  # items show their department's name: follow it
        await db.items.update_many({"department": code}, {"$set": {"department_name": body["name"]}})
        await increment(db.counters, "catalog")  # catalog.bump_version (which imports this module)
    action = f"{kind}.disable" if before["active"] and not body["active"] else (
        f"{kind}.enable" if body["active"] and not before["active"] else f"{kind}.update")
    await audit.record(db, actor=actor["username"], role=actor["role"], action=action, target=f"{kind}:{code}",
                       details={"changes": diff})
    return after


async def check_assignment(db, body: dict, before: dict | None = None) -> None:
    """An account's department and team must be active units; one it already has stays allowed
    (a disabled unit's former members may still be re-enabled or renamed)."""
    errors = {}
    for kind, field in STAFF_FIELD.items():
        value = body.get(field)
        if not value or (before and before.get(field) == value):
            continue
        if await db.org_units.find_one({"kind": kind, "code": value, "active": True}, {"_id": 1}) is None:
            errors[field] = [f"{KIND_NAMES[kind]} {value} 不存在或已停用"]
    if errors:
        raise Invalid(errors)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise AppError(404, "org.kind_not_found", "只有部门（department）和执法中队（team）")
    return kind
