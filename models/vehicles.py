"""Vehicles a resident has bound (我的车辆): only a plate the traffic police confirm is the
resident's (owner's 身份证号 and engine number's last six) can be bound, and vehicle queries run
only on bound plates. The engine tail is kept encrypted; responses show it masked."""

import datetime as dt

from marshmallow import Schema, fields, pre_load, validate
from pymongo import ASCENDING

from models.errors import AppError, NotFound
from models.plates import PLATE_RE

PLATE = PLATE_RE  # 7 characters, or 8 for new-energy plates (models/plates.py)
MAX_VEHICLES = 5


class VehicleSchema(Schema):
    plate = fields.String(required=True, validate=validate.Regexp(PLATE, error="号牌号码格式不正确（如 浙A12345 或 浙AD12345）"))
    engine_tail = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Z]{6}\Z", error="请输入发动机号后六位"))

    @pre_load
    def _upper(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: v.strip().upper() if isinstance(v, str) else v for k, v in data.items()}
        return data


class VehicleViewSchema(Schema):
    plate = fields.String()
    engine_tail = fields.String(attribute="engine_tail_masked")
    bound_at = fields.AwareDateTime()


async def ensure_indexes(db) -> None:
    await db.vehicles.create_index([("owner", ASCENDING), ("plate", ASCENDING)], unique=True)


def check_plate(plate: str) -> str:
    plate = (plate or "").strip().upper()
    if not PLATE.fullmatch(plate):
        raise AppError(422, "validation_failed", "号牌号码格式不正确", details={"plate": ["号牌号码格式不正确"]})
    return plate


async def bind(db, owner: str, plate: str, engine_tail: str, pii) -> dict:
    if await db.vehicles.count_documents({"owner": owner}) >= MAX_VEHICLES:
        raise AppError(409, "vehicle.too_many", f"最多绑定 {MAX_VEHICLES} 辆车")
    doc = {"owner": owner, "plate": plate, "engine_tail_enc": pii.encrypt(engine_tail),
           "engine_tail_masked": "****" + engine_tail[-2:], "bound_at": dt.datetime.now(dt.UTC)}
    await db.vehicles.update_one({"owner": owner, "plate": plate}, {"$set": doc}, upsert=True)
    return doc


async def listing(db, owner: str) -> list[dict]:
    return await db.vehicles.find({"owner": owner}).sort("bound_at", ASCENDING).to_list(None)


async def bound(db, owner: str, plate: str, pii) -> str:
    """The engine tail of a plate this resident has bound; 403 when it is not theirs."""
    doc = await db.vehicles.find_one({"owner": owner, "plate": plate})
    if doc is None:
        raise AppError(403, "vehicle.not_bound", "请先在“我的车辆”中绑定该车辆")
    return pii.decrypt(doc["engine_tail_enc"])


async def unbind(db, owner: str, plate: str) -> None:
    if not (await db.vehicles.delete_one({"owner": owner, "plate": plate})).deleted_count:
        raise NotFound("vehicle.not_found", "未绑定该车辆")
