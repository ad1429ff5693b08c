"""Rate limits as moving windows in Redis, through the `limits` package: shared by every API
process, and exact at the window's edge (a fixed window would allow twice the limit there)."""

import time

from limits import parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from models.errors import AppError


class RateLimiter:
    def __init__(self, redis_url: str, limits: str, scope: str, code: str, message: str):
        self.limiter = MovingWindowRateLimiter(RedisStorage(f"async+{redis_url}", implementation="redispy"))
        self.limits, self.scope, self.code, self.message = parse_many(limits), scope, code, message

    async def take(self, key: str) -> dict:
        """Count one attempt for `key`; 429 with Retry-After once any limit is reached. Returns what
        is left of the tightest limit: {limit, remaining, reset_seconds}."""
        left = None
        for limit in self.limits:
            if not await self.limiter.hit(limit, self.scope, key):
                stats = await self.limiter.get_window_stats(limit, self.scope, key)
                wait = max(1, int(stats.reset_time - time.time()))
                raise AppError(429, self.code, self.message.format(limit=limit),
                               headers={"Retry-After": str(wait), **_headers(str(limit), 0, wait)})
            stats = await self.limiter.get_window_stats(limit, self.scope, key)
            if left is None or stats.remaining < left["remaining"]:
                left = {"limit": str(limit), "remaining": stats.remaining,
                        "reset_seconds": max(0, int(stats.reset_time - time.time()))}
        return left


def _headers(limit: str, remaining: int, reset: int) -> dict:
    return {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}


def headers(left: dict | None) -> dict:
    """The response headers for what `take` returned."""
    return _headers(left["limit"], left["remaining"], left["reset_seconds"]) if left else {}
