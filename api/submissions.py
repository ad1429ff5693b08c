"""Residents' applications and staff processing: joins auth claims, idempotency and the models."""

import datetime as dt

from models import applications, audit, catalog, library, residents, sensitive, tickets, uploads, workdays
from models.applications import RESIDENT, STAFF
from models.errors import AppError


async def resident_id(deps, claims: dict) -> str:
    return str((await residents.of_token(deps.db, claims))["_id"])


async def submit(deps, claims: dict, key: str, body: dict) -> tuple[int, dict]:
    """(status, body): 201 with the new application, or the first answer to an identical repeat."""
    resident = await residents.of_token(deps.db, claims)
    if not resident.get("realname"):  # 办件 are made in one's own verified name
        raise AppError(403, "application.realname_required", "请先完成实名认证后再申请")
    item = await catalog.get_item(deps.db, body["item_code"])
    calendar = await workdays.calendar(deps.db)
    status, answer, fresh = await applications.submit(
        deps.db, owner=str(resident["_id"]), channel=claims["aud"], item=item, body=body, key=key,
        calendar=calendar, business_date=workdays.business_date, pii=deps.pii)
    if fresh:
        await deps.hot.record_use(claims["aud"], item["code"])
    return status, answer


def staff_department(claims: dict) -> str | None:
    """Processors see their department; admins every department; other roles nothing."""
    if claims["role"] == "admin":
        return None
    if claims["role"] == "processor" and claims.get("dept"):
        return claims["dept"]
    raise AppError(403, "auth.forbidden", "没有权限执行此操作")


async def reveal_own(deps, claims: dict, number: str, names: list[str] | None) -> dict:
    """{name: answer}: a resident's own sensitive answers, in clear. Not audited: nobody but the
    person who gave them sees them (a processor's reveal is)."""
    doc = await applications.get_for_owner(deps.db, await resident_id(deps, claims), number)
    return sensitive.reveal(doc, names, deps.pii)


async def staff_reveal(deps, claims: dict, number: str, names: list[str] | None) -> dict:
    """{name: answer}: the sensitive answers, in clear, for a processor of the application's
    department (an admin oversees departments, it does not handle their 办件); the audit record
    is written before the answer is sent."""
    if claims["role"] != "processor" or not claims.get("dept"):
        raise AppError(403, "auth.forbidden", "只有办件所属部门的审核员可以查看敏感信息")
    doc = await applications.get_for_department(deps.db, claims["dept"], number)
    clear = sensitive.reveal(doc, names, deps.pii)
    if clear:
        await audit.record(deps.db, actor=claims.get("username", ""), role=claims["role"], action="application.reveal",
                           target=f"application:{number}", details={"fields": sorted(clear), "department": doc["department"]})
    return clear


def staff_owner(claims: dict) -> str:
    """Staff uploads belong to the department (any of its processors may attach them)."""
    return f"staff:{staff_department(claims) or 'admin'}"


async def staff_transition(deps, claims: dict, number: str, body: dict) -> dict:
    department = staff_department(claims)
    doc = await applications.get_for_department(deps.db, department, number)
    extra, comment = {}, body["comment"]
    if body["action"] == "complete":
        extra["result"] = await _result_document(deps, claims, body.get("result"))
    if body["action"] == "request_supplement" and body["materials"] and comment.strip():
        item = await catalog.get_item(deps.db, doc["item_code"], published_only=False)
        extra["supplement_request"], comment = applications.supplement_request(item, body["materials"], comment)
    updated = await applications.transition(deps.db, doc, body["action"], role=STAFF,
                                            actor=claims.get("username", ""), version=body["version"],
                                            comment=comment, extra=extra)
    if body["action"] in ("accept", "approve", "complete"):
        owner = await residents.get(deps.db, updated["owner"])
        if owner.get("library_consent"):
            await _file_in_library(deps, claims, updated, body["action"])
    return updated


