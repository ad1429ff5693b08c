"""Instant queries (查询类事项): what each query needs, its cached answers and its audit log.

A catalog item of kind `query` names one of QUERIES. Answers are cached per resident, query and
parameters in Redis: fresh for the query's `ttl`, then kept up to STALE_FOR to answer (marked
stale, with its age) while the department system is down. The audit log keeps who asked, for
which subject (masked), when, from which channel and the outcome, never the payload.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import logging

from marshmallow import Schema, fields, validate
from pymongo import ASCENDING, DESCENDING

from models import query_answers as answers

log = logging.getLogger(__name__)
STALE_FOR = 7 * 86400  # seconds a cached answer may still be shown, marked stale
OUTCOMES = ("ok", "cached", "stale", "no_record", "rejected", "unavailable", "refused")


@dataclasses.dataclass(frozen=True)
class Query:
    department: str  # "rsj" | "jj" | "ybj": the exchange adapter
    method: str  # the adapter's method
    subject: str  # "person" (the resident's 身份证号) or "vehicle" (a bound plate)
    ttl: int  # seconds an answer is fresh
    answer: type[Schema]  # what the department answers (models/query_answers.py)
    year: bool = False  # takes a year (缴费记录, 医保收支明细): a year's answer is a page
    cert_no: bool = False  # may narrow to one of the resident's certificates


# A catalog item of kind `query` must name one of these (ItemInSchema refuses others), and
# tests/test_published_items.py runs every published one against the sandbox: an item the
# models do not know would answer residents `query.not_found`.
QUERIES = {
    "sb.insured_info": Query("rsj", "insured", "person", 600, answers.Insured),
    "sb.contributions": Query("rsj", "contributions", "person", 3600, answers.Contributions, year=True),
    "sb.pension_payments": Query("rsj", "pension", "person", 3600, answers.Pension),
    "sb.card_status": Query("rsj", "card", "person", 300, answers.Card),
    "jy.certificates": Query("rsj", "certificates", "person", 3600, answers.Certificates, cert_no=True),
    "yb.account": Query("ybj", "account", "person", 600, answers.MedicalAccount),
    "yb.account_records": Query("ybj", "account_records", "person", 3600, answers.MedicalRecords, year=True),
    "jj.vehicle_violations": Query("jj", "violations", "vehicle", 300, answers.Violations),
    "jj.licence_status": Query("jj", "licence", "person", 600, answers.Licence),
    "jj.vehicle_inspection": Query("jj", "inspection", "vehicle", 3600, answers.Inspection),
}


class QueryBodySchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(1995, 2100, error="年份应在 1995 年之后"))
    plate = fields.String(load_default=None)
    cert_no = fields.String(load_default=None, validate=validate.Regexp(
        r"^[0-9A-Za-z]{1,30}\Z", error="证书编号应为 1 到 30 位字母或数字"))


class AuditViewSchema(Schema):
    at = fields.AwareDateTime()
    resident = fields.String(attribute="owner")
    subject = fields.String()
    query = fields.String()
    item = fields.String()
    channel = fields.String()
    outcome = fields.String()
    ms = fields.Float()


def cache_key(owner: str, query: str, params: dict) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return f"q:{owner}:{query}:{digest}"


async def cached(redis, key: str) -> dict | None:
    """{"data", "fetched_at"} or None (also when Redis is down: the department is asked instead)."""
    try:
        raw = await redis.get(key)
        return json.loads(raw) if raw else None
    except Exception as exc:
        log.warning("query cache unavailable: %s", exc)
        return None


async def keep(redis, key: str, data: dict | None, no_record: str | None = None) -> dict:
    """Cache an answer: the data, or the department's "no record" message."""
    entry = {"data": data, "no_record": no_record, "fetched_at": dt.datetime.now(dt.UTC).isoformat()}
    try:
        await redis.set(key, json.dumps(entry, ensure_ascii=False), ex=STALE_FOR)
    except Exception as exc:
        log.warning("query answer not cached: %s", exc)
    return entry


def age_seconds(entry: dict) -> float:
    return (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(entry["fetched_at"])).total_seconds()


async def ensure_indexes(db) -> None:
    await db.query_audit.create_index([("at", DESCENDING)])
    await db.query_audit.create_index([("owner", ASCENDING), ("at", DESCENDING)])


async def audit(db, **entry) -> None:
    try:
        await db.query_audit.insert_one({"at": dt.datetime.now(dt.UTC), **entry})
    except Exception:  # the resident still gets the answer; the gap is logged loudly
        log.exception("query audit not written", extra={"query": entry.get("query")})


async def audit_log(db, *, query: str | None = None, outcome: str | None = None, resident: str | None = None,
                    limit: int = 100) -> list[dict]:
    filt = {k: v for k, v in (("query", query), ("outcome", outcome), ("owner", resident)) if v}
    return await db.query_audit.find(filt).sort("at", DESCENDING).limit(limit).to_list(None)
