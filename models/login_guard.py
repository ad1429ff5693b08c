"""Staff login throttling, by where the attempt comes from.

A lock per account let anyone lock a clerk out from anywhere; a password spray over many
usernames from one address was never slowed. Here each attempt is counted before the password is
checked, in one Redis script (a burst cannot slip past the count): per (address, username), the
`max_failures`-th attempt without a success locks that pair for `lock_seconds`; per address,
beyond `free` attempts without a success in an hour, each further attempt waits twice as long as
the one before (up to `lock_seconds`). A success clears the pair and gives the address its try back,
so an office behind one address is not slowed by its own clerks logging in.
"""

import functools
import math

from models.errors import AppError

SCRIPT = """
local locked = redis.call('TTL', KEYS[1])
if locked > 0 then return {'locked', locked} end
local waiting = redis.call('TTL', KEYS[4])
if waiting > 0 then return {'slowed', waiting} end
local tries = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if tries > tonumber(ARGV[1]) then
    redis.call('DEL', KEYS[2])
    redis.call('SET', KEYS[1], 1, 'EX', ARGV[2])
    return {'locked', tonumber(ARGV[2])}
end
local spread = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], 3600)
local over = spread - tonumber(ARGV[3])
if over > 0 then
    redis.call('SET', KEYS[4], 1, 'EX', math.min(2 ^ math.min(over, 20), tonumber(ARGV[2])))
end
return {'go', tries}
"""


def _locked(wait: int) -> AppError:
    wait = max(1, wait)
    later = f"{math.ceil(wait / 60)} 分钟" if wait >= 60 else f"{wait} 秒"
    return AppError(429, "auth.locked", f"登录失败次数过多，请 {later}后再试", headers={"Retry-After": str(wait)})


class LoginGuard:
    def __init__(self, redis, *, max_failures: int, lock_seconds: int, free: int = 20):
        self.redis, self.max_failures, self.lock_seconds, self.free = redis, max_failures, lock_seconds, free

    @functools.cached_property
    def _script(self):
        return self.redis.register_script(SCRIPT)

    @staticmethod
    def _keys(address: str, username: str) -> list[str]:
        pair = f"{address}|{username.lower()}"
        return [f"stafflogin:lock:{pair}", f"stafflogin:tries:{pair}", f"stafflogin:addr:{address}",
                f"stafflogin:wait:{address}"]

    async def attempt(self, address: str, username: str) -> int:
        """Count this attempt and return how many in a row the pair has made, or refuse it with 429."""
        verdict, value = await self._script(keys=self._keys(address, username),
                                            args=[self.max_failures, self.lock_seconds, self.free])
        verdict = verdict.decode() if isinstance(verdict, bytes) else verdict
        if verdict != "go":
            raise _locked(int(value))
        return int(value)

    async def failed(self, address: str, username: str, tries: int) -> None:
        """The password was wrong: the last allowed try locks the pair at once."""
        if tries >= self.max_failures:
            lock, pair_tries, _, _ = self._keys(address, username)
            await self.redis.set(lock, 1, ex=self.lock_seconds)
            await self.redis.delete(pair_tries)
            raise _locked(self.lock_seconds)

    async def succeeded(self, address: str, username: str) -> None:
        lock, tries, spread, _ = self._keys(address, username)
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.delete(tries).decr(spread).execute()
