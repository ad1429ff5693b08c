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

    async def take(self, key: str) -> None:
        """Count one attempt for `key`; 429 with Retry-After once any limit is reached."""
        for limit in self.limits:
            if not await self.limiter.hit(limit, self.scope, key):
                stats = await self.limiter.get_window_stats(limit, self.scope, key)
                wait = max(1, int(stats.reset_time - time.time()))
                raise AppError(429, self.code, self.message.format(limit=limit), headers={"Retry-After": str(wait)})
