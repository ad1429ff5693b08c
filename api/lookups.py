"""Running an inspector's look-up: the rate limit (per inspector, a moving window in Redis through
the `limits` package), the department call, and the audit entry — written whatever the outcome."""

from api.ratelimit import RateLimiter
from exchange.base import NoRecord
from models import lookups
from models.errors import AppError

CALLS = {"vehicle": ("jj", "vehicle"), "driver": ("jj", "driver"), "business": ("ysj", "business")}


def lookup_limiter(redis_url: str, limits: str) -> RateLimiter:
    return RateLimiter(redis_url, limits, "lookup", "lookup.rate_limited", "查询过于频繁（上限 {limit}），请稍后再试")


async def run(deps, claims: dict, body: dict) -> dict:
    department_name, method = CALLS[body["kind"]]
    department = deps.exchange.get(department_name)
    if department is None:
        raise AppError(503, "exchange.not_connected", "该查询暂未接入，请稍后再试")
    try:
        left = await deps.lookup_limiter.take(claims["username"])
    except AppError:
        await lookups.audit(deps.db, claims, body, "rate_limited")
        raise
    try:
        data = await getattr(department, method)(body["key"])
    except NoRecord as exc:
        await lookups.audit(deps.db, claims, body, "no_record")
        raise AppError(404, "lookup.no_record", exc.message) from None
    except AppError as exc:
        await lookups.audit(deps.db, claims, body, "unavailable" if exc.status == 503 else "rejected")
        raise
    await lookups.audit(deps.db, claims, body, "ok")
    return {"kind": body["kind"], "key": body["key"], "data": data, "source": department.title, "rate_limit": left}
