"""Staff accounts: argon2 password hashes, lockout after repeated failures, rotating refresh tokens."""

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from models import audit, staff_logins
from models.clock import now
from models.db import ttl_index
from models.errors import AppError, Conflict

ROLES = ("operator", "processor", "inspector", "supervisor", "admin")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one argon2 check.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256))


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(20, 200))


class StaffSchema(Schema):
    id = fields.Function(lambda s: str(s["_id"]))
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    badge_no = fields.String(allow_none=True)  # 执法证号: stamped on an inspector's photos
    must_change_password = fields.Boolean(dump_default=False)


def _invalid() -> AppError:
    return AppError(401, "auth.invalid_credentials", "用户名或密码错误")


async def ensure_indexes(db) -> None:
    await db.staff.create_index([("username", ASCENDING)], unique=True)
    await db.staff_refresh.create_index([("family", ASCENDING)])
    await ttl_index(db.staff_refresh, "expires_at", 0)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def create_staff(db, *, username: str, password_hash: str, role: str, display_name: str,
                       department: str | None = None, team: str | None = None, badge_no: str | None = None) -> dict:
    if role not in ROLES:
        raise AppError(422, "staff.invalid_role", f"未知角色：{role}")
    if role == "processor" and not department:
        raise AppError(422, "staff.department_required", "办件审核人员须属于一个部门")
    if role in ("inspector", "supervisor") and not team:
        raise AppError(422, "staff.team_required", "执法人员须属于一个执法中队")
    doc = {"username": username, "password_hash": password_hash, "role": role,
           "display_name": display_name, "department": department, "team": team, "active": True,
           "created_at": now(), **({"badge_no": badge_no} if badge_no else {})}  # 执法证号, printed on documents
    try:
        result = await db.staff.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("staff.exists", f"用户名 {username} 已存在") from None
    return {**doc, "_id": result.inserted_id}


async def log_in(db, guard, *, address: str, username: str, password: str, user_agent: str = "") -> dict:
    """The staff member, or 401; 429 once `guard` (models/login_guard.py) says this address has
    tried too often. Every failure is audited with the address it came from, and every attempt
    goes into the login history (models/staff_logins.py)."""
    attempt = {"username": username, "address": address, "user_agent": user_agent}
    try:
        tries = await guard.attempt(address, username)
    except AppError:
        await staff_logins.record(db, outcome="locked", **attempt)
        raise
    person = await check_password(db, username, password)
    if person is None:
        await staff_logins.record(db, outcome="failed", **attempt)
        await audit.record(db, actor=username, role="", action="staff.login_failed", target=f"staff:{username}",
                           details={"address": address, "tries": tries})
        await guard.failed(address, username, tries)
        raise _invalid()
    await guard.succeeded(address, username)
    await staff_logins.record(db, outcome="success", staff_id=person["_id"], **attempt)
    return person


async def check_password(db, username: str, password: str) -> dict | None:
    """The staff document when the password is right, else None (the same time either way).
    Throttling lives in models/login_guard.py, by the address the attempt comes from."""
    staff = await db.staff.find_one({"username": username})
    if staff is None or not staff.get("active", True):
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(staff["password_hash"], password):
        return None
    changes = {"last_login_at": now()}
    if _hasher.check_needs_rehash(staff["password_hash"]):
        changes["password_hash"] = _hasher.hash(password)
    await db.staff.update_one({"_id": staff["_id"]}, {"$set": changes})
    return staff


def check_hash(hashed: str, password: str) -> bool:
    return _verify(hashed, password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_refresh(db, staff: dict, ttl: int, family: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    await db.staff_refresh.insert_one({
        "_id": _token_id(token), "staff_id": staff["_id"], "family": family or secrets.token_hex(8),
        "created_at": now(), "expires_at": now() + dt.timedelta(seconds=ttl), "used_at": None,
    })
    return token


async def rotate_refresh(db, token: str, ttl: int) -> tuple[dict, str]:
    """Spend a refresh token and issue its successor. Reusing a spent token revokes its family."""
    expired = AppError(401, "auth.refresh_invalid", "登录已过期，请重新登录")
    record = await db.staff_refresh.find_one_and_update(
        {"_id": _token_id(token), "used_at": None}, {"$set": {"used_at": now()}})
    if record is None:
        spent = await db.staff_refresh.find_one({"_id": _token_id(token)})
        if spent is not None:  # replayed: someone else may hold this token
            await db.staff_refresh.delete_many({"family": spent["family"]})
        raise expired
    if record["expires_at"] <= now():
        raise expired
    staff = await db.staff.find_one({"_id": record["staff_id"], "active": True})
    if staff is None:
        raise expired
    return staff, await issue_refresh(db, staff, ttl, family=record["family"])


async def revoke_refresh(db, token: str) -> None:
    record = await db.staff_refresh.find_one({"_id": _token_id(token)})
    if record is not None:
        await db.staff_refresh.delete_many({"family": record["family"]})
