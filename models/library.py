"""The material library (减证便民): with the resident's consent, materials a department accepted
are kept so a later application needing the same material type can attach them again."""

import datetime as dt

from marshmallow import Schema, fields
from pymongo import ASCENDING

from models.errors import NotFound


class LibraryEntrySchema(Schema):
    code = fields.String()
    name = fields.String()
    upload_id = fields.String()
    content_type = fields.String()
    from_application = fields.String()
    added_at = fields.AwareDateTime()


class ConsentSchema(Schema):
    consent = fields.Boolean(required=True)


async def ensure_indexes(db) -> None:
    await db.material_library.create_index([("owner", ASCENDING), ("code", ASCENDING)], unique=True)


async def set_consent(db, owner_id, consent: bool) -> None:
    await db.residents.update_one({"_id": owner_id}, {"$set": {"library_consent": consent}})
    if not consent:  # withdrawing consent empties the library
        await db.material_library.delete_many({"owner": str(owner_id)})


async def keep(db, application: dict, materials: list[dict]) -> None:
    """File materials of an application (the newest of a code wins); the caller checks consent.
    Each material's upload must be the resident's own, so a later application can attach it."""
    for material in materials:
        await db.material_library.update_one(
            {"owner": application["owner"], "code": material["code"]},
            {"$set": {"name": material["name"], "upload_id": material["upload_id"],
                      "content_type": material["content_type"], "from_application": application["number"],
                      "added_at": dt.datetime.now(dt.UTC)}},
            upsert=True)


async def entries(db, owner: str) -> list[dict]:
    return await db.material_library.find({"owner": owner}).sort("code", ASCENDING).to_list(None)


async def revoke(db, owner: str, code: str) -> None:
    result = await db.material_library.delete_one({"owner": owner, "code": code})
    if not result.deleted_count:
        raise NotFound("library.not_found", "材料库中没有该材料")
