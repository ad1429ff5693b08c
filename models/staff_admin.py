"""Staff accounts as admins keep them in the console: create, change role or department, disable,
reset a password. A new or reset password is temporary: its holder must choose their own at the
next login (`must_change_password`), and until then their token opens nothing but that change."""

import datetime as dt
import re

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ReturnDocument

from models import audit, org, staff
from models.errors import AppError, Invalid, NotFound

USERNAME_RE = r"^[a-z][a-z0-9._-]{2,63}\Z"
PASSWORD_RULE = "密码至少 10 位，须同时包含字母和数字"


def check_password_rule(password: str) -> None:
    if len(password) < 10 or not re.search(r"[A-Za-z]", password) or not re.search(r"[0-9]", password):
        raise ValidationError(PASSWORD_RULE)


def _check_assignment(data: dict) -> None:
    """A processor needs a department, inspectors and supervisors a team (as models/staff.py)."""
    role = data.get("role")
    if role == "processor" and not data.get("department"):
        raise ValidationError({"department": ["办件审核员须属于一个部门"]})
    if role in ("inspector", "supervisor") and not data.get("team"):
        raise ValidationError({"team": ["执法人员须属于一个执法中队"]})


class StaffUpdateSchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(1, 40))
    role = fields.String(required=True, validate=validate.OneOf(staff.ROLES, error="未知角色"))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 20))  # models/org.py
    team = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 40))
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _assigned(self, data, **kwargs):
        _check_assignment(data)


class StaffCreateSchema(StaffUpdateSchema):
    username = fields.String(required=True, validate=validate.Regexp(
        USERNAME_RE, error="用户名须为小写字母开头的 3 到 64 位字母、数字、点、下划线或连字符"))
    password = fields.String(required=True, load_only=True, validate=[validate.Length(max=256), check_password_rule])


class PasswordResetSchema(Schema):
    password = fields.String(required=True, validate=[validate.Length(max=256), check_password_rule])


class PasswordChangeSchema(Schema):
    old_password = fields.String(required=True, validate=validate.Length(1, 256))
    new_password = fields.String(required=True, validate=[validate.Length(max=256), check_password_rule])


class StaffAccountSchema(staff.StaffSchema):
    active = fields.Boolean()
    must_change_password = fields.Boolean()
    created_at = fields.AwareDateTime()
    last_login_at = fields.AwareDateTime(allow_none=True)


def _oid(staff_id: str) -> ObjectId:
    try:
        return ObjectId(staff_id)
    except (InvalidId, TypeError):
        raise NotFound("staff.not_found", "账号不存在") from None


async def list_staff(db) -> list[dict]:
    return await db.staff.find({}).sort("username", 1).to_list(None)


async def create(db, body: dict, actor: dict) -> dict:
    await org.check_assignment(db, body)
    doc = await staff.create_staff(db, username=body["username"], password_hash=staff.hash_password(body["password"]),
                                   role=body["role"], display_name=body["display_name"],
                                   department=body["department"], team=body["team"])
    active = body["active"]
    await db.staff.update_one({"_id": doc["_id"]}, {"$set": {"must_change_password": True, "active": active}})
    await audit.record(db, actor=actor["username"], role=actor["role"], action="staff.create",
                       target=f"staff:{doc['username']}", details=_shown(body))
    return {**doc, "must_change_password": True, "active": active}


def _shown(body: dict) -> dict:
    return {k: body.get(k) for k in ("display_name", "role", "department", "team", "active")}


async def update(db, staff_id: str, body: dict, actor: dict) -> dict:
    """Role, department, team, name, active. Disabling ends the account's sessions at once; an admin
    cannot disable or demote themself (someone must stay able to undo it)."""
    oid = _oid(staff_id)
    before = await db.staff.find_one({"_id": oid})
    if before is None:
        raise NotFound("staff.not_found", "账号不存在")
    if before["username"] == actor["username"] and (not body["active"] or body["role"] != "admin"):
        raise AppError(409, "staff.self_lockout", "不能停用自己的账号或取消自己的管理员角色")
    await org.check_assignment(db, body, before)
    changes = _shown(body)
    after = await db.staff.find_one_and_update({"_id": oid}, {"$set": changes}, return_document=ReturnDocument.AFTER)
    if not body["active"]:
        await db.staff_refresh.delete_many({"staff_id": oid})
    diff = {k: [before.get(k), v] for k, v in changes.items() if before.get(k, True if k == "active" else None) != v}
    action = "staff.disable" if before.get("active", True) and not body["active"] else "staff.update"
    await audit.record(db, actor=actor["username"], role=actor["role"], action=action,
                       target=f"staff:{before['username']}", details={"changes": diff})
    return after


async def reset_password(db, staff_id: str, password: str, actor: dict) -> dict:
    """A temporary password: its holder's sessions end, and the next login must change it."""
    oid = _oid(staff_id)
    after = await db.staff.find_one_and_update(
        {"_id": oid}, {"$set": {"password_hash": staff.hash_password(password), "must_change_password": True,
                                "password_changed_at": dt.datetime.now(dt.UTC)}},
        return_document=ReturnDocument.AFTER)
    if after is None:
        raise NotFound("staff.not_found", "账号不存在")
    await db.staff_refresh.delete_many({"staff_id": oid})
    await audit.record(db, actor=actor["username"], role=actor["role"], action="staff.password_reset",
                       target=f"staff:{after['username']}")
    return after


async def change_own_password(db, staff_id: str, old: str, new: str) -> dict:
    """The holder's own change: the old password must be right and the new one differ from it."""
    person = await db.staff.find_one({"_id": _oid(staff_id), "active": {"$ne": False}})
    if person is None or staff.check_hash(person["password_hash"], old) is False:
        raise Invalid({"old_password": ["当前密码不正确"]}, "当前密码不正确")
    if old == new:
        raise Invalid({"new_password": ["新密码不能与当前密码相同"]}, "新密码不能与当前密码相同")
    after = await db.staff.find_one_and_update(
        {"_id": person["_id"]}, {"$set": {"password_hash": staff.hash_password(new), "must_change_password": False,
                                          "password_changed_at": dt.datetime.now(dt.UTC)}},
        return_document=ReturnDocument.AFTER)
    await db.staff_refresh.delete_many({"staff_id": person["_id"]})  # other sessions used the old one
    await audit.record(db, actor=person["username"], role=person["role"], action="staff.password_change",
                       target=f"staff:{person['username']}")
    return after
