"""One-time login codes for the native app, by SMS.

Policy (as mature identity servers do it): 6 digits, valid 5 minutes; at most one send per
60 s and 10 per day per phone, and 20 per hour per client IP; 5 wrong tries kill the code and
lock the phone for 15 minutes, during which nothing is sent. Codes are stored as HMACs and
compared in constant time. Counters are plain Redis keys with expiry (fixed windows): the
policy is a handful of INCR/SET NX calls, so no rate-limit library is needed here.
"""

import datetime as dt
import functools
import re
import secrets

from marshmallow import Schema, fields, validate

from models.errors import AppError

PHONE_RE = r"^1[3-9]\d{9}\Z"
TTL, COOLDOWN, DAILY, IP_HOURLY, MAX_TRIES, LOCK = 300, 60, 10, 20, 5, 900


class OtpRequestSchema(Schema):
    phone = fields.String(required=True, validate=validate.Regexp(PHONE_RE, error="手机号码格式不正确"))


class OtpLoginSchema(OtpRequestSchema):
    otp = fields.String(required=True, validate=validate.Regexp(r"^\d{6}\Z", error="验证码应为6位数字"))


def _too_many(message: str, retry_after: int) -> AppError:
    return AppError(429, "auth.otp_rate_limited", message, headers={"Retry-After": str(max(1, retry_after))})


class OtpCodes:
    def __init__(self, redis, pii, prefix: str = "otp"):
        # Each use (login, linking a login to an account) has its own prefix: its own codes and limits.
        self.redis = redis
        self.pii = pii
        self.prefix = prefix

    def _k(self, kind: str, phone: str, scope: str = "") -> str:
        return f"{self.prefix}:{kind}:{self.pii.lookup('phone', phone)}" + (f":{scope}" if scope else "")

    async def issue(self, phone: str, ip: str, send, scope: str = "") -> None:
        """Create a code and `await send(phone, code)`; raise 429 when a limit says no. A code with a
        `scope` (e.g. one link request) is accepted only for that scope."""
        locked = await self.redis.ttl(self._k("lock", phone))
        if locked and locked > 0:
            raise _too_many("验证错误次数过多，请稍后再试", locked)
        hour = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H")
        ip_key = f"{self.prefix}:ip:{re.sub(r'[^0-9a-fA-F:.]', '', ip)}:{hour}"
        if int(await self.redis.get(ip_key) or 0) >= IP_HOURLY:
            raise _too_many("请求过于频繁，请稍后再试", 3600)
        if not await self.redis.set(self._k("cool", phone), 1, nx=True, ex=COOLDOWN):
            raise _too_many("验证码已发送，请 60 秒后再试", await self.redis.ttl(self._k("cool", phone)))
        day_key = self._k("day", phone) + dt.date.today().strftime(":%Y%m%d")
        sent_today = await self.redis.incr(day_key)
        await self.redis.expire(day_key, 86400)
        if sent_today > DAILY:
            raise _too_many("今日验证码发送次数已达上限", 86400)
        await self.redis.incr(ip_key)
        await self.redis.expire(ip_key, 3600)
        code = f"{secrets.randbelow(10**6):06d}"
        code_key = self._k("code", phone, scope)
        await self.redis.hset(code_key, mapping={"h": self.pii.lookup("otp", code), "tries": 0})
        await self.redis.expire(code_key, TTL)
        try:
            await send(phone, code)
        except Exception:
            # Not sent: the resident may ask again at once, and this attempt does not count.
            await self.redis.delete(code_key, self._k("cool", phone))
            await self.redis.decr(day_key)
            raise

    async def check(self, phone: str, otp: str, scope: str = "") -> None:
        """Accept the code once, or raise 401 (wrong/expired) / 429 (locked). The lock check, the
        comparison and the count of wrong tries are one Redis script: a burst of guesses is
        counted one by one, and none is compared after the fifth wrong one."""
        verdict, wait = await self._check(keys=[self._k("lock", phone), self._k("code", phone, scope)],
                                          args=[self.pii.lookup("otp", otp), MAX_TRIES, LOCK])
        verdict = verdict.decode() if isinstance(verdict, bytes) else verdict
        if verdict == "ok":
            return
        if verdict == "locked":
            raise _too_many("验证错误次数过多，请稍后再试", int(wait))
        raise AppError(401, "auth.otp_invalid", "验证码错误或已过期")

    @functools.cached_property
    def _check(self):
        # The stored value is an HMAC of the code under a server key: comparing it with Lua's `==`
        # leaks nothing a guesser could use.
        return self.redis.register_script("""
            local locked = redis.call('TTL', KEYS[1])
            if locked > 0 then return {'locked', locked} end
            local stored = redis.call('HGET', KEYS[2], 'h')
            if not stored then return {'wrong', 0} end
            if stored == ARGV[1] then
                redis.call('DEL', KEYS[2])
                return {'ok', 0}
            end
            if redis.call('HINCRBY', KEYS[2], 'tries', 1) >= tonumber(ARGV[2]) then
                redis.call('DEL', KEYS[2])
                redis.call('SET', KEYS[1], 1, 'EX', ARGV[3])
                return {'locked', tonumber(ARGV[3])}
            end
            return {'wrong', 0}
        """)
