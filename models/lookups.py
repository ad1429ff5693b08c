"""Inspectors' look-ups (信息查询): vehicles by plate, drivers by licence number, transport
businesses by licence number. Each needs a stated reason, is rate-limited per inspector, and is
written to an audit log (who, whom, why, when, outcome) that supervisors read for their team."""

import datetime as dt
import re

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from pymongo import ASCENDING, DESCENDING

from models.pii import mask_id
from models.vehicles import PLATE

KINDS = ("vehicle", "driver", "business")


class LookupSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    key = fields.String(required=True, validate=validate.Length(1, 32))  # plate, 驾驶证号 or 经营许可证号
    reason = fields.String(required=True, validate=validate.Length(4, 200, error="请说明查询事由（4 到 200 字）"))
    case_id = fields.UUID(load_default=None)

    @pre_load
    def _upper(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("key"), str):
            data = {**data, "key": data["key"].strip().upper()}
        return data

    @validates_schema
    def _key(self, data, **kwargs):
        patterns = {"vehicle": PLATE, "driver": re.compile(r"^\d{17}[\dX]\Z"), "business": re.compile(r"^\d{12}\Z")}
        if not patterns[data["kind"]].match(data["key"]):
            raise ValidationError({"vehicle": "号牌号码格式不正确", "driver": "驾驶证号应为 18 位身份证号",
                                   "business": "经营许可证号应为 12 位数字"}[data["kind"]], "key")


class LookupAuditSchema(Schema):
    at = fields.AwareDateTime()
    inspector = fields.String()
    team = fields.String()
    kind = fields.String()
    subject = fields.String()
    reason = fields.String()
    case_id = fields.String(allow_none=True)
    outcome = fields.String()


def subject(kind: str, key: str) -> str:
    """What the audit log shows of the subject: a driver's licence (a 身份证号) masked."""
    return mask_id(key) if kind == "driver" else key


async def ensure_indexes(db) -> None:
    await db.lookup_audit.create_index([("team", ASCENDING), ("at", DESCENDING)])
    await db.lookup_audit.create_index([("inspector", ASCENDING), ("at", DESCENDING)])


async def audit(db, claims: dict, body: dict, outcome: str) -> None:
    await db.lookup_audit.insert_one({
        "at": dt.datetime.now(dt.UTC), "inspector": claims["username"], "team": claims.get("team"), "kind": body["kind"],
        "subject": subject(body["kind"], body["key"]), "reason": body["reason"],
        "case_id": str(body["case_id"]) if body.get("case_id") else None, "outcome": outcome})


async def audit_log(db, claims: dict, *, inspector: str | None = None, limit: int = 100) -> list[dict]:
    """Supervisors read their team's look-ups (or one inspector's), inspectors their own."""
    role = claims.get("role")
    query = {} if role == "admin" else {"team": claims.get("team")} if role == "supervisor" else \
        {"inspector": claims["username"]}
    if inspector and role in ("supervisor", "admin"):
        query["inspector"] = inspector
    return await db.lookup_audit.find(query).sort("at", DESCENDING).limit(limit).to_list(None)
