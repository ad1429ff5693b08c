"""Running an inspector's look-up: the rate limit (per inspector, a moving window in Redis through
the `limits` package), the department call, and the audit entry — written whatever the outcome."""

from exchange.base import NoRecord
from models import lookups
from models.errors import AppError

CALLS = {"vehicle": ("jj", "vehicle"), "driver": ("jj", "driver"), "business": ("ysj", "business")}


async def run(db, claims: dict, body: dict, *, exchange: dict, limiter) -> dict:
    """`limiter`: the inspectors' look-up limit (`take(username)` -> what is left, or 429)."""
    department_name, method = CALLS[body["kind"]]
    department = exchange.get(department_name)
    if department is None:
        raise AppError(503, "exchange.not_connected", "该查询暂未接入，请稍后再试")
    try:
        left = await limiter.take(claims["username"])
    except AppError:
        await lookups.audit(db, claims, body, "rate_limited")
        raise
    try:
        data = await getattr(department, method)(body["key"])
    except NoRecord as exc:
        await lookups.audit(db, claims, body, "no_record")
        raise AppError(404, "lookup.no_record", exc.message) from None
    except AppError as exc:
        await lookups.audit(db, claims, body, "unavailable" if exc.status == 503 else "rejected")
        raise
    await lookups.audit(db, claims, body, "ok")
    return {"kind": body["kind"], "key": body["key"], "data": data, "source": department.title, "rate_limit": left}