async def _file_in_library(deps, claims: dict, application: dict, action: str) -> None:
    """Accept and approve file the materials the department found in order (approve also files
    those sent for a 补正); complete files the result, as the resident's own copy of the upload."""
    if action != "complete":
        await library.keep(deps.db, application, application["materials"])
        return
    issued = await uploads.get(deps.db, staff_owner(claims), application["result"]["upload_id"])
    mine = await uploads.give(deps.db, issued, application["owner"])
    await library.keep(deps.db, application, [{
        "code": f"result_{application['item_code'].lower()}", "name": f"{application['item_name']}结果",
        "upload_id": str(mine["_id"]), "content_type": mine["content_type"]}])


async def _result_document(deps, claims: dict, upload_id: str | None) -> dict:
    if not upload_id:
        raise AppError(422, "validation_failed", "办结须附结果文件", details={"result": ["请上传结果文件"]})
    try:
        upload = await uploads.get(deps.db, staff_owner(claims), upload_id)
    except AppError:
        raise AppError(422, "validation_failed", "结果文件不存在", details={"result": ["结果文件不存在"]}) from None
    return {"upload_id": str(upload["_id"]), "filename": upload["filename"], "content_type": upload["content_type"],
            "sha256": upload["sha256"]}


async def result_document(deps, claims: dict, number: str) -> tuple[dict, bytes]:
    """The resident's copy of the issued result (someone else's application is 404)."""
    owner = await resident_id(deps, claims)
    doc = await applications.get_for_owner(deps.db, owner, number)
    if not doc.get("result"):
        raise AppError(404, "application.no_result", "该办件尚无结果文件")
    return doc["result"], await deps.db.blobs.get(doc["result"]["sha256"])


async def claim(deps, claims: dict, number: str) -> dict:
    doc = await applications.get_for_department(deps.db, staff_department(claims), number)
    return await applications.claim(deps.db, doc, claims.get("username", ""))


async def release(deps, claims: dict, number: str) -> dict:
    doc = await applications.get_for_department(deps.db, staff_department(claims), number)
    admin = claims["role"] == "admin"
    updated = await applications.release(deps.db, doc, claims.get("username", ""), admin=admin)
    if admin and doc["assignee"] != claims.get("username"):  # taking work from someone is audited
        await audit.record(deps.db, actor=claims.get("username", ""), role=claims["role"],
                           action="application.release", target=f"application:{number}",
                           details={"assignee": doc["assignee"], "department": doc["department"]})
    return updated


async def with_due_in(deps, docs: list[dict]) -> list[dict]:
    """Each document with `due_in`: working days from today (Beijing) to its due date."""
    calendar = await workdays.calendar(deps.db)
    today = workdays.business_date(applications.now())
    out = []
    for doc in docs:
        try:
            due_in = calendar.working_days_between(today, dt.date.fromisoformat(doc["due_date"]))
        except ValueError:  # a date outside the calendar's range
            due_in = None
        out.append({**doc, "due_in": due_in} if due_in is not None else doc)
    return out


async def staff_view(deps, claims: dict, number: str) -> dict:
    doc = await applications.get_for_department(deps.db, staff_department(claims), number)
    return (await with_due_in(deps, [doc]))[0]


async def material_content(deps, claims: dict, number: str, code: str) -> tuple[dict, bytes]:
    """A material of an application of my department (or its result), with its bytes."""
    doc = await applications.get_for_department(deps.db, staff_department(claims), number)
    found = next((m for m in doc["materials"] if m["code"] == code), None)
    if found is None and code == "result" and doc.get("result"):
        found = doc["result"]
    if found is None:
        raise AppError(404, "material.not_found", "该办件没有这份材料")
    data = await deps.db.blobs.get(found["sha256"])
    return found, data


async def rate(deps, claims: dict, number: str, body: dict) -> dict:
    owner = await resident_id(deps, claims)
    doc = await applications.get_for_owner(deps.db, owner, number)
    calendar = await workdays.calendar(deps.db)

    async def open_ticket(application, session):
        await tickets.open_for(deps.db, application, calendar=calendar, days=deps.config.rectify_days, session=session)

    return await applications.rate(deps.db, doc, body, on_bad=open_ticket)


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
