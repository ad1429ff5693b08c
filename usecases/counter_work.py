"""Processors' counter work on their department's applications: the queue with working days left,
claim and release, the steps the state machine allows (with the result document and the
resident's library), materials and audited reveals."""

import datetime as dt

from models import applications, audit, catalog, library, residents, sensitive, uploads, workdays
from models.applications import STAFF
from models.errors import AppError


def staff_department(claims: dict) -> str | None:
    """Processors see their department; admins every department; other roles nothing."""
    if claims["role"] == "admin":
        return None
    if claims["role"] == "processor" and claims.get("dept"):
        return claims["dept"]
    raise AppError(403, "auth.forbidden", "没有权限执行此操作")


def staff_owner(claims: dict) -> str:
    """Staff uploads belong to the department (any of its processors may attach them)."""
    return f"staff:{staff_department(claims) or 'admin'}"


async def _mine(db, claims: dict, number: str) -> dict:
    return await applications.get_for_department(db, staff_department(claims), number)


async def with_due_in(db, docs: list[dict]) -> list[dict]:
    """Each document with `due_in`: working days from today (Beijing) to its due date."""
    calendar = await workdays.calendar(db)
    today = workdays.business_date(applications.now())
    out = []
    for doc in docs:
        try:
            due_in = calendar.working_days_between(today, dt.date.fromisoformat(doc["due_date"]))
        except ValueError:  # a date outside the calendar's range
            due_in = None
        out.append({**doc, "due_in": due_in} if due_in is not None else doc)
    return out


async def view(db, claims: dict, number: str) -> dict:
    return (await with_due_in(db, [await _mine(db, claims, number)]))[0]


async def reveal(db, claims: dict, number: str, names: list[str] | None, *, pii) -> dict:
    """{name: answer}: the sensitive answers, in clear, for a processor of the application's
    department (an admin oversees departments, it does not handle their 办件); the audit record
    is written before the answer is sent."""
    if claims["role"] != "processor" or not claims.get("dept"):
        raise AppError(403, "auth.forbidden", "只有办件所属部门的审核员可以查看敏感信息")
    doc = await applications.get_for_department(db, claims["dept"], number)
    clear = sensitive.reveal(doc, names, pii)
    if clear:
        await audit.record(db, actor=claims.get("username", ""), role=claims["role"], action="application.reveal",
                           target=f"application:{number}", details={"fields": sorted(clear), "department": doc["department"]})
    return clear


async def transition(db, claims: dict, number: str, body: dict) -> dict:
    doc = await _mine(db, claims, number)
    extra, comment = {}, body["comment"]
    if body["action"] == "complete":
        extra["result"] = await _result_document(db, claims, body.get("result"))
    if body["action"] == "request_supplement" and body["materials"] and comment.strip():
        item = await catalog.get_item(db, doc["item_code"], published_only=False)
        extra["supplement_request"], comment = applications.supplement_request(item, body["materials"], comment)
    updated = await applications.transition(db, doc, body["action"], role=STAFF, actor=claims.get("username", ""),
                                            version=body["version"], comment=comment, extra=extra)
    if body["action"] in ("accept", "approve", "complete"):
        owner = await residents.get(db, updated["owner"])
        if owner.get("library_consent"):
            await _file_in_library(db, claims, updated, body["action"])
    return updated


async def _file_in_library(db, claims: dict, application: dict, action: str) -> None:
    """Accept and approve file the materials the department found in order (approve also files
    those sent for a 补正); complete files the result, as the resident's own copy of the upload."""
    if action != "complete":
        await library.keep(db, application, application["materials"])
        return
    issued = await uploads.get(db, staff_owner(claims), application["result"]["upload_id"])
    mine = await uploads.give(db, issued, application["owner"])
    await library.keep(db, application, [{
        "code": f"result_{application['item_code'].lower()}", "name": f"{application['item_name']}结果",
        "upload_id": str(mine["_id"]), "content_type": mine["content_type"]}])


async def _result_document(db, claims: dict, upload_id: str | None) -> dict:
    if not upload_id:
        raise AppError(422, "validation_failed", "办结须附结果文件", details={"result": ["请上传结果文件"]})
    try:
        upload = await uploads.get(db, staff_owner(claims), upload_id)
    except AppError:
        raise AppError(422, "validation_failed", "结果文件不存在", details={"result": ["结果文件不存在"]}) from None
    return {"upload_id": str(upload["_id"]), "filename": upload["filename"], "content_type": upload["content_type"],
            "sha256": upload["sha256"]}


async def material_content(db, claims: dict, number: str, code: str) -> tuple[dict, bytes]:
    """A material of an application of my department (or its result), with its bytes."""
    doc = await _mine(db, claims, number)
    found = next((m for m in doc["materials"] if m["code"] == code), None)
    if found is None and code == "result" and doc.get("result"):
        found = doc["result"]
    if found is None:
        raise AppError(404, "material.not_found", "该办件没有这份材料")
    return found, await uploads.blob(db, found["sha256"])


async def claim(db, claims: dict, number: str) -> dict:
    return await applications.claim(db, await _mine(db, claims, number), claims.get("username", ""))


async def release(db, claims: dict, number: str) -> dict:
    doc = await _mine(db, claims, number)
    admin = claims["role"] == "admin"
    updated = await applications.release(db, doc, claims.get("username", ""), admin=admin)
    if admin and doc["assignee"] != claims.get("username"):  # taking work from someone is audited
        await audit.record(db, actor=claims.get("username", ""), role=claims["role"],
                           action="application.release", target=f"application:{number}",
                           details={"assignee": doc["assignee"], "department": doc["department"]})
    return updated
