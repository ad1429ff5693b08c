"""Hot items: recent use counted per channel and day in Redis sorted sets.

The ranking sums the last 7 days with yesterday weighing less than today (x0.8 per day), so
it follows what residents use now. Reads are memoised briefly; when Redis is unreachable the
last ranking (or an empty one) is served and uses are dropped with a warning.
"""

import datetime as dt
import logging
import time

log = logging.getLogger(__name__)
DAYS, DECAY, MEMO_SECONDS = 7, 0.8, 30.0


def _day_key(channel: str, day: dt.date) -> str:
    return f"hot:{channel}:{day:%Y%m%d}"


class HotItems:
    def __init__(self, redis, clock=time.monotonic):
        self.redis = redis
        self._clock = clock
        self._memo: dict[str, tuple[float, list]] = {}

    async def record_use(self, channel: str, code: str) -> None:
        key = _day_key(channel, dt.datetime.now(dt.UTC).date())
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.zincrby(key, 1, code)
                pipe.expire(key, (DAYS + 1) * 86400)
                await pipe.execute()
        except Exception as exc:
            log.warning("hot-item use not counted: %s", exc)

    async def ranking(self, channel: str) -> list[tuple[str, float]]:
        """[(item_code, score)] best first."""
        now = self._clock()
        memo = self._memo.get(channel)
        if memo and now - memo[0] < MEMO_SECONDS:
            return memo[1]
        today = dt.datetime.now(dt.UTC).date()
        weights = {_day_key(channel, today - dt.timedelta(days=i)): DECAY**i for i in range(DAYS)}
        try:
            rows = await self.redis.zunion(weights, withscores=True)
        except Exception as exc:
            log.warning("hot-item ranking unavailable: %s", exc)
            return memo[1] if memo else []
        ranked = sorted(((_text(code), float(score)) for code, score in rows), key=lambda r: (-r[1], r[0]))
        self._memo[channel] = (now, ranked)
        return ranked


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
