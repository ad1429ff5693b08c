"""Data migrations, run at every start by models/setup.py `prepare` before any process serves.

Each is idempotent (a document it changed no longer matches its query) and batched, and
remembers when it last ran: a later start looks only at what was written since, less a day
(processes of the older release may still have been serving while the new one started).
"""

import datetime as dt
import logging
import re

from pymongo import UpdateMany, UpdateOne

from models import sensitive
from models.forms import PHONE_RE, id_number_ok, sensitive_fields
from models.ratings import BY_SCORE

log = logging.getLogger(__name__)
BATCH = 500
OVERLAP = dt.timedelta(days=1)


async def run(db, pii) -> None:
    started = dt.datetime.now(dt.UTC)
    mark = await db.migrations.find_one({"_id": "seal_application_forms"})
    count = await seal_application_forms(db, pii, since=mark["ran_at"] - OVERLAP if mark else None)
    await db.migrations.update_one({"_id": "seal_application_forms"}, {"$set": {"ran_at": started}}, upsert=True)
    if count:
        log.info("sealed the sensitive answers of %d applications stored in clear", count)
    mark = await db.migrations.find_one({"_id": "rating_levels"})
    count = await rating_levels(db, since=mark["ran_at"] - OVERLAP if mark else None)
    await db.migrations.update_one({"_id": "rating_levels"}, {"$set": {"ran_at": started}}, upsert=True)
    if count:
        log.info("gave %d ratings stored as a score their national level", count)


async def rating_levels(db, *, since: dt.datetime | None = None) -> int:
    """Ratings stored as a score 1-5 (before models/ratings.py) get their level and no reasons."""
    changed = 0
    for score, level in BY_SCORE.items():
        query: dict = {"rating.score": score, "rating.level": {"$exists": False}}
        if since is not None:
            query["rating.at"] = {"$gte": since}
        result = await db.applications.update_many(query, {"$set": {"rating.level": level, "rating.reasons": []}})
        changed += result.modified_count
    return changed


async def seal_application_forms(db, pii, *, since: dt.datetime | None = None) -> int:
    """Encrypt the sensitive answers of applications stored in clear (before models/sensitive.py),
    and the copy of the answer their idempotency records keep; returns how many applications
    changed. Sensitive: what the item's form says now, and any answer that is a valid 身份证号
    or mobile number (the form may have changed since the application was made)."""
    query: dict = {"form_enc": {"$exists": False}}
    if since is not None:
        query["submitted_at"] = {"$gte": since}
    by_item: dict[str, dict] = {}
    changed, apps, records = 0, [], []
    async for doc in db.applications.find(query, {"number": 1, "owner": 1, "item_code": 1, "form": 1}).batch_size(BATCH):
        if doc["item_code"] not in by_item:
            item = await db.items.find_one({"code": doc["item_code"]}, {"form": 1})
            by_item[doc["item_code"]] = sensitive_fields(item["form"]) if item else {}
        form = doc.get("form") or {}
        shown, sealed = sensitive.seal(form, {**_looks_sensitive(form), **by_item[doc["item_code"]]}, pii)
        apps.append(UpdateOne({"_id": doc["_id"], "form_enc": {"$exists": False}},
                              {"$set": {"form": shown, "form_enc": sealed}}))
        if sealed:  # its record's id is "<owner>:<key>": the prefix finds it on the _id index
            records.append(UpdateMany({"_id": {"$regex": f"^{re.escape(doc['owner'])}:"}, "response.body.number": doc["number"]},
                                      {"$set": {"response.body.form": shown, "response.body.masked_fields": sorted(sealed)}}))
        if len(apps) >= BATCH:
            changed += await _write(db, apps, records)
            apps, records = [], []
    return changed + (await _write(db, apps, records) if apps else 0)


async def _write(db, apps: list, records: list) -> int:
    # the records first: a crash in between leaves the application in clear, and the next run
    # seals it and its records again
    if records:
        await db.idempotency.bulk_write(records, ordered=False)
    return (await db.applications.bulk_write(apps, ordered=False)).modified_count


def _looks_sensitive(form: dict) -> dict[str, str]:
    found = {}
    for name, value in form.items():
        if isinstance(value, str) and PHONE_RE.match(value):
            found[name] = "phone"
        elif isinstance(value, str) and id_number_ok(value):
            found[name] = "id_number"
    return found
