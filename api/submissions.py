"""Residents' applications and staff processing: joins auth claims, idempotency and the models."""

from models import applications, catalog, library, residents, workdays
from models.applications import RESIDENT, STAFF, ApplicationSchema
from models.errors import AppError


async def resident_id(deps, claims: dict) -> str:
    return str((await residents.get(deps.db, claims["sub"]))["_id"])


async def submit(deps, claims: dict, key: str, body: dict) -> tuple[int, dict]:
    """(status, body): 201 with the new application, or the first answer to an identical repeat."""
    owner = await resident_id(deps, claims)
    stored = await applications.begin_idempotent(deps.db, owner, key, applications.request_hash(body))
    if stored is not None:
        return stored["status"], stored["body"]
    try:
        item = await catalog.get_item(deps.db, body["item_code"])
        calendar = await workdays.calendar(deps.db)
        doc = await applications.submit(deps.db, owner=owner, channel=claims["aud"], item=item, body=body,
                                        calendar=calendar, business_date=workdays.business_date)
    except BaseException:
        await applications.abandon_idempotent(deps.db, owner, key)
        raise
    answer = ApplicationSchema().dump(doc)
    await applications.finish_idempotent(deps.db, owner, key, 201, answer)
    await deps.hot.record_use(claims["aud"], item["code"])
    return 201, answer


def staff_department(claims: dict) -> str | None:
    """Processors see their department; admins every department; other roles nothing."""
    if claims["role"] == "admin":
        return None
    if claims["role"] == "processor" and claims.get("dept"):
        return claims["dept"]
    raise AppError(403, "auth.forbidden", "没有权限执行此操作")


async def staff_transition(deps, claims: dict, number: str, body: dict) -> dict:
    department = staff_department(claims)
    doc = await applications.get_for_department(deps.db, department, number)
    extra = {}
    if body["action"] == "complete":
        if not body.get("result"):
            raise AppError(422, "validation_failed", "办结须附结果文件", details={"result": ["请上传结果文件"]})
        extra["result"] = body["result"]
    updated = await applications.transition(deps.db, doc, body["action"], role=STAFF,
                                            actor=claims.get("username", ""), version=body["version"],
                                            comment=body["comment"], extra=extra)
    if body["action"] == "accept":
        owner = await residents.get(deps.db, updated["owner"])
        await library.keep_accepted(deps.db, updated, bool(owner.get("library_consent")))
    return updated


async def claim(deps, claims: dict, number: str) -> dict:
    doc = await applications.get_for_department(deps.db, staff_department(claims), number)
    return await applications.claim(deps.db, doc, claims.get("username", ""))


async def rate(deps, claims: dict, number: str, body: dict) -> dict:
    owner = await resident_id(deps, claims)
    doc = await applications.get_for_owner(deps.db, owner, number)
    return await applications.rate(deps.db, doc, score=body["score"], comment=body["comment"])


async def withdraw(deps, claims: dict, number: str, version: int) -> dict:
    owner = await resident_id(deps, claims)
    doc = await applications.get_for_owner(deps.db, owner, number)
    return await applications.transition(deps.db, doc, "withdraw", role=RESIDENT, actor=owner, version=version)


async def supplement(deps, claims: dict, number: str, version: int, body: dict) -> dict:
    owner = await resident_id(deps, claims)
    doc = await applications.get_for_owner(deps.db, owner, number)
    item = await catalog.get_item(deps.db, doc["item_code"], published_only=False)
    return await applications.supplement(deps.db, doc, owner=owner, version=version, refs=body["materials"],
                                         comment=body["comment"], item=item)
