"""A resident's own applications (办件): submit, withdraw, supplement, rate, and read back what
only the owner may see."""

from models import applications, catalog, residents, sensitive, tickets, uploads, workdays
from models.applications import RESIDENT
from models.errors import AppError


async def resident_id(db, claims: dict) -> str:
    return str((await residents.of_token(db, claims))["_id"])


async def submit(db, claims: dict, key: str, body: dict, *, pii, hot) -> tuple[int, dict]:
    """(status, body): 201 with the new application, or the first answer to an identical repeat."""
    resident = await residents.of_token(db, claims)
    if not resident.get("realname"):  # 办件 are made in one's own verified name
        raise AppError(403, "application.realname_required", "请先完成实名认证后再申请")
    item = await catalog.get_item(db, body["item_code"])
    calendar = await workdays.calendar(db)
    status, answer, fresh = await applications.submit(
        db, owner=str(resident["_id"]), channel=claims["aud"], item=item, body=body, key=key,
        calendar=calendar, business_date=workdays.business_date, pii=pii)
    if fresh:
        await hot.record_use(claims["aud"], item["code"])
    return status, answer


async def reveal_own(db, claims: dict, number: str, names: list[str] | None, *, pii) -> dict:
    """{name: answer}: a resident's own sensitive answers, in clear. Not audited: nobody but the
    person who gave them sees them (a processor's reveal is)."""
    doc = await applications.get_for_owner(db, await resident_id(db, claims), number)
    return sensitive.reveal(doc, names, pii)


async def result_document(db, claims: dict, number: str) -> tuple[dict, bytes]:
    """The resident's copy of the issued result (someone else's application is 404)."""
    doc = await applications.get_for_owner(db, await resident_id(db, claims), number)
    if not doc.get("result"):
        raise AppError(404, "application.no_result", "该办件尚无结果文件")
    return doc["result"], await uploads.blob(db, doc["result"]["sha256"])


async def rate(db, claims: dict, number: str, body: dict, *, rectify_days: int) -> dict:
    """A rating; a bad one opens the department's rectification ticket in the same transaction."""
    doc = await applications.get_for_owner(db, await resident_id(db, claims), number)
    calendar = await workdays.calendar(db)

    async def open_ticket(application, session):
        await tickets.open_for(db, application, calendar=calendar, days=rectify_days, session=session)

    return await applications.rate(db, doc, body, on_bad=open_ticket)


async def withdraw(db, claims: dict, number: str, version: int) -> dict:
    owner = await resident_id(db, claims)
    doc = await applications.get_for_owner(db, owner, number)
    return await applications.transition(db, doc, "withdraw", role=RESIDENT, actor=owner, version=version)


async def supplement(db, claims: dict, number: str, version: int, body: dict) -> dict:
    owner = await resident_id(db, claims)
    doc = await applications.get_for_owner(db, owner, number)
    item = await catalog.get_item(db, doc["item_code"], published_only=False)
    return await applications.supplement(db, doc, owner=owner, version=version, refs=body["materials"],
                                         comment=body["comment"], item=item)
